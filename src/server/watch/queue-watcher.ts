/**
 * One account's Queue, watched: a dedicated IMAP connection with Queue selected read-only, in IDLE
 * (RFC 2177) where the server offers it, otherwise a NOOP every poll interval (RFC 3501 §6.1.2: a
 * NOOP is how a client without IDLE hears of new mail). New mail (an EXISTS that grows the count)
 * starts a sync through `sync` (the same Start Sync path: engine and per-account lock); mail that
 * arrives while that sync runs marks it dirty, and it runs again once it finishes. A dropped
 * connection is opened again after a backoff that grows to a ceiling; `StopWatching` (the password
 * changed, the account or branch was disconnected) ends the watch for good.
 */
import type { ImapFlow } from 'imapflow';

/** Thrown by `open` (or answered by `sync` as 'stop'): this account is not to be watched again until something changes. */
export class StopWatching extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StopWatching';
  }
}

export interface WatchConnection {
  /** Logged in, nothing selected yet. */
  client: ImapFlow;
  /** The Queue folder's path on this server. */
  queue: string;
  close(): Promise<void>;
}

/** filed: the run finished; busy: another sync holds the account's lock (try again shortly); stop: watch no more. */
export type WatchSyncOutcome = 'filed' | 'busy' | 'stop';

export interface QueueWatcherOptions {
  open(signal: AbortSignal): Promise<WatchConnection>;
  sync(): Promise<WatchSyncOutcome>;
  /** NOOP interval on a server without IDLE. */
  pollMs: number;
  /** Called once when the watch ends of itself (StopWatching, or 'stop' from a sync), not when stop() ends it. */
  onEnded(reason: string): void;
  onError?(e: unknown, what: 'connect' | 'watch' | 'sync'): void;
  /** First reconnect wait, doubled at each failure up to backoffMaxMs (each with up to a quarter more, at random). */
  backoffMs?: number;
  backoffMaxMs?: number;
  /** How long a sync waits after the first EXISTS, so a many-mail move is filed by one run. */
  settleMs?: number;
  /** How long to wait before trying again when another sync holds the lock. */
  busyRetryMs?: number;
}

/** IDLE is ended and begun again this often: the socket timeout never sees a quiet connection, and servers that drop long IDLEs do not. */
export const IDLE_RESTART_MS = 60_000;
/** A connection that lasted this long resets the backoff: it was not a server refusing us again and again. */
const STABLE_MS = 60_000;

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export class QueueWatcher {
  private readonly stopping = new AbortController();
  private connection?: WatchConnection;
  private syncing?: Promise<void>;
  private dirty = false;
  private loop?: Promise<void>;
  private readonly o: Required<Omit<QueueWatcherOptions, 'onError'>> & Pick<QueueWatcherOptions, 'onError'>;
  /** What the watch is doing now (tests and logs). */
  mode: 'connecting' | 'idle' | 'noop' | 'backoff' | 'ended' = 'connecting';

  constructor(options: QueueWatcherOptions) {
    this.o = { backoffMs: 1000, backoffMaxMs: 5 * 60_000, settleMs: 300, busyRetryMs: 2000, ...options };
  }

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** Ends the watch: the connection closes; a sync in progress finishes first (its mail is filed, or stays in Queue). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.connection?.close().catch(() => undefined);
    await this.loop;
    await this.syncing;
  }

  private get stopped() {
    return this.stopping.signal.aborted;
  }

  private end(reason: string) {
    if (this.stopped) return;
    this.stopping.abort();
    this.mode = 'ended';
    void this.connection?.close().catch(() => undefined);
    this.o.onEnded(reason);
  }

  private backoff(failures: number): number {
    const base = Math.min(this.o.backoffMaxMs, this.o.backoffMs * 2 ** Math.max(0, failures - 1));
    return base + Math.floor(Math.random() * (base / 4));
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      this.mode = 'connecting';
      const openedAt = Date.now();
      try {
        this.connection = await this.o.open(this.stopping.signal);
        await this.watch(this.connection);
      } catch (e) {
        if (e instanceof StopWatching) return this.end(e.reason);
        if (!this.stopped) this.o.onError?.(e, this.connection ? 'watch' : 'connect');
      } finally {
        await this.connection?.close().catch(() => undefined);
        this.connection = undefined;
      }
      if (this.stopped) break;
      failures = Date.now() - openedAt >= STABLE_MS ? 1 : failures + 1;
      this.mode = 'backoff';
      await pause(this.backoff(failures), this.stopping.signal);
    }
    if (this.mode !== 'ended') this.mode = 'ended';
  }

  /** Selects Queue and listens until the connection ends (or the watch is stopped). */
  private async watch({ client, queue }: WatchConnection): Promise<void> {
    client.on('exists', (d: { count: number; prevCount: number }) => {
      if (d.count > d.prevCount) this.trigger();
    });
    const closed = new AbortController();
    client.on('close', () => closed.abort());
    const box = await client.mailboxOpen(queue, { readOnly: true });
    // Mail that arrived while nobody watched is filed now.
    if (box.exists > 0) this.trigger();
    const until = AbortSignal.any([closed.signal, this.stopping.signal]);
    if (client.capabilities.has('IDLE')) {
      this.mode = 'idle';
      client.maxIdleTime = IDLE_RESTART_MS;
      while (!until.aborted && client.usable) {
        if ((await client.idle()) === false) throw new Error('The mail server refused IDLE on Queue.');
      }
    } else {
      this.mode = 'noop';
      while (!until.aborted && client.usable) {
        await pause(this.o.pollMs, until);
        if (!until.aborted && client.usable) await client.noop();
      }
    }
  }

  /** New mail: sync now, or once more after the sync that is running. */
  private trigger() {
    this.dirty = true;
    this.syncing ??= this.drain().finally(() => (this.syncing = undefined));
  }

  private async drain(): Promise<void> {
    await pause(this.o.settleMs, this.stopping.signal);
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      let outcome: WatchSyncOutcome;
      try {
        outcome = await this.o.sync();
      } catch (e) {
        // Whatever is left in Queue is tried again at the next new mail or reconnect.
        this.o.onError?.(e, 'sync');
        continue;
      }
      if (outcome === 'stop') return this.end('the sync said the account is not to be watched');
      if (outcome === 'busy') {
        this.dirty = true;
        await pause(this.o.busyRetryMs, this.stopping.signal);
      }
    }
  }
}
