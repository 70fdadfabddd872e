/**
 * Office 365 automatic filing on the real adapter: the pane's token is exchanged on the agent's
 * behalf (the local issuer's on-behalf-of grant), the refresh token is stored sealed, and the next
 * delta poll files mail moved into Queue on the Graph stand-in with no pane at all. Stop Email Sync
 * deletes the stored refresh token; a refused grant stops the polling with its cause recorded.
 */
import { startGraphStandin, type GraphStandin } from '../../../dev/graph-standin';
import { Leases } from '../../../src/server/coordination/lease';
import { GraphTokens } from '../../../src/server/graph/graph-tokens';
import { GraphQueuePollers } from '../../../src/server/graph/queue-poller';
import { graphPollersRunning } from '../../../src/server/graph/routes';
import { graphWatchLeaseKey } from '../../../src/server/graph/status';
import { imapServiceFor } from '../../../src/server/imap/service';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import type { ApiStatus } from '../../../src/core/api';

jest.setTimeout(30_000);

let adapter: TestAdapter;
let graph: GraphStandin;
let token: string;

beforeEach(async () => {
  graph = await startGraphStandin({
    user: { mail: DEMO_USERS.agent.email, userPrincipalName: DEMO_USERS.agent.email },
    acceptToken: (t) => adapter.issuer.obo?.isGraphToken(t) ?? false,
  });
  adapter = await startTestAdapter({
    env: { GRAPH_CLIENT_ID: 'rezi-adapter-test', GRAPH_CLIENT_SECRET: 'obo-secret-9Tq', GRAPH_URL: graph.url, WATCH_MAX_ACCOUNTS: '5' },
  });
  token = await adapter.mintToken(DEMO_USERS.agent.email);
});
afterEach(async () => {
  await adapter.close();
  await graph.close();
});

