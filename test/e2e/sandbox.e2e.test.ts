/**
 * A newcomer's first ten minutes, in Chromium: `npm start` (node scripts/start.mjs, on free ports,
 * building what it needs itself), the sandbox URL read from its output, then what a person does —
 * select 5 mails in the demo mailbox, press Sync to Rezi in the real task pane, watch them move into
 * the Rezi-Imported folders, and open a group's link to its timeline. axe on the sandbox page, the
 * pane and the timeline; screenshots in test/e2e/screenshots/ (and docs/ with SANDBOX_DOCS_SHOTS=1).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { chromiumAvailable, describeViolations, launchChromium, screenshot, seriousAxeViolations } from './support/browser';
import { root } from './support/build-pane';
import { freePort } from '../../dev/dovecot';

const reason = chromiumAvailable() ? undefined : '/usr/bin/chromium is not installed';
const maybe = reason ? test.skip : test;
if (reason) console.warn(`\n*** SKIPPED the sandbox e2e: ${reason} ***\n`);

let proc: ChildProcess | undefined;
let browser: Browser | undefined;
let dataDir = '';
let output = '';

/** Stops npm start and everything it started: they share its process group. */
function killTree() {
  if (proc?.pid && proc.exitCode === null) {
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  killTree();
  if (proc && proc.exitCode === null) await new Promise((r) => proc!.once('exit', r)).catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function startNpmStart(env: Record<string, string>): Promise<string> {
  proc = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the whole tree can be stopped at the end
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no sandbox URL in 90 s:\n${output.slice(-4000)}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /Outlook sandbox: (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc!.stdout!.on('data', onData);
    proc!.stderr!.on('data', onData);
    proc!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before printing the sandbox URL:\n${output.slice(-4000)}`));
    });
  });
}

async function axeClean(frame: Frame | Page, view: string) {
  const serious = await seriousAxeViolations(frame as Frame);
  if (serious.length) console.log(describeViolations(view, serious));
  expect(serious.map((v) => `${view}: ${v.impact} ${v.id} (${v.nodes.length})`)).toEqual([]);
}

/** Screenshots for the README come from this run when asked (SANDBOX_DOCS_SHOTS=1). */
async function shot(page: Page, name: string, docsName?: string) {
  await screenshot(page, name);
  if (docsName && process.env.SANDBOX_DOCS_SHOTS === '1') await page.screenshot({ path: path.join(root, 'docs', docsName) });
}

const count = (page: Page, folder: string) =>
  page.evaluate(
    (p) =>
      fetch('/__sandbox/state')
        .then((r) => r.json())
        .then((s: { folders: { path: string; count: number }[] }) => s.folders.find((f) => f.path === p)?.count),
    folder,
  );

describe('Outlook sandbox (npm start)', () => {
  maybe(
    'a newcomer opens the printed URL, selects 5 mails, syncs them to Rezi and finds the event on the group timeline',
    async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'rezi-sandbox-e2e-'));
      const [pane, adapter, issuer, sandbox] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const url = await startNpmStart({
        PANE_PORT: String(pane),
        ADAPTER_PORT: String(adapter),
        AUTH_LOCAL_ISSUER_PORT: String(issuer),
        SANDBOX_PORT: String(sandbox),
        DATA_DIR: dataDir,
      });
      expect(url).toBe(`http://127.0.0.1:${sandbox}/`);

      browser = await launchChromium();
      // bypassCSP: axe is injected as a script; the timeline's policy (rightly) allows none.
      const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, locale: 'en-GB', bypassCSP: true });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.warn(`[sandbox page error] ${e.message}`));
      await page.goto(url);

      // The demo mailbox, its folders with their counts, and the add-in signed in.
      const list = page.getByRole('listbox', { name: 'Inbox' });
      await list.getByRole('option').first().waitFor();
      const inboxBefore = await list.getByRole('option').count();
      expect(inboxBefore).toBeGreaterThanOrEqual(10);
      await page.getByRole('button', { name: 'Rezi-Imported, Queue 3 mails' }).waitFor();
      const paneFrame = page.frameLocator('#pane');
      await paneFrame.getByText('Signed in as Alex Morgan (agent@brightwells.co.uk)').waitFor({ timeout: 30_000 });
      // Signing in created the rest of the folder tree, and the folder view shows it.
      await page.getByRole('button', { name: 'Rezi-Imported, Received 0 mails' }).waitFor({ timeout: 15_000 });

      // Select 5: click the first, Shift-click the fourth, Ctrl-click the sixth.
      const options = list.getByRole('option');
      const subjects = await options.evaluateAll((els) => els.map((e) => e.querySelector('.subject')?.textContent ?? ''));
      await options.nth(0).click();
      await options.nth(3).click({ modifiers: ['Shift'] });
      await options.nth(5).click({ modifiers: ['Control'] });
      await expect(list.locator('[aria-selected="true"]').count()).resolves.toBe(5);
      await page.getByText('5 mails selected').waitFor();
      const chosen = [0, 1, 2, 3, 5].map((i) => subjects[i]);

      const button = paneFrame.getByRole('button', { name: 'Sync 5 selected mails to Rezi' });
      await button.waitFor({ timeout: 15_000 });
      await axeClean(page.mainFrame() as unknown as Frame, 'sandbox: 5 selected');
      const frame = (await (await page.$('#pane'))!.contentFrame())!;
      await axeClean(frame, 'sandbox pane: ready to sync');
      await shot(page, 'sandbox-01-five-selected', 'sandbox-select.png');

      await button.click();
      // The 3 mails already in Queue are filed in the same run: 8 in all.
      const summary = paneFrame.getByText(/^Filed 8 mails: \d+ sent, \d+ received, \d+ failed$/);
      await summary.waitFor({ timeout: 45_000 });

      // They left the Inbox, and the folder view counts them where they went.
      await page.waitForFunction((n) => document.querySelectorAll('#messages [role="option"]').length === n, inboxBefore - 5, { timeout: 10_000 });
      for (const s of chosen) await expect(list.getByRole('option', { name: new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).count()).resolves.toBe(0);
      const [sent, received, failed, queue] = [
        await count(page, 'Rezi-Imported/Sent'),
        await count(page, 'Rezi-Imported/Received'),
        await count(page, 'Rezi-Imported/Failed'),
        await count(page, 'Rezi-Imported/Queue'),
      ];
      const filed = /Filed 8 mails: (\d+) sent, (\d+) received, (\d+) failed/.exec((await summary.textContent()) ?? '')!;
      expect({ sent, received, failed, queue }).toEqual({ sent: Number(filed[1]), received: Number(filed[2]), failed: Number(filed[3]), queue: 0 });
      await page.getByRole('button', { name: `Rezi-Imported, Received ${received} mails` }).waitFor();
      await axeClean(frame, 'sandbox pane: results');
      await shot(page, 'sandbox-02-synced', 'sandbox-synced.png');

      // A group's link in the results opens its timeline, with this mail's event on it.
      const link = paneFrame.getByRole('link', { name: /14 Elm Road.*opens Rezi/ }).first();
      const [timeline] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await timeline.waitForLoadState();
      expect(timeline.url()).toBe(`http://127.0.0.1:${adapter}/local/timeline/groups/RZ-CLIFTON-01`);
      await timeline.getByRole('heading', { level: 1, name: /14 Elm Road/ }).waitFor();
      const events = timeline.getByRole('list', { name: 'Timeline events, newest first' }).getByRole('listitem');
      await expect(events.filter({ hasText: 'Viewing feedback for 14 Elm Road' }).count()).resolves.toBe(1);
      await axeClean(timeline as unknown as Frame, 'timeline');
      await shot(timeline, 'sandbox-03-timeline');
    },
    150_000,
  );
});
