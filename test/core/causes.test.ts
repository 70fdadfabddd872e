import type { AccountInfo, AuthenticationResult, IPublicClientApplication } from '@azure/msal-browser';
import { CAUSES, CAUSE_CODES, CAUSE_PRECEDENCE, type CauseCode, SyncError, isSyncError, severityOf, stopsTheRun, toSyncError } from '../../src/core/causes';
import { diagnose } from '../../src/core/diagnosis';
import { syncQueue } from '../../src/core/engine';
import { EXPLANATIONS, explain } from '../../src/core/explain';
import { STATE_LABEL, stateAfter } from '../../src/core/status';
import { createAuth } from '../../src/outlook/auth';
import { createOutlookServices } from '../../src/outlook/services';
import { isProviderSide } from '../../src/server/outage';
import { FailingDirectory, MemoryMailbox, mail } from '../support/memory';
import { fixedAuth, officeStub } from '../support/office-stub';

/*
 * The table pinned: each column written out here once more, and checked through the code that acts on
 * it (the engine, the pane's services, MSAL's wrapper, the troubleshooter), so changing a row in
 * CAUSES, or a caller deciding for itself again, fails here.
 */
const STOPS_THE_RUN: CauseCode[] = [
  'authorisation-expired',
  'not-signed-in',
  'password-changed',
  'consent-missing',
  'session-stale',
  'shared-mailbox-denied',
  'shared-mailbox-separate-account',
  'server-unreachable',
  'certificate-invalid',
  'throttled',
  'outage-suspected',
  'not-configured',
  'cancelled',
];
const LEAVES: Partial<Record<CauseCode, string>> = {
  'authorisation-expired': 'authorisation-failed',
  'password-changed': 'authorisation-failed',
  'consent-missing': 'authorisation-failed',
  'session-stale': 'authorisation-failed',
  'server-settings-changed': 'authorisation-failed',
  'not-signed-in': 'disconnected',
  'server-unreachable': 'disconnected',
  'certificate-invalid': 'disconnected',
  'outage-suspected': 'disconnected',
  'not-configured': 'disconnected',
};
const NOT_ABOUT_THE_CONNECTION: CauseCode[] = [
  'no-matching-group',
  'invalid-message',
  'internal-mail',
  'never-file',
  'message-gone',
  'fixing-unsupported',
  'cancelled',
];
const NEEDS_SIGN_IN: CauseCode[] = ['authorisation-expired', 'not-signed-in', 'password-changed', 'consent-missing', 'session-stale', 'cancelled'];
const SIGN_IN_WINDOW_HELPS: CauseCode[] = ['authorisation-expired', 'not-signed-in', 'password-changed', 'consent-missing', 'session-stale'];
const STALE_IF_RECONNECT_FAILS: CauseCode[] = ['authorisation-expired', 'not-signed-in', 'password-changed'];
/** The support guide's order of likelihood. */
const PRECEDENCE: CauseCode[] = [
  'outage-suspected',
  'password-changed',
  'consent-missing',
  'authorisation-expired',
  'not-signed-in',
  'session-stale',
  'shared-mailbox-denied',
  'shared-mailbox-separate-account',
  'not-configured',
  'certificate-invalid',
  'server-unreachable',
  'throttled',
  'unknown',
];

const OWNER = { addresses: ['agent@brightwells.co.uk'] };
const every = <T>(f: (code: CauseCode) => T) => Object.fromEntries(CAUSE_CODES.map((c) => [c, f(c)]));
const expected = <T>(f: (code: CauseCode) => T) => every(f);

