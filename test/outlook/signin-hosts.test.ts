/**
 * Sign-in on the hosts Microsoft documents, with MSAL fakes as strict as MSAL 5 is:
 * - without nested app authentication, ssoSilent's hidden window ends in `timed_out` when no redirect
 *   bridge answers (Microsoft Learn: "Migrate from MSAL Browser v4 to v5", "Set up the redirect bridge page");
 * - under nested app authentication clearCache throws `unsupported_method` (msal-browser
 *   NestedAppAuthController.clearCache; Microsoft Learn: "Enable SSO in an Office Add-in using nested
 *   app authentication", unsupported APIs);
 * - the MSAL cache holds every account signed in in this Outlook, not only the mailbox's;
 * - a dialog with its own storage (Outlook on the web, new Outlook: Microsoft Learn "Use the Office
 *   dialog API in Office Add-ins") leaves the pane's MSAL cache empty: only the handed-over token is there.
 */
import {
  BrowserAuthError,
  InteractionRequiredAuthError,
  type AccountInfo,
  type AuthenticationResult,
  type IPublicClientApplication,
} from '@azure/msal-browser';
import { AuthError } from '@azure/msal-browser';
import { createAuth, type MsalFactories } from '../../src/outlook/auth';
import { officeStub, type OfficeStubOptions } from '../support/office-stub';

type AccountFilter = Parameters<IPublicClientApplication['getAccount']>[0];
const DIALOG_URL = 'https://addin.example.co.uk/auth-dialog.html';
const acc = (username: string, oid: string, tid = 'tid-1'): AccountInfo =>
  ({ homeAccountId: `${oid}.${tid}`, environment: 'login.microsoftonline.com', tenantId: tid, username, localAccountId: oid, name: username }) as AccountInfo;
const MINE = acc('agent@brightwells.co.uk', 'oid-agent');
const OTHER = acc('lettings@harbourestates.co.uk', 'oid-other', 'tid-2');

class StrictPca {
  calls: { method: string; account?: string; loginHint?: string }[] = [];
  cached: AccountInfo[] = [];
  active: AccountInfo | null = null;
  /** Tokens MSAL can give silently, by account username. */
  silentFor = new Set<string>();
  ssoTimesOut = false;
  naa = false;
  getActiveAccount = () => this.active;
  getAllAccounts = () => this.cached;
  getAccount = (f: AccountFilter) =>
    this.cached.find(
      (a) =>
        (!f.username || a.username === f.username) &&
        (!f.tenantId || a.tenantId === f.tenantId) &&
        (!f.localAccountId || a.localAccountId === f.localAccountId),
    ) ?? null;
  setActiveAccount = (a: AccountInfo | null) => void (this.active = a);
  acquireTokenSilent = async (r: { account?: AccountInfo; loginHint?: string; scopes: string[]; cacheLookupPolicy?: number }) => {
    const cacheOnly = r.cacheLookupPolicy === 2; // CacheLookupPolicy.AccessTokenAndRefreshToken: no hidden iframe
    this.calls.push({ method: cacheOnly ? 'silent-cache-only' : 'silent', account: r.account?.username, loginHint: r.loginHint });
    const who = r.account?.username ?? r.loginHint ?? this.active?.username;
    if (who && this.silentFor.has(who))
      return { accessToken: `token-for-${who}`, account: this.getAccount({ username: who }) ?? acc(who, 'x'), scopes: r.scopes } as AuthenticationResult;
    // MSAL's answer when the cache has no refresh token and the policy forbids the iframe.
    if (cacheOnly) throw new InteractionRequiredAuthError('no_tokens_found', 'No refresh token found in the cache.');
    throw new InteractionRequiredAuthError('interaction_required', 'AADSTS50058: no user signed in');
  };
  ssoSilent = async (r: { loginHint?: string }) => {
    this.calls.push({ method: 'ssoSilent', loginHint: r.loginHint });
    if (this.ssoTimesOut) throw new BrowserAuthError('timed_out', 'corr');
    throw new InteractionRequiredAuthError('login_required', 'AADSTS50058');
  };
  acquireTokenPopup = async () => (this.calls.push({ method: 'popup' }), { accessToken: 'popup-token', account: MINE } as AuthenticationResult);
  clearCache = async () => {
    this.calls.push({ method: 'clearCache' });
    // What NestedAppAuthController.clearCache throws (NestedAppAuthError.createUnsupportedError: code unsupported_method).
    if (this.naa) throw Object.assign(new AuthError('unsupported_method', ''), { name: 'NestedAppAuthError' });
    this.cached = [];
  };
}

