import fc from 'fast-check';
import { diagnose } from '../../src/core/diagnosis';
import { buildSupportReport, redact, redactText, renderSupportReport } from '../../src/core/support-report';
import { statusOf } from '../support/troubleshoot-fixtures';

// A real-shaped JWT (header.payload.signature, base64url) and other secrets an error might carry.
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64({ aud: 'api://rezi', oid: 'abc', exp: 1900000000 })}.${'s1gnatur3-'.repeat(8)}`;
const PASSWORD = 'Tr0ub4dor&3-hunter2';
const SUBJECT = 'Offer on 14 Acacia Avenue — confidential';
const PREVIEW = 'Hi Amelia, the vendor will accept £450,000 if';
const BLOB = Buffer.from('x'.repeat(90)).toString('base64');

function adversarial() {
  const status = statusOf({
    account: { state: 'authorisation-failed', cause: 'authorisation-expired' },
    lastSync: {
      runId: 'run-7',
      source: 'graph',
      finishedAt: '2026-11-23T10:05:00Z',
      total: 4,
      sent: 1,
      received: 1,
      failed: 0,
      pending: 2,
      error: { code: 'authorisation-expired', message: `401 from Graph with Bearer ${JWT}` },
    },
    recentFailures: [
      {
        at: '2026-11-23T10:05:00Z',
        code: 'authorisation-expired',
        providerCode: 'AADSTS70043',
        message: `token=${JWT.slice(0, 30)} refresh failed; password: ${PASSWORD}`,
      },
    ],
  });
  const diagnosis = diagnose({
    status,
    token: { obtained: false, error: { code: 'authorisation-expired', providerCode: 'AADSTS70043', requestId: '3f2a1c9e-7b5d-4e0f-9a1b-2c3d4e5f6a7b' } },
  });
  return buildSupportReport({
    diagnosis,
    status,
    steps: [{ id: 'check-connection', answer: 'still-failing' }],
    client: { version: '1.2.3', host: 'Outlook', hostVersion: '16.0.18025', platform: 'PC' },
    requestIds: ['req-123'],
    errors: [
      {
        source: 'silent-token',
        code: 'authorisation-expired',
        providerCode: 'AADSTS70043',
        requestId: '3f2a1c9e-7b5d-4e0f-9a1b-2c3d4e5f6a7b',
        message: `Authorization: Bearer ${JWT}`,
      },
    ],
    question: `my emails arent syncing, my password is ${PASSWORD}`,
    extra: {
      msal: { accessToken: JWT, account: { username: 'amelia@branch.example' }, nested: { deeper: { password: PASSWORD, clientSecret: 'cs-123456' } } },
      redirect: `https://localhost:3000/taskpane.html?code=0.AAAAbbbbcccc&state=xyz`,
      messages: [{ internetMessageId: '<m1@x>', subject: SUBJECT, bodyPreview: PREVIEW, body: { content: PREVIEW } }],
      cookie: 'session=abc',
      blob: BLOB,
    },
    now: new Date('2026-11-23T10:10:00Z'),
  });
}

describe('support report', () => {
  it('keeps what support needs', () => {
    const r = adversarial();
    expect(r.cause).toBe('authorisation-expired');
    expect(r.checks.map((c) => c.id)).toEqual(['account-connected', 'token-silent', 'provider-reachable', 'last-error', 'others-affected']);
    expect(r.client).toEqual({ version: '1.2.3', host: 'Outlook', hostVersion: '16.0.18025', platform: 'PC' });
    expect(r.requestIds).toEqual(['req-123', '3f2a1c9e-7b5d-4e0f-9a1b-2c3d4e5f6a7b']);
    expect(r.recentFailures[0]).toMatchObject({ code: 'authorisation-expired', providerCode: 'AADSTS70043', at: '2026-11-23T10:05:00Z' });
    expect(r.lastSync).toMatchObject({ runId: 'run-7', total: 4, pending: 2 });
    expect(r.account).toMatchObject({ kind: 'office365', state: 'authorisation-failed', userId: 'u-1', branchId: 'b-1' });
    expect(r.createdAt).toBe('2026-11-23T10:10:00.000Z');
    expect((r.extra as { messages: unknown[] }).messages).toEqual([{ internetMessageId: '<m1@x>' }]);
    const text = renderSupportReport(r);
    expect(text).toMatch(/\[FAIL\] token-silent/);
    expect(text).toMatch(/AADSTS70043/);
    expect(text).toMatch(/3f2a1c9e-7b5d-4e0f-9a1b-2c3d4e5f6a7b/);
    expect(text).toMatch(/1\.2\.3 \/ Outlook \/ 16\.0\.18025 \/ PC/);
  });

  it('contains no token, password, cookie, auth code, blob or mail content — object or text', () => {
    const r = adversarial();
    for (const out of [JSON.stringify(r), renderSupportReport(r)]) {
      for (const secret of [
        JWT,
        JWT.slice(0, 30),
        JWT.split('.')[2],
        PASSWORD,
        'hunter2',
        'cs-123456',
        SUBJECT,
        PREVIEW,
        'Acacia',
        '£450,000',
        'session=abc',
        '0.AAAAbbbbcccc',
        BLOB,
      ]) {
        expect(out).not.toContain(secret);
      }
      expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
      expect(out).toContain('[redacted]');
    }
  });

  it('redacts free text and nested keys, and survives cycles', () => {
    expect(redactText(`failed: Bearer abc.def-ghi`)).toBe('failed: Bearer [redacted]');
    expect(redactText(`pwd=let;me;in next`)).toBe('pwd=[redacted] next');
    expect(redactText('my password is P@ss;w0rd! ok')).toBe('my password is [redacted] ok');
    expect(redactText('password: "ab"cd next')).toBe('password: [redacted] next');
    expect(redactText('error code AADSTS50173 at 10:00')).toBe('error code AADSTS50173 at 10:00');
    const o: Record<string, unknown> = { a: { Password: 'x', refresh_token: 'y', ok: 'fine' } };
    o.self = o;
    expect(redact(o)).toEqual({ a: { ok: 'fine' } });
  });
});

describe('redaction, property-based', () => {
  const b64url = fc.stringMatching(/^[A-Za-z0-9_-]{12,60}$/);
  const jwt = fc.tuple(b64url, b64url, b64url).map(([a, b, c]) => `eyJ${a}.${b}.${c}`);
  const words = fc
    .array(fc.constantFrom('sync', 'failed', 'for', 'user', 'AADSTS50173', 'at', '10:00', '—', 'Graph', 'said:', '(401)'), { maxLength: 8 })
    .map((w) => w.join(' '));

  it('no JWT survives anywhere in free text or nested values', () => {
    fc.assert(
      fc.property(words, jwt, words, fc.constantFrom('', 'Bearer ', 'token=', 'access_token: '), (before, token, after, prefix) => {
        const text = `${before} ${prefix}${token} ${after}`;
        const out = JSON.stringify(redact({ message: text, nested: [{ detail: text }] }));
        return !out.includes(token) && !out.includes(token.split('.')[2]);
      }),
      { numRuns: 300 },
    );
  });

  it('no password survives under a password-like key or after "password"', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[!-~]{6,30}$/), fc.constantFrom('password', 'Password', 'pwd', 'imapPassword', 'client_secret'), (pw, key) => {
        fc.pre(!/redacted/.test(pw));
        const out = JSON.stringify(redact({ deep: { [key]: pw, note: `password: ${pw}` } }));
        return !out.includes(pw);
      }),
      { numRuns: 300 },
    );
  });
});
