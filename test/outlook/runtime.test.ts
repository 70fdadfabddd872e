/**
 * The add-in runtime: one sign-in shared by everything the pane, the ribbon command and the adapter
 * client do, and one MSAL configuration shared with the sign-in dialog page.
 */
import type { AccountInfo, AuthenticationResult, Configuration, IPublicClientApplication } from '@azure/msal-browser';
import { createAuth, type MsalFactories } from '../../src/outlook/auth';
import { runAuthDialog } from '../../src/outlook/auth-dialog';
import { createAddinRuntime } from '../../src/outlook/runtime';
import { officeStub } from '../support/office-stub';

const account = {
  homeAccountId: 'oid.tid',
  environment: 'login.microsoftonline.com',
  tenantId: 'tid',
  localAccountId: 'oid',
  username: 'agent@brightwells.co.uk',
  name: 'Alex Morgan',
} as AccountInfo;

/** MSAL applications as the factories make them: each answers silently with a token naming its scopes. */
function msal() {
  const made: Configuration[] = [];
  const pca = {
    getAccount: () => account,
    getAllAccounts: () => [account],
    setActiveAccount: () => undefined,
    acquireTokenSilent: async (r: { scopes: string[] }) => ({ accessToken: `token:${r.scopes.join(' ')}`, account }) as AuthenticationResult,
  } as unknown as IPublicClientApplication;
  const factories: MsalFactories = {
    createNestable: async (c) => (made.push(c), pca),
    createStandard: async (c) => (made.push(c), pca),
  };
  return { made, factories };
}

const CONFIG = {
  clientId: 'cid',
  tenantId: 'tenant-1',
  adapterUrl: 'http://127.0.0.1:1',
  adapterScope: 'api://rezi/access_as_user',
  graphBaseUrl: 'http://127.0.0.1:1/v1.0',
};

describe('createAddinRuntime', () => {
  test('one MSAL application serves every caller, the adapter client included', async () => {
    const m = msal();
    const seen: string[] = [];
    const fetch = (async (_url: string, init?: RequestInit) => {
      seen.push(new Headers(init?.headers).get('authorization') ?? '');
      return new Response(JSON.stringify({ account: { kind: 'none', state: 'disconnected' } }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof globalThis.fetch;
    const rt = createAddinRuntime(CONFIG, { office: officeStub({ naa: true }).office, factories: m.factories, fetch });
    const [a, b] = await Promise.all([rt.auth(), rt.auth()]);
    expect(a).toBe(b);
    await rt.adapter.status();
    expect(await rt.account()).toEqual({ name: 'Alex Morgan', email: 'agent@brightwells.co.uk' });
    expect(m.made).toHaveLength(1);
    expect(seen).toEqual(['Bearer token:api://rezi/access_as_user']);
  });

  test('a sign-in that names no account is a stale session, in words', async () => {
    const rt = createAddinRuntime(CONFIG, {
      auth: {
        nestedAppAuth: true,
        getToken: async () => 't',
        account: () => undefined,
        signOut: async () => undefined,
        clearCache: async () => ({ msalCacheCleared: true }),
      },
    });
    await expect(rt.account()).rejects.toMatchObject({ code: 'session-stale', message: 'Signed in, but Outlook did not say which account.' });
  });
});

describe('the sign-in dialog page and the pane configure MSAL alike', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('same client, authority and cache; each its own redirect page', async () => {
    process.env.REZI_CLIENT_ID = 'cid';
    process.env.REZI_TENANT_ID = 'tenant-1';
    const pane = msal();
    await createAuth(
      { clientId: 'cid', tenantId: 'tenant-1', redirectUri: 'https://addin.example.co.uk/redirect.html' },
      { office: officeStub({ naa: false }).office, factories: pane.factories },
    );
    const dialog: Configuration[] = [];
    await runAuthDialog({
      office: { context: { ui: { messageParent: () => undefined } } } as unknown as typeof Office,
      location: { origin: 'https://addin.example.co.uk', pathname: '/auth-dialog.html', search: '?scopes=User.Read' },
      createStandard: async (c) =>
        (dialog.push(c), { handleRedirectPromise: async () => null, loginRedirect: async () => undefined }) as unknown as IPublicClientApplication,
    });
    const { redirectUri: paneRedirect, ...paneAuth } = pane.made[0].auth;
    const { redirectUri: dialogRedirect, ...dialogAuth } = dialog[0].auth;
    expect(dialogAuth).toEqual(paneAuth);
    expect(paneAuth).toEqual({ clientId: 'cid', authority: 'https://login.microsoftonline.com/tenant-1' });
    expect(dialog[0].cache).toEqual(pane.made[0].cache);
    expect([paneRedirect, dialogRedirect]).toEqual(['https://addin.example.co.uk/redirect.html', 'https://addin.example.co.uk/auth-dialog.html']);
  });
});
