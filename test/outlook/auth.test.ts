import {
  BrowserAuthError,
  InteractionRequiredAuthError,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  type IPublicClientApplication,
} from '@azure/msal-browser';
import { createAuth, type MsalFactories } from '../../src/outlook/auth';

const account = {
  homeAccountId: 'h',
  environment: 'login.microsoftonline.com',
  tenantId: 't',
  username: 'agent@example.co.uk',
  localAccountId: 'l',
  name: 'Ann Agent',
} as AccountInfo;
const result = (token: string): AuthenticationResult => ({ accessToken: token, account }) as AuthenticationResult;

/** A fake MSAL application: records calls, answers from scripted functions. */
class FakePca {
  calls: string[] = [];
  active: AccountInfo | null = null;
  cached: AccountInfo[] = [];
  silent: () => Promise<AuthenticationResult> = async () => result('silent-token');
  sso: () => Promise<AuthenticationResult> = async () => result('sso-token');
  popup: () => Promise<AuthenticationResult> = async () => result('popup-token');
  cleared = 0;
  getActiveAccount = () => this.active;
  getAllAccounts = () => this.cached;
  setActiveAccount = (a: AccountInfo | null) => void (this.active = a);
  acquireTokenSilent = async () => (this.calls.push('silent'), this.silent());
  ssoSilent = async () => (this.calls.push('ssoSilent'), this.sso());
  acquireTokenPopup = async () => (this.calls.push('popup'), this.popup());
  clearCache = async () => void this.cleared++;
}

function office(naa: boolean): typeof Office {
  return {
    context: {
      requirements: { isSetSupported: (name: string, v: string) => naa && name === 'NestedAppAuth' && v === '1.1' },
      mailbox: { userProfile: { emailAddress: 'agent@example.co.uk' } },
    },
  } as unknown as typeof Office;
}

function factories(pca: FakePca) {
  const made: { kind: string; config: Configuration }[] = [];
  const f: MsalFactories = {
    createNestable: async (config) => (made.push({ kind: 'nestable', config }), pca as unknown as IPublicClientApplication),
    createStandard: async (config) => (made.push({ kind: 'standard', config }), pca as unknown as IPublicClientApplication),
  };
  return { f, made };
}

describe('createAuth', () => {
  test('uses nested app authentication where the host supports NestedAppAuth 1.1, silent first', async () => {
    const pca = new FakePca();
    const { f, made } = factories(pca);
    const auth = await createAuth({ clientId: 'cid', tenantId: 'tenant-1' }, { office: office(true), factories: f });
    expect(auth.nestedAppAuth).toBe(true);
    expect(made[0].kind).toBe('nestable');
    expect(made[0].config.auth.authority).toBe('https://login.microsoftonline.com/tenant-1');
    expect(await auth.getToken(['Mail.ReadWrite'], { interactive: true })).toBe('silent-token');
    expect(pca.calls).toEqual(['silent']);
    expect(auth.account()).toEqual({ name: 'Ann Agent', email: 'agent@example.co.uk' });
  });

  test('falls back to a standard application elsewhere: ssoSilent with the mailbox as login hint when no account is cached', async () => {
    const pca = new FakePca();
    const { f, made } = factories(pca);
    const auth = await createAuth({ clientId: 'cid' }, { office: office(false), factories: f });
    expect(made[0].kind).toBe('standard');
    expect(made[0].config.auth.authority).toBe('https://login.microsoftonline.com/common');
    expect(await auth.getToken(['User.Read'])).toBe('sso-token');
    // The account is remembered: the next token comes from acquireTokenSilent.
    expect(await auth.getToken(['User.Read'])).toBe('silent-token');
    expect(pca.calls).toEqual(['ssoSilent', 'silent']);
  });

  test('interactive only when needed and asked for', async () => {
    const pca = new FakePca();
    pca.active = account;
    pca.silent = async () => {
      throw new InteractionRequiredAuthError('interaction_required', 'corr', 'Interaction required');
    };
    const { f } = factories(pca);
    const auth = await createAuth({ clientId: 'cid' }, { office: office(true), factories: f });
    await expect(auth.getToken(['Mail.ReadWrite'])).rejects.toMatchObject({ code: 'consent-missing' });
    expect(pca.calls).toEqual(['silent']);
    expect(await auth.getToken(['Mail.ReadWrite'], { interactive: true })).toBe('popup-token');
    expect(pca.calls).toEqual(['silent', 'silent', 'popup']);
  });

  test('no sign-in window for a network failure; a closed window maps to cancelled', async () => {
    const pca = new FakePca();
    pca.active = account;
    pca.silent = async () => {
      throw new BrowserAuthError('no_network_connectivity', 'corr');
    };
    const { f } = factories(pca);
    const auth = await createAuth({ clientId: 'cid' }, { office: office(true), factories: f });
    await expect(auth.getToken(['x'], { interactive: true })).rejects.toMatchObject({ code: 'server-unreachable' });
    expect(pca.calls).toEqual(['silent']);
    pca.silent = async () => {
      throw new InteractionRequiredAuthError('login_required', 'corr', 'AADSTS50058');
    };
    pca.popup = async () => {
      throw new BrowserAuthError('user_cancelled', 'corr');
    };
    await expect(auth.getToken(['x'], { interactive: true })).rejects.toMatchObject({ code: 'cancelled' });
  });

  test('signOut and clearCache forget the account and clear MSAL’s cache', async () => {
    const pca = new FakePca();
    pca.cached = [account];
    const { f } = factories(pca);
    const auth = await createAuth({ clientId: 'cid' }, { office: office(false), factories: f });
    expect(auth.account()?.email).toBe('agent@example.co.uk');
    await auth.signOut();
    expect(auth.account()).toBeUndefined();
    expect(pca.cleared).toBe(1);
    await auth.clearCache();
    expect(pca.cleared).toBe(2);
  });
});
