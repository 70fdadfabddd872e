/**
 * The task pane end to end, as Outlook would run it: the BUILT pane in a 350 px iframe of the test
 * host, Office.js and nested app auth from the host stand-in, tokens from the adapter's local
 * issuer, the real adapter (temp SQLite + demo data) and the Graph stand-in; Dovecot for IMAP.
 * Every view gets an axe-core run (0 serious/critical) and a screenshot in test/e2e/screenshots/.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { chromiumAvailable, describeViolations, screenshot, seriousAxeViolations } from './support/browser';
import { outDir, paneWired, root } from './support/build-pane';
import { AGENT, FIVE_MAILS, seedInbox, startEnv, type E2eEnv } from './support/env';

// ---- What can run here (a missing part is skipped LOUDLY, never silently passed) -----------------
const skipReasons: Record<string, string | undefined> = {};
const imapRoutes =
  existsSync(path.join(root, 'src/server/imap/routes.ts')) &&
  /imap\/authenticate|\/imap/.test(readFileSync(path.join(root, 'src/server/imap/routes.ts'), 'utf8').replace(/^\/\/.*$/gm, ''));
const dovecot = existsSync(process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot');
if (!chromiumAvailable()) skipReasons.all = '/usr/bin/chromium is not installed';
else if (!paneWired())
  skipReasons.all = 'the pane is not wired to its services yet (src/taskpane/index.tsx is the placeholder or src/outlook/services.ts is missing)';
skipReasons.imap = !dovecot
  ? 'Dovecot (/usr/sbin/dovecot) is not installed'
  : !imapRoutes
    ? 'the adapter has no IMAP routes yet (src/server/imap/routes.ts is a stub)'
    : undefined;

function scenario(name: string, fn: () => Promise<void>, needs?: 'imap') {
  const reason = skipReasons.all ?? (needs ? skipReasons[needs] : undefined);
  if (reason) {
    console.warn(`\n*** SKIPPED e2e scenario "${name}": ${reason} ***\n`);
    test.skip(`${name} (SKIPPED: ${reason})`, () => undefined);
  } else
    test(name, async () => {
      try {
        await fn();
      } catch (e) {
        // What the pane showed when it failed, for a person to look at.
        if (lastPage && !lastPage.isClosed()) await screenshot(lastPage, `FAILED-${name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
        throw e;
      } finally {
        for (const c of openContexts.splice(0)) await c.close().catch(() => undefined);
      }
    });
}

let lastPage: Page | undefined;
const openContexts: BrowserContext[] = [];
const fetchedScripts: string[] = [];

/** Polls until `read()` equals `want` (deep), or fails with the last value seen. */
async function eventually<T>(read: () => T, want: T, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = read();
  while (JSON.stringify(last) !== JSON.stringify(want) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    last = read();
  }
  expect(last).toEqual(want);
}

let env: E2eEnv;
const axeReport: string[] = [];

beforeAll(async () => {
  if (skipReasons.all) return;
  env = await startEnv();
}, 60_000);

afterAll(async () => {
  await env?.close();
  if (axeReport.length > 0) console.log(`axe-core serious/critical violations:\n${axeReport.join('\n')}`);
});

// ---- Helpers ------------------------------------------------------------------------------------
interface Opened {
  context: BrowserContext;
  page: Page;
  pane: FrameLocator;
  frame: Frame;
}

const STATUS_CARD = '[aria-labelledby="status-heading"]';

