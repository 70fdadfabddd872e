/**
 * Sign-in on an Outlook host without nested app authentication, end to end: the BUILT pane in the test
 * host with `naa: false` (no NestedAppAuth requirement set, no bridge), its real MSAL code (standard
 * application, ssoSilent through the redirect bridge page, then the Office dialog with auth-dialog.html
 * and loginRedirect), the Office dialog as a real browser window (office.js stand-in, `dialog: true`),
 * and Entra ID's authorize and token endpoints from dev/entra-standin.ts behind
 * https://login.microsoftonline.com. Tokens come from the adapter's local issuer; the adapter and the
 * Graph stand-in are the real ones. Screenshots in test/e2e/screenshots/, axe on the sign-in view.
 */
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { createEntraStandin, type EntraStandin } from '../../dev/entra-standin';
import { chromiumAvailable, describeViolations, screenshot, seriousAxeViolations } from './support/browser';
import { paneWired } from './support/build-pane';
import { routeEntra, type EntraRouteOptions } from './support/entra-route';
import { AGENT, CLIENT_ID, FIVE_MAILS, seedInbox, startEnv, type E2eEnv } from './support/env';

const skipReason = !chromiumAvailable() ? '/usr/bin/chromium is not installed' : !paneWired() ? 'the pane is not wired to its services yet' : undefined;

const AGENT_OID = '00000000-0000-0000-0000-0000000000a1';

let env: E2eEnv;
let lastPage: Page | undefined;
const openContexts: BrowserContext[] = [];

