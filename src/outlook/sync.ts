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
}

export function graphMailboxFor(config: OutlookConfig, auth: Auth, interactive = false, retries: Pick<GraphMailboxOptions, 'maxAttempts'> = {}): GraphMailbox {
  return new GraphMailbox({ ...retries, baseUrl: config.graphBaseUrl, getToken: () => auth.getToken(GRAPH_SCOPES, { interactive }) });
}

// The ribbon command reports a run that could not start the same way.
export { notStartedReport };

export async function runGraphSync(input: RunSyncInput): Promise<SyncReport> {
  const mailbox = graphMailboxFor(input.config, input.auth, input.interactive);
  const directory = new HttpDirectory(input.adapter);
  let report: SyncReport;
  try {
    // Who the owner is and where the folders are are independent lookups: one round trip, not two
    // (the mailbox keeps the tree, so the engine's own ensureFolders answers at once).
    const [owner] = await Promise.all([mailbox.owner(input.signal), mailbox.ensureFolders(input.signal)]);
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
