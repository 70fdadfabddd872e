/**
 * An instance polling an account's Queue keeps its watch lease between polls, however long the poll
 * interval is against the lease's TTL: the renewal timer is faked and the clock moved by hand, the
 * store, the Graph stand-in and the token issuer are real.
 */
import { startGraphStandin, type GraphStandin } from '../../../dev/graph-standin';
import { Leases } from '../../../src/server/coordination/lease';
import { coordinationDb } from '../../../src/server/coordination/tables';
import { GraphQueuePollers } from '../../../src/server/graph/queue-poller';
import { graphPollersRunning } from '../../../src/server/graph/routes';
import { graphWatchLeaseKey } from '../../../src/server/graph/status';
import { imapServiceFor } from '../../../src/server/imap/service';
import { DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

jest.setTimeout(30_000);

const TTL_MS = 10_000;
let graph: GraphStandin;
let adapter: TestAdapter;
let now = Date.now();

beforeEach(async () => {
  now = Date.now();
  graph = await startGraphStandin({
    user: { mail: DEMO_USERS.agent.email, userPrincipalName: DEMO_USERS.agent.email },
    acceptToken: (t) => adapter.issuer.obo?.isGraphToken(t) ?? false,
  });
  adapter = await startTestAdapter({
    env: { GRAPH_CLIENT_ID: 'rezi-adapter-test', GRAPH_CLIENT_SECRET: 'obo-secret-9Tq', GRAPH_URL: graph.url, WATCH_MAX_ACCOUNTS: '5' },
    logLevel: 'silent',
  });
});
afterEach(async () => {
  jest.useRealTimers();
  await adapter?.close();
  await graph?.close();
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`not reached: ${what}`);
}

it('keeps the watch lease through a poll interval twelve times its TTL', async () => {
  const res = await fetch(`${adapter.url}/api/v1/graph/automatic-filing`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await adapter.mintToken(DEMO_USERS.agent.email)}` },
  });
  expect(res.status).toBe(200);
  await graphPollersRunning.get(adapter.ctx)!.stop();

  jest.useFakeTimers({
    doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'],
  });
  const service = await imapServiceFor(adapter.ctx);
  const leases = new Leases(adapter.ctx.db, { holder: 'polling', ttlMs: TTL_MS, now: () => now });
  const ctx = { ...adapter.ctx, clock: () => new Date(now) };
  const { tokens } = graphPollersRunning.get(adapter.ctx)!['options'];
  const pollers = new GraphQueuePollers(ctx, leases, () => service.cipher, { tokens, graphUrl: graph.url, pollMs: 12 * TTL_MS, maxAccounts: 5 }).start();
  const expiry = async () =>
    (
      await coordinationDb(adapter.ctx.db)
        .selectFrom('leases')
        .select('expires_at')
        .where('key', '=', graphWatchLeaseKey({ id: DEMO_USERS.agent.id }))
        .executeTakeFirst()
    )?.expires_at;
  try {
    await until(async () => pollers.polling().includes(DEMO_USERS.agent.id), 'the first poll took the account');
    const other = new Leases(adapter.ctx.db, { holder: 'another instance', ttlMs: TTL_MS, now: () => now });
    for (let step = 0; step < 16; step += 1) {
      now += TTL_MS / 4;
      jest.advanceTimersByTime(TTL_MS / 4);
      await until(async () => (await expiry()) === new Date(now + TTL_MS).toISOString(), `renewed at step ${step}`);
    }
    // Four TTLs on, and no poll since the first: the lease is still this instance's.
    expect(await other.acquire(graphWatchLeaseKey({ id: DEMO_USERS.agent.id }))).toBeUndefined();
    expect(pollers.polling()).toEqual([DEMO_USERS.agent.id]);
  } finally {
    await pollers.stop();
  }
});
