/**
 * Office 365 automatic filing moves to another instance when the one polling an account dies: two
 * adapters on one store (SQLite file, or one PostgreSQL database in the PostgreSQL run) and one Graph
 * stand-in, one token issuer. The first is stopped abruptly — its poll timer cleared, its leases not
 * released — and the other takes the account once the lease TTL has passed on a clock the test moves
 * (no waiting on wall time). Once between polls, once frozen in the middle of a run (a stalled
 * instance that later resumes): either way every mail is filed once, into one folder, with one
 * timeline event, and the stale holder neither frees the new holder's lease nor files anything again.
 */
import { randomBytes } from 'node:crypto';
import { startGraphStandin, type GraphStandin } from '../../../dev/graph-standin';
import type { GraphQueuePollers } from '../../../src/server/graph/queue-poller';
import { coordinationDb } from '../../../src/server/coordination/tables';
import { graphPollersRunning } from '../../../src/server/graph/routes';
import { graphWatchLeaseKey } from '../../../src/server/graph/status';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

jest.setTimeout(30_000);

const TTL_MS = 10_000;
const agentId = DEMO_USERS.agent.id;

/** A clock per instance: `ahead` moves it on; `freeze` stops it where it is (a stalled process). */
function testClock() {
  let ahead = 0;
  let frozenAt: number | undefined;
  return {
    now: () => new Date(frozenAt ?? Date.now() + ahead),
    pass: (ms: number) => void (ahead += ms),
    freeze: () => void (frozenAt = Date.now() + ahead),
  };
}

/** What dies with a process: its poll timer and any further round. Its leases stay as they were in the store. */
function dieAbruptly(pollers: GraphQueuePollers) {
  clearInterval(pollers['timer']);
  pollers['closed'] = true;
}

let graph: GraphStandin;
let one: TestAdapter;
let two: TestAdapter;
let clocks: { one: ReturnType<typeof testClock>; two: ReturnType<typeof testClock> };
/** Holds the first move request until released (the stalled-run case); undefined: requests pass. */
let gate: { reached: () => void; released: Promise<void> } | undefined;

beforeEach(async () => {
  gate = undefined;
  graph = await startGraphStandin({
    user: { mail: DEMO_USERS.agent.email, userPrincipalName: DEMO_USERS.agent.email },
    acceptToken: (t) => one.issuer.obo?.isGraphToken(t) ?? false,
    beforeRequest: async (r) => {
      if (!gate || !r.path.endsWith('/move')) return;
      const held = gate;
      gate = undefined;
      held.reached();
      await held.released;
    },
  });
  clocks = { one: testClock(), two: testClock() };
  const env = {
    GRAPH_CLIENT_ID: 'rezi-adapter-test',
    GRAPH_CLIENT_SECRET: 'obo-secret-9Tq',
    GRAPH_URL: graph.url,
    WATCH_MAX_ACCOUNTS: '5',
    LEASE_TTL_SECONDS: String(TTL_MS / 1000),
    IMAP_KEY: `t1:${randomBytes(32).toString('base64')}`,
  };
  one = await startTestAdapter({ env, overrides: { clock: clocks.one.now }, logLevel: 'silent' });
  // The second trusts the first's issuer, and refreshes grants there, as every instance of a deployment uses Entra.
  two = await startTestAdapter({
    dbFile: one.dbFile,
    env: {
      ...env,
      AUTH_LOCAL_ISSUER: '0',
      AUTH_ISSUERS: one.issuer.issuerFor(),
      AUTH_AUDIENCE: one.issuer.audience,
      AUTH_JWKS_URL: one.issuer.jwksUrl,
      GRAPH_TOKEN_URL: one.ctx.config.graph.tokenUrl,
    },
    overrides: { clock: clocks.two.now },
    logLevel: 'silent',
  });
});
afterEach(async () => {
  await two?.close();
  await one?.close();
  await graph?.close();
});

