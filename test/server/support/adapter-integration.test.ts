/**
 * The troubleshooting flow against the real adapter: real HTTP, real signed tokens, a real SQLite
 * file. Three agents of one organisation report provider-side failures through /sync/report; the
 * fourth sees "possible Microsoft 365 / Google service issue" in /status and the diagnosis says to
 * wait; escalation stores a redacted case and answers a reference.
 */
import type { ApiStatus, ApiSyncReport } from '../../../src/core/api';
import { diagnose } from '../../../src/core/diagnosis';
import { buildSupportReport } from '../../../src/core/support-report';
import { type TestAdapter, startTestAdapter } from '../../support/adapter';

const AGENTS = ['agent@brightwells.co.uk', 'redland@brightwells.co.uk', 'southville@brightwells.co.uk'];
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl';

describe('troubleshooting against the real adapter', () => {
  let adapter: TestAdapter;
  beforeAll(async () => {
    adapter = await startTestAdapter({ logLevel: 'silent' });
  });
  afterAll(async () => {
    await adapter?.close();
  });

  async function call<T>(email: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const token = await adapter.mintToken(email);
    const res = await fetch(`${adapter.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  const failedRun = (n: number, code: 'server-unreachable' | 'password-changed', providerCode?: string): ApiSyncReport => {
    const now = new Date().toISOString();
    return {
      runId: `run-${code}-${n}-${Date.now()}`,
      source: 'graph',
      total: 1,
      sent: 0,
      received: 0,
      failed: 0,
      pending: 1,
      startedAt: now,
      finishedAt: now,
      error: { code, message: 'failed', providerCode },
    };
  };

  it('user-side failures of 3 agents are not an outage', async () => {
    for (const [i, email] of AGENTS.entries())
      expect((await call(email, 'POST', '/sync/report', failedRun(i, 'password-changed', 'AADSTS50173'))).status).toBe(204);
    const { body } = await call<ApiStatus>(AGENTS[0], 'GET', '/status');
    expect(body.outage).toBeUndefined();
    expect(body.account).toMatchObject({ state: 'authorisation-failed', cause: 'password-changed' });
    const d = diagnose({ status: body, token: { obtained: false, error: { code: 'password-changed', providerCode: 'AADSTS50173' } } });
    expect(d.nextStep.label).toBe('Sign in to your email provider outside Rezi');
  });

  it('2 agents failing provider-side: not yet; the 3rd: outage in /status → wait and retry later', async () => {
    await call(AGENTS[0], 'POST', '/sync/report', failedRun(10, 'server-unreachable'));
    await call(AGENTS[1], 'POST', '/sync/report', failedRun(11, 'server-unreachable'));
    expect((await call<ApiStatus>(AGENTS[0], 'GET', '/status')).body.outage).toBeUndefined();
    await call(AGENTS[2], 'POST', '/sync/report', failedRun(12, 'server-unreachable'));
    const { status, body } = await call<ApiStatus>(AGENTS[0], 'GET', '/status');
    expect(status).toBe(200);
    expect(body.outage).toMatchObject({
      suspected: true,
      provider: 'microsoft365',
      affectedUsers: 3,
      message: 'Possible Microsoft 365 / Google service issue',
    });
    const d = diagnose({ status: body, token: { obtained: true }, ping: { target: 'graph', ok: false, error: { code: 'server-unreachable' } } });
    expect(d.cause).toBe('outage-suspected');
    expect(d.nextStep).toMatchObject({ action: 'retry-later', label: 'Wait and retry later' });
  });

  it('escalation stores a redacted case and answers a reference', async () => {
    const { body: status } = await call<ApiStatus>(AGENTS[0], 'GET', '/status');
    const report = buildSupportReport({
      diagnosis: diagnose({ status }),
      status,
      client: { version: '1.0.0', host: 'Outlook' },
      errors: [{ source: 'pane', code: 'unknown', message: `Bearer ${JWT}` }],
      now: new Date(),
    });
    const res = await call<{ reference: string; createdAt: string }>(AGENTS[0], 'POST', '/support/cases', { ...report, likelyCause: `token=${JWT}` });
    expect(res.status).toBe(201);
    expect(res.body.reference).toMatch(/^RZ-[2-9A-HJKMNP-TV-Z]{6}$/);
    const row = await adapter.ctx.db
      .withTables<{ support_cases: { reference: string; report: string; user_id: string } }>()
      .selectFrom('support_cases')
      .selectAll()
      .where('reference', '=', res.body.reference)
      .executeTakeFirstOrThrow();
    expect(row.user_id).toBe('user-agent');
    expect(row.report).not.toContain(JWT);
    expect((await call(AGENTS[0], 'POST', '/support/cases', { nonsense: true })).status).toBe(400);
  });
});
