import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { importCsv } from '../../../src/server/cli/import-csv';
import { SqliteDirectory } from '../../../src/server/directory/sqlite';
import { migrate } from '../../../src/server/store/db';
import { testStoreKind } from '../../support/postgres';
import { openTestStore } from '../../support/store';
import type { Database } from '../../../src/server/store/schema';

const CSV = `branch,group_name,group_kind,contact_name,email
Harbourside Lettings — Bath,"12 Pulteney Street, Bath, BA2 4DL — Landlord",landlord,Margaret Ellis,margaret.ellis@example.com;M.Ellis@Example.org
Harbourside Lettings — Bath,"12 Pulteney Street, Bath, BA2 4DL — Landlord",landlord,Margaret Ellis,margaret.ellis@example.com
Harbourside Lettings — Bath,"Flat 4, 1 Gay Street, Bath, BA1 2PH — Tenant",tenant,Owen Price,owen@bücher.example
Harbourside Lettings — Bath,"7 The Circus, Bath — Vendor",castle,Nobody,n@example.com
Harbourside Lettings — Bath,"7 The Circus, Bath — Vendor",vendor,Nobody,not-an-address
`;

describe('CSV import', () => {
  let dir: string;
  let db: Kysely<Database>;
  let file: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-csv-'));
    file = path.join(dir, 'groups.csv');
    fs.writeFileSync(file, CSV);
    db = await openTestStore(path.join(dir, 'rezi.sqlite'));
    await migrate(db);
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates branches, groups, contacts and normalised addresses; skips bad rows with their line; is idempotent', async () => {
    const r = await importCsv(db, fs.readFileSync(file, 'utf8'), { tenantId: 't-1' });
    expect(r).toMatchObject({ rows: 5, branchesCreated: 1, groupsCreated: 2, contactsCreated: 2, addressesAdded: 3 });
    expect(r.skipped).toEqual([
      { line: 5, reason: expect.stringContaining('group_kind') },
      { line: 6, reason: expect.stringContaining('not-an-address') },
    ]);
    const addresses = (await db.selectFrom('contact_addresses').select('address').orderBy('address').execute()).map((a) => a.address);
    expect(addresses).toEqual(['m.ellis@example.org', 'margaret.ellis@example.com', 'owen@xn--bcher-kva.example']);

    const again = await importCsv(db, CSV, { tenantId: 't-1' });
    expect(again).toMatchObject({ branchesCreated: 0, groupsCreated: 0, contactsCreated: 0, addressesAdded: 0 });

    // The imported cards are matchable.
    const branch = await db.selectFrom('branches').select('id').executeTakeFirstOrThrow();
    const dirStore = new SqliteDirectory(db, 'https://rezi.example/g/');
    const found = await dirStore.lookup(branch.id, ['m.ellis@example.org', 'owen@xn--bcher-kva.example']);
    expect([...found.keys()].sort()).toEqual(['m.ellis@example.org', 'owen@xn--bcher-kva.example']);
  });

  // PostgreSQL plans the filing lookup from statistics, and a freshly imported table has none until
  // autovacuum passes (test/server/directory/lookup-plan.test.ts shows the full scan it plans without).
  (testStoreKind() === 'postgres' ? it : it.skip)('gathers PostgreSQL’s statistics for the lookup’s tables when it is done', async () => {
    await importCsv(db, CSV, { tenantId: 't-1' });
    // last_analyze is set by ANALYZE alone (autovacuum's own is last_autoanalyze).
    const { rows } = await sql<{ relname: string }>`select relname from pg_stat_user_tables where last_analyze is not null order by relname`.execute(db);
    expect(rows.map((r) => r.relname)).toEqual(expect.arrayContaining(['contact_addresses', 'contacts', 'groups']));
  });

  it('refuses a file without the expected columns', async () => {
    await expect(importCsv(db, 'name,address\nx,y\n', { tenantId: 't' })).rejects.toThrow(/lacks the column\(s\) branch/);
  });
});
