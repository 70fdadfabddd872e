/**
 * The filing lookup reads the address index, not the table, on the store the run is on
 * (REZI_TEST_STORE): every batch looks up its addresses, so a scan would grow with the directory.
 * Checked on the plan the store makes for the directory's own query, before and after the store
 * has statistics (PostgreSQL needs them), and the check is shown to catch a scan once the index is gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { addressLookup, analyzeDirectory } from '../../../src/server/directory/sqlite';
import { migrate } from '../../../src/server/store/db';
import type { Database } from '../../../src/server/store/schema';
import { isPostgres } from '../../../src/server/store/dialect';
import { testStoreKind } from '../../support/postgres';
import { fullScans, queryPlan, usesIndex } from '../../support/query-plan';
import { openTestStore } from '../../support/store';

/**
 * Enough rows that PostgreSQL's planner has a reason to use an index: at 5,000 groups / 12,500
 * addresses (~100 pages) reading the table was cheaper for it than 100 index probes, and it was right.
 * At this size it probes the address index and hashes the (small) contacts table; from ~100,000 groups
 * it probes every table by index (the bench's plans).
 */
const GROUPS = 20_000;
const ADDRESSES = 50_000;
const ROWS_PER_INSERT = 1_000;

const address = (n: number) => `contact${n}@agency${n % 97}.plan.example`;

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

async function inChunks(count: number, insert: (rows: number[]) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < count; from += ROWS_PER_INSERT) await insert(range(from, Math.min(count, from + ROWS_PER_INSERT)));
}

let dir: string;
let db: Kysely<Database>;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-plan-'));
  db = await openTestStore(path.join(dir, 'rezi.sqlite'));
  await migrate(db);
  await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't' }).execute();
  await inChunks(GROUPS, (rows) =>
    db
      .insertInto('groups')
      .values(rows.map((g) => ({ id: `g${g}`, branch_id: 'b1', name: `${g} Plan Street`, kind: 'vendor' as const, rezi_ref: null })))
      .execute(),
  );
  await inChunks(GROUPS, (rows) =>
    db
      .insertInto('contacts')
      .values(rows.map((g) => ({ id: `c${g}`, group_id: `g${g}`, name: `Contact ${g}` })))
      .execute(),
  );
  await inChunks(ADDRESSES, (rows) =>
    db
      .insertInto('contact_addresses')
      .values(rows.map((n) => ({ contact_id: `c${n % GROUPS}`, address: address(n) })))
      .execute(),
  );
}, 60_000);
afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One filing batch's lookup: 100 addresses spread over the directory, a fifth of them nobody's. */
const batch = Array.from({ length: 100 }, (_, i) => (i % 5 === 4 ? `stranger${i}@nowhere.example` : address((i * 7919) % ADDRESSES)));

describe(`the address lookup's plan on ${testStoreKind()}`, () => {
  it('finds the batch’s groups', async () => {
    const rows = await addressLookup(db, batch).execute();
    expect(new Set(rows.map((r) => r.address)).size).toBe(80);
  });

  it('before the store has statistics: SQLite reads the address index; PostgreSQL reads the whole table (why imports analyse)', async () => {
    const plan = await queryPlan(db, addressLookup(db, batch));
    if (isPostgres(db)) {
      expect(fullScans(plan, 'contact_addresses')).toHaveLength(1);
    } else {
      expect(usesIndex(plan, 'contact_addresses_address')).toBe(true);
      expect(fullScans(plan)).toEqual([]);
    }
  });

  it('after analyzeDirectory (what the CSV import runs) it reads the address index, not the whole address table', async () => {
    await analyzeDirectory(db);
    const plan = await queryPlan(db, addressLookup(db, batch));
    expect(usesIndex(plan, 'contact_addresses_address')).toBe(true);
    expect(fullScans(plan, 'contact_addresses')).toEqual([]);
  });

  it('the check sees the scan once the index is gone', async () => {
    await db.schema.dropIndex('contact_addresses_address').execute();
    await analyzeDirectory(db);
    const plan = await queryPlan(db, addressLookup(db, batch));
    expect(usesIndex(plan, 'contact_addresses_address')).toBe(false);
    // SQLite then reads every contact and probes the primary key; PostgreSQL reads the address table.
    expect(fullScans(plan).length).toBeGreaterThan(0);
  });
});
