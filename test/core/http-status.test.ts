import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CauseCode, SyncError } from '../../src/core/causes';
import { type HttpService, RETRY_AFTER_MAX_SECONDS, causeOfStatus, isRetryable, retryAfterMs } from '../../src/core/http-status';
import { createAdapterClient } from '../../src/client/adapter-client';
import { GraphMailbox } from '../../src/graph/graph-mailbox';
import { type BatchSubResponse, MoveDispatcher } from '../../src/graph/move-dispatcher';
import { ReziHttpClient } from '../../src/server/directory/rezi-api';

/*
 * The table pinned: status → cause for each service, written out here once more, and checked both
 * through causeOfStatus and through each client that reads an answer, so a changed row, or a client
 * deciding for itself again, fails here.
 */
const SERVICES: HttpService[] = ['graph', 'graph-mail', 'adapter', 'rezi-api'];
//                                graph                    graph-mail (one mail)     adapter                   rezi-api
const PINNED: Record<number, [CauseCode, CauseCode, CauseCode, CauseCode]> = {
  400: ['unknown', 'unknown', 'unknown', 'server-unreachable'],
  401: ['authorisation-expired', 'authorisation-expired', 'authorisation-expired', 'not-configured'],
  403: ['consent-missing', 'consent-missing', 'consent-missing', 'not-configured'],
  404: ['unknown', 'message-gone', 'unknown', 'server-unreachable'],
  409: ['unknown', 'unknown', 'unknown', 'server-unreachable'],
  429: ['throttled', 'throttled', 'throttled', 'throttled'],
  500: ['unknown', 'unknown', 'unknown', 'server-unreachable'],
  502: ['unknown', 'unknown', 'server-unreachable', 'server-unreachable'],
  503: ['server-unreachable', 'server-unreachable', 'server-unreachable', 'server-unreachable'],
  504: ['server-unreachable', 'server-unreachable', 'server-unreachable', 'server-unreachable'],
};
const STATUSES = Object.keys(PINNED).map(Number);
const pinned = (service: HttpService) => Object.fromEntries(STATUSES.map((s) => [s, PINNED[s][SERVICES.indexOf(service)]]));

/** A loopback server answering every request with the current status, headers and JSON body. */
let server: Server;
let url: string;
let answer: { status: number; headers?: Record<string, string>; body?: unknown } = { status: 200 };
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body ?? {})));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: SyncError) => e.code,
  );

async function throughClient(service: HttpService, status: number): Promise<string> {
  const body = service === 'graph' ? { error: { code: 'SomeGraphCode', message: 'Graph said no.' } } : { code: 'some-code', message: 'No.' };
  answer = { status, body };
  if (service === 'graph') return codeOf(new GraphMailbox({ getToken: async () => 't', baseUrl: `${url}/v1.0`, maxAttempts: 1 }).ensureFolders());
  if (service === 'adapter') return codeOf(createAdapterClient({ baseUrl: url, getToken: async () => 't' }).status());
  if (service === 'rezi-api') return codeOf(new ReziHttpClient({ baseUrl: url, apiKey: 'k' }).findGroupsByEmails('b1', ['a@example.com']));
  return moveCause([status]);
}

/** One move through the batch dispatcher whose sub-response answers `statuses` in turn. */
async function moveCause(statuses: number[]): Promise<string> {
  let round = 0;
  const dispatcher = new MoveDispatcher({
    send: async (requests) =>
      (requests as { id: string }[]).map((r): BatchSubResponse => ({ id: r.id, status: statuses[round++] ?? 0, body: { error: { code: 'c', message: 'm' } } })),
    immutablePrefer: 'IdType="ImmutableId"',
    maxEnvelopes: 1,
    maxAttempts: statuses.length,
    retryAfterUnitMs: 1,
    backoffBaseMs: 1,
    backoffMaxMs: 1,
    random: () => 0,
  });
  return dispatcher.move(['m1'], 'dest').then(
    (results) => {
      const r = results.get('m1')!;
      return r.ok ? 'no error' : r.cause;
    },
    (e: SyncError) => e.code,
  );
}

