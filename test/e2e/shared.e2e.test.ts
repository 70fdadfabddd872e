/**
 * A shared mailbox in Outlook on the web: the BUILT pane in the test host, the Office.js stand-in's
 * shared folder (item.getSharedPropertiesAsync names the mailbox), the agent's Graph stand-in with two
 * shared mailboxes behind it (one with Full Access, one without). The open mail is filed from the
 * shared mailbox into that mailbox's own Rezi-Imported tree; without permission the pane says so in
 * plain words and nothing moves.
 */
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { chromiumAvailable, describeViolations, screenshot, seriousAxeViolations } from './support/browser';
import { paneWired } from './support/build-pane';
import { AGENT, startEnv, type E2eEnv } from './support/env';

const LETTINGS = 'lettings@brightwells.co.uk';
const SALES = 'sales@brightwells.co.uk';

const skip = !chromiumAvailable() ? '/usr/bin/chromium is not installed' : !paneWired() ? 'the pane is not wired to its services yet' : undefined;
if (skip) console.warn(`\n*** SKIPPED e2e shared-mailbox scenarios: ${skip} ***\n`);
const scenario = skip ? (name: string) => test.skip(`${name} (SKIPPED: ${skip})`, () => undefined) : test;

let env: E2eEnv;
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!skip) env = await startEnv({ shared: { [LETTINGS]: 'full', [SALES]: 'none' } });
}, 60_000);
afterAll(async () => {
  await env?.close();
});
afterEach(async () => {
  await context?.close().catch(() => undefined);
  context = undefined;
});

async function openShared(mailbox: string, itemId: string, subject: string): Promise<{ page: Page; pane: FrameLocator }> {
  context = await env.browser.newContext({ viewport: { width: 1100, height: 1000 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.warn(`[pane page error] ${e.message}`));
  await page.goto(
    env.host.hostUrl({
      user: AGENT,
      config: env.paneConfig,
      selected: [{ itemId, subject, fromName: 'Sarah Whitfield' }],
      shared: { owner: mailbox, targetMailbox: mailbox, delegatePermissions: 63 },
    }),
  );
  const pane = page.frameLocator('#pane');
  await pane.getByText(`Signed in as ${AGENT.name}`).waitFor({ timeout: 15_000 });
  return { page, pane };
}

async function checkAxe(page: Page, view: string) {
  const frame = (await (await page.$('#pane'))!.contentFrame())!;
  const serious = await seriousAxeViolations(frame);
  if (serious.length > 0) console.log(describeViolations(view, serious));
  expect(serious.map((v) => `${view}: ${v.impact} ${v.id} (${v.nodes.length})`)).toEqual([]);
}

function seed(mailbox: string, subject: string): string {
  const restId = env.shared[mailbox].addMessage('inbox', {
    from: { name: 'Sarah Whitfield', address: 'sarah.whitfield@example.com' },
    to: [mailbox],
    subject,
    internetMessageId: `<e2e-shared-${Date.now()}-${subject.length}@example.com>`,
  });
  return restId.replace(/-/g, '/').replace(/_/g, '+');
}

describe('task pane in a shared mailbox', () => {
  scenario('files the open mail from the shared mailbox into the shared mailbox’s own Rezi-Imported tree', async () => {
    const subject = 'Viewing feedback for 14 Elm Road';
    const { page, pane } = await openShared(LETTINGS, seed(LETTINGS, subject), subject);
    await pane.getByRole('button', { name: 'Sync 1 selected mail to Rezi' }).click();
    await pane.getByText('Filed 1 mail: 0 sent, 1 received, 0 failed').waitFor({ timeout: 30_000 });
    await pane
      .getByRole('link', { name: /14 Elm Road.*opens Rezi/ })
      .first()
      .waitFor();
    expect(env.shared[LETTINGS].messagesIn('Rezi-Imported/Received').map((m) => m.subject)).toEqual([subject]);
    expect(env.shared[LETTINGS].messagesIn('inbox')).toEqual([]);
    // The agent's own mailbox is left alone.
    expect(env.graph.folderId('Rezi-Imported')).toBeUndefined();
    await checkAxe(page, 'shared mailbox: results');
    await screenshot(page, 'shared-01-results');
  });

  scenario('without permission on the shared mailbox: plain words, nothing moved', async () => {
    const subject = 'Offer on 27 Hampton Park';
    const { page, pane } = await openShared(SALES, seed(SALES, subject), subject);
    await pane.getByRole('button', { name: 'Sync 1 selected mail to Rezi' }).click();
    await pane.getByText('You don’t have access to this shared mailbox').first().waitFor({ timeout: 30_000 });
    await pane
      .getByText(/Ask the mailbox’s owner or your IT support to give you Full Access/)
      .first()
      .waitFor();
    expect(env.shared[SALES].messagesIn('inbox').map((m) => m.subject)).toEqual([subject]);
    expect(env.shared[SALES].folderId('Rezi-Imported')).toBeUndefined();
    await checkAxe(page, 'shared mailbox: no permission');
    await screenshot(page, 'shared-02-no-permission');
  });
});