describe('causes', () => {
  it('wraps unknown errors and keeps typed ones', () => {
    const typed = new SyncError('throttled', 'slow down', { retryAfterMs: 2000 });
    expect(toSyncError(typed)).toBe(typed);
    expect(toSyncError(new Error('boom'))).toMatchObject({ code: 'unknown', message: 'boom' });
    expect(toSyncError('text')).toMatchObject({ code: 'unknown', message: 'text' });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toSyncError(abort).code).toBe('cancelled');
    // A SyncError that crossed a realm (or JSON) is still recognised by shape.
    expect(isSyncError({ name: 'SyncError', code: 'throttled' })).toBe(true);
    expect(isSyncError({ name: 'Error', code: 'throttled' })).toBe(false);
  });

  it('has one row per cause', () => {
    expect(Object.keys(CAUSES).sort()).toEqual([...CAUSE_CODES].sort());
    // A code from a newer peer reads as 'unknown'.
    expect(stopsTheRun('from-the-future' as CauseCode)).toBe(false);
    expect(stateAfter('from-the-future' as CauseCode)).toBeUndefined();
  });

  it('stops the run: the engine ends a run on these and reports them, and carries on past the others', async () => {
    const observed: Record<string, boolean> = {};
    for (const code of CAUSE_CODES) {
      const mb = new MemoryMailbox();
      for (let i = 0; i < 3; i++) mb.add('queue', mail('buyer@example.org', 'agent@brightwells.co.uk', `<m${i}@x>`));
      const report = await syncQueue(mb, new FailingDirectory(new SyncError(code, 'failed')), { owner: OWNER, batchSize: 1, concurrency: 1 });
      observed[code] = report.error?.code === code;
      expect(report.pending).toBe(3);
    }
    expect(observed).toEqual(expected((c) => STOPS_THE_RUN.includes(c)));
  });

  it('leaves the account state the status card shows', () => {
    expect(every((c) => stateAfter(c))).toEqual(expected((c) => LEAVES[c]));
    expect(STATE_LABEL['authorisation-failed']).toBe('Authorisation failed');
  });

  it('is about the connection unless about one mail or the user’s cancel: the troubleshooter only blames connection causes', () => {
    const blamed = every((code) => diagnose({ paneError: { code } }).checks.find((c) => c.id === 'last-error')?.outcome === 'fail');
    expect(blamed).toEqual(expected((c) => !NOT_ABOUT_THE_CONNECTION.includes(c)));
  });

  it('needs sign-in: the pane’s services report nobody signed in (offer Sign in) instead of an error', async () => {
    const observed: Record<string, boolean> = {};
    for (const code of CAUSE_CODES) {
      const auth = fixedAuth({ graph: 'x', adapter: async () => 'y' }, 'api://rezi/scope');
      auth.getToken = async () => Promise.reject(new SyncError(code, 'failed'));
      const config = { clientId: 'cid', adapterUrl: 'http://127.0.0.1:1', adapterScope: 'api://rezi/scope', graphBaseUrl: 'http://127.0.0.1:1' };
      const services = createOutlookServices(config, { office: officeStub().office, auth });
      observed[code] = await services.currentAccount().then(
        (account) => account === undefined,
        (e: SyncError) => (expect(e.code).toBe(code), false),
      );
    }
    expect(observed).toEqual(expected((c) => NEEDS_SIGN_IN.includes(c)));
  });

  it('a sign-in window helps: an interactive token request opens one after these, and not after the others', async () => {
    const account = { homeAccountId: 'h', environment: 'e', tenantId: 't', username: 'agent@brightwells.co.uk', localAccountId: 'l' } as AccountInfo;
    const observed: Record<string, boolean> = {};
    for (const code of CAUSE_CODES) {
      let popups = 0;
      const pca = {
        getActiveAccount: () => account,
        getAllAccounts: () => [account],
        setActiveAccount: () => undefined,
        acquireTokenSilent: async () => Promise.reject(new SyncError(code, 'silent failed')),
        ssoSilent: async () => Promise.reject(new SyncError(code, 'silent failed')),
        acquireTokenPopup: async () => (popups++, { accessToken: 'popup-token', account }) as AuthenticationResult,
        clearCache: async () => undefined,
      } as unknown as IPublicClientApplication;
      const factories = { createNestable: async () => pca, createStandard: async () => pca };
      const auth = await createAuth({ clientId: 'cid' }, { office: officeStub({ naa: true }).office, factories });
      const token = await auth.getToken(['Mail.ReadWrite'], { interactive: true }).catch((e: SyncError) => e.code);
      observed[code] = token === 'popup-token' && popups === 1;
    }
    expect(observed).toEqual(expected((c) => SIGN_IN_WINDOW_HELPS.includes(c)));
  });

  it('a reconnect that failed the same way points the troubleshooter at the cached sign-in', () => {
    const observed = every((code) => {
      const d = diagnose({ token: { obtained: false, error: { code } }, reconnectAttempt: { failedWith: code } });
      return d.cause === 'session-stale' && code !== 'session-stale';
    });
    expect(observed).toEqual(expected((c) => STALE_IF_RECONNECT_FAILS.includes(c)));
  });

  it('precedence: of two causes found, the troubleshooter names the one the guide ranks first; unranked ones never', () => {
    expect(CAUSE_PRECEDENCE).toEqual(PRECEDENCE);
    for (let i = 0; i + 1 < PRECEDENCE.length; i++) {
      const [first, second] = [PRECEDENCE[i], PRECEDENCE[i + 1]];
      expect(diagnose({ token: { obtained: false, error: { code: second } }, paneError: { code: first } }).cause).toBe(first);
      expect(diagnose({ token: { obtained: false, error: { code: first } }, paneError: { code: second } }).cause).toBe(first);
    }
    const named = every((code) => diagnose({ token: { obtained: false, error: { code } } }).cause === code);
    expect(named).toEqual(expected((c) => PRECEDENCE.includes(c)));
  });

  it('explains every cause in plain words with one next step', () => {
    for (const code of CAUSE_CODES) {
      const e = explain(code);
      expect(e.title.length).toBeGreaterThan(5);
      expect(e.explanation.length).toBeGreaterThan(20);
      expect(e.nextStep.label.length).toBeGreaterThan(3);
      expect(e.troubleshooter.reassurance.length).toBeGreaterThan(20);
    }
    expect(Object.keys(EXPLANATIONS).sort()).toEqual([...CAUSE_CODES].sort());
    expect(explain('password-changed').explanation).toMatch(/Has your email password changed recently\?/);
    expect(explain('not-configured').explanation).toMatch(/ask your IT support to send the branch’s IMAP details/);
    expect(explain('authorisation-expired').nextStep.hint).toMatch(/Reconnecting usually fixes most sync issues within a few minutes/);
    expect(explain('not-signed-in').explanation).toMatch(/^Sign in to Rezi Email Sync to start — your Microsoft 365 account is needed once/);
    expect(explain('not-signed-in').title).not.toMatch(/expired|failed/i);
    expect(explain('nonsense' as never)).toBe(EXPLANATIONS.unknown);
  });
});