const pollersOf = (a: TestAdapter) => graphPollersRunning.get(a.ctx)!;
const turnOn = async () => {
  const res = await fetch(`${one.url}/api/v1/graph/automatic-filing`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await one.mintToken(DEMO_USERS.agent.email)}` },
  });
  expect(res.status).toBe(200);
};
const queueMails = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    graph.addMessage('Rezi-Imported/Queue', {
      from: DEMO_ADDRESSES.cliftonVendor,
      to: [DEMO_USERS.agent.email],
      subject: `${tag} ${i}`,
      internetMessageId: `<${tag}-${i}@graph-handover.test>`,
    }),
  );
const subjectsIn = (folder: string) =>
  graph
    .messagesIn(folder)
    .map((m) => m.subject)
    .sort();
const expected = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag} ${i}`).sort();
const timeline = (tag: string) =>
  one.ctx.db
    .selectFrom('timeline_events')
    .select(['internet_message_id', 'group_id'])
    .where('internet_message_id', 'like', `<${tag}-%@graph-handover.test>`)
    .execute();
const leaseRow = () =>
  coordinationDb(one.ctx.db)
    .selectFrom('leases')
    .select(['holder', 'token'])
    .where('key', '=', graphWatchLeaseKey({ id: agentId }))
    .executeTakeFirstOrThrow();

test('the instance polling an account dies between polls: the other polls it once the lease has lapsed, and files each mail once', async () => {
  await turnOn();
  await pollersOf(one).pollAll();
  await pollersOf(two).pollAll();
  expect([pollersOf(one).polling(), pollersOf(two).polling()]).toEqual([[agentId], []]);

  dieAbruptly(pollersOf(one));
  queueMails('between', 5);
  // Its lease has not lapsed yet: the account is nobody else's to poll, and the mail waits.
  clocks.two.pass(TTL_MS - 1000);
  await pollersOf(two).pollAll();
  expect(pollersOf(two).polling()).toEqual([]);
  expect(subjectsIn('Rezi-Imported/Queue')).toEqual(expected('between', 5));

  clocks.two.pass(2000);
  await pollersOf(two).pollAll();
  expect(pollersOf(two).polling()).toEqual([agentId]);
  expect(subjectsIn('Rezi-Imported/Queue')).toEqual([]);
  expect(subjectsIn('Rezi-Imported/Received')).toEqual(expected('between', 5));
  expect(await timeline('between')).toHaveLength(5);

  // The dead instance's shutdown (its process is gone; here its close) frees nothing of the new holder's.
  const taken = await leaseRow();
  await pollersOf(one).stop();
  expect(await leaseRow()).toEqual(taken);
  queueMails('later', 2);
  await pollersOf(two).pollAll();
  expect(subjectsIn('Rezi-Imported/Received')).toEqual([...expected('between', 5), ...expected('later', 2)].sort());
});

test('the instance polling an account stalls in the middle of a run: the other files the Queue, and the stale run, resumed, files nothing twice', async () => {
  await turnOn();
  await pollersOf(one).pollAll();
  await pollersOf(two).pollAll();
  expect(pollersOf(one).polling()).toEqual([agentId]);

  queueMails('stalled', 5);
  let released!: () => void;
  const reached = new Promise<void>((resolve) => (gate = { reached: resolve, released: new Promise<void>((r) => (released = r)) }));
  const staleRound = pollersOf(one).pollAll();
  await reached;
  // Frozen with its first move on the wire: its clock stops, so its renewals no longer extend its leases past their TTL.
  clocks.one.freeze();
  dieAbruptly(pollersOf(one));
  clocks.two.pass(TTL_MS + 1000);

  await pollersOf(two).pollAll();
  expect(pollersOf(two).polling()).toEqual([agentId]);
  expect(subjectsIn('Rezi-Imported/Queue')).toEqual([]);
  expect(subjectsIn('Rezi-Imported/Received')).toEqual(expected('stalled', 5));

  // The stalled instance wakes: its move finds the mail gone, and its lease is no longer its own.
  released();
  await staleRound;
  expect(subjectsIn('Rezi-Imported/Queue')).toEqual([]);
  expect(subjectsIn('Rezi-Imported/Received')).toEqual(expected('stalled', 5));
  const events = await timeline('stalled');
  expect(events).toHaveLength(5);
  expect(new Set(events.map((e) => e.internet_message_id)).size).toBe(5);
});
