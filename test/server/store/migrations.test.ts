/**
 * The migration that puts every account state in one table: a store written by the previous schema
 * (account_state one row per user, IMAP's own copy in imap_accounts) keeps what each screen showed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import { buildStatus } from '../../../src/server/status';
import { getAccount } from '../../../src/server/imap/accounts';
import { migrate } from '../../../src/server/store/db';
import { migrations } from '../../../src/server/store/migrations';
import type { Database } from '../../../src/server/store/schema';
import { openTestStore } from '../../support/store';

let dir: string;
let db: Kysely<Database>;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-migrate-'));
  db = await openTestStore(path.join(dir, 'rezi.sqlite'), { backgroundCheckpoint: false });
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const user = (id: string) => ({ id, oid: null, name: id, email: `${id}@x.test`, branchId: 'b1', branchName: 'Clifton', role: 'agent' as const, tenantId: 't' });

/** The store as the release before this one left it: migrated up to the IMAP tables, with their rows. */
async function previousRelease(): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
  const { error } = await migrator.migrateTo('1001_imap_settings_and_accounts');
  if (error) throw error;
  await sql`insert into branches (id, name, tenant_id) values ('b1', 'Clifton', 't')`.execute(db);
  for (const id of ['graph', 'imap', 'both', 'switched'])
    await sql`insert into users (id, oid, tenant_id, email, name, branch_id, role) values (${id}, null, 't', ${`${id}@x.test`}, ${id}, 'b1', 'agent')`.execute(
      db,
    );
  const state = (id: string, kind: string, s: string, cause: string | null, at: string) =>
    sql`insert into account_state (user_id, kind, state, cause, updated_at) values (${id}, ${kind}, ${s}, ${cause}, ${at})`.execute(db);
  // Bytes as a parameter: x'00' is a BLOB to SQLite but a bit string to PostgreSQL.
  const b = Buffer.from([0]);
  const imap = (id: string, s: string, code: string | null, errorAt: string | null, at: string) =>
    sql`insert into imap_accounts (user_id, username, kid, iv, tag, ciphertext, folder_delimiter, created_at, updated_at, state, last_error_code, last_error_at)
        values (${id}, ${`${id}-login`}, 'k1', ${b}, ${b}, ${b}, '.', ${at}, ${at}, ${s}, ${code}, ${errorAt})`.execute(db);
  await state('graph', 'office365', 'authorisation-failed', 'authorisation-expired', '2026-11-20T10:00:00.000Z');
  // Only IMAP's own table knew this account (its status row was removed).
  await imap('imap', 'connected', null, null, '2026-11-20T10:00:00.000Z');
  // Both tables, as Authenticate and Start Sync wrote them; the panel's last error is from before the recovery.
  await state('both', 'imap', 'connected', null, '2026-11-21T10:00:00.000Z');
  await imap('both', 'connected', 'password-changed', '2026-11-21T09:00:00.000Z', '2026-11-21T10:00:00.000Z');
  // An IMAP account whose user synced Office 365 last: the card showed Office 365, the panel IMAP.
  await state('switched', 'office365', 'connected', null, '2026-11-22T10:00:00.000Z');
  await imap('switched', 'authorisation-failed', 'server-unreachable', '2026-11-21T08:00:00.000Z', '2026-11-21T08:00:00.000Z');
}

it('moves IMAP’s account state into account_state, a row per user and path, and drops IMAP’s copy', async () => {
  await previousRelease();
  expect(await migrate(db)).toContain('1002_account_state_one_table');

  const rows = await db.selectFrom('account_state').selectAll().orderBy('user_id').orderBy('kind').execute();
  expect(rows).toEqual([
    {
      user_id: 'both',
      kind: 'imap',
      state: 'connected',
      cause: null,
      updated_at: '2026-11-21T10:00:00.000Z',
      last_error_code: 'password-changed',
      last_error_at: '2026-11-21T09:00:00.000Z',
    },
    {
      user_id: 'graph',
      kind: 'office365',
      state: 'authorisation-failed',
      cause: 'authorisation-expired',
      updated_at: '2026-11-20T10:00:00.000Z',
      last_error_code: null,
      last_error_at: null,
    },
    { user_id: 'imap', kind: 'imap', state: 'connected', cause: null, updated_at: '2026-11-20T10:00:00.000Z', last_error_code: null, last_error_at: null },
    {
      user_id: 'switched',
      kind: 'imap',
      state: 'authorisation-failed',
      cause: 'server-unreachable',
      updated_at: '2026-11-21T08:00:00.000Z',
      last_error_code: 'server-unreachable',
      last_error_at: '2026-11-21T08:00:00.000Z',
    },
    {
      user_id: 'switched',
      kind: 'office365',
      state: 'connected',
      cause: null,
      updated_at: '2026-11-22T10:00:00.000Z',
      last_error_code: null,
      last_error_at: null,
    },
  ]);
  const tables = await db.introspection.getTables();
  const columns = (tables.find((t) => t.name === 'imap_accounts')?.columns ?? []).map((c) => c.name);
  expect(columns).toContain('username');
  expect(columns.filter((c) => c === 'state' || c.startsWith('last_error'))).toEqual([]);

  // What each screen showed before: the IMAP panel its own state, the card the path used last.
  expect(await getAccount(db, 'switched')).toMatchObject({ state: 'authorisation-failed', lastErrorCode: 'server-unreachable' });
  expect(await getAccount(db, 'both')).toMatchObject({ state: 'connected', lastErrorCode: 'password-changed' });
  const ctx = { db, clock: () => new Date('2026-11-23T10:00:00Z') };
  expect((await buildStatus(ctx, user('switched'))).account).toMatchObject({ kind: 'office365', state: 'connected' });
  expect((await buildStatus(ctx, user('both'))).account).toMatchObject({ kind: 'imap', state: 'connected', username: 'both-login' });
});
