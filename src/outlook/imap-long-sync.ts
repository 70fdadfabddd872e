/**
 * A Start Sync the adapter answered 202 (started, still running: it outlives the request, and on
 * PostgreSQL the instance): the pane waits for it as the agent would, reading GET /imap until the
 * account no longer syncs, then answers the finished run's counts from GET /status (its last sync).
 * The per-mail results stay in sync history: a long run's are not carried back.
 */
import type { ImapSyncResult, ImapSyncStarted } from '../core/api';
import type { SyncReport } from '../core/engine';
import type { AdapterClient } from '../client/adapter-client';

export interface LongSyncOptions {
  signal?: AbortSignal;
  /** How often GET /imap is read while the sync runs. */
  pollMs?: number;
  now?: () => Date;
}

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });

export const isStillRunning = (answer: ImapSyncResult | ImapSyncStarted): answer is ImapSyncStarted => 'state' in answer && answer.state === 'running';

/** Waits until the adapter's sync has ended, then answers its report (counts; results in history). */
export async function awaitLongSync(adapter: AdapterClient, options: LongSyncOptions = {}): Promise<SyncReport> {
  const { signal, pollMs = 3000, now = () => new Date() } = options;
  const startedAt = now().toISOString();
  while ((await adapter.imapView({ signal })).syncing) await pause(pollMs, signal);
  const last = (await adapter.status({ signal })).lastSync;
  const counts = last ?? { total: 0, sent: 0, received: 0, failed: 0, pending: 0, finishedAt: now().toISOString() };
  return {
    total: counts.total,
    sent: counts.sent,
    received: counts.received,
    failed: counts.failed,
    pending: counts.pending,
    results: [],
    notQueued: [],
    cancelled: false,
    startedAt,
    finishedAt: counts.finishedAt,
    ...(counts.total > 0 ? { resultsOmitted: counts.total } : {}),
    ...(last?.error ? { error: last.error } : {}),
  };
}