async function openPane(hostScenario: Record<string, unknown>): Promise<Opened> {
  const dark = hostScenario.theme === 'dark';
  const context = await env.browser.newContext({ viewport: { width: 1100, height: 1000 }, colorScheme: dark ? 'dark' : 'light', locale: 'en-GB' });
  openContexts.push(context);
  // In every frame, before any script: note when the status card first appears (ms since that
  // frame's navigation started), for the pane's time-to-status figure.
  await context.addInitScript((selector: string) => {
    const w = window as unknown as { __statusCardAt?: number };
    const check = () => {
      if (w.__statusCardAt === undefined && document.querySelector(selector)) w.__statusCardAt = performance.now();
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
  }, STATUS_CARD);
  const page = await context.newPage();
  lastPage = page;
  page.on('request', (r) => {
    if (r.resourceType() === 'script') fetchedScripts.push(r.url());
  });
  page.on('pageerror', (e) => console.warn(`[pane page error] ${e.message}`));
  await page.goto(env.host.hostUrl({ user: AGENT, config: env.paneConfig, ...hostScenario }));
  const pane = page.frameLocator('#pane');
  await pane.locator('main').first().waitFor({ timeout: 15_000 });
  const frame = (await (await page.$('#pane'))!.contentFrame())!;
  return { context, page, pane, frame };
}

async function checkAxe(frame: Frame, view: string) {
  const serious = await seriousAxeViolations(frame);
  if (serious.length > 0) axeReport.push(describeViolations(view, serious));
  expect(serious.map((v) => `${view}: ${v.impact} ${v.id} (${v.nodes.length})`)).toEqual([]);
}

/** Presses Tab (at most 40 times) until the focused element's accessible text matches, then returns. */
async function tabTo(page: Page, frame: Frame, name: RegExp): Promise<void> {
  await frame
    .locator('body')
    .focus()
    .catch(() => undefined);
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const focused = await frame.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? `${el.getAttribute('aria-label') ?? ''} ${el.textContent ?? ''}`.trim() : '';
    });
    if (name.test(focused)) return;
  }
  throw new Error(`Tab never reached an element named ${name}`);
}

