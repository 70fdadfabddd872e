import {
  InteractionRequiredAuthError,
  ServerError,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  type IPublicClientApplication,
  type SilentRequest,
} from '@azure/msal-browser';
import { SyncError } from '../../src/core/causes';
import { createAuth, dialogOutcome, type MsalFactories } from '../../src/outlook/auth';
import { errorMessage, runAuthDialog, successMessage } from '../../src/outlook/auth-dialog';
import { officeStub, type OfficeStubOptions } from '../support/office-stub';

const DIALOG_URL = 'https://addin.example.co.uk/auth-dialog.html';
const account = {
  homeAccountId: 'oid-1.tid-1',
  environment: 'login.microsoftonline.com',
  tenantId: 'tid-1',
  username: 'agent@brightwells.co.uk',
  localAccountId: 'oid-1',
  name: 'Alex Morgan',
} as AccountInfo;
const result = (token: string, scopes: string[] = []): AuthenticationResult => ({ accessToken: token, account, scopes }) as unknown as AuthenticationResult;
const interactionRequired = () => new InteractionRequiredAuthError('interaction_required', 'Interaction required');

/** A fake MSAL application: no account cached and silent sign-in impossible until the dialog has signed in. */
class FakePca {
  calls: string[] = [];
  silentRequests: SilentRequest[] = [];
  active: AccountInfo | null = null;
  cached: AccountInfo[] = [];
  silent: () => Promise<AuthenticationResult> = async () => result('silent-token');
  getActiveAccount = () => this.active;
  getAllAccounts = () => this.cached;
  setActiveAccount = (a: AccountInfo | null) => void (this.active = a);
  acquireTokenSilent = async (r: SilentRequest) => (this.calls.push('silent'), this.silentRequests.push(r), this.silent());
  ssoSilent = async () => {
    this.calls.push('ssoSilent');
    throw interactionRequired();
  };
  acquireTokenPopup = async () => (this.calls.push('popup'), result('popup-token'));
  clearCache = async () => undefined;
}

async function setUp(stub: OfficeStubOptions) {
  const pca = new FakePca();
  const s = officeStub(stub);
  const factories: MsalFactories = {
    createNestable: async (_: Configuration) => pca as unknown as IPublicClientApplication,
    createStandard: async (_: Configuration) => pca as unknown as IPublicClientApplication,
  };
  const auth = await createAuth({ clientId: 'cid', dialogUrl: DIALOG_URL }, { office: s.office, factories });
  return { pca, stub: s, auth };
}

/** Waits until the pane has opened a dialog (getToken reaches it after a few awaits). */
async function dialogOpened(stub: ReturnType<typeof officeStub>, n = 1) {
  for (let i = 0; i < 100 && stub.dialogs.length < n; i++) await new Promise((r) => setImmediate(r));
  expect(stub.dialogs).toHaveLength(n);
  return stub.dialogs[n - 1];
}

