/**
 * QueueWatcher's own rules, over a stand-in connection (the real IMAP exchange is
 * watchers.test.ts on Dovecot): reconnect after a drop with a growing wait, an end for good on
 * StopWatching or a 'stop' from the sync, a failed sync that does not end the watch.
 */
import { EventEmitter } from 'node:events';
import type { ImapFlow } from 'imapflow';
import { QueueWatcher, StopWatching, type WatchConnection, type WatchSyncOutcome } from '../../../src/server/watch/queue-watcher';

class StandInClient extends EventEmitter {
  usable = true;
  maxIdleTime: number | false = false;
  capabilities = new Set(['IDLE']);
  private wake?: () => void;
  constructor(private readonly exists = 0) {
    super();
  }
  async mailboxOpen(path: string, options: { readOnly: boolean }) {
    this.opened = { path, readOnly: options.readOnly };
    return { exists: this.exists };
  }
  opened?: { path: string; readOnly: boolean };
  idle(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
  /** The server says a mail arrived. */
  arrive(count: number) {
    this.emit('exists', { path: 'Q', count, prevCount: count - 1 });
  }
  drop() {
    this.usable = false;
    this.emit('close');
    this.wake?.();
  }
}

async function until(test: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function connectionOf(client: StandInClient): WatchConnection {
  return {
    client: client as unknown as ImapFlow,
    queue: 'Rezi-Imported.Queue',
    close: async () => {
      if (client.usable) client.drop();
    },
  };
}

describe('QueueWatcher', () => {
  it('watches Queue read-only in IDLE, syncs on new mail and syncs once more for mail that came during the run', async () => {
    const client = new StandInClient();
    let syncs = 0;
    let release: (() => void) | undefined;
    const watcher = new QueueWatcher({
      open: async () => connectionOf(client),
      sync: async () => {
        syncs++;
        if (syncs === 1) await new Promise<void>((r) => (release = r));
        return 'filed';
      },
      pollMs: 1000,
      settleMs: 1,
      onEnded: () => undefined,
    }).start();
    await until(() => watcher.mode === 'idle', 'idle');
    expect(client.opened).toEqual({ path: 'Rezi-Imported.Queue', readOnly: true });
    expect(client.maxIdleTime).toBeGreaterThan(0);
    client.arrive(1);
    await until(() => release !== undefined, 'the first run');
    client.arrive(2);
    client.arrive(3);
    release!();
    await until(() => syncs === 2, 'one more run for the mail that came during the first');
    await new Promise((r) => setTimeout(r, 30));
    expect(syncs).toBe(2);
    await watcher.stop();
  });

  it('opens the connection again after a drop, waiting longer after each failure', async () => {
    const opens: number[] = [];
    let client = new StandInClient();
    const watcher = new QueueWatcher({
      open: async () => {
        opens.push(Date.now());
        if (opens.length === 2 || opens.length === 3) throw new Error('connect ECONNREFUSED');
        client = new StandInClient();
        return connectionOf(client);
      },
      sync: async () => 'filed',
      pollMs: 1000,
      backoffMs: 40,
      onEnded: () => undefined,
    }).start();
    await until(() => watcher.mode === 'idle', 'first connection');
    client.drop();
    await until(() => opens.length === 4 && watcher.mode === 'idle', 'reconnected after two refusals', 5000);
    const waits = [opens[1] - opens[0], opens[2] - opens[1], opens[3] - opens[2]];
    expect(waits[0]).toBeGreaterThanOrEqual(40);
    expect(waits[1]).toBeGreaterThanOrEqual(80);
    expect(waits[2]).toBeGreaterThanOrEqual(160);
    await watcher.stop();
  });

  it('ends for good, once, when the connection is refused for good', async () => {
    const ended: string[] = [];
    let opens = 0;
    const watcher = new QueueWatcher({
      open: async () => {
        opens++;
        throw new StopWatching('password refused');
      },
      sync: async () => 'filed',
      pollMs: 1000,
      backoffMs: 1,
      onEnded: (reason) => ended.push(reason),
    }).start();
    await until(() => ended.length === 1, 'ended');
    await new Promise((r) => setTimeout(r, 20));
    expect({ opens, ended, mode: watcher.mode }).toEqual({ opens: 1, ended: ['password refused'], mode: 'ended' });
  });

  it('ends when the sync says so, and a sync that throws leaves the watch running', async () => {
    const client = new StandInClient(2);
    const outcomes: (WatchSyncOutcome | Error)[] = [new Error('store unavailable'), 'stop'];
    const errors: string[] = [];
    const ended: string[] = [];
    const watcher = new QueueWatcher({
      open: async () => connectionOf(client),
      sync: async () => {
        const next = outcomes.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      pollMs: 1000,
      settleMs: 1,
      onEnded: (reason) => ended.push(reason),
      onError: (_e, what) => errors.push(what),
    }).start();
    // Queue held mail when the watch began: a run at once, which fails; the watch goes on.
    await until(() => errors.length === 1, 'the failed run');
    expect(errors).toEqual(['sync']);
    expect(watcher.mode).toBe('idle');
    client.arrive(3);
    await until(() => ended.length === 1, 'ended by the sync');
    expect(client.usable).toBe(false);
    await watcher.stop();
  });

  it('polls with NOOP when the server has no IDLE', async () => {
    const client = new StandInClient();
    client.capabilities = new Set();
    let noops = 0;
    (client as unknown as { noop: () => Promise<void> }).noop = async () => {
      noops++;
      if (noops === 2) client.arrive(1);
    };
    let synced = 0;
    const watcher = new QueueWatcher({
      open: async () => connectionOf(client),
      sync: async () => {
        synced++;
        return 'filed';
      },
      pollMs: 10,
      settleMs: 1,
      onEnded: () => undefined,
    }).start();
    await until(() => synced === 1, 'the mail NOOP heard of is filed');
    expect(watcher.mode).toBe('noop');
    await watcher.stop();
  });
});
