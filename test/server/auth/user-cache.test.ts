/** The token → Rezi user mapping is reused for a short time, but an unknown user is never remembered. */
import { DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

let adapter: TestAdapter;
beforeAll(async () => {
  adapter = await startTestAdapter();
});
afterAll(() => adapter.close());

const status = async (token: string) => {
  const res = await fetch(`${adapter.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: (await res.json()) as { code?: string } };
};

it('answers 403 for an unknown user, then 200 as soon as the user is added (no negative caching)', async () => {
  const email = 'new.negotiator@clifton-lettings.example';
  const token = await adapter.mintToken(email);
  const first = await status(token);
  expect(first.status).toBe(403);
  expect(first.json.code).toBe('unknown-user');

  await adapter.ctx.db
    .insertInto('users')
    .values({ id: 'u-new', oid: null, tenant_id: adapter.issuer.tenant, email, name: 'New Negotiator', branch_id: DEMO_USERS.agent.branch.id, role: 'agent' })
    .execute();
  expect((await status(token)).status).toBe(200);
  // Repeated requests with the same identity keep working (served from the mapping cache).
  for (let i = 0; i < 3; i++) expect((await status(token)).status).toBe(200);
});
