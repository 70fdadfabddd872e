/**
 * Outlook on a phone: the BUILT pane filling a 375 × 667 Chromium viewport with touch (as Outlook on
 * iOS and Android show a MobileFormFactor pane), the Office.js stand-in as a phone (platform iOS,
 * Mailbox 1.5: no multi-select, one open mail), the real adapter and the Graph stand-in. The open mail
 * is filed by a tap; the result says where it went and why; axe finds nothing serious, nothing scrolls
 * sideways, and every control measures at least 44 × 44 px.
 */
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { chromiumAvailable, describeViolations, screenshot, seriousAxeViolations } from './support/browser';
import { paneWired } from './support/build-pane';
import { AGENT, FIVE_MAILS, seedInbox, startEnv, type E2eEnv, type ScenarioMail } from './support/env';

const PHONE = { width: 375, height: 667 };
const TOUCH_MIN_PX = 44;

const skip = !chromiumAvailable() ? '/usr/bin/chromium is not installed' : !paneWired() ? 'the pane is not wired to its services yet' : undefined;
if (skip) console.warn(`\n*** SKIPPED e2e phone scenarios: ${skip} ***\n`);
const scenario = skip ? (name: string) => test.skip(`${name} (SKIPPED: ${skip})`, () => undefined) : test;

let env: E2eEnv;
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!skip) env = await startEnv();
}, 60_000);
afterAll(async () => {
  await env?.close();
});
afterEach(async () => {
  await context?.close().catch(() => undefined);
  context = undefined;
});

/** The pane on its own, as the phone shows it: the stand-in reads the scenario from the query string. */
async function openPhonePane(hostScenario: Record<string, unknown>): Promise<Page> {
  context = await env.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'en-GB' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.warn(`[phone pane page error] ${e.message}`));
  const s = { user: AGENT, config: env.paneConfig, platform: 'iOS', ...hostScenario };
  await page.goto(`${env.host.origin}/taskpane.html?scenario=${encodeURIComponent(JSON.stringify(s))}`);
  await page.locator('main').first().waitFor({ timeout: 15_000 });
  return page;
}

async function checkAxe(frame: Frame, view: string) {
  const serious = await seriousAxeViolations(frame);
  if (serious.length > 0) console.log(describeViolations(view, serious));
  expect(serious.map((v) => `${view}: ${v.impact} ${v.id} (${v.nodes.length})`)).toEqual([]);
}

/** Every visible control smaller than 44 × 44 px (measured in CSS pixels), and whether the page scrolls sideways. */
async function touchProblems(page: Page): Promise<{ small: string[]; controls: number; sideways: boolean }> {
  return page.evaluate((min) => {
    const controls = [
      ...document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, [role="button"], [role="link"], [role="checkbox"]'),
    ].filter((el) => !el.closest('[data-tabster-dummy]') && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden');
    const small = controls
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width < min || r.height < min)
      .map(
        ({ el, r }) =>
          `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}" ${Math.round(r.width)}×${Math.round(r.height)}`,
      );
    return { small, controls: controls.length, sideways: document.documentElement.scrollWidth > window.innerWidth };
  }, TOUCH_MIN_PX);
}