function scenario(name: string, fn: () => Promise<void>) {
  if (skipReason) {
    console.warn(`\n*** SKIPPED e2e scenario "${name}": ${skipReason} ***\n`);
    test.skip(`${name} (SKIPPED: ${skipReason})`, () => undefined);
    return;
  }
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      if (lastPage && !lastPage.isClosed()) await screenshot(lastPage, `FAILED-${name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
      throw e;
    } finally {
      for (const c of openContexts.splice(0)) await c.close().catch(() => undefined);
    }
  });
}

beforeAll(async () => {
  if (skipReason) return;
  env = await startEnv();
}, 60_000);

afterAll(async () => {
  await env?.close();
});

/** The Entra stand-in for the e2e app registration: the pane's redirect bridge and the dialog page are its SPA redirect URIs. */
function entraFor(): EntraStandin {
  const tenantId = env.paneConfig.tenantId;
  return createEntraStandin({
    app: { clientId: CLIENT_ID, spaRedirectUris: [`${env.host.origin}/redirect.html`, `${env.host.origin}/auth-dialog.html`] },
    users: [{ email: AGENT.email, name: AGENT.name, oid: AGENT_OID, tenantId }],
    mint: async (ask) => ({ access_token: await env.mint({ scope: ask.scope, email: ask.email, name: ask.name }), expires_in: 3600 }),
  });
}

interface Opened {
  context: BrowserContext;
  page: Page;
  pane: FrameLocator;
  /** Dialog windows opened so far (each an Office dialog: the host's popup). */
  dialogs: Page[];
}

async function openPaneWithoutNaa(entra: EntraStandin, hostScenario: Record<string, unknown>, route: EntraRouteOptions = {}): Promise<Opened> {
  const context = await env.browser.newContext({ viewport: { width: 1100, height: 1000 }, locale: 'en-GB' });
  openContexts.push(context);
  await routeEntra(context, entra, route);
  const dialogs: Page[] = [];
  const page = await context.newPage();
  lastPage = page;
  context.on('page', (p) => {
    if (p !== page) dialogs.push(p);
  });
  page.on('pageerror', (e) => console.warn(`[pane page error] ${e.message}`));
  await page.goto(
    env.host.hostUrl({
      user: AGENT,
      config: env.paneConfig,
      // The mailbox's account as Office.auth.getAuthContext names it: the same tenant and object id Entra signs in.
      tenantId: env.paneConfig.tenantId,
      oid: AGENT_OID,
      naa: false,
      dialog: true,
      ...hostScenario,
    }),
  );
  const pane = page.frameLocator('#pane');
  await pane.locator('main').first().waitFor({ timeout: 15_000 });
  return { context, page, pane, dialogs };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the Office stand-in noted about dialogs (opened, messages, closes), from the host page. */
async function dialogEvents(page: Page): Promise<{ kind: string; detail: Record<string, unknown> }[]> {
  const events = await page.evaluate(() => (window as unknown as { __hostEvents: { kind: string; detail: Record<string, unknown> }[] }).__hostEvents);
  return events.filter((e) => /dialog/i.test(e.kind));
}

const opened = (events: { kind: string; detail: Record<string, unknown> }[]) => events.filter((e) => e.kind === 'displayDialogAsync' && e.detail.dialog);

async function signInThroughDialog(o: Opened, entra: EntraStandin, shot: string): Promise<void> {
  // Entra's answer to the silent attempt (AADSTS50058, no one signed in yet) is a plain Sign in, not an expiry to renew.
  const signIn = o.pane.getByRole('button', { name: /^Sign in$/ });
  await until(() => entra.events.some((e) => e.kind === 'authorize'), 'the silent sign-in never reached Entra');
  await signIn.waitFor({ timeout: 20_000 });
  expect(await o.pane.getByText(/expired|Authorisation failed/i).count()).toBe(0);
  // The silent attempt went to Entra (prompt=none, through the redirect bridge) and found no session.
  const silentTries = entra.events.filter((e) => e.kind === 'authorize').map((e) => [e.detail.prompt, e.detail.redirectUri]);
  expect(silentTries.length).toBeGreaterThan(0);
  expect(silentTries.filter(([prompt, uri]) => prompt !== 'none' || uri !== `${env.host.origin}/redirect.html`)).toEqual([]);
  expect(opened(await dialogEvents(o.page))).toEqual([]);
  const frame = (await (await o.page.$('#pane'))!.contentFrame())!;
  // The view settles (buttons leave their transient disabled look) before axe judges it.
  let serious = await seriousAxeViolations(frame);
  for (let i = 0; i < 3 && serious.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    serious = await seriousAxeViolations(frame);
  }
  if (serious.length > 0) console.log(describeViolations('sign-in (no NAA)', serious));
  expect(serious.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`)).toEqual([]);
  await screenshot(o.page, shot);
  await signIn.click();
  await o.pane.getByText(`Signed in as ${AGENT.name} (${AGENT.email})`).waitFor({ timeout: 30_000 });
}

