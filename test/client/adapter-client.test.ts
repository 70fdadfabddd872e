import { getEventListeners } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiFileRequest, ApiFileResponse, SupportReportBody } from '../../src/core/api';
import { SyncError } from '../../src/core/causes';
import { syncQueue } from '../../src/core/engine';
import { createAdapterClient } from '../../src/client/adapter-client';
import { HttpDirectory } from '../../src/client/http-directory';
import { MemoryMailbox, mail } from '../support/memory';

type Handler = (req: IncomingMessage, body: unknown, res: ServerResponse) => void;

/** A tiny fake adapter: records requests, answers with the current handler. */
async function fakeAdapter() {
  const seen: { method: string; url: string; auth?: string; body: unknown }[] = [];
  let handler: Handler = (_req, _body, res) => res.writeHead(404).end();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    on(h: Handler) {
      handler = h;
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-request-id': 'req-123', ...headers });
  res.end(JSON.stringify(body));
};

let adapter: Awaited<ReturnType<typeof fakeAdapter>>;
beforeEach(async () => {
  adapter = await fakeAdapter();
});
afterEach(() => adapter.close());

const client = () => createAdapterClient({ baseUrl: adapter.url, getToken: async () => 'adapter-token' });

describe('createAdapterClient', () => {
  test('status() sends the bearer token to /api/v1/status', async () => {
    adapter.on((_req, _b, res) => json(res, 200, { user: { id: 'u1' }, account: { kind: 'office365', state: 'connected' }, recentFailures: [] }));
    const s = await client().status();
    expect(s.account.state).toBe('connected');
    expect(adapter.seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/status', auth: 'Bearer adapter-token' });
  });

  test.each([
    [401, { code: 'token-expired', message: 'The token has expired.' }, 'authorisation-expired'],
    [403, { code: 'unknown-user', message: 'No Rezi user for this account.' }, 'not-configured'],
    [403, { code: 'forbidden', message: 'Not allowed.' }, 'consent-missing'],
    [503, { code: 'directory-unavailable', message: 'Rezi is unavailable.', cause: 'outage-suspected' }, 'outage-suspected'],
    [502, {}, 'server-unreachable'],
    [500, { code: 'internal', message: 'Oops' }, 'unknown'],
  ])('HTTP %i %j → %s, keeping the request id', async (status, body, cause) => {
    adapter.on((_req, _b, res) => json(res, status, body));
    const err = await client()
      .status()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect(err).toMatchObject({ code: cause, detail: { status, requestId: 'req-123' } });
  });

  test('429 → throttled with retryAfterMs from Retry-After', async () => {
    adapter.on((_req, _b, res) => json(res, 429, { code: 'rate-limited', message: 'Too many requests' }, { 'Retry-After': '7' }));
    await expect(client().report({} as never)).rejects.toMatchObject({ code: 'throttled', detail: { retryAfterMs: 7000, providerCode: 'rate-limited' } });
  });

  test('a network failure → server-unreachable; an aborted call → cancelled', async () => {
    const dead = createAdapterClient({ baseUrl: 'http://127.0.0.1:1', getToken: async () => 't' });
    await expect(dead.status()).rejects.toMatchObject({ code: 'server-unreachable' });
    adapter.on(() => undefined); // never answers
    const controller = new AbortController();
    const pending = client().status({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  test('on a host without AbortSignal.any, a run signal keeps no listener per call, and still cancels', async () => {
    const any = AbortSignal.any;
    (AbortSignal as { any?: unknown }).any = undefined;
    try {
      adapter.on((_req, _b, res) => json(res, 200, { user: { id: 'u1' }, account: { kind: 'office365', state: 'connected' }, recentFailures: [] }));
      const run = new AbortController();
      const c = client();
      for (let i = 0; i < 12; i++) await c.status({ signal: run.signal });
      expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
      adapter.on(() => undefined); // never answers
      const pending = c.status({ signal: run.signal });
      setTimeout(() => run.abort(), 20);
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      AbortSignal.any = any;
    }
  });

  test('a token failure is passed on as it is', async () => {
    const c = createAdapterClient({ baseUrl: adapter.url, getToken: async () => Promise.reject(new SyncError('consent-missing', 'consent')) });
    await expect(c.status()).rejects.toMatchObject({ code: 'consent-missing' });
    expect(adapter.seen).toHaveLength(0);
  });

  test('imap and support calls hit their paths', async () => {
    adapter.on((req, _b, res) => json(res, 200, req.url === '/api/v1/support/cases' ? { reference: 'ABC123' } : { ok: true }));
    const c = client();
    await c.imapAuthenticate({ username: 'agent', password: 'secret' });
    await c.imapForget();
    await c.imapSync();
    // The stand-in answers whatever it is sent: the body's shape is the adapter's to check.
    expect(await c.supportCase({ version: 1 } as SupportReportBody)).toEqual({ reference: 'ABC123' });
    expect(adapter.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /api/v1/imap/authenticate',
      'DELETE /api/v1/imap/credentials',
      'POST /api/v1/imap/sync',
      'POST /api/v1/support/cases',
    ]);
    expect(adapter.seen[0].body).toEqual({ username: 'agent', password: 'secret' });
  });

  test('search, file onto chosen cards and undo hit their routes with their bodies', async () => {
    adapter.on((_req, _b, res) => json(res, 200, { ok: true }));
    const c = client();
    await c.searchGroups({ query: 'Elm Road', limit: 5 });
    const message = { internetMessageId: '<a@x>', from: [], to: [], date: '', subject: '', preview: '', direction: 'inbound' as const };
    await c.fileToGroups({ ownerAddresses: [], message, groupIds: ['g1'] });
    await c.unfile({ internetMessageId: '<a@x>' });
    expect(adapter.seen.map((s) => [`${s.method} ${s.url}`, s.body])).toEqual([
      ['POST /api/v1/groups/search', { query: 'Elm Road', limit: 5 }],
      ['POST /api/v1/mail/file-to-groups', { ownerAddresses: [], message, groupIds: ['g1'] }],
      ['POST /api/v1/mail/unfile', { internetMessageId: '<a@x>' }],
    ]);
  });
});

describe('HttpDirectory', () => {
  const fileHandler: Handler = (_req, body, res) => {
    const request = body as ApiFileRequest;
    const response: ApiFileResponse = {
      runId: request.runId ?? 'server-run',
      outcomes: request.messages.map((m) =>
        m.from.some((a) => a.address === 'buyer@clients.example') || m.to.some((a) => a.address === 'buyer@clients.example')
          ? {
              internetMessageId: m.internetMessageId,
              status: 'filed',
              groups: [{ groupId: 'g1', name: '12 High Street', link: 'https://rezi.example/g1', eventId: `e-${m.internetMessageId}` }],
            }
          : { internetMessageId: m.internetMessageId, status: 'unmatched', reason: 'no-matching-group' },
      ),
    };
    json(res, 200, response);
  };

  test('splits into calls of at most 100, one runId, and maps outcomes in order', async () => {
    adapter.on(fileHandler);
    const directory = new HttpDirectory(client(), { runId: 'run-1' });
    const messages = Array.from({ length: 230 }, (_, i) => ({
      internetMessageId: `<m${i}@x>`,
      from: [{ address: i % 2 ? 'buyer@clients.example' : 'someone@else.example', name: '' }],
      to: [{ address: 'agent@example.co.uk', name: 'Agent' }],
      cc: [],
      date: '2026-01-01T00:00:00Z',
      subject: `S${i}`,
      preview: 'p',
      direction: 'inbound' as const,
    }));
    const outcomes = await directory.file(messages, { ownerAddresses: ['agent@example.co.uk'] });
    expect(adapter.seen.map((s) => (s.body as ApiFileRequest).messages.length)).toEqual([100, 100, 30]);
    expect(adapter.seen.every((s) => s.url === '/api/v1/mail/file' && (s.body as ApiFileRequest).runId === 'run-1')).toBe(true);
    expect((adapter.seen[0].body as ApiFileRequest).ownerAddresses).toEqual(['agent@example.co.uk']);
    expect((adapter.seen[0].body as ApiFileRequest).messages[0].to).toEqual([{ address: 'agent@example.co.uk', name: 'Agent' }]);
    expect(outcomes).toHaveLength(230);
    expect(outcomes[1]).toEqual({ status: 'filed', groups: [{ groupId: 'g1', name: '12 High Street', link: 'https://rezi.example/g1', eventId: 'e-<m1@x>' }] });
    expect(outcomes[0]).toEqual({ status: 'unmatched', reason: 'no-matching-group' });
  });

  test('drives the core engine end to end: matched mails to Received, the rest to Failed', async () => {
    adapter.on(fileHandler);
    const mailbox = new MemoryMailbox();
    const ids = [
      mailbox.add('inbox', mail('buyer@clients.example', 'agent@example.co.uk', '<a@x>')),
      mailbox.add('inbox', mail('nobody@x.example', 'agent@example.co.uk', '<b@x>')),
    ];
    const report = await syncQueue(mailbox, new HttpDirectory(client()), { owner: { addresses: ['agent@example.co.uk'] }, selection: ids });
    expect(report).toMatchObject({ received: 1, failed: 1, pending: 0 });
  });

  test('an adapter failure stops the run and leaves mails pending in Queue', async () => {
    adapter.on((_req, _b, res) => json(res, 401, { code: 'token-expired', message: 'Expired' }));
    const mailbox = new MemoryMailbox();
    const ids = [mailbox.add('inbox', mail('buyer@clients.example', 'agent@example.co.uk', '<a@x>'))];
    const report = await syncQueue(mailbox, new HttpDirectory(client()), { owner: { addresses: ['agent@example.co.uk'] }, selection: ids });
    expect(report.error?.code).toBe('authorisation-expired');
    expect(report.pending).toBe(1);
    expect(mailbox.in('queue')).toHaveLength(1);
  });
});