describe('causeOfStatus', () => {
  it.each(SERVICES)('%s: each status as pinned', (service) => {
    expect(Object.fromEntries(STATUSES.map((s) => [s, causeOfStatus(service, s)]))).toEqual(pinned(service));
  });

  it.each(SERVICES)('%s: its client reads every answer by the same column', async (service) => {
    const observed: Record<number, string> = {};
    for (const status of STATUSES) observed[status] = await throughClient(service, status);
    expect(observed).toEqual(pinned(service));
  });

  it('no answer at all is the service unreachable', async () => {
    for (const service of SERVICES) expect(causeOfStatus(service, 0)).toBe('server-unreachable');
    expect(causeOfStatus('graph', -1)).toBe('server-unreachable');
    // A batch sub-response that never came, after its retries.
    expect(await moveCause([0, 0])).toBe('server-unreachable');
  });

  it('an answer’s own cause wins, and the adapter’s unknown-user is the branch not being set up', async () => {
    expect(causeOfStatus('adapter', 500, { cause: 'password-changed' })).toBe('password-changed');
    expect(causeOfStatus('adapter', 500, { cause: 'not-a-cause' })).toBe('unknown');
    expect(causeOfStatus('adapter', 403, { code: 'unknown-user' })).toBe('not-configured');
    expect(causeOfStatus('graph', 403, { code: 'unknown-user' })).toBe('consent-missing');
    const adapter = createAdapterClient({ baseUrl: url, getToken: async () => 't' });
    answer = { status: 403, body: { code: 'unknown-user', message: 'No Rezi user.' } };
    expect(await codeOf(adapter.status())).toBe('not-configured');
    answer = { status: 422, body: { code: 'imap-auth-failed', message: 'No.', cause: 'password-changed' } };
    expect(await codeOf(adapter.status())).toBe('password-changed');
  });

  it('retries what a wait can fix: 429, 503, 504 and no answer', () => {
    expect(STATUSES.filter(isRetryable)).toEqual([429, 503, 504]);
    expect(isRetryable(0)).toBe(true);
    expect(isRetryable(-1)).toBe(true);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('reads delta-seconds, scaled by the unit tests use', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(' 2 ')).toBe(2000);
    expect(retryAfterMs('1.5')).toBe(1500);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs('2', 40)).toBe(80);
  });

  it('reads an HTTP-date, never negative', () => {
    expect(retryAfterMs('Tue, 01 Dec 2026 12:00:30 GMT', 1000, now)).toBe(30_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 11:00:00 GMT', 1000, now)).toBe(0);
    // The unit scales seconds to wait, not clock time.
    expect(retryAfterMs('Tue, 01 Dec 2026 12:00:30 GMT', 40, now)).toBe(30_000);
  });

  it('caps what it honours at a day', () => {
    expect(RETRY_AFTER_MAX_SECONDS).toBe(86_400);
    expect(retryAfterMs('9999999999')).toBe(86_400_000);
    expect(retryAfterMs('9999999999', 40)).toBe(86_400 * 40);
    expect(retryAfterMs('Fri, 01 Dec 2028 12:00:00 GMT', 1000, now)).toBe(86_400_000);
  });

  it('is undefined when absent or unreadable', () => {
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('')).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('the adapter client and the Rezi API client read it the same way, HTTP-dates and caps included', async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const adapter = createAdapterClient({ baseUrl: url, getToken: async () => 't' });
    const rezi = new ReziHttpClient({ baseUrl: url, apiKey: 'k' });
    const waits = async (value: string) => {
      answer = { status: 429, headers: { 'retry-after': value }, body: { code: 'rate-limited', message: 'Slow down.' } };
      const ms = (p: Promise<unknown>) =>
        p.then(
          () => undefined,
          (e: SyncError) => e.detail.retryAfterMs,
        );
      return [await ms(adapter.status()), await ms(rezi.findGroupsByEmails('b1', ['a@example.com']))];
    };
    expect(await waits('7')).toEqual([7000, 7000]);
    expect(await waits('1.5')).toEqual([1500, 1500]);
    for (const ms of await waits(inAMinute)) {
      expect(ms).toBeGreaterThan(55_000);
      expect(ms).toBeLessThanOrEqual(60_000);
    }
    expect(await waits('9999999999')).toEqual([86_400_000, 86_400_000]);
  });
});
