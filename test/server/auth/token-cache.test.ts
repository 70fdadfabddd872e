/** A token that passed validation is taken as valid again until it expires; a refused token is never remembered. */
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import { startLocalIssuer, type LocalIssuer } from '../../../src/server/auth/local-issuer';
import { createTokenVerifier } from '../../../src/server/auth/verify';
import type { TokenVerifier } from '../../../src/server/context';
import { migrate } from '../../../src/server/store/db';
import { openTestStore } from '../../support/store';
import { DEMO_USERS, loadDemoData } from '../../../src/server/store/demo-data';
import type { Database } from '../../../src/server/store/schema';

let issuer: LocalIssuer;
let db: Kysely<Database>;
let keyLookups = 0;
let verifier: TokenVerifier;

beforeAll(async () => {
  issuer = await startLocalIssuer({ port: 0 });
  db = await openTestStore(':memory:');
  await migrate(db);
  await loadDemoData(db);
  const local = createLocalJWKSet({ keys: [issuer.publicJwk] });
  // Counts signature checks: jose asks for the key once per verification.
  const keys: JWTVerifyGetKey = (header, token) => {
    keyLookups++;
    return local(header, token);
  };
  verifier = createTokenVerifier(
    db,
    { issuers: [issuer.issuerTemplate], audience: issuer.audience, allowedTenants: [issuer.tenant], localIssuer: true, localIssuerPort: 0 },
    { keys },
  );
});
afterAll(async () => {
  jest.useRealTimers();
  await db.destroy();
  await issuer.close();
});

const agent = DEMO_USERS.agent.email;

it('verifies a token once, then reuses the result for the same token', async () => {
  const token = await issuer.mintToken({ preferred_username: agent });
  const before = keyLookups;
  const first = await verifier.authenticate(`Bearer ${token}`);
  for (let i = 0; i < 3; i++) expect(await verifier.authenticate(`Bearer ${token}`)).toEqual(first);
  expect(keyLookups - before).toBe(1);
  // Another token is verified on its own.
  await verifier.authenticate(`Bearer ${await issuer.mintToken({ preferred_username: agent })}`);
  expect(keyLookups - before).toBe(2);
});

it('never remembers a refused token', async () => {
  const wrongAudience = await issuer.mintToken({ preferred_username: agent, aud: 'api://someone-else' });
  for (let i = 0; i < 2; i++) await expect(verifier.authenticate(`Bearer ${wrongAudience}`)).rejects.toMatchObject({ statusCode: 401 });
});

it('refuses a reused token once it has expired (past the clock skew)', async () => {
  const token = await issuer.mintToken({ preferred_username: agent }, { expiresIn: 120 });
  await verifier.authenticate(`Bearer ${token}`);
  jest.useFakeTimers({ now: Date.now() + 120_000 + 61_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  await expect(verifier.authenticate(`Bearer ${token}`)).rejects.toMatchObject({ statusCode: 401, code: 'token-expired' });
  jest.useRealTimers();
});

it('reuses a token’s user for userCacheMs, then reads the row again (a change to the user’s row is seen)', async () => {
  const cached = createTokenVerifier(
    db,
    { issuers: [issuer.issuerTemplate], audience: issuer.audience, allowedTenants: [issuer.tenant], localIssuer: true, localIssuerPort: 0 },
    { keys: createLocalJWKSet({ keys: [issuer.publicJwk] }), userCacheMs: 30_000 },
  );
  const user = DEMO_USERS.agent;
  const token = await issuer.mintToken({ preferred_username: user.email });
  expect((await cached.authenticate(`Bearer ${token}`)).name).toBe(user.name);
  await db.updateTable('users').set({ name: 'Renamed Agent' }).where('id', '=', user.id).execute();
  try {
    const start = Date.now();
    jest.useFakeTimers({ now: start + 29_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    expect((await cached.authenticate(`Bearer ${token}`)).name).toBe(user.name);
    jest.setSystemTime(start + 31_000);
    expect((await cached.authenticate(`Bearer ${token}`)).name).toBe('Renamed Agent');
  } finally {
    jest.useRealTimers();
    await db.updateTable('users').set({ name: user.name }).where('id', '=', user.id).execute();
  }
});
