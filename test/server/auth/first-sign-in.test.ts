/**
 * Two first sign-ins of one user at once (a client's parallel requests, two adapter instances): the
 * one that loses the race to bind the object id still finds its user. Made deterministic by binding
 * the oid, as the other sign-in would, between this one's two reads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely, KyselyPlugin } from 'kysely';
import { userMapper } from '../../../src/server/auth/verify';
import { LOCAL_DEMO_TENANT } from '../../../src/server/config';
import { migrate } from '../../../src/server/store/db';
import { DEMO_USERS, loadDemoData } from '../../../src/server/store/demo-data';
import type { Database } from '../../../src/server/store/schema';
import { openTestStore } from '../../support/store';

const OID = '0f0e0d0c-0b0a-4909-8807-060504030201';

let dir: string;
let db: Kysely<Database>;
/** The other sign-in's own connection to the same store (SQLite's one connection is busy answering). */
let other: Kysely<Database>;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-first-sign-in-'));
  db = await openTestStore(path.join(dir, 'rezi.sqlite'));
  await migrate(db);
  await loadDemoData(db);
  other = await openTestStore(path.join(dir, 'rezi.sqlite'));
});
afterEach(async () => {
  await other.destroy();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** After the first query this store answers (the lookup by oid, which finds nobody yet), another sign-in binds the oid. */
function racedBy(other: () => Promise<unknown>): Kysely<Database> {
  let answered = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    async transformResult(args) {
      if (++answered === 1) await other();
      return args.result;
    },
  };
  return db.withPlugin(plugin);
}

const payload = { tid: LOCAL_DEMO_TENANT, oid: OID, preferred_username: DEMO_USERS.agent.email };

it('finds the user a concurrent first sign-in bound between its lookup by oid and its bind', async () => {
  const raced = racedBy(() => other.updateTable('users').set({ oid: OID }).where('id', '=', DEMO_USERS.agent.id).execute());
  const user = await userMapper(raced)(payload);
  expect(user).toMatchObject({ id: DEMO_USERS.agent.id, oid: OID, email: DEMO_USERS.agent.email });
});

it('still refuses when the row was bound to another oid in between (a recycled mailbox)', async () => {
  const raced = racedBy(() => other.updateTable('users').set({ oid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' }).where('id', '=', DEMO_USERS.agent.id).execute());
  await expect(userMapper(raced)(payload)).rejects.toMatchObject({ code: 'unknown-user' });
});

it('binds on a first sign-in nobody races (the control case)', async () => {
  const user = await userMapper(db)(payload);
  expect(user).toMatchObject({ id: DEMO_USERS.agent.id, oid: OID });
});