describe('sign-in through the Office dialog where nested app authentication is missing', () => {
  test('success: the dialog reports the account, the pane takes the token silently from the shared cache', async () => {
    const { pca, stub, auth } = await setUp({ naa: false });
    expect(auth.nestedAppAuth).toBe(false);
    const token = auth.getToken(['Mail.ReadWrite', 'User.Read'], { interactive: true });
    const dialog = await dialogOpened(stub);
    const url = new URL(dialog.url);
    expect(url.origin + url.pathname).toBe(DIALOG_URL);
    expect(url.searchParams.get('scopes')).toBe('Mail.ReadWrite User.Read');
    expect(url.searchParams.get('login_hint')).toBe('agent@brightwells.co.uk');
    expect(dialog.options).toEqual({ height: 60, width: 30, promptBeforeOpen: false });

    // The dialog page signed in: MSAL wrote the account to localStorage, which the pane shares.
    const cachedCopy = { ...account };
    pca.cached = [cachedCopy];
    dialog.message({ status: 'success', account: { homeAccountId: account.homeAccountId, username: account.username, name: account.name } });

    expect(await token).toBe('silent-token');
    expect(dialog.closed).toBe(1);
    expect(pca.calls).toEqual(['ssoSilent', 'silent']);
    // From the shared cache or by refresh token: never the hidden iframe (CacheLookupPolicy.AccessTokenAndRefreshToken).
    expect(pca.silentRequests[0]).toEqual({ scopes: ['Mail.ReadWrite', 'User.Read'], account: cachedCopy, cacheLookupPolicy: 2 });
    expect(pca.silentRequests[0].account).toBe(cachedCopy);
    expect(auth.account()).toEqual({ name: 'Alex Morgan', email: 'agent@brightwells.co.uk' });
    // Later tokens come silently for that account, with no further dialog.
    expect(await auth.getToken(['User.Read'], { interactive: true })).toBe('silent-token');
    expect(stub.dialogs).toHaveLength(1);
  });

  test('where the dialog had its own storage, the token it sent is used for the scopes it covers, and only those', async () => {
    const { pca, stub, auth } = await setUp({ naa: false });
    pca.silent = async () => {
      throw new InteractionRequiredAuthError('no_tokens_found', 'No refresh token found in the cache');
    };
    const first = auth.getToken(['Mail.ReadWrite'], { interactive: true });
    (await dialogOpened(stub)).message(successMessage(result('dialog-token', ['https://graph.microsoft.com/Mail.ReadWrite', 'openid'])));
    expect(await first).toBe('dialog-token');

    const second = auth.getToken(['api://addin.example.co.uk/cid/access_as_user'], { interactive: true });
    (await dialogOpened(stub, 2)).message(successMessage(result('dialog-token', ['https://graph.microsoft.com/Mail.ReadWrite'])));
    await expect(second).rejects.toMatchObject({ code: 'session-stale' });
  });

  test('the user closes the dialog (12006): cancelled, and no popup is tried instead', async () => {
    const { pca, stub, auth } = await setUp({ naa: false });
    const token = auth.getToken(['User.Read'], { interactive: true });
    const dialog = await dialogOpened(stub);
    dialog.event(12006);
    const error = await token.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect(error).toMatchObject({ code: 'cancelled', detail: { providerCode: '12006' } });
    expect(pca.calls).toEqual(['ssoSilent']);
    expect(auth.account()).toBeUndefined();
  });

  test('AADSTS50173 reported by the dialog: password changed, AADSTS code kept, dialog closed', async () => {
    const { stub, auth } = await setUp({ naa: false });
    const token = auth.getToken(['User.Read'], { interactive: true });
    const dialog = await dialogOpened(stub);
    // As MSAL builds it from Entra's answer: (errorCode, correlationId, errorMessage, subError, errorNo, status).
    const msal = new ServerError(
      'invalid_grant',
      'corr-1',
      'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.\r\nTrace ID: abc',
      '',
      '50173',
      400,
    );
    dialog.message(errorMessage(msal));
    const error = (await token.catch((e: unknown) => e)) as SyncError;
    expect(error).toMatchObject({ code: 'password-changed', detail: { providerCode: 'AADSTS50173', requestId: 'corr-1' } });
    expect(error.message).not.toMatch(/Trace ID/);
    expect(dialog.closed).toBe(1);
  });

  test('the host blocks the dialog (12009): a clear cause, no popup', async () => {
    const { pca, stub, auth } = await setUp({ naa: false, dialogOpenError: 12009 });
    const error = (await auth.getToken(['User.Read'], { interactive: true }).catch((e: unknown) => e)) as SyncError;
    expect(error).toBeInstanceOf(SyncError);
    expect(error.code).toBe('cancelled');
    expect(error.detail.providerCode).toBe('12009');
    expect(error.message).toMatch(/blocked/);
    expect(stub.dialogs).toHaveLength(1);
    expect(pca.calls).toEqual(['ssoSilent']);
  });

  test('a page that cannot be loaded (12002) or a non-HTTPS page (12003) is a set-up problem', () => {
    expect(dialogOutcome({ error: 12002 })).toMatchObject({ code: 'not-configured', detail: { providerCode: '12002' } });
    expect(dialogOutcome({ error: 12003 })).toMatchObject({ code: 'not-configured', detail: { providerCode: '12003' } });
    expect(dialogOutcome({ error: 99999 })).toMatchObject({ code: 'unknown', detail: { providerCode: '99999' } });
  });

  test('a message from another origin is ignored; the dialog keeps waiting for ours', async () => {
    const { pca, stub, auth } = await setUp({ naa: false });
    const token = auth.getToken(['User.Read'], { interactive: true });
    const dialog = await dialogOpened(stub);
    dialog.message({ status: 'success', account: { homeAccountId: 'evil', username: 'mallory@example.com' } }, 'https://evil.example.com');
    expect(dialog.closed).toBe(0);
    pca.cached = [account];
    dialog.message({ status: 'success', account: { homeAccountId: account.homeAccountId, username: account.username } });
    expect(await token).toBe('silent-token');
    expect(auth.account()?.email).toBe('agent@brightwells.co.uk');
  });

  test('an unreadable dialog message is an error, not a crash', () => {
    expect(dialogOutcome({ message: 'not json' })).toMatchObject({ code: 'unknown' });
    expect(dialogOutcome({ message: JSON.stringify({ status: 'success' }) })).toMatchObject({ code: 'unknown' });
  });

  test('hosts with nested app authentication never open the dialog', async () => {
    const { pca, stub, auth } = await setUp({ naa: true });
    pca.active = account;
    pca.silent = async () => {
      throw interactionRequired();
    };
    expect(auth.nestedAppAuth).toBe(true);
    expect(await auth.getToken(['User.Read'], { interactive: true })).toBe('popup-token');
    expect(stub.dialogs).toHaveLength(0);
    expect(pca.calls).toEqual(['silent', 'popup']);
  });

  test('MSAL’s popup is kept only where Office.context.ui is missing', async () => {
    const { pca, stub, auth } = await setUp({ naa: false, dialogApi: false });
    expect(await auth.getToken(['User.Read'], { interactive: true })).toBe('popup-token');
    expect(stub.dialogs).toHaveLength(0);
    expect(pca.calls).toEqual(['ssoSilent', 'popup']);
  });

  test('not interactive: no dialog', async () => {
    const { stub, auth } = await setUp({ naa: false });
    await expect(auth.getToken(['User.Read'])).rejects.toMatchObject({ code: 'consent-missing' });
    expect(stub.dialogs).toHaveLength(0);
  });
});

