/**
 * The Office.js stand-in itself, in real Chromium with the real MSAL browser build: if these fail,
 * the pane scenarios would fail for the host's sake, not the add-in's.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { startLocalIssuer, type LocalIssuer } from '../../src/server/auth/local-issuer';
import { chromiumAvailable, launchChromium } from './support/browser';
import { startHostServer, type HostServer } from '../../dev/outlook-host/server';
import { outDir } from './support/build-pane';

const ADAPTER_SCOPE = 'api://localhost/rezi-email-sync/access_as_user';
const GRAPH_AUD = 'https://graph.microsoft.com';

let issuer: LocalIssuer;
let host: HostServer;
let browser: Browser;
let page: Page;

const run = chromiumAvailable() ? describe : describe.skip;
if (!chromiumAvailable()) console.warn('SKIPPED: /usr/bin/chromium is not installed (apt-get install chromium), so the e2e cannot run.');

run('Office.js stand-in (real MSAL, real Chromium)', () => {
  beforeAll(async () => {
    issuer = await startLocalIssuer();
    host = await startHostServer({
      paneDir: outDir,
      mint: async (ask) => {
        const graph = !/api:\/\/|access_as_user/.test(ask.scope);
        const access_token = await issuer.mintToken(
          graph
            ? { aud: GRAPH_AUD, scp: 'Mail.ReadWrite User.Read', preferred_username: ask.email, name: ask.name }
            : { preferred_username: ask.email, name: ask.name },
        );
        return { access_token, expires_in: 3600, scope: ask.scope };
      },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await issuer?.close();
  });

  const selfTest = async (scenario: object, scopes: string[]) => {
    // A fresh context per check: MSAL caches tokens in the origin's storage.
    await page?.context().close();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${host.origin}/__selftest.html?scenario=${encodeURIComponent(JSON.stringify(scenario))}`);
    return page.evaluate(([s, c]) => (window as unknown as { selfTest: (s: string[], c: string) => Promise<Record<string, unknown>> }).selfTest(s, c), [
      scopes,
      'client-id',
    ] as const);
  };

  test('MSAL gets a real adapter token through the nested app auth bridge; Office basics answer as Outlook does', async () => {
    const r = await selfTest(
      {
        user: { email: 'olivia@example.co.uk', name: 'Olivia' },
        selected: [{ itemId: 'AAMk/1+a', subject: 'Offer on 12 Mill Lane' }],
        config: { adapterUrl: 'http://x' },
      },
      [ADAPTER_SCOPE],
    );
    expect(r.error).toBeUndefined();
    const { payload } = await jwtVerify(r.accessToken as string, createRemoteJWKSet(new URL(issuer.jwksUrl)), { audience: issuer.audience });
    expect(payload.preferred_username).toBe('olivia@example.co.uk');
    expect(payload.scp).toBe('access_as_user');
    expect(r.account).toEqual({ username: 'olivia@example.co.uk', name: 'Olivia' });
    expect(r.info).toEqual({ host: 'Outlook', platform: 'OfficeOnline' });
    expect(r.selection).toMatchObject({
      status: 'succeeded',
      value: [{ itemId: 'AAMk/1+a', subject: 'Offer on 12 Mill Lane', itemType: 'message', itemMode: 'Read' }],
    });
    expect(r.restId).toBe('AAMk-abc_def');
    expect([r.multiSelect, r.naa, r.mailbox114]).toEqual([true, true, false]);
    expect(r.lang).toBe('en-GB');
    expect(r.config).toEqual({ adapterUrl: 'http://x' });
    expect(host.tokenRequests.map((t) => t.scope)).toContain(ADAPTER_SCOPE);
  });

  test('Graph scopes get a Graph-audience token', async () => {
    const r = await selfTest({}, ['Mail.ReadWrite', 'User.Read']);
    const { payload } = await jwtVerify(r.accessToken as string, createRemoteJWKSet(new URL(issuer.jwksUrl)), { audience: GRAPH_AUD });
    expect(payload.scp).toBe('Mail.ReadWrite User.Read');
  });

  test('a scripted AADSTS50173 failure reaches MSAL as an interaction-required error carrying the code', async () => {
    const r = await selfTest({ tokenFailure: { on: 'any' } }, [ADAPTER_SCOPE]);
    expect(typeof r.accessToken).toBe('undefined'); // (never print a token in a failure message)
    expect(r.silentError).toMatchObject({ name: 'InteractionRequiredAuthError', errorCode: 'invalid_grant' });
    expect(String((r.silentError as { errorMessage: string }).errorMessage)).toContain('AADSTS50173');
    expect(r.error).toMatchObject({ errorCode: 'invalid_grant' });
  });

  test('before consent, silent fails and the popup (sign-in) succeeds', async () => {
    const r = await selfTest({ consented: false, theme: 'dark' }, [ADAPTER_SCOPE]);
    expect(r.silentError).toMatchObject({ name: 'InteractionRequiredAuthError' });
    expect(typeof r.accessToken).toBe('string');
    expect(r.theme).toMatchObject({ isDarkTheme: true, bodyBackgroundColor: '#292827' });
  });

  test('two accounts in one Outlook: the host’s active account is the other one, Office.auth.getAuthContext() names the mailbox’s', async () => {
    const other = { email: 'lettings@harbourestates.co.uk', name: 'Lettings', oid: '00000000-0000-0000-0000-0000000000b2', tenantId: 'tid-other' };
    const scenario = { user: { email: 'olivia@example.co.uk', name: 'Olivia' }, otherAccount: other };
    // MSAL without an account takes the host's: the other mailbox's (why the pane must choose by the auth context and check).
    const r = await selfTest(scenario, ['Mail.ReadWrite']);
    expect(r.account).toEqual({ username: other.email, name: other.name });

    // A fresh pane asking for the mailbox's account by its id (from getAuthContext) gets that account's token.
    await page.context().close();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${host.origin}/__selftest.html?scenario=${encodeURIComponent(JSON.stringify(scenario))}`);
    const mine = await page.evaluate(async () => {
      await Office.onReady();
      const m = (window as unknown as { msal: typeof import('@azure/msal-browser') }).msal;
      const pca = await m.createNestablePublicClientApplication({ auth: { clientId: 'client-id', authority: 'https://login.microsoftonline.com/common' } });
      const ctx = await Office.auth.getAuthContext();
      const t = await pca.acquireTokenSilent({
        scopes: ['Mail.ReadWrite'],
        account: {
          homeAccountId: `${ctx.userObjectId}.${ctx.tenantId}`,
          environment: 'login.microsoftonline.com',
          tenantId: ctx.tenantId,
          username: ctx.userPrincipalName,
          localAccountId: ctx.userObjectId,
        },
      });
      return { ctx: ctx.userPrincipalName, token: t.account?.username };
    });
    expect(mine).toEqual({ ctx: 'olivia@example.co.uk', token: 'olivia@example.co.uk' });
  });

  test('a host without nested app authentication: no NestedAppAuth requirement set and no bridge', async () => {
    await page?.context().close();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${host.origin}/__selftest.html?scenario=${encodeURIComponent(JSON.stringify({ naa: false }))}`);
    const r = await page.evaluate(async () => {
      await Office.onReady();
      return {
        naa: Office.context.requirements.isSetSupported('NestedAppAuth', '1.1'),
        bridge: typeof (window as unknown as { nestedAppAuthBridge?: unknown }).nestedAppAuthBridge,
        dialogApi: typeof Office.context.ui.displayDialogAsync,
      };
    });
    expect(r).toEqual({ naa: false, bridge: 'undefined', dialogApi: 'function' });
  });
});
