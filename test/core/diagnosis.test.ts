import { diagnose, type Diagnosis } from '../../src/core/diagnosis';
import { statusOf } from '../support/troubleshoot-fixtures';

const outcome = (d: Diagnosis, id: string) => d.checks.find((c) => c.id === id)?.outcome;

describe('diagnose: every cause of the support guide', () => {
  it('expired token: silent token fails with interaction required → reconnect', () => {
    const d = diagnose({
      status: statusOf({
        account: { state: 'authorisation-failed', cause: 'authorisation-expired' },
        recentFailures: [{ at: '2026-11-23T10:00:00Z', code: 'authorisation-expired', message: 'expired', providerCode: 'AADSTS70043' }],
      }),
      token: { obtained: false, error: { code: 'authorisation-expired', providerCode: 'interaction_required' } },
    });
    expect(outcome(d, 'account-connected')).toBe('fail');
    expect(outcome(d, 'token-silent')).toBe('fail');
    expect(outcome(d, 'provider-reachable')).toBe('skipped');
    expect(outcome(d, 'others-affected')).toBe('pass');
    expect(d.cause).toBe('authorisation-expired');
    expect(d.title).toBe('Your email authorisation has expired');
    expect(d.likelyCause).toMatch(/permission to read your mailbox has lapsed/);
    expect(d.nextStep).toMatchObject({ action: 'reconnect', label: 'Reconnect account' });
    expect(d.reassurance).toBe('Reconnecting usually fixes most sync issues within a few minutes.');
    expect(d.checks.find((c) => c.id === 'account-connected')?.detail).toMatch(/‘Authorisation failed’/);
  });

  it('password changed (AADSTS50173) → sign in outside Rezi first', () => {
    const d = diagnose({
      status: statusOf({ account: { state: 'authorisation-failed', cause: 'password-changed' } }),
      token: { obtained: false, error: { code: 'password-changed', providerCode: 'AADSTS50173' } },
    });
    expect(d.cause).toBe('password-changed');
    expect(d.likelyCause).toMatch(/Has your email password changed recently\?/);
    expect(d.nextStep.action).toBe('sign-in-outside');
    expect(d.nextStep.label).toBe('Sign in to your email provider outside Rezi');
    expect(d.nextStep.hint).toMatch(/Outlook on the web/);
    expect(d.checks.find((c) => c.id === 'token-silent')?.detail).toMatch(/AADSTS50173/);
  });

  it('IMAP AUTHENTICATIONFAILED → password changed, IMAP wording, token check skipped', () => {
    const d = diagnose({
      status: statusOf({
        account: { kind: 'imap', state: 'authorisation-failed', cause: 'password-changed', username: 'amelia' },
        lastSync: {
          runId: 'r1',
          source: 'imap',
          finishedAt: '2026-11-23T10:00:00Z',
          total: 0,
          sent: 0,
          received: 0,
          failed: 0,
          pending: 3,
          error: { code: 'password-changed', message: 'Login failed' },
        },
        recentFailures: [{ at: '2026-11-23T10:00:00Z', code: 'password-changed', message: 'Login failed', providerCode: 'AUTHENTICATIONFAILED' }],
      }),
      ping: { target: 'imap', ok: false, error: { code: 'password-changed', providerCode: 'AUTHENTICATIONFAILED' } },
    });
    expect(outcome(d, 'token-silent')).toBe('skipped');
    expect(outcome(d, 'provider-reachable')).toBe('fail');
    expect(outcome(d, 'last-error')).toBe('fail');
    expect(d.checks.find((c) => c.id === 'last-error')?.detail).toMatch(/^The last sync failed: .*AUTHENTICATIONFAILED/);
    expect(d.cause).toBe('password-changed');
    expect(d.nextStep.action).toBe('sign-in-outside');
    expect(d.nextStep.hint).toMatch(/webmail/);
  });

  it('consent missing → reconnect and approve', () => {
    const d = diagnose({ status: statusOf(), token: { obtained: false, error: { code: 'consent-missing', providerCode: 'AADSTS65001' } } });
    expect(outcome(d, 'account-connected')).toBe('pass');
    expect(d.cause).toBe('consent-missing');
    expect(d.likelyCause).toMatch(/needs your approval/);
    expect(d.nextStep).toMatchObject({ action: 'reconnect', label: 'Reconnect account' });
  });

  it('never signed in (AADSTS50058 before the first sign-in) → sign in, calmly, with no word of expiry', () => {
    const d = diagnose({
      status: statusOf({ account: { kind: 'none' } }),
      token: { obtained: false, error: { code: 'not-signed-in', providerCode: 'AADSTS50058' } },
    });
    expect(outcome(d, 'token-silent')).toBe('fail');
    expect(d.cause).toBe('not-signed-in');
    expect(d.title).toBe('Sign in to start');
    expect(d.likelyCause).toMatch(/^Sign in to Rezi Email Sync to start — your Microsoft 365 account is needed once/);
    expect(d.nextStep).toMatchObject({ action: 'reconnect', label: 'Sign in' });
    expect([d.title, d.likelyCause, d.nextStep.hint, d.reassurance].join(' ')).not.toMatch(/expired|lapsed/i);
  });

  it('cache/session error: silent token fails with a cache error → clear cached sign-in', () => {
    const d = diagnose({ status: statusOf(), token: { obtained: false, error: { code: 'unknown', providerCode: 'no_tokens_found' } } });
    expect(outcome(d, 'token-silent')).toBe('fail');
    expect(d.cause).toBe('session-stale');
    expect(d.nextStep).toMatchObject({ action: 'clear-cache', label: 'Clear cached sign-in' });
    expect(d.reassurance).toMatch(/nothing in your mailbox or in Rezi is lost/);
  });

  it('reconnect already tried and failed the same way → clear the cached session', () => {
    const d = diagnose({
      status: statusOf({ account: { state: 'authorisation-failed', cause: 'authorisation-expired' } }),
      token: { obtained: false, error: { code: 'authorisation-expired' } },
      reconnectAttempt: { failedWith: 'authorisation-expired' },
    });
    expect(d.cause).toBe('session-stale');
    expect(d.likelyCause).toMatch(/^Reconnecting didn’t help/);
    expect(d.nextStep.action).toBe('clear-cache');
  });

  it('provider outage reported by the adapter wins over everything → wait and retry later', () => {
    const d = diagnose({
      status: statusOf({
        account: { state: 'disconnected', cause: 'server-unreachable' },
        outage: {
          suspected: true,
          provider: 'microsoft365',
          affectedUsers: 3,
          since: '2026-11-23T10:00:00.000Z',
          message: 'Possible Microsoft 365 / Google service issue',
        },
      }),
      token: { obtained: true },
      ping: { target: 'graph', ok: false, error: { code: 'server-unreachable', status: 503 } },
    });
    expect(outcome(d, 'others-affected')).toBe('fail');
    expect(d.checks.find((c) => c.id === 'others-affected')?.detail).toMatch(/^3 people in your organisation/);
    expect(d.cause).toBe('outage-suspected');
    expect(d.title).toBe('Possible Microsoft 365 / Google service issue');
    expect(d.nextStep).toMatchObject({ action: 'retry-later', label: 'Wait and retry later' });
    expect(d.nextStep.hint).toMatch(/Microsoft 365 Service Status/);
    expect(d.reassurance).toMatch(/isn’t anything on your side/);
  });

  it('server unreachable → check the connection and try again', () => {
    const d = diagnose({
      status: statusOf({ account: { state: 'disconnected', cause: 'server-unreachable' } }),
      token: { obtained: true },
      ping: { target: 'graph', ok: false, error: { code: 'server-unreachable', message: 'fetch failed' } },
    });
    expect(outcome(d, 'provider-reachable')).toBe('fail');
    expect(d.cause).toBe('server-unreachable');
    expect(d.nextStep).toMatchObject({ action: 'retry', label: 'Try again' });
    expect(d.nextStep.hint).toMatch(/internet connection/);
  });

  it('the adapter itself unreachable fails the account check', () => {
    const d = diagnose({
      statusError: { code: 'server-unreachable', message: 'fetch failed' },
      token: { obtained: true },
      ping: { target: 'graph', ok: true },
    });
    expect(outcome(d, 'account-connected')).toBe('fail');
    expect(outcome(d, 'last-error')).toBe('skipped');
    expect(d.cause).toBe('server-unreachable');
  });

  it('throttled → wait', () => {
    const d = diagnose({
      status: statusOf(),
      token: { obtained: true },
      ping: { target: 'graph', ok: false, error: { code: 'throttled', providerCode: 'ApplicationThrottled', status: 429 } },
    });
    expect(outcome(d, 'provider-reachable')).toBe('warn');
    expect(d.cause).toBe('throttled');
    expect(d.nextStep.action).toBe('retry-later');
  });

  it('password change outranks an expired token and a network blip', () => {
    const d = diagnose({
      status: statusOf({ account: { state: 'authorisation-failed', cause: 'authorisation-expired' } }),
      token: { obtained: false, error: { code: 'password-changed', providerCode: 'AADSTS50173' } },
      ping: { target: 'graph', ok: false, error: { code: 'server-unreachable' } },
    });
    expect(d.cause).toBe('password-changed');
  });

  it('nothing found → the guided flow takes over; an old error is only a warning', () => {
    const d = diagnose({
      status: statusOf({ recentFailures: [{ at: '2026-11-23T08:00:00Z', code: 'server-unreachable', message: 'timeout' }] }),
      token: { obtained: true },
      ping: { target: 'graph', ok: true },
    });
    expect(d.checks.map((c) => c.outcome)).toEqual(['pass', 'pass', 'pass', 'warn', 'pass']);
    expect(d.cause).toBeUndefined();
    expect(d.nextStep.action).toBe('follow-steps');
    expect(d.reassurance).toMatch(/our technical team will take it from there/);
  });
});