describe('task pane on a phone (375 × 667, touch)', () => {
  scenario('files the open mail with a tap: where it went and why; axe clean; touch targets ≥ 44 px; no sideways scroll', async () => {
    const [open] = seedInbox(env.graph, [FIVE_MAILS[0]]);
    const page = await openPhonePane({ selected: [{ itemId: open.itemId, subject: open.subject, fromName: open.fromName }] });
    try {
      await page.getByText(`Signed in as ${AGENT.name}`).waitFor({ timeout: 15_000 });
      // Mailbox 1.5: the open mail is the selection (no getSelectedItemsAsync on a phone).
      const button = page.getByRole('button', { name: 'Sync 1 selected mail to Rezi' });
      await button.waitFor();
      await checkAxe(page.mainFrame(), 'phone: ready');
      const before = await touchProblems(page);
      expect(before.controls).toBeGreaterThan(2);
      expect(before.small).toEqual([]);
      expect(before.sideways).toBe(false);
      await screenshot(page, 'phone-01-ready');

      await button.tap();
      await page.getByText('Filed 1 mail: 0 sent, 1 received, 0 failed').waitFor({ timeout: 30_000 });
      const row = page.getByRole('listitem', { name: `${open.subject}: Received` });
      await row.getByText('Moved to Rezi-Imported › Received').waitFor();
      await row.getByRole('link', { name: /14 Elm Road.*opens Rezi/ }).waitFor();
      expect(env.graph.messagesIn('Rezi-Imported/Received').map((m) => m.subject)).toEqual([open.subject]);
      expect(env.graph.messagesIn('inbox')).toEqual([]);

      await checkAxe(page.mainFrame(), 'phone: results');
      const after = await touchProblems(page);
      expect(after.small).toEqual([]);
      expect(after.sideways).toBe(false);
      await screenshot(page, 'phone-02-results');
    } catch (e) {
      await screenshot(page, 'FAILED-phone').catch(() => undefined);
      throw e;
    }
  });
  scenario('offers the Failed fix, sized for touch: for a Failed result, and for an open mail that is in Failed', async () => {
    const stranger = (key: string, subject: string): ScenarioMail => ({
      key,
      expect: 'Failed',
      seed: {
        from: { name: key, address: `${key}@example.org` },
        to: [AGENT.email],
        subject,
        internetMessageId: `<e2e-phone-${key}@example.org>`,
        receivedDateTime: new Date().toISOString(),
      },
    });
    const fileThroughDialog = async (page: Page, view: string) => {
      const dialog = page.getByRole('dialog', { name: 'File to a group' });
      await dialog.getByRole('searchbox').fill('Elm Road');
      const card = dialog.getByRole('checkbox', { name: /14 Elm Road/ });
      await card.waitFor({ timeout: 10_000 });
      await card.tap();
      await checkAxe(page.mainFrame(), `${view}: file to a group`);
      const inDialog = await touchProblems(page);
      expect(inDialog.small).toEqual([]);
      expect(inDialog.sideways).toBe(false);
      await screenshot(page, `${view.replace(/\W+/g, '-')}-dialog`);
      await dialog.getByRole('button', { name: 'File', exact: true }).tap();
      await dialog.waitFor({ state: 'detached', timeout: 15_000 });
    };

    // 1. The open mail is synced, fails, and is fixed from its result.
    const [first] = seedInbox(env.graph, [stranger('phone-stranger', 'Bins at 14 Elm Road')]);
    const page = await openPhonePane({ selected: [{ itemId: first.itemId, subject: first.subject, fromName: first.fromName }] });
    try {
      await page.getByText(`Signed in as ${AGENT.name}`).waitFor({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Sync 1 selected mail to Rezi' }).tap();
      const failedRow = page.getByRole('listitem', { name: 'Bins at 14 Elm Road: Failed' });
      await failedRow.waitFor({ timeout: 30_000 });
      await page.getByText('1 mail in Failed').waitFor({ timeout: 15_000 });
      await failedRow.getByRole('button', { name: 'File to a group…' }).tap();
      await fileThroughDialog(page, 'phone-03 result');
      await page.getByRole('listitem', { name: 'Bins at 14 Elm Road: Received' }).waitFor({ timeout: 15_000 });
      await page.getByText('0 mails in Failed').waitFor({ timeout: 15_000 });
      expect(env.graph.messagesIn('Rezi-Imported/Received').map((m) => m.subject)).toContain('Bins at 14 Elm Road');
      await screenshot(page, 'phone-04-result-fixed');
    } catch (e) {
      await screenshot(page, 'FAILED-phone-fix-result').catch(() => undefined);
      throw e;
    }
    await context?.close();

    // 2. A mail already in Failed (filed there on another device) is opened on the phone: the pane offers the fix.
    const [second] = seedInbox(env.graph, [stranger('phone-other', 'Fence at 14 Elm Road')]);
    env.graph.moveMessage(second.restId, 'Rezi-Imported/Failed');
    // Outlook on a phone hands out REST ids, the mail's current one.
    const current = env.graph.messagesIn('Rezi-Imported/Failed').find((m) => m.subject === 'Fence at 14 Elm Road')!;
    const phone = await openPhonePane({ selected: [{ itemId: current.id, subject: current.subject, fromName: second.fromName }] });
    try {
      const offer = phone.getByRole('region', { name: 'Selected mail' });
      await offer.getByText(/“Fence at 14 Elm Road” is in Rezi-Imported › Failed/).waitFor({ timeout: 15_000 });
      await checkAxe(phone.mainFrame(), 'phone: open mail in Failed');
      const before = await touchProblems(phone);
      expect(before.small).toEqual([]);
      expect(before.sideways).toBe(false);
      await screenshot(phone, 'phone-05-open-mail-in-failed');
      await offer.getByRole('button', { name: 'File to a group…' }).tap();
      await fileThroughDialog(phone, 'phone-06 open mail');
      await offer.getByText('Filed in Rezi. The mail is now in Rezi-Imported › Received.').waitFor({ timeout: 15_000 });
      expect(env.graph.messagesIn('Rezi-Imported/Failed')).toEqual([]);
      await checkAxe(phone.mainFrame(), 'phone: open mail filed');
      const after = await touchProblems(phone);
      expect(after.small).toEqual([]);
      await screenshot(phone, 'phone-07-open-mail-filed');
    } catch (e) {
      await screenshot(phone, 'FAILED-phone-fix-open-mail').catch(() => undefined);
      throw e;
    }
  });
});
