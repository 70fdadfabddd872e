/**
 * One Office 365 sync, shared by the task pane and the ribbon command: GraphMailbox + HttpDirectory
 * through the core engine, then the summary to the adapter (best effort: the mails are already
 * filed and moved; a lost report only thins the history).
 */
import type { AdapterClient } from '../client/adapter-client';
import { HttpDirectory } from '../client/http-directory';
import { type ApiSyncReport, toApiReport } from '../core/api';
import { notStartedReport, type SyncProgress, type SyncReport, syncQueue } from '../core/engine';
import { GraphMailbox, type GraphMailboxOptions } from '../graph/graph-mailbox';
import { SyncError } from '../core/causes';
import type { Auth } from './auth';
import { GRAPH_SCOPES, type OutlookConfig } from './config';
import { toRestIds } from './ids';

export interface RunSyncInput {
  config: OutlookConfig;
  auth: Auth;
  adapter: AdapterClient;
  /** Office item ids (EWS or REST); empty: sync whatever is in Queue. */
  itemIds: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Interactive sign-in allowed (pane: yes after the user pressed a button; ribbon command: no). */
  interactive?: boolean;
  client?: ApiSyncReport['client'];
  office?: typeof Office;
  /** A token handed over by the sign-in dialog may be renewed through it when it lapses (the user started this run). */
  renewThroughDialog?: boolean;
}

export function graphMailboxFor(
  config: OutlookConfig,
  auth: Auth,
  interactive = false,
  retries: Pick<GraphMailboxOptions, 'maxAttempts'> = {},
  renewThroughDialog = false,
): GraphMailbox {
  return new GraphMailbox({ ...retries, baseUrl: config.graphBaseUrl, getToken: () => auth.getToken(GRAPH_SCOPES, { interactive, renewThroughDialog }) });
}

/** The address of the mailbox the pane is in, as Outlook reports it. */
export function mailboxAddress(office: typeof Office | undefined = globalThis.Office): string | undefined {
  try {
    return office?.context?.mailbox?.userProfile?.emailAddress || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A token for another account than the mailbox's would file and move another mailbox's mail (and
 * read its own mails' ids as "gone"): refuse before anything moves. The token's account is who
 * Graph's /me says it is; the mailbox's is Outlook's userProfile.
 */
export function checkSameAccount(owner: { addresses: string[]; mail: string }, mailbox: string | undefined): void {
  if (!mailbox) return;
  const want = mailbox.toLowerCase();
  if (owner.addresses.some((a) => a.toLowerCase() === want)) return;
  throw new SyncError(
    'session-stale',
    `Rezi is signed in to Microsoft 365 as ${owner.mail || 'another account'}, but this mailbox is ${mailbox}. Nothing was filed or moved. Clear the cached sign-in, then reconnect as ${mailbox}.`,
    { providerCode: 'account-mismatch' },
  );
}

// The ribbon command reports a run that could not start the same way.
export { notStartedReport };

export async function runGraphSync(input: RunSyncInput): Promise<SyncReport> {
  const mailbox = graphMailboxFor(input.config, input.auth, input.interactive, {}, input.renewThroughDialog);
  const directory = new HttpDirectory(input.adapter);
  let report: SyncReport;
  try {
    // Who the owner is and where the folders are are independent lookups: one round trip, not two
    // (the mailbox keeps the tree, so the engine's own ensureFolders answers at once). Whose token it
    // is is checked before any mail moves.
    const [owner] = await Promise.all([mailbox.owner(input.signal), mailbox.ensureFolders(input.signal)]);
    checkSameAccount(owner, mailboxAddress(input.office));
    report = await syncQueue(mailbox, directory, {
      owner,
      selection: toRestIds(input.itemIds, input.office),
      batchSize: 100,
      concurrency: 2,
      signal: input.signal,
      onProgress: input.onProgress,
    });
  } catch (e) {
    report = notStartedReport(e);
  }
  if (report.total > 0 || report.error) {
    await input.adapter.report(toApiReport(report, directory.runId, 'graph', { client: input.client })).catch(() => undefined);
  }
  return report;
}