describe('diagnose: the pane’s own last error', () => {
  it('counts as the last error, newer than the adapter’s history', () => {
    const d = diagnose({
      status: statusOf({ account: { state: 'disconnected' }, recentFailures: [{ at: '2026-11-23T08:00:00Z', code: 'throttled', message: 'slow down' }] }),
      paneError: { code: 'server-unreachable', message: 'fetch failed', requestId: 'req-9' },
    });
    expect(d.checks.find((c) => c.id === 'last-error')).toMatchObject({ outcome: 'fail', cause: 'server-unreachable' });
    // It may have come from signing in, not from a sync.
    expect(d.checks.find((c) => c.id === 'last-error')?.detail).toMatch(/^The last attempt failed: /);
    expect(d.cause).toBe('server-unreachable');
  });
});

describe('diagnose: a mailbox Rezi has not seen yet', () => {
  it('is a warning, and the sign-in check decides', () => {
    const fresh = diagnose({
      status: statusOf({ account: { kind: 'none', state: 'disconnected' } }),
      token: { obtained: true },
      ping: { target: 'graph', ok: true },
    });
    expect(fresh.checks[0]).toMatchObject({ outcome: 'warn' });
    expect(fresh.cause).toBeUndefined();
    const signedOut = diagnose({ status: statusOf({ account: { kind: 'none', state: 'disconnected' } }), token: { obtained: false } });
    expect(signedOut.cause).toBe('authorisation-expired');
    expect(signedOut.nextStep.label).toBe('Reconnect account');
  });
});

describe('diagnose: a ping that fails without saying why', () => {
  it('is a warning, not a guessed cause', () => {
    const d = diagnose({ status: statusOf(), token: { obtained: true }, ping: { target: 'graph', ok: false } });
    expect(d.checks.find((c) => c.id === 'provider-reachable')).toMatchObject({
      outcome: 'warn',
      detail: 'Microsoft 365 didn’t answer the folder check, and didn’t say why.',
    });
    expect(d.cause).toBeUndefined();
    expect(d.nextStep.action).toBe('follow-steps');
  });
});
