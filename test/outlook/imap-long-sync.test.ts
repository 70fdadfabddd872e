/** A Start Sync answered 202 (still running on the adapter): the pane waits for it and answers the finished run's counts. */
import type { AdapterClient } from '../../src/client/adapter-client';
import type { ApiStatus, ImapView } from '../../src/core/api';
import { awaitLongSync, isStillRunning } from '../../src/outlook/imap-long-sync';

const view = (syncing: boolean) => ({ branchConfigured: true, account: null, syncing }) as ImapView;
const lastSync = { runId: 'r9', source: 'imap', finishedAt: '2026-12-02T05:40:00.000Z', total: 3000, sent: 2990, received: 0, failed: 10, pending: 0 };

function adapter(syncingReads: number, last: ApiStatus['lastSync']) {
  let reads = 0;
  const fake = {
    imapView: async () => view(reads++ < syncingReads),
    status: async () => ({ lastSync: last }) as ApiStatus,
  };
  return { client: fake as unknown as AdapterClient, reads: () => reads };
}

it('tells a 202 from a report', () => {
  expect(isStillRunning({ state: 'running', jobId: 'j', message: 'm' })).toBe(true);
  expect(isStillRunning({ runId: 'r', total: 0 } as never)).toBe(false);
});

it('reads GET /imap until the sync has ended, then answers the last run’s counts (results stay in history)', async () => {
  const a = adapter(3, lastSync as ApiStatus['lastSync']);
  const report = await awaitLongSync(a.client, { pollMs: 1, now: () => new Date('2026-12-02T05:39:00.000Z') });
  expect(a.reads()).toBe(4);
  expect(report).toEqual({
    total: 3000,
    sent: 2990,
    received: 0,
    failed: 10,
    pending: 0,
    results: [],
    notQueued: [],
    cancelled: false,
    startedAt: '2026-12-02T05:39:00.000Z',
    finishedAt: '2026-12-02T05:40:00.000Z',
    resultsOmitted: 3000,
  });
});

it('carries the run’s error, answers zero counts when no run is recorded, and stops waiting when the pane cancels', async () => {
  const failed = { ...lastSync, error: { code: 'server-unreachable', message: 'Down.' } } as ApiStatus['lastSync'];
  expect(await awaitLongSync(adapter(0, failed).client, { pollMs: 1 })).toMatchObject({ error: { code: 'server-unreachable' } });
  expect(await awaitLongSync(adapter(0, undefined).client, { pollMs: 1 })).toMatchObject({ total: 0, results: [] });
  const stop = new AbortController();
  const waiting = awaitLongSync(adapter(1_000_000, undefined).client, { pollMs: 10_000, signal: stop.signal });
  stop.abort(new Error('cancelled'));
  await expect(waiting).rejects.toThrow('cancelled');
});
