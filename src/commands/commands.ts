/**
 * Ribbon function command "Quick sync": files the open (or the one selected) mail without opening the
 * pane and ends with a notification on the item. Sign-in is silent only (a function command has no
 * UI); when it needs the user, the notification says so and the pane's Reconnect does the rest.
 *
 * What Outlook allows a function command (Microsoft Learn: "Add-in commands", "Create add-in commands
 * in your manifest"): it does not activate on a multi-selection (SupportsMultiSelect is valid on
 * ShowTaskpane only), and it is ended after five minutes. So it takes only the current item, works
 * within a budget under that limit, and hands whatever is left in Queue over to the pane.
 */
import { SyncError } from '../core/causes';
import { notStartedReport, type SyncReport } from '../core/engine';
import type { Auth } from '../outlook/auth';
import { type OutlookConfig, addinConfig, configProblems } from '../outlook/config';
import { currentItemIds } from '../outlook/office-host';
import { createAddinRuntime } from '../outlook/runtime';
import { NOTIFICATION_KEY, type Notification, notificationFor } from './notification';

export interface CommandDeps {
  office?: typeof Office;
  config?: OutlookConfig;
  auth?: Auth;
  /** How long the command may work before it hands over (default COMMAND_BUDGET_MS). */
  budgetMs?: number;
}

/** Outlook ends a function command after 5 minutes: stop well before, so the notification still shows. */
export const COMMAND_BUDGET_MS = 4 * 60_000;

/** Shows (or replaces) the command's notification on the current item. */
function show(office: typeof Office, message: Office.NotificationMessageDetails): Promise<void> {
  const item = office.context.mailbox?.item;
  // With several mails selected there may be no current item to carry a notification.
  if (!item?.notificationMessages) return Promise.resolve();
  return new Promise((resolve) => item.notificationMessages.replaceAsync(NOTIFICATION_KEY, message, () => resolve()));
}

function notify(office: typeof Office, n: Notification): Promise<void> {
  const types = office.MailboxEnums.ItemNotificationMessageType;
  return show(
    office,
    n.kind === 'error'
      ? { type: types.ErrorMessage, message: n.message }
      : { type: types.InformationalMessage, message: n.message, icon: 'Icon.16x16', persistent: false },
  );
}

/** Runs the sync for the selection; resolves with the report after the notification is shown. */
export async function syncSelectedToRezi(event: Office.AddinCommands.Event | undefined, deps: CommandDeps = {}): Promise<SyncReport> {
  const office = deps.office ?? globalThis.Office;
  let report: SyncReport;
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), deps.budgetMs ?? COMMAND_BUDGET_MS);
  try {
    const config = deps.config ?? addinConfig();
    const problems = configProblems(config);
    if (problems.length > 0) throw new SyncError('not-configured', problems.join(' '));
    await show(office, { type: office.MailboxEnums.ItemNotificationMessageType.ProgressIndicator, message: 'Filing in Rezi…' });
    const runtime = createAddinRuntime(config, { office, auth: deps.auth });
    // A function command has no UI: sign-in stays silent, and the pane's Reconnect does the rest.
    report = await runtime.sync({ itemIds: currentItemIds(office), signal: budget.signal, interactive: false, version: 'ribbon' });
  } catch (e) {
    report = notStartedReport(e);
  } finally {
    clearTimeout(timer);
  }
  await notify(office, notificationFor(report, { handOver: budget.signal.aborted }));
  event?.completed();
  return report;
}

// At the top level of the function file, not inside Office.onReady (Microsoft Learn: "Add-in
// commands", function commands): Outlook may invoke the function as soon as the file has run.
if (typeof Office !== 'undefined' && typeof Office.actions?.associate === 'function') {
  Office.actions.associate('syncSelectedToRezi', (event: Office.AddinCommands.Event) => void syncSelectedToRezi(event));
}
