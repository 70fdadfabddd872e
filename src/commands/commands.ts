/**
 * Ribbon function command "Sync to Rezi": files the selected mails without opening the pane and
 * ends with a notification on the item. Sign-in is silent only (a function command has no UI); when
 * it needs the user, the notification says so and the pane's Reconnect does the rest.
 */
import { createAdapterClient } from '../client/adapter-client';
import { SyncError } from '../core/causes';
import type { SyncReport } from '../core/engine';
import { type Auth, createAuth } from '../outlook/auth';
import { type OutlookConfig, configFromEnv, configProblems } from '../outlook/config';
import { selectedOfficeIds } from '../outlook/services';
import { notStartedReport, runGraphSync } from '../outlook/sync';
import { NOTIFICATION_KEY, type Notification, notificationFor } from './notification';

export interface CommandDeps {
  office?: typeof Office;
  config?: OutlookConfig;
  auth?: Auth;
}

function notify(office: typeof Office, n: Notification): Promise<void> {
  const item = office.context.mailbox?.item;
  // With several mails selected there may be no current item to carry a notification.
  if (!item?.notificationMessages) return Promise.resolve();
  const message: Office.NotificationMessageDetails =
    n.kind === 'error'
      ? { type: office.MailboxEnums.ItemNotificationMessageType.ErrorMessage, message: n.message }
      : { type: office.MailboxEnums.ItemNotificationMessageType.InformationalMessage, message: n.message, icon: 'Icon.16x16', persistent: false };
  return new Promise((resolve) => item.notificationMessages.replaceAsync(NOTIFICATION_KEY, message, () => resolve()));
}

/** Runs the sync for the selection; resolves with the report after the notification is shown. */
export async function syncSelectedToRezi(event: Office.AddinCommands.Event | undefined, deps: CommandDeps = {}): Promise<SyncReport> {
  const office = deps.office ?? globalThis.Office;
  let report: SyncReport;
  try {
    const config = deps.config ?? configFromEnv();
    const problems = configProblems(config);
    if (problems.length > 0) throw new SyncError('not-configured', problems.join(' '));
    const item = office.context.mailbox?.item;
    if (item?.notificationMessages) {
      await new Promise<void>((resolve) =>
        item.notificationMessages.replaceAsync(
          NOTIFICATION_KEY,
          { type: office.MailboxEnums.ItemNotificationMessageType.ProgressIndicator, message: 'Filing in Rezi…' },
          () => resolve(),
        ),
      );
    }
    const auth = deps.auth ?? (await createAuth({ clientId: config.clientId, tenantId: config.tenantId, authority: config.authority }, { office }));
    const adapter = createAdapterClient({ baseUrl: config.adapterUrl, getToken: () => auth.getToken([config.adapterScope]) });
    const itemIds = await selectedOfficeIds(office);
    report = await runGraphSync({
      config,
      auth,
      adapter,
      itemIds,
      interactive: false,
      office,
      client: { version: 'ribbon', host: String(office.context.diagnostics?.host ?? ''), platform: String(office.context.diagnostics?.platform ?? '') },
    });
  } catch (e) {
    report = notStartedReport(e);
  }
  await notify(office, notificationFor(report));
  event?.completed();
  return report;
}

if (typeof Office !== 'undefined' && typeof Office.onReady === 'function') {
  void Office.onReady(() => {
    Office.actions.associate('syncSelectedToRezi', (event: Office.AddinCommands.Event) => void syncSelectedToRezi(event));
  });
}