describe('the dialog page (auth-dialog.ts)', () => {
  function page(search: string, redirect: () => Promise<AuthenticationResult | null>) {
    const sent: string[] = [];
    const logins: unknown[] = [];
    const configs: Configuration[] = [];
    const pca = { handleRedirectPromise: redirect, loginRedirect: async (r: unknown) => void logins.push(r) };
    const office = { context: { ui: { messageParent: (m: string) => void sent.push(m) } } } as unknown as typeof Office;
    const run = () =>
      runAuthDialog({
        office,
        location: { origin: 'https://addin.example.co.uk', pathname: '/auth-dialog.html', search },
        createStandard: async (c) => (configs.push(c), pca as unknown as IPublicClientApplication),
      });
    return { sent, logins, configs, run };
  }

  test('first load: starts the redirect sign-in with the scopes and login hint from the query, redirecting back to itself', async () => {
    const p = page('?scopes=Mail.ReadWrite+User.Read&login_hint=agent%40brightwells.co.uk', async () => null);
    await p.run();
    expect(p.configs[0].auth.redirectUri).toBe('https://addin.example.co.uk/auth-dialog.html');
    expect(p.configs[0].cache?.cacheLocation).toBe('localStorage');
    expect(p.logins).toEqual([{ scopes: ['Mail.ReadWrite', 'User.Read'], loginHint: 'agent@brightwells.co.uk' }]);
    expect(p.sent).toEqual([]);
  });

  test('back from the redirect: sends the account to the pane', async () => {
    const p = page('', async () => result('tok', ['User.Read']));
    await p.run();
    expect(p.logins).toEqual([]);
    const m = JSON.parse(p.sent[0]);
    expect(m).toMatchObject({ status: 'success', account: { homeAccountId: 'oid-1.tid-1', username: 'agent@brightwells.co.uk', name: 'Alex Morgan' } });
    expect(dialogOutcome({ message: p.sent[0] })).toMatchObject({ account: { username: 'agent@brightwells.co.uk' } });
  });

  test('an MSAL error: sends the code and the AADSTS line, never a token', async () => {
    const p = page('', async () => {
      throw new ServerError('invalid_grant', 'corr-2', 'Session is invalid due to expiration or recent password change.\r\nTrace ID: t', '', '50133', 400);
    });
    await p.run();
    expect(JSON.parse(p.sent[0])).toEqual({
      status: 'error',
      errorCode: 'invalid_grant',
      errorNo: '50133',
      errorMessage: 'AADSTS50133: Session is invalid due to expiration or recent password change.',
      correlationId: 'corr-2',
    });
    expect(dialogOutcome({ message: p.sent[0] })).toMatchObject({ code: 'password-changed', detail: { providerCode: 'AADSTS50133' } });
  });
});