async function setUp(pca: StrictPca, stub: OfficeStubOptions, now?: () => number) {
  const s = officeStub(stub);
  const factories: MsalFactories = {
    createNestable: async () => pca as unknown as IPublicClientApplication,
    createStandard: async () => pca as unknown as IPublicClientApplication,
  };
  const auth = await createAuth({ clientId: 'cid', dialogUrl: DIALOG_URL, now, dialogCacheWaitMs: 200 }, { office: s.office, factories });
  return { stub: s, auth };
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

const success = (token: string, expiresOn?: Date) => ({
  status: 'success',
  account: MINE,
  accessToken: token,
  scopes: ['Mail.ReadWrite', 'User.Read'],
  ...(expiresOn ? { expiresOn: expiresOn.toISOString() } : {}),
});

describe('a host without nested app authentication (MSAL 5: silent sign-in through the redirect bridge)', () => {
  test('the standard application redirects to the redirect bridge page, not to the task pane', async () => {
    const pca = new StrictPca();
    let redirectUri: string | undefined;
    const s = officeStub({ naa: false });
    await createAuth(
      { clientId: 'cid' },
      {
        office: s.office,
        factories: { createNestable: async () => pca as never, createStandard: async (c) => ((redirectUri = c.auth.redirectUri), pca as never) },
      },
    );
    expect(redirectUri).toMatch(/\/redirect\.html$/);
  });

  test('ssoSilent timing out opens the Office dialog, and its token is used', async () => {
    const pca = new StrictPca();
    pca.ssoTimesOut = true;
    const { stub, auth } = await setUp(pca, { naa: false });
    const token = auth.getToken(['Mail.ReadWrite'], { interactive: true });
    await until(() => stub.dialogs.length === 1);
    stub.dialogs[0].message(success('dialog-token'));
    await expect(token).resolves.toBe('dialog-token');
    expect(pca.calls.map((c) => c.method)).toEqual(['ssoSilent', 'silent']);
  });

  test('without a button press, a timed-out silent sign-in says a sign-in window is needed (not that the network is down)', async () => {
    const pca = new StrictPca();
    pca.ssoTimesOut = true;
    const { stub, auth } = await setUp(pca, { naa: false });
    await expect(auth.getToken(['Mail.ReadWrite'])).rejects.toMatchObject({ code: 'authorisation-expired', detail: { providerCode: 'timed_out' } });
    expect(stub.dialogs).toHaveLength(0);
  });
});

describe('the dialog shares the pane’s storage, and MSAL tells the pane of its sign-in after the dialog answers', () => {
  test('the pane waits for its cache and uses the refresh token, never a hidden iframe', async () => {
    const pca = new StrictPca();
    pca.ssoTimesOut = true;
    const { stub, auth } = await setUp(pca, { naa: false });
    const token = auth.getToken(['Mail.ReadWrite'], { interactive: true });
    await until(() => stub.dialogs.length === 1);
    // The dialog's answer comes first; MSAL's broadcast of the account and its tokens comes a poll later.
    const cachedAt = pca.getAllAccounts;
    let reads = 0;
    pca.getAllAccounts = () => {
      if (++reads === 2) {
        pca.cached = [MINE];
        pca.silentFor.add(MINE.username);
      }
      return cachedAt();
    };
    stub.dialogs[0].message(success('handed-over-token'));
    await expect(token).resolves.toBe(`token-for-${MINE.username}`);
    expect(pca.calls.map((c) => c.method)).toEqual(['ssoSilent', 'silent-cache-only']);
  });
});

describe('the dialog with its own storage: its token lasts its lifetime and is renewed through the dialog', () => {
  test('the handed-over token serves every call until it lapses, then one dialog renews it', async () => {
    let t = Date.parse('2026-12-01T10:00:00Z');
    const pca = new StrictPca(); // the pane's cache never sees the dialog's sign-in
    const { stub, auth } = await setUp(pca, { naa: false }, () => t);
    const first = auth.getToken(['Mail.ReadWrite'], { interactive: true });
    await until(() => stub.dialogs.length === 1);
    stub.dialogs[0].message(success('dialog-token-1', new Date(t + 60 * 60_000)));
    await expect(first).resolves.toBe('dialog-token-1');
    // The sync's later Graph requests: silently, the same token.
    for (let i = 0; i < 3; i++) await expect(auth.getToken(['Mail.ReadWrite'])).resolves.toBe('dialog-token-1');
    await expect(auth.getToken(['Mail.ReadWrite'], { renewThroughDialog: true })).resolves.toBe('dialog-token-1');
    expect(stub.dialogs).toHaveLength(1);

    t += 58 * 60_000; // within five minutes of lapsing
    await expect(auth.getToken(['Mail.ReadWrite'])).rejects.toMatchObject({ code: 'consent-missing' });
    const renewed = auth.getToken(['Mail.ReadWrite'], { renewThroughDialog: true });
    await until(() => stub.dialogs.length === 2);
    stub.dialogs[1].message(success('dialog-token-2', new Date(t + 60 * 60_000)));
    await expect(renewed).resolves.toBe('dialog-token-2');
    await expect(auth.getToken(['Mail.ReadWrite'])).resolves.toBe('dialog-token-2');
  });
});

describe('two accounts in one Outlook: the mailbox’s own', () => {
  test('under NAA the account comes from Office.auth.getAuthContext(), not the first cached one', async () => {
    const pca = new StrictPca();
    pca.cached = [OTHER, MINE];
    pca.active = OTHER;
    pca.silentFor = new Set([OTHER.username, MINE.username]);
    const { auth } = await setUp(pca, {
      naa: true,
      authContext: { userPrincipalName: MINE.username, tenantId: MINE.tenantId, userObjectId: MINE.localAccountId },
    });
    await expect(auth.getToken(['Mail.ReadWrite'])).resolves.toBe(`token-for-${MINE.username}`);
    expect(auth.account()?.email).toBe(MINE.username);
    expect(pca.calls[0]).toMatchObject({ method: 'silent', account: MINE.username });
  });

  test('the mailbox’s account not cached yet: asks the host for that user by id (from the auth context), never for another cached account', async () => {
    const pca = new StrictPca();
    pca.cached = [OTHER];
    pca.active = OTHER;
    pca.silentFor = new Set([OTHER.username, MINE.username]);
    const { auth } = await setUp(pca, { naa: true, authContext: { userPrincipalName: MINE.username, tenantId: MINE.tenantId, userObjectId: 'oid-agent' } });
    await expect(auth.getToken(['Mail.ReadWrite'])).resolves.toBe(`token-for-${MINE.username}`);
    expect(pca.calls[0]).toEqual({ method: 'silent', account: MINE.username, loginHint: undefined });
  });

  test('without Office.auth, the cached account whose username is the mailbox’s', async () => {
    const pca = new StrictPca();
    pca.cached = [OTHER, MINE];
    pca.silentFor = new Set([OTHER.username, MINE.username]);
    const { auth } = await setUp(pca, { naa: false });
    await expect(auth.getToken(['Mail.ReadWrite'])).resolves.toBe(`token-for-${MINE.username}`);
  });
});

describe('clearing the cached session', () => {
  test('under NAA clearCache is unsupported: the pane forgets the account, says what stays with Outlook, and does not throw', async () => {
    const pca = new StrictPca();
    pca.naa = true;
    pca.cached = [MINE];
    pca.silentFor = new Set([MINE.username]);
    const { auth } = await setUp(pca, {
      naa: true,
      authContext: { userPrincipalName: MINE.username, tenantId: MINE.tenantId, userObjectId: MINE.localAccountId },
    });
    await auth.getToken(['Mail.ReadWrite']);
    const cleared = await auth.clearCache();
    expect(cleared).toMatchObject({ msalCacheCleared: false, note: expect.stringMatching(/Outlook keeps your Microsoft 365 sign-in/) });
    expect(auth.account()).toBeUndefined();
    await expect(auth.signOut()).resolves.toBeUndefined();
  });

  test('a real failure of clearCache is reported, not swallowed', async () => {
    const pca = new StrictPca();
    pca.clearCache = async () => {
      throw new BrowserAuthError('cache_error', 'corr');
    };
    const { auth } = await setUp(pca, { naa: false });
    await expect(auth.signOut()).rejects.toMatchObject({ code: 'session-stale' });
    await expect(auth.clearCache()).rejects.toMatchObject({ code: 'session-stale' });
  });

  test('clearing drops the dialog’s handed-over token too', async () => {
    const pca = new StrictPca();
    const { stub, auth } = await setUp(pca, { naa: false });
    const first = auth.getToken(['Mail.ReadWrite'], { interactive: true });
    await until(() => stub.dialogs.length === 1);
    stub.dialogs[0].message(success('dialog-token', new Date(Date.now() + 3600_000)));
    await first;
    await auth.clearCache();
    await expect(auth.getToken(['Mail.ReadWrite'])).rejects.toMatchObject({ code: 'authorisation-expired' });
  });
});
