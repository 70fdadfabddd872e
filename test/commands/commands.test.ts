/** The ribbon command on the add-in runtime: configured the way the pane and the sign-in dialog are. */
import { syncSelectedToRezi } from '../../src/commands/commands';
import { type GraphStandin, startGraphStandin } from '../../dev/graph-standin';
import { type TestAdapter, startTestAdapter } from '../support/adapter';
import { fixedAuth, officeStub } from '../support/office-stub';

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

test('takes the settings the hosting page supplied at run time, as the pane and the dialog do', async () => {
  const id = graph.addMessage('inbox', {
    from: 'sarah.whitfield@example.com',
    to: [AGENT],
    subject: 'Offer on Elm Road',
    internetMessageId: `<c1-${Date.now()}@example.com>`,
  });
  // Built without settings (no REZI_* at build time); the page that hosts the function file supplies them.
  Object.assign(globalThis, { window: { __REZI_CONFIG__: { clientId: 'cid', adapterUrl: adapter.url, adapterScope: SCOPE, graphBaseUrl: graph.url } } });
  try {
    const stub = officeStub({ itemId: id });
    const report = await syncSelectedToRezi(undefined, {
      office: stub.office,
      auth: fixedAuth({ graph: graph.token, adapter: () => adapter.mintToken(AGENT) }, SCOPE),
    });
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ total: 1, received: 1 });
    expect(stub.notifications.at(-1)!.details).toMatchObject({ type: 'informationalMessage', message: 'Filed in Rezi: 1 received' });
  } finally {
    delete (globalThis as { window?: unknown }).window;
  }
});
