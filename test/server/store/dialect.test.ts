/**
 * What the two stores answer differently underneath, made the same at the store's edge: run on each
 * store (REZI_TEST_STORE), so each difference is pinned where it exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { MIGRATION_LOCK, migrate } from '../../../src/server/store/db';
import { migrations } from '../../../src/server/store/migrations';
import type { Database } from '../../../src/server/store/schema';
import { imapDb } from '../../../src/server/imap/tables';
import { testStoreKind } from '../../support/postgres';
import { openTestStore } from '../../support/store';

describe(`the store on ${testStoreKind()}`, () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-dialect-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function seeded(): Promise<Kysely<Database>> {
    const db = await openTestStore(path.join(dir, 'rezi.sqlite'));
    await migrate(db);
    await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't' }).execute();
    await db.insertInto('users').values({ id: 'u1', oid: null, tenant_id: 't', email: 'a@x.test', name: 'A', branch_id: 'b1', role: 'agent' }).execute();
    await db.insertInto('groups').values({ id: 'g1', branch_id: 'b1', name: 'G', kind: 'vendor', rezi_ref: null }).execute();
    return db;
  }

  it('answers counts as numbers (PostgreSQL’s COUNT is a BIGINT, which pg reads as a string)', async () => {
    const db = await seeded();
    try {
      const row = await db
        .selectFrom('groups')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('groups.id').as('m')])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ n: 1, m: 1 });
    } finally {
      await db.destroy();
    }
  });

  it('keeps the exactly-once key on a conflicting batch: onConflict doNothing returns only the new rows', async () => {
    const db = await seeded();
    try {
      const ev = { owner_user_id: 'u1', group_id: 'g1', direction: 'inbound' as const, subject: 's', occurred_at: 'x', created_at: 'x' };
      const insert = (rows: { id: string; internet_message_id: string }[]) =>
        db
          .insertInto('timeline_events')
          .values(rows.map((r) => ({ ...ev, ...r })))
          .onConflict((oc) => oc.columns(['internet_message_id', 'group_id']).doNothing())
          .returning('id')
          .execute();
      expect(await insert([{ id: 'e1', internet_message_id: '<1@x>' }])).toEqual([{ id: 'e1' }]);
      expect(
        await insert([
          { id: 'e2', internet_message_id: '<1@x>' },
          { id: 'e3', internet_message_id: '<2@x>' },
        ]),
      ).toEqual([{ id: 'e3' }]);
    } finally {
      await db.destroy();
    }
  });

  it('stores bytes as bytes (SQLite BLOB, PostgreSQL BYTEA)', async () => {
    const db = await seeded();
    try {
      const bytes = Buffer.from([0, 255, 1, 254, 0]);
      const now = '2026-12-02T00:00:00.000Z';
      await imapDb(db)
        .insertInto('imap_accounts')
        .values({ user_id: 'u1', username: 'a', kid: 'k', iv: bytes, tag: bytes, ciphertext: bytes, folder_delimiter: null, created_at: now, updated_at: now })
        .execute();
      const row = await imapDb(db).selectFrom('imap_accounts').select(['iv', 'ciphertext']).executeTakeFirstOrThrow();
      expect(Buffer.isBuffer(row.iv) && row.iv.equals(bytes) && Buffer.from(row.ciphertext).equals(bytes)).toBe(true);
    } finally {
      await db.destroy();
    }
  });
});

const onPostgres = testStoreKind() === 'postgres' ? describe : describe.skip;

// PostgreSQL only: several instances share one database there (one process per SQLite file).
onPostgres('several instances starting at once on one PostgreSQL', () => {
  it('migrate it once between them, and every one finds the schema complete', async () => {
    const file = path.join(os.tmpdir(), `rezi-dialect-race-${process.pid}-${Date.now()}`);
    const instances = await Promise.all([1, 2, 3, 4].map(() => openTestStore(file)));
    try {
      const applied = await Promise.all(instances.map((db) => migrate(db)));
      expect(applied.flat().sort()).toEqual(Object.keys(migrations).sort());
      for (const db of instances) expect(await migrate(db)).toEqual([]);
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
    }
  });

  it('wait while another holds the migration lock, then migrate', async () => {
    const file = path.join(os.tmpdir(), `rezi-dialect-lock-${process.pid}-${Date.now()}`);
    const [holder, starting] = await Promise.all([openTestStore(file), openTestStore(file)]);
    try {
      const held = await holder.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
        let done = false;
        const migrating = migrate(starting).then((names) => ((done = true), names));
        await new Promise((r) => setTimeout(r, 500));
        const waited = !done;
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
        return { waited, applied: await migrating };
      });
      expect(held).toEqual({ waited: true, applied: Object.keys(migrations).sort() });
    } finally {
      await Promise.all([holder.destroy(), starting.destroy()]);
    }
  });
});
