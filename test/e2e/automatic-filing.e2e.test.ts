/**
 * Office 365 automatic filing, end to end in Chromium: the agent turns it on in the built pane (the
 * adapter exchanges the pane's token on their behalf at the local issuer), closes the pane, and a
 * mail moved into Queue on the Graph stand-in is filed by the adapter's own delta poll: it ends in
 * Rezi-Imported/Received with an event on its group's timeline. The pane, reopened, says when it
 * last filed automatically. Screenshots in test/e2e/screenshots/, axe on the switch.
 */
import type { BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { chromiumAvailable, describeViolations, screenshot, seriousAxeViolations } from './support/browser';
import { paneWired } from './support/build-pane';
import { AGENT, startEnv, type E2eEnv } from './support/env';

const skip = !chromiumAvailable() ? '/usr/bin/chromium is not installed' : !paneWired() ? 'the pane is not wired to its services' : undefined;
/** The shortest interval GRAPH_POLL_SECONDS allows (src/server/env.ts). */
const POLL_SECONDS = 10;
const SUBJECT = 'Second viewing at 14 Elm Road';

let env: E2eEnv;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!skip) env = await startEnv({ automaticFiling: { pollSeconds: POLL_SECONDS } });
}, 60_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await env?.close();
});

async function openPane(): Promise<{ page: Page; pane: FrameLocator; frame: Frame; context: BrowserContext }> {
  const context = await env.browser.newContext({ viewport: { width: 1100, height: 1000 }, locale: 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.warn(`[pane page error] ${e.message}`));
  await page.goto(env.host.hostUrl({ user: AGENT, config: env.paneConfig, selected: [] }));
  const pane = page.frameLocator('#pane');
  await pane.getByText(`Signed in as ${AGENT.name}`).waitFor({ timeout: 15_000 });
  const frame = (await (await page.$('#pane'))!.contentFrame())!;
  return { page, pane, frame, context };
}

/** Bounded polling on the stand-in's state: the adapter's poll runs on a real (short) timer. */
async function until(what: string, ok: () => boolean | Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const subjectsIn = (folder: string) => env.graph.messagesIn(folder).map((m) => m.subject);

(skip ? test.skip : test)(
  `turned on in the pane, the pane closed, a mail moved into Queue is filed by the adapter's poll${skip ? ` (SKIPPED: ${skip})` : ''}`,
  async () => {
    // 1. The agent turns automatic filing on.
    const first = await openPane();
    const toggle = first.pane.getByRole('switch', { name: 'File new mail in Queue automatically' });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();
    // On once /status, loaded again after the call, shows the grant.
    await first.pane.getByRole('switch', { name: 'File new mail in Queue automatically', checked: true }).waitFor({ timeout: 15_000 });
    await first.pane.getByText(`Rezi checks your Queue folder every ${POLL_SECONDS} seconds, even with Outlook closed`).waitFor();
    const serious = await seriousAxeViolations(first.frame);
    if (serious.length > 0) console.log(describeViolations('automatic filing on', serious));
    expect(serious.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`)).toEqual([]);
    await screenshot(first.page, 'automatic-filing-01-on');

    // 2. The pane is closed; the mail is moved into Queue from another client.
    await first.context.close();
    const id = env.graph.addMessage('inbox', {
      from: { name: 'Sarah Whitfield', address: 'sarah.whitfield@example.com' },
      to: [AGENT.email],
      subject: SUBJECT,
      internetMessageId: '<e2e-automatic-filing@example.com>',
      receivedDateTime: new Date().toISOString(),
    });
    env.graph.moveMessage(id, 'Rezi-Imported/Queue');

    // 3. The adapter's next poll files it: Received, and an event on the group's timeline.
    await until('the mail filed into Received', () => subjectsIn('Rezi-Imported/Received').includes(SUBJECT), POLL_SECONDS * 6 * 1000);
    expect(subjectsIn('Rezi-Imported/Queue')).toEqual([]);
    const timeline = await (await fetch(`${env.adapter.url}/local/timeline/groups/RZ-CLIFTON-01`)).text();
    expect(timeline).toContain(SUBJECT);

    // 4. Reopened, the pane says so: the switch on, Queue watched, and when it last filed.
    const again = await openPane();
    await again.pane.getByText('Queue is watched: new mail is filed automatically').waitFor({ timeout: 15_000 });
    await again.pane.getByText(/^Last filed automatically /).waitFor();
    // The interval now comes from /status, not from the answer to turning it on.
    await again.pane.getByText(`Rezi checks your Queue folder every ${POLL_SECONDS} seconds`, { exact: false }).waitFor();
    expect(await again.pane.getByRole('switch', { name: 'File new mail in Queue automatically' }).isChecked()).toBe(true);
    await screenshot(again.page, 'automatic-filing-02-watched');
  },
  150_000,
);
