/**
 * The core History port over the adapter's HTTP API, for the pane's runs. The run id travels with
 * every filing request (HttpDirectory), and the adapter opens the run and records each batch's
 * outcomes inside that request's filing transaction: so an outcome is written exactly when its
 * events are, and nothing can be lost between the two. The report finishes the run.
 */
import { type ApiSyncReport, toApiReport } from '../core/api';
import type { SyncReport } from '../core/engine';
import type { History } from '../core/ports';
import type { AdapterClient } from './adapter-client';
import { HttpDirectory } from './http-directory';

export interface HttpHistoryOptions {
  runId?: string;
  /** Who ran it (pane or ribbon command, version, host), shown in the history. */
  client?: ApiSyncReport['client'];
}

export class HttpHistory implements History {
  readonly runId: string;
  constructor(
    private readonly adapter: Pick<AdapterClient, 'report'>,
    private readonly options: HttpHistoryOptions = {},
  ) {
    this.runId = options.runId ?? globalThis.crypto.randomUUID();
  }

  /** Nothing to send: the first filing request that carries the run id opens the run. */
  async start(): Promise<void> {}

  /** Nothing to send: the adapter recorded these outcomes with the filing, in one transaction. */
  async record(): Promise<void> {}

  /**
   * POST /sync/report, best effort: the mails are already filed and moved, and a lost report only
   * thins the history. A run that met no mail and no problem left no run at the adapter to finish.
   */
  async finish(report: SyncReport, detail: { providerCode?: string } = {}): Promise<void> {
    if (report.total === 0 && !report.error) return;
    const summary = toApiReport(report, this.runId, 'graph', { client: this.options.client, providerCode: detail.providerCode });
    await this.adapter.report(summary).catch(() => undefined);
  }
}

/** A pane run's two adapter ports, sharing one run id. */
export function adapterRun(
  adapter: AdapterClient,
  options: HttpHistoryOptions & { includeCc?: boolean; mailbox?: string } = {},
): { directory: HttpDirectory; history: HttpHistory } {
  const history = new HttpHistory(adapter, options);
  return { history, directory: new HttpDirectory(adapter, { runId: history.runId, includeCc: options.includeCc, mailbox: options.mailbox }) };
}
