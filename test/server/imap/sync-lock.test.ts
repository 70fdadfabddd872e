/**
 * The per-account sync lock across instances: two ImapService instances (two adapters) on one store
 * file. The branch has no IMAP settings, so a run that gets the lock ends at once with
 * `branch-not-configured`; the one that does not gets `sync-in-progress`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../src/server/config';
import type { AuthUser, ServerContext } from '../../../src/server/context';
import { Leases } from '../../../src/server/coordination/lease';
import { ImapService, syncLeaseKey } from '../../../src/server/imap/service';
import { loadDemoData } from '../../../src/server/store/demo-data';
import { migrate, openDatabase } from '../../../src/server/store/db';
import { DEMO_TENANT, DEMO_USERS } from '../../../src/server/store/demo-data';
import { cipherFromConfig } from '../../../src/server/imap/crypto';

const u = DEMO_USERS.agent;
const agent: AuthUser = {
  id: u.id,
  tenantId: DEMO_TENANT,
  oid: null,
  email: u.email,
  name: u.name,
  branchId: u.branch.id,
  branchName: u.branch.name,
  role: u.role,
};

let dir: string;
const contexts: ServerContext[] = [];

function instance(file: string): ImapService {
  const config = loadConfig({ AUTH_LOCAL_ISSUER: '1', DATA_DIR: dir, DATABASE_FILE: file, IMAP_KEY: Buffer.alloc(32, 7).toString('base64') });
  const db = openDatabase(file);
  const ctx = { config, db, log: pino({ level: 'silent' }), clock: () => new Date() } as unknown as ServerContext;
  contexts.push(ctx);
  return new ImapService(ctx, () => cipherFromConfig(config));
}

let one: ImapService;
let two: ImapService;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-sync-lock-'));
  const file = path.join(dir, 'rezi.sqlite');
  one = instance(file);
  await migrate(contexts[0].db);
  await loadDemoData(contexts[0].db);
  two = instance(file);
});
afterAll(async () => {
  for (const c of contexts) await c.db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ran',
    (e: { code?: string }) => e.code,
  );

it('two instances asked to sync one account at the same moment: exactly one runs', async () => {
  const outcomes = await Promise.all([codeOf(one.sync(agent)), codeOf(two.sync(agent))]);
  expect(outcomes.sort()).toEqual(['branch-not-configured', 'sync-in-progress']);
  // The run that got the lock released it: the next Start Sync runs.
  expect(await codeOf(two.sync(agent))).toBe('branch-not-configured');
});

it('an account held by another instance is refused with 409 and shown as syncing there too', async () => {
  const other = new Leases(contexts[1].db, { holder: 'another-instance' });
  const held = await other.acquire(syncLeaseKey(agent));
  expect(held).toBeDefined();
  try {
    await expect(one.sync(agent)).rejects.toMatchObject({ statusCode: 409, code: 'sync-in-progress' });
    expect((await one.view(agent)).syncing).toBe(true);
  } finally {
    await held!.release();
  }
  expect((await one.view(agent)).syncing).toBe(false);
});