function gzipSizeOf(file: string): number {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

/** Scripts taskpane.html loads before first paint (its own script tags; office.js is the host's). */
function initialScripts(): { file: string; gzipBytes: number }[] {
  const html = readFileSync(path.join(outDir, 'taskpane.html'), 'utf8');
  const srcs: string[] = [];
  for (const [, attrs] of html.matchAll(/<script\b([^>]*)>/g)) {
    const src = /\bsrc=(?:"([^"]+)"|'([^']+)'|([^\s>]+))/.exec(attrs);
    const file = src && (src[1] ?? src[2] ?? src[3]);
    if (file && !/\basync\b/.test(attrs) && !/office\.js$/.test(file) && !/^https?:/.test(file)) srcs.push(file.replace(/^\//, ''));
  }
  return srcs.map((file) => ({ file, gzipBytes: gzipSizeOf(path.join(outDir, file)) }));
}

/** Gzip sizes of the pane's own scripts the browser fetched (by file name). */
function gzipOfFetched(urls: string[]): { file: string; gzipBytes: number }[] {
  return [...new Set(urls.map((u) => new URL(u).pathname.replace(/^\//, '')))]
    .filter((f) => f.endsWith('.js') && f !== 'office.js' && existsSync(path.join(outDir, f)))
    .map((file) => ({ file, gzipBytes: gzipSizeOf(path.join(outDir, file)) }));
}

// ---- Scenarios ----------------------------------------------------------------------------------
describe('task pane in Chromium', () => {
  scenario('first run: sign in, then the Rezi-Imported folder tree exists in the mailbox', async () => {
    const { page, pane, frame } = await openPane({ consented: false, selected: [] });
    {
      const card = pane.locator(STATUS_CARD);
      await card.waitFor();
      const signIn = pane.getByRole('button', { name: 'Sign in' });
      await signIn.waitFor();
      await checkAxe(frame, 'first run (signed out)');
      await screenshot(page, '01-first-run-signed-out');
      await signIn.click();
      await pane.getByText(`Signed in as ${AGENT.name} (${AGENT.email})`).waitFor({ timeout: 15_000 });
      await eventually(
        () => ['Queue', 'Sent', 'Received', 'Failed'].map((f) => env.graph.folderId(`Rezi-Imported/${f}`) !== undefined),
        [true, true, true, true],
      );
      await checkAxe(frame, 'first run (signed in)');
      await screenshot(page, '02-first-run-signed-in');
    }
  });

  scenario('sync 5 selected mails by keyboard: results in the pane, each mail in the right folder; perf figures recorded', async () => {
    const seeded = seedInbox(env.graph, FIVE_MAILS);
    const started = Date.now();
    fetchedScripts.length = 0;
    const { page, pane, frame } = await openPane({ selected: seeded.map(({ itemId, subject, fromName }) => ({ itemId, subject, fromName })) });
    {
      await pane.locator(STATUS_CARD).waitFor();
      const wallMs = Date.now() - started;
      const statusCardMs = await frame.evaluate(() => (window as unknown as { __statusCardAt?: number }).__statusCardAt);
      const scripts = initialScripts();
      const initialJsGzipBytes = scripts.reduce((n, s) => n + s.gzipBytes, 0);
      const beforeStatus = gzipOfFetched(fetchedScripts);
      const metrics = {
        measuredAt: new Date().toISOString(),
        build: JSON.parse(readFileSync(path.join(outDir, '.e2e-build.json'), 'utf8')).settings.mode,
        initialJsGzipBytes,
        initialJsGzipKB: Math.round((initialJsGzipBytes / 1024) * 10) / 10,
        initialScripts: scripts,
        jsBeforeStatusCardGzipBytes: beforeStatus.reduce((n, s) => n + s.gzipBytes, 0),
        jsBeforeStatusCard: beforeStatus,
        statusCardMs: statusCardMs === undefined ? null : Math.round(statusCardMs),
        statusCardWallMs: wallMs,
        goals: { initialJsGzipKB: 250, statusCardMs: 1000 },
      };
      writeFileSync(path.join(__dirname, 'pane-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
      console.log(
        `pane performance: initial JS ${metrics.initialJsGzipKB} KB gzip (goal ≤ 250 KB) in ${scripts.length} script(s), ${Math.round(metrics.jsBeforeStatusCardGzipBytes / 1024)} KB gzip of JS fetched before the status card; status card visible ${metrics.statusCardMs} ms after the pane's navigation (goal ≤ 1000 ms; ${wallMs} ms from opening the host page)`,
      );
      expect(statusCardMs).toBeDefined();
      await pane.getByText(`Signed in as ${AGENT.name}`).waitFor({ timeout: 15_000 });
      const button = pane.getByRole('button', { name: 'Sync 5 selected mails to Rezi' });
      await button.waitFor();
      await checkAxe(frame, 'ready to sync');
      await screenshot(page, '03-ready-to-sync');

      // Keyboard only: Tab to the button, Enter.
      await tabTo(page, frame, /^Sync 5 selected mails to Rezi$/);
      await page.keyboard.press('Enter');
      await pane.getByText('Filed 5 mails: 1 sent, 2 received, 2 failed').waitFor({ timeout: 30_000 });
      await screenshot(page, '04-sync-results');

      const subjectsIn = (f: string) =>
        env.graph
          .messagesIn(`Rezi-Imported/${f}`)
          .map((m) => m.subject)
          .sort();
      const expected = (f: string) =>
        FIVE_MAILS.filter((m) => m.expect === f)
          .map((m) => m.seed.subject)
          .sort();
      expect(subjectsIn('Received')).toEqual(expected('Received'));
      expect(subjectsIn('Sent')).toEqual(expected('Sent'));
      expect(subjectsIn('Failed')).toEqual(expected('Failed'));
      expect(subjectsIn('Queue')).toEqual([]);
      expect(env.graph.messagesIn('inbox').map((m) => m.subject)).toEqual([]);
      // Group links of the matched mails are in the results list.
      await pane
        .getByRole('link', { name: /14 Elm Road.*opens Rezi/ })
        .first()
        .waitFor();

      // No token ever reached the adapter's log.
      expect(env.adapterLog.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
      await checkAxe(frame, 'sync results');
    }
  });

  scenario('two accounts in one Outlook (the host’s active one is another mailbox’s): the pane uses the mailbox’s own and files 5 mails', async () => {
    const seeded = seedInbox(env.graph, FIVE_MAILS);
    const { page, pane } = await openPane({
      selected: seeded.map(({ itemId, subject, fromName }) => ({ itemId, subject, fromName })),
      // Office.js stand-in: the host's last active account is this one; getAuthContext still names the agent.
      otherAccount: { email: 'lettings@harbourestates.co.uk', name: 'Harbour Lettings', oid: '00000000-0000-0000-0000-0000000000b2', tenantId: 'tid-harbour' },
    });
    await pane.getByText(`Signed in as ${AGENT.name} (${AGENT.email})`).waitFor({ timeout: 15_000 });
    const button = pane.getByRole('button', { name: 'Sync 5 selected mails to Rezi' });
    await button.click();
    await pane.getByText('Filed 5 mails: 1 sent, 2 received, 2 failed').waitFor({ timeout: 30_000 });
    await screenshot(page, '04b-two-accounts-sync-results');
    expect(env.graph.messagesIn('inbox')).toEqual([]);
    expect(env.graph.messagesIn('Rezi-Imported/Queue')).toEqual([]);
  });

  scenario('authorisation failure (AADSTS50173, password changed) → troubleshooting', async () => {
    const { page, pane, frame } = await openPane({
      selected: [],
      tokenFailure: {
        on: 'any',
        status: 'USER_INTERACTION_REQUIRED',
        code: 'invalid_grant',
        description:
          'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
      },
    });
    {
      // Outlook's broker refuses every token, silent or interactive, with Entra's AADSTS50173 (the
      // grant was revoked: the password changed).
      await pane.locator(STATUS_CARD).waitFor();
      // (The pane may show Authorisation failed straight away, from the silent failure's AADSTS code.)
      const failed = pane.getByText('Authorisation failed').first();
      const signIn = pane.getByRole('button', { name: 'Sign in' });
      await failed.or(signIn).first().waitFor({ timeout: 15_000 });
      if (await signIn.isVisible()) await signIn.click();
      await failed.waitFor({ timeout: 15_000 });
      await pane
        .getByText(/Your email password has changed/)
        .first()
        .waitFor();
      await checkAxe(frame, 'authorisation failed');
      await screenshot(page, '05-authorisation-failed');
      await pane.getByRole('button', { name: 'Troubleshoot' }).first().click();
      await pane
        .getByRole('heading', { name: /troubleshoot/i })
        .first()
        .waitFor({ timeout: 10_000 });
      // The checks hear Entra's reason from the silent sign-in themselves, code included.
      await pane.getByText('Rezi couldn’t sign in without asking you: Your email password has changed (AADSTS50173).').waitFor({ timeout: 15_000 });
      await pane.getByRole('heading', { name: 'Likely cause: Your email password has changed' }).waitFor();
      await checkAxe(frame, 'troubleshooting');
      await screenshot(page, '06-troubleshooting');
    }
  });

  scenario('dark theme: the pane follows Office’s theme and stays accessible', async () => {
    const { page, pane, frame } = await openPane({ theme: 'dark', selected: [] });
    {
      await pane.locator(STATUS_CARD).waitFor();
      await pane.getByText(`Signed in as ${AGENT.name}`).waitFor({ timeout: 15_000 });
      const bg = await frame.evaluate(() => {
        // The first non-transparent background from the status card up.
        let el: Element | null = document.querySelector('[aria-labelledby="status-heading"]');
        while (el) {
          const c = getComputedStyle(el).backgroundColor;
          if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
          el = el.parentElement;
        }
        return getComputedStyle(document.body).backgroundColor;
      });
      const [r, g, b] = (bg.match(/\d+/g) ?? ['255', '255', '255']).map(Number);
      expect({ bg, dark: 0.2126 * r + 0.7152 * g + 0.0722 * b < 100 }).toEqual({ bg, dark: true });
      await checkAxe(frame, 'dark theme');
      await screenshot(page, '07-dark-theme');
    }
  });

  scenario('IMAP account: authenticate against Dovecot, folders created, Start Sync files the Queue', () => runImapScenario(), 'imap');
});

// Kept apart: it needs Dovecot and the adapter's IMAP routes, and is loaded only when they exist.
async function runImapScenario(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { imapScenario } = require('./support/imap-scenario') as typeof import('./support/imap-scenario');
  await imapScenario(env, { openPane, checkAxe, screenshot });
}
