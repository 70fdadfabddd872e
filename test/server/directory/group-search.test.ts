/**
 * The search-word index behind "fix a Failed mail": filled by the migration for cards already in a
 * store, and by the CSV import; a search is a prefix of each word, branch-scoped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import { importCsv } from '../../../src/server/cli/import-csv';
import { searchGroups } from '../../../src/server/directory/group-search';
import { searchWords } from '../../../src/server/directory/search-terms';
import { migrate } from '../../../src/server/store/db';
import { migrations } from '../../../src/server/store/migrations';
import type { Database } from '../../../src/server/store/schema';
import { openTestStore } from '../../support/store';

let dir: string;
let db: Kysely<Database>;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-search-'));
  db = await openTestStore(path.join(dir, 'rezi.sqlite'), { backgroundCheckpoint: false });
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const names = async (branchId: string, query: string) => (await searchGroups(db, branchId, 'https://rezi.example/', query)).groups.map((g) => g.name);

it('splits text into lower-case words of letters and digits', () => {
  expect(searchWords('Flat 2, 9 Caledonia Place — BS8 4DH')).toEqual(['flat', '2', '9', 'caledonia', 'place', 'bs8', '4dh']);
  expect(searchWords('Zoë.Brandt@Bücher.example')).toEqual(['zoë', 'brandt', 'bücher', 'example']);
});

it('indexes the cards already in a store when it migrates, and finds them by word prefixes only in their branch', async () => {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004')) },
    allowUnorderedMigrations: true,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  await sql`insert into branches (id, name, tenant_id) values ('b1', 'Bath', 't'), ('b2', 'Wells', 't')`.execute(db);
  await sql`insert into groups (id, branch_id, name, kind) values ('g1', 'b1', '12 Pulteney Street, Bath, BA2 4DL', 'landlord'),
    ('g2', 'b2', '12 Pulteney Street, Wells, BA5 2RR', 'landlord')`.execute(db);
  await sql`insert into contacts (id, group_id, name) values ('c1', 'g1', 'Margaret Ellis')`.execute(db);
  await sql`insert into contact_addresses (contact_id, address) values ('c1', 'm.ellis@example.org')`.execute(db);

  expect(await migrate(db)).toContain('0004_group_search');
  expect(await names('b1', 'pult ba2')).toEqual(['12 Pulteney Street, Bath, BA2 4DL']);
  expect(await names('b1', 'ELLIS')).toEqual(['12 Pulteney Street, Bath, BA2 4DL']);
  expect(await names('b1', 'm.ellis@exam')).toEqual(['12 Pulteney Street, Bath, BA2 4DL']);
  // A word must begin a word of the card; every word must match.
  expect(await names('b1', 'teney')).toEqual([]);
  expect(await names('b1', 'pulteney wells')).toEqual([]);
  expect(await names('b2', 'pulteney')).toEqual(['12 Pulteney Street, Wells, BA5 2RR']);
  // Deleting a card takes its words with it.
  await db.deleteFrom('groups').where('id', '=', 'g2').execute();
  expect(await db.selectFrom('group_search_terms').select('group_id').where('group_id', '=', 'g2').execute()).toEqual([]);
});

it('indexes what the CSV import writes', async () => {
  await migrate(db);
  await importCsv(db, 'branch,group_name,group_kind,contact_name,email\nBath,"1 Gay Street, Bath, BA1 2PH",tenant,Owen Price,owen@example.com\n', {
    tenantId: 't',
  });
  const branch = await db.selectFrom('branches').select('id').executeTakeFirstOrThrow();
  expect(await names(branch.id, 'owen gay')).toEqual(['1 Gay Street, Bath, BA1 2PH']);
});
