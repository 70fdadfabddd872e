/**
 * The adapter over real HTTP: secrets never reach the log or stored text, support cases are capped
 * per user and day, requests that fail before authentication are limited per address, and every
 * answer (framework errors too) has the API's error shape, a request id and no-store caching.
 */
import net from 'node:net';
import { diagnose } from '../../src/core/diagnosis';
import { buildSupportReport } from '../../src/core/support-report';
import { DEMO_USERS } from '../../src/server/store/demo-data';
import { SUPPORT_CASES_PER_DAY } from '../../src/server/support/routes';
import { startTestAdapter, type TestAdapter } from '../support/adapter';
import { statusOf } from '../support/troubleshoot-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl';

let adapter: TestAdapter;
let token: string;

beforeAll(async () => {
  adapter = await startTestAdapter({ env: { RATE_LIMIT_FAILURES_PER_MINUTE: '30' } });
  token = await adapter.mintToken(DEMO_USERS.agent.email);
});
afterAll(() => adapter.close());

async function call(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${adapter.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let json: Json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers, text };
}

/** A raw HTTP/1.1 exchange (for what fetch will not send). */
function raw(request: string): Promise<string> {
  const { port } = new URL(adapter.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString('utf8')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('secrets in logs and stored text', () => {
  it('logs a request URL without its query values', async () => {
    const res = await call('GET', `/api/v1/status?access_token=${JWT}&code=abc123`, { token });
    expect(res.status).toBe(200);
    const logs = adapter.logs().join('\n');
    expect(logs).toContain('/api/v1/status?access_token=[redacted]&code=[redacted]');
    expect(logs).not.toContain(JWT);
    expect(logs).not.toContain('abc123');
  });

  it('stores a sync report’s error message and provider code redacted, as /status shows them', async () => {
    const report = {
      runId: `run-secret-${Date.now()}`,
      source: 'graph',
      total: 1,
      sent: 0,
      received: 0,
      failed: 0,
      pending: 1,
      startedAt: '2026-11-20T10:00:00Z',
      finishedAt: '2026-11-20T10:00:01Z',
      error: { code: 'server-unreachable', message: `Graph said Bearer ${JWT}; my pw Hunter2! and password=S3cret`, providerCode: `token=${JWT}` },
    };
    expect((await call('POST', '/api/v1/sync/report', { token, body: report })).status).toBe(204);
    const status = await call('GET', '/api/v1/status', { token });
    const shown = JSON.stringify(status.json);
    for (const secret of [JWT, 'Hunter2', 'S3cret']) expect(shown).not.toContain(secret);
    expect(status.json.recentFailures[0].message).toContain('[redacted]');
    const stored = JSON.stringify(await adapter.ctx.db.selectFrom('failures').selectAll().execute());
    for (const secret of [JWT, 'Hunter2', 'S3cret']) expect(stored).not.toContain(secret);
  });

  function supportReport() {
    const status = statusOf({ account: { state: 'authorisation-failed', cause: 'password-changed' } });
    const diagnosis = diagnose({ status, token: { obtained: true } });
    return buildSupportReport({ diagnosis, status, client: { version: '1.0.0', host: 'Outlook' }, now: new Date() });
  }

  it('redacts support cases by key pattern and by value, whatever the client sent', async () => {
    const dirty = {
      ...supportReport(),
      question: 'It stopped working, my pw Hunter2! is right',
      extra: { imapPass: 'Op3n-Sesame', mailSubject: 'Offer on 12 Elm Road', mail_body_html: '<p>Dear vendor</p>', count: 3 },
    };
    const res = await call('POST', '/api/v1/support/cases', { token, body: dirty });
    expect(res.status).toBe(201);
    const row = await adapter.ctx.db
      .withTables<{ support_cases: { reference: string; report: string } }>()
      .selectFrom('support_cases')
      .select('report')
      .where('reference', '=', res.json.reference)
      .executeTakeFirstOrThrow();
    for (const secret of ['Hunter2', 'Op3n-Sesame', 'Elm Road', 'Dear vendor']) expect(row.report).not.toContain(secret);
    expect(JSON.parse(row.report).extra).toEqual({ count: 3 });
  });

  it('stores at most SUPPORT_CASES_PER_DAY cases per user and day, then answers 429 in the API’s shape', async () => {
    const user = DEMO_USERS.redlandAgent;
    const other = await adapter.mintToken(user.email);
    const today = new Date().toISOString();
    const db = adapter.ctx.db.withTables<{ support_cases: Record<string, unknown> }>();
    const row = (await adapter.ctx.db
      .selectFrom('users')
      .select(['id', 'tenant_id', 'branch_id'])
      .where('email', '=', user.email)
      .executeTakeFirstOrThrow()) as {
      id: string;
      tenant_id: string;
      branch_id: string;
    };
    for (let i = 0; i < SUPPORT_CASES_PER_DAY; i++)
      await db
        .insertInto('support_cases')
        .values({
          id: `seed-${i}`,
          reference: `RZ-SEED${i}`,
          created_at: today,
          user_id: row.id,
          tenant_id: row.tenant_id,
          branch_id: row.branch_id,
          cause: null,
          client_version: null,
          report: '{}',
        })
        .execute();
    const refused = await call('POST', '/api/v1/support/cases', { token: other, body: supportReport() });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: 'support-limit', requestId: expect.any(String) });
    expect(refused.json.message).toMatch(/today/);
    const count = await db
      .selectFrom('support_cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(SUPPORT_CASES_PER_DAY);
  });
});

describe('limits and shapes before authentication', () => {
  it('answers every API response with Cache-Control: no-store', async () => {
    for (const r of [await call('GET', '/api/v1/status', { token }), await call('GET', '/api/v1/status'), await call('GET', '/api/v1/nowhere', { token })])
      expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('gives Fastify’s own errors the API’s error shape and a request id', async () => {
    const bad = await call('GET', '/api/v1/admin/branches/%E0%A4%A/imap', { token });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'bad-url', message: expect.any(String), requestId: expect.any(String) });
    expect(bad.headers.get('x-request-id')).toBe(bad.json.requestId);
    expect(bad.headers.get('cache-control')).toBe('no-store');

    const long = await call('GET', `/api/v1/admin/branches/${'b'.repeat(500)}/imap`, { token });
    expect(long.status).toBe(414);
    expect(long.json).toMatchObject({ code: 'url-too-long', requestId: expect.any(String) });

    const overflow = await raw(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(overflow).toMatch(/^HTTP\/1\.1 431/);
    expect(overflow.toLowerCase()).toContain('cache-control: no-store');
    const body = JSON.parse(overflow.slice(overflow.indexOf('\r\n\r\n') + 4)) as Json;
    expect(body).toMatchObject({ code: 'headers-too-large', requestId: expect.any(String) });
  });

  // Last: it uses up this address's budget.
  it('limits failed authentications per client address: 500 forged tokens are mostly answered 429', async () => {
    const forged = `${token.slice(0, -6)}AAAAAA`;
    const statuses: number[] = [];
    for (let i = 0; i < 500; i += 50)
      statuses.push(...(await Promise.all(Array.from({ length: 50 }, () => call('GET', '/api/v1/status', { token: forged })))).map((r) => r.status));
    const limited = statuses.filter((s) => s === 429).length;
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(30 + 50);
    expect(limited).toBeGreaterThan(400);
    const last = await call('GET', '/api/v1/status', { token: forged });
    expect(last.json).toMatchObject({ code: 'rate-limited', requestId: expect.any(String) });
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
