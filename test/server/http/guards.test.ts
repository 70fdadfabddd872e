/**
 * The API's limits are shared through the store: two adapter instances on one store file (each with
 * its own local issuer, so each mints its own tokens for the same users) count one user's requests,
 * and one address's failed sign-ins, together.
 */
import { DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

let one: TestAdapter;
let two: TestAdapter;
beforeAll(async () => {
  const env = { RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_FAILURES_PER_MINUTE: '4' };
  one = await startTestAdapter({ env, logLevel: 'silent' });
  two = await startTestAdapter({ env, logLevel: 'silent', dbFile: one.dbFile });
});
afterAll(async () => {
  await two?.close();
  await one?.close();
});

const get = (adapter: TestAdapter, token: string) =>
  fetch(`${adapter.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
    status: r.status,
    retryAfter: r.headers.get('retry-after'),
    body: (await r.json()) as { code?: string },
  }));

it('counts one user’s requests on both instances against one per-user limit', async () => {
  const [a, b] = [await one.mintToken(DEMO_USERS.agent.email), await two.mintToken(DEMO_USERS.agent.email)];
  const codes: number[] = [];
  for (const [adapter, token] of [
    [one, a],
    [two, b],
    [one, a],
    [two, b],
    [one, a],
    [two, b],
  ] as const)
    codes.push((await get(adapter, token)).status);
  expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
  // Another user has a count of their own.
  expect((await get(two, await two.mintToken(DEMO_USERS.admin.email))).status).toBe(200);
});

it('counts one address’s failed sign-ins on both instances against one limit', async () => {
  const forged = 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  const statuses: number[] = [];
  for (const adapter of [one, two, one, two]) statuses.push((await get(adapter, forged.slice(7))).status);
  expect(statuses).toEqual([401, 401, 401, 401]);
  const refused = await get(two, forged.slice(7));
  expect(refused.status).toBe(429);
  expect(refused.body.code).toBe('rate-limited');
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  expect((await get(one, forged.slice(7))).status).toBe(429);
});