describe('severity and provider side', () => {
  // Written out once more: a row changed in CAUSES, or a caller deciding for itself again, fails here.
  const WARNING: CauseCode[] = ['throttled', 'outage-suspected'];
  const INFO: CauseCode[] = ['cancelled'];
  const ALWAYS_PROVIDER_SIDE: CauseCode[] = ['server-unreachable', 'outage-suspected'];

  it.each(CAUSE_CODES)('%s is shown with the severity the results bar uses', (code) => {
    const expected = INFO.includes(code) ? 'info' : WARNING.includes(code) ? 'warning' : 'error';
    expect(severityOf(code)).toBe(expected);
  });

  it('reads an unknown code from a newer peer as an error', () => {
    expect(severityOf('something-new')).toBe('error');
  });

  it.each(CAUSE_CODES)('%s counts towards a suspected outage only when it points at the provider', (code) => {
    const withServiceCode = isProviderSide(code, '503');
    const withClientCode = isProviderSide(code, '429');
    if (ALWAYS_PROVIDER_SIDE.includes(code)) expect([withServiceCode, withClientCode]).toEqual([true, true]);
    else if (code === 'throttled') expect([withServiceCode, withClientCode]).toEqual([true, false]);
    else expect([withServiceCode, withClientCode]).toEqual([false, false]);
  });
});
