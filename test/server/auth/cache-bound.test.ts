/**
 * Two instances on one store, each with its own token and user-mapping caches: a user's branch and
 * role changed through one are seen by the other within USER_CACHE_MS, and not before (the cache
 * is what spares each request its query, so "not before" is the cache working, "within" its bound).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet } from 'jose';
import type { Kysely } from 'kysely';
import { startLocalIssuer, type LocalIssuer } from '../../../src/server/auth/local-issuer';
import { createTokenVerifier, USER_CACHE_MS } from '../../../src/server/auth/verify';
import type { TokenVerifier } from '../../../src/server/context';
import { migrate } from '../../../src/server/store/db';
import { openTestStore } from '../../support/store';
import { DEMO_BRANCHES, DEMO_USERS, loadDemoData } from '../../../src/server/store/demo-data';
import type { Database } from '../../../src/server/store/schema';

let dir: string;
let issuer: LocalIssuer;
let one: Kysely<Database>;
let two: Kysely<Database>;
const verifierOn = (db: Kysely<Database>): TokenVerifier =>
  createTokenVerifier(
    db,
    { issuers: [issuer.issuerTemplate], audience: issuer.audience, allowedTenants: [issuer.tenant], localIssuer: true, localIssuerPort: 0 },
    { keys: createLocalJWKSet({ keys: [issuer.publicJwk] }) },
  );

beforeAll(async () => {
  issuer = await startLocalIssuer({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-cache-bound-'));
  const file = path.join(dir, 'rezi.sqlite');
  one = await openTestStore(file);
  await migrate(one);
  await loadDemoData(one, issuer.tenant);
  two = await openTestStore(file);
});
afterAll(async () => {
  jest.useRealTimers();
  await one.destroy();
  await two.destroy();
  await issuer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a branch and role changed through one instance are seen by the other within USER_CACHE_MS, not before', async () => {
  expect(USER_CACHE_MS).toBe(30_000);
  const [first, second] = [verifierOn(one), verifierOn(two)];
  const user = DEMO_USERS.agent;
  const token = `Bearer ${await issuer.mintToken({ preferred_username: user.email })}`;
  expect(await first.authenticate(token)).toMatchObject({ branchId: user.branch.id, role: 'agent' });
  const start = Date.now();
  expect(await second.authenticate(token)).toMatchObject({ branchId: user.branch.id, role: 'agent' });

  const moved = Object.values(DEMO_BRANCHES).find((b) => b.id !== user.branch.id)!;
  await one.updateTable('users').set({ branch_id: moved.id, role: 'admin' }).where('id', '=', user.id).execute();
  jest.useFakeTimers({ now: start + USER_CACHE_MS - 1_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  expect(await second.authenticate(token)).toMatchObject({ branchId: user.branch.id, role: 'agent' });
  jest.setSystemTime(start + USER_CACHE_MS + 1000);
  expect(await second.authenticate(token)).toMatchObject({ branchId: moved.id, branchName: moved.name, role: 'admin' });
  expect(await first.authenticate(token)).toMatchObject({ branchId: moved.id, role: 'admin' });
});