async function syncFiveAndCheck(o: Opened, shot: string): Promise<void> {
  const subjectsIn = (f: string) =>
    env.graph
      .messagesIn(`Rezi-Imported/${f}`)
      .map((m) => m.subject)
      .sort();
  // What this sync filed: each folder's mails now, less those an earlier scenario filed there.
  const before = Object.fromEntries(['Received', 'Sent', 'Failed', 'Queue'].map((f) => [f, subjectsIn(f)]));
  const filedBy = (f: string) => {
    const left = [...before[f]];
    return subjectsIn(f).filter((s) => {
      const i = left.indexOf(s);
      if (i < 0) return true;
      left.splice(i, 1);
      return false;
    });
  };
  await o.pane.getByRole('button', { name: 'Sync 5 selected mails to Rezi' }).click();
  await o.pane.getByText('Filed 5 mails: 1 sent, 2 received, 2 failed').waitFor({ timeout: 30_000 });
  await screenshot(o.page, shot);
  const expected = (f: string) =>
    FIVE_MAILS.filter((m) => m.expect === f)
      .map((m) => m.seed.subject)
      .sort();
  expect(filedBy('Received')).toEqual(expected('Received'));
  expect(filedBy('Sent')).toEqual(expected('Sent'));
  expect(filedBy('Failed')).toEqual(expected('Failed'));
  expect(subjectsIn('Queue')).toEqual([]);
  expect(env.graph.messagesIn('inbox').map((m) => m.subject)).toEqual([]);
  expect(env.adapterLog.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
}

describe('task pane on a host without nested app authentication', () => {
  scenario('silent sign-in finds no session; the agent signs in through the Office dialog and syncs 5 selected mails', async () => {
    const entra = entraFor();
    const seeded = seedInbox(env.graph, FIVE_MAILS);
    const o = await openPaneWithoutNaa(entra, { selected: seeded.map(({ itemId, subject, fromName }) => ({ itemId, subject, fromName })) });
    await signInThroughDialog(o, entra, '08-no-naa-sign-in');

    // One Office dialog, on the pane's domain, which answered with messageParent and was closed by the pane.
    const events = await dialogEvents(o.page);
    expect(opened(events).map((e) => new URL(String(e.detail.url)).pathname)).toEqual(['/auth-dialog.html']);
    expect(events.filter((e) => e.kind === 'DialogMessageReceived').map((e) => e.detail.origin)).toEqual([env.host.origin]);
    expect(events.filter((e) => e.kind === 'dialogClose')).toHaveLength(1);
    // Entra: the dialog's code redeemed once, from the browser (Origin), then the adapter's token by refresh token.
    const tokens = entra.events.filter((e) => e.kind === 'token').map((e) => [e.detail.grant, e.detail.origin, e.detail.redirectUri]);
    expect(tokens[0]).toEqual(['authorization_code', env.host.origin, `${env.host.origin}/auth-dialog.html`]);
    expect(tokens.slice(1).filter(([grant, origin]) => grant !== 'refresh_token' || origin !== env.host.origin)).toEqual([]);

    await syncFiveAndCheck(o, '09-no-naa-sync-results');
    expect(opened(await dialogEvents(o.page))).toHaveLength(1);
  });

  scenario('dialog with its own storage: the pane keeps the dialog’s tokens, and two Graph-using actions open no further dialog', async () => {
    const entra = entraFor();
    const seeded = seedInbox(env.graph, FIVE_MAILS);
    // The pane partitioned from the dialog: its own storage, and no Entra session in the pane's hidden iframe.
    const o = await openPaneWithoutNaa(
      entra,
      { dialogStorage: 'own', selected: seeded.map(({ itemId, subject, fromName }) => ({ itemId, subject, fromName })) },
      { thirdPartyCookies: false },
    );
    await signInThroughDialog(o, entra, '10-own-storage-sign-in');
    // The pane's MSAL never saw the dialog's sign-in, so each resource's token came through a dialog
    // (Graph, then the adapter's consent), each code redeemed by the dialog page itself.
    const scopesAsked = (await dialogEvents(o.page)).filter((e) => e.kind === 'displayDialogAsync' && e.detail.dialog);
    expect(scopesAsked.map((e) => new URL(String(e.detail.url)).searchParams.get('scopes'))).toEqual(['Mail.ReadWrite User.Read', env.adapterScope]);
    const tokenCalls = () => entra.events.filter((e) => e.kind === 'token').map((e) => [e.detail.grant, e.detail.redirectUri]);
    expect(tokenCalls()).toEqual([
      ['authorization_code', `${env.host.origin}/auth-dialog.html`],
      ['authorization_code', `${env.host.origin}/auth-dialog.html`],
    ]);
    const dialogsAtSignIn = scopesAsked.length;

    // Two Graph-using actions on the tokens the dialogs handed over: sync 5 mails, then the Queue.
    await syncFiveAndCheck(o, '11-own-storage-sync-results');
    await o.pane.getByRole('button', { name: 'Sync Queue folder' }).click();
    await o.pane.getByText('Queue was empty: nothing to file.').waitFor({ timeout: 30_000 });
    // No further dialog, and no further trip to Entra: the handed-over tokens served for their lifetime.
    expect(opened(await dialogEvents(o.page))).toHaveLength(dialogsAtSignIn);
    expect(tokenCalls()).toHaveLength(2);
  });
});
