/** runGraphSync: the Office 365 run shared by the pane and the ribbon command, against the Graph stand-in and the real adapter. */
import { createAdapterClient } from '../../src/client/adapter-client';
import { runGraphSync } from '../../src/outlook/sync';
import { type TestAdapter, startTestAdapter } from '../support/adapter';
import { type GraphStandin, startGraphStandin } from '../support/graph-standin';
import { fixedAuth, officeStub } from './office-stub';

const SCOPE = 'api://rezi-sync/access_as_user';
const AGENT = 'agent@brightwells.co.uk';

let graph: GraphStandin;
let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ logLevel: 'silent' });
  graph = await startGraphStandin({ user: { mail: AGENT, userPrincipalName: AGENT, proxyAddresses: [`SMTP:${AGENT}`] } });
});
afterAll(async () => {
  await graph.close();
  await adapter.close();
});

test('asks who the owner is while it finds the folders, not one after the other', async () => {
  const id = graph.addMessage('inbox', {
    from: 'sarah.whitfield@example.com',
    to: [AGENT],
    subject: 'Offer',
    internetMessageId: `<o-${Date.now()}@example.com>`,
  });
  // GET /me answers slowly: run in sequence, it would finish before the folder lookup started.
  graph.fault({ kind: 'slow', delayMs: 300, times: 1, match: (r) => r.method === 'GET' && r.path === '/me' });
  const report = await runGraphSync({
    config: { clientId: 'cid', adapterUrl: adapter.url, adapterScope: SCOPE, graphBaseUrl: graph.url },
    auth: fixedAuth({ graph: graph.token, adapter: () => adapter.mintToken(AGENT) }, SCOPE),
    adapter: createAdapterClient({ baseUrl: adapter.url, getToken: () => adapter.mintToken(AGENT) }),
    itemIds: [id],
    office: officeStub().office,
  });
  expect(report.error).toBeUndefined();
  expect(report).toMatchObject({ total: 1, received: 1 });
  const answered = graph.log.filter((e) => !e.sub).map((e) => `${e.method} ${e.path}`);
  expect(answered.indexOf('GET /me/mailFolders')).toBeGreaterThanOrEqual(0);
  expect(answered.indexOf('GET /me/mailFolders')).toBeLessThan(answered.indexOf('GET /me'));
  // The tree found alongside is the one the engine used: no second lookup.
  expect(answered.filter((a) => a === 'GET /me/mailFolders')).toHaveLength(1);
});