const call = async (method: string, bearer = token) => {
  const res = await fetch(`${adapter.url}/api/v1/graph/automatic-filing`, { method, headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
const pollers = () => graphPollersRunning.get(adapter.ctx)!;
const stored = () =>
  adapter.ctx.db
    .withTables<{ graph_accounts: { user_id: string; ciphertext: Uint8Array; stopped_cause: string | null } }>()
    .selectFrom('graph_accounts')
    .selectAll()
    .execute();

test('mail moved into Queue from another client is filed by the next delta poll, with the pane closed', async () => {
  const mail = graph.addMessage('inbox', { from: DEMO_ADDRESSES.cliftonVendor, to: [DEMO_USERS.agent.email], subject: 'Offer on 14 Elm Road' });
  expect(await call('POST')).toMatchObject({ status: 200, json: { enabled: true } });
  await pollers().pollAll();
  // The first round made the folders and found Queue empty: the mail is still where the agent left it.
  expect(graph.messagesIn('inbox').map((m) => m.subject)).toEqual(['Offer on 14 Elm Road']);

  graph.moveMessage(mail, 'Rezi-Imported/Queue');
  await pollers().pollAll();
  expect(graph.messagesIn('Rezi-Imported/Queue')).toEqual([]);
  expect(graph.messagesIn('Rezi-Imported/Received').map((m) => m.subject)).toEqual(['Offer on 14 Elm Road']);
  const runs = await adapter.ctx.db.selectFrom('sync_runs').select(['source', 'received']).where('user_id', '=', DEMO_USERS.agent.id).execute();
  expect(runs).toEqual([expect.objectContaining({ source: 'graph', received: 1 })]);
  const status = (await (await fetch(`${adapter.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as ApiStatus;
  expect(status.account).toMatchObject({ kind: 'office365', watch: { watched: true, enabled: true, lastRunAt: expect.any(String) } });
});

test('the access token is reused between polls: one refresh grant, not one a poll', async () => {
  await call('POST');
  for (let i = 0; i < 3; i++) await pollers().pollAll();
  expect(adapter.issuer.obo!.issued.refresh).toBe(1);
});

test('a branch whose IT turned automatic filing off is not polled, and cannot turn it on', async () => {
  await call('POST');
  await pollers().pollAll();
  const admin = await adapter.mintToken(DEMO_USERS.admin.email);
  const put = await fetch(`${adapter.url}/api/v1/admin/branches/${DEMO_USERS.agent.branch.id}/imap/automatic-filing`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: false }),
  });
  expect(put.status).toBe(200);
  graph.addMessage('Rezi-Imported/Queue', { from: DEMO_ADDRESSES.cliftonVendor, to: [DEMO_USERS.agent.email], subject: 'Branch off' });
  await pollers().pollAll();
  expect(graph.messagesIn('Rezi-Imported/Queue').map((m) => m.subject)).toEqual(['Branch off']);
  expect(pollers().polling()).toEqual([]);
  expect(await call('POST')).toMatchObject({ status: 409, json: { code: 'automatic-filing-off' } });
});

test('the refresh token is stored sealed, and Stop Email Sync deletes it: Queue is polled no more', async () => {
  await call('POST');
  await pollers().pollAll();
  const [row] = await stored();
  expect(row.user_id).toBe(DEMO_USERS.agent.id);
  expect(Buffer.from(row.ciphertext).toString('utf8')).not.toContain('rt.');

  expect(await call('DELETE')).toMatchObject({ status: 200, json: { deleted: true } });
  expect(await stored()).toEqual([]);
  graph.addMessage('Rezi-Imported/Queue', { from: DEMO_ADDRESSES.cliftonVendor, to: [DEMO_USERS.agent.email], subject: 'After stop' });
  await pollers().pollAll();
  expect(graph.messagesIn('Rezi-Imported/Queue').map((m) => m.subject)).toEqual(['After stop']);
  expect(await call('DELETE')).toMatchObject({ status: 200, json: { deleted: false } });
});

test('without consent the exchange is refused in plain words and nothing is stored', async () => {
  adapter.issuer.obo!.consent = 'missing';
  const r = await call('POST');
  expect(r.status).toBe(422);
  expect(r.json).toMatchObject({ code: 'graph-consent-missing', cause: 'consent-missing' });
  expect(String(r.json.message)).toContain('admin consent');
  expect(await stored()).toEqual([]);
});

test('a refresh Microsoft refuses (sign-in needed, or revoked) stops the polling with its cause', async () => {
  await call('POST');
  await pollers().pollAll();
  adapter.issuer.obo!.interaction = 'required';
  graph.addMessage('Rezi-Imported/Queue', { from: DEMO_ADDRESSES.cliftonVendor, to: [DEMO_USERS.agent.email], subject: 'Needs MFA' });
  // The access token held lapses: Graph refuses it, and the next poll asks for a new one.
  adapter.issuer.obo!.expireAccessTokens();
  await pollers().pollAll();
  expect(graph.messagesIn('Rezi-Imported/Queue').map((m) => m.subject)).toEqual(['Needs MFA']);
  await pollers().pollAll();
  expect((await stored())[0].stopped_cause).toBe('interaction-required');
  const state = await adapter.ctx.db
    .selectFrom('account_state')
    .selectAll()
    .where('user_id', '=', DEMO_USERS.agent.id)
    .where('kind', '=', 'office365')
    .executeTakeFirst();
  expect(state?.cause).toBe('authorisation-expired');
  // Stopped: the next poll does not ask Microsoft again, and the mail waits in Queue.
  adapter.issuer.obo!.interaction = 'none';
  await pollers().pollAll();
  expect(graph.messagesIn('Rezi-Imported/Queue').map((m) => m.subject)).toEqual(['Needs MFA']);
});

test('an adapter without GRAPH_CLIENT_ID answers that automatic filing is not set up', async () => {
  const plain = await startTestAdapter();
  try {
    const res = await fetch(`${plain.url}/api/v1/graph/automatic-filing`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await plain.mintToken(DEMO_USERS.agent.email)}` },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'graph-automatic-filing-off', cause: 'not-configured' });
    // The pane's switch learns it up front, before anyone presses it.
    const status = await fetch(`${plain.url}/api/v1/status`, { headers: { authorization: `Bearer ${await plain.mintToken(DEMO_USERS.agent.email)}` } });
    expect(((await status.json()) as ApiStatus).account.graphAutomaticFiling).toBe(false);
  } finally {
    await plain.close();
  }
});

test('one poller per account across instances: while another instance holds the account’s lease, this one leaves its Queue alone', async () => {
  await call('POST');
  await pollers().pollAll();
  await pollers().stop();
  // Another instance on the same store: a holder of its own.
  const other = new Leases(adapter.ctx.db, { ttlMs: 60_000 });
  const lease = await other.acquire(graphWatchLeaseKey({ id: DEMO_USERS.agent.id }));
  expect(lease).toBeDefined();
  const service = await imapServiceFor(adapter.ctx);
  const { clientId, clientSecret, tokenUrl, url } = adapter.ctx.config.graph;
  const here = new GraphQueuePollers(adapter.ctx, service.leases, () => service.cipher, {
    tokens: new GraphTokens({ clientId: clientId!, clientSecret: clientSecret!, tokenUrl: tokenUrl! }),
    graphUrl: url,
    pollMs: 60_000,
    maxAccounts: 5,
  });
  graph.addMessage('Rezi-Imported/Queue', { from: DEMO_ADDRESSES.cliftonVendor, to: [DEMO_USERS.agent.email], subject: 'Held elsewhere' });
  await here.pollAll();
  expect(here.polling()).toEqual([]);
  expect(graph.messagesIn('Rezi-Imported/Queue').map((m) => m.subject)).toEqual(['Held elsewhere']);
  await lease!.release();
  await here.pollAll();
  expect(here.polling()).toEqual([DEMO_USERS.agent.id]);
  expect(graph.messagesIn('Rezi-Imported/Queue')).toEqual([]);
  await here.stop();
});

test('turned on before the first sync, /status already shows the watch (the pane’s switch reads it there)', async () => {
  const statusNow = async () => (await (await fetch(`${adapter.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as ApiStatus;
  expect((await statusNow()).account).toEqual(expect.not.objectContaining({ watch: expect.anything() }));
  expect(await call('POST')).toMatchObject({ status: 200 });
  await pollers().pollAll();
  // Nothing filed yet, so no account state: the grant alone says this is the Office 365 path.
  expect((await statusNow()).account).toMatchObject({ kind: 'none', graphAutomaticFiling: true, watch: { watched: true, enabled: true, pollSeconds: 60 } });
  await call('DELETE');
  expect((await statusNow()).account.watch).toBeUndefined();
});
