/**
 * This instance's share of the watched Queues. Every scan it renews the leases of the accounts it
 * watches (a lease per account, `imap-watch:<user id>`, so an account is watched by one instance at
 * a time and a dead instance's accounts are free again after the lease TTL), drops those no longer
 * to be watched, and takes free accounts up to WATCH_MAX_ACCOUNTS (one IMAP connection each).
 *
 * To be watched, an account has stored credentials, its branch has server settings and has not
 * turned automatic filing off, and its state is not Authorisation failed: a changed password stops
 * the watch until the agent authenticates again, as it stops Start Sync.
 */
import { sql } from 'kysely';
import { stateAfter, type ConnectionState } from '../../core/status';
import { SyncError } from '../../core/causes';
import { type AuthUser, authUserOf, type ServerContext } from '../context';
import { renewEveryMs, type HeldLease } from '../coordination/lease';
import { ApiHttpError } from '../errors';
import { putAccountState, recordFailure } from '../history';
import { imapError } from '../imap/errors';
import type { ImapService } from '../imap/service';
import { QueueWatcher, StopWatching, type WatchConnection, type WatchSyncOutcome } from './queue-watcher';
import { recordAutomaticRun } from './settings';
import { watchDb } from './tables';
import { watchLeaseKey } from './watch-lease';

export interface QueueWatchersOptions {
  maxAccounts: number;
  pollMs: number;
  /** How often the accounts are scanned and the leases renewed (default: a quarter of the lease TTL, at most 10 s). */
  scanMs?: number;
  /** Passed to each QueueWatcher (tests shorten them). */
  backoffMs?: number;
  busyRetryMs?: number;
}

interface Watch {
  user: AuthUser;
  lease: HeldLease;
  watcher: QueueWatcher;
}

const STOPS_WATCH: ConnectionState = 'authorisation-failed';

export class QueueWatchers {
  private readonly watches = new Map<string, Watch>();
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private closed = false;
  private unlisten?: () => void;
  /** Watches being stopped (each waits for its sync): stop() waits for them too. */
  private readonly dropping = new Set<Promise<void>>();
  readonly scanMs: number;

  constructor(
    private readonly ctx: ServerContext,
    private readonly service: ImapService,
    private readonly options: QueueWatchersOptions,
  ) {
    this.scanMs = options.scanMs ?? Math.min(10_000, renewEveryMs(service.leases.ttlMs));
  }

  /** The user ids this instance watches now. */
  watching(): string[] {
    return [...this.watches.keys()];
  }

  watcherOf(userId: string): QueueWatcher | undefined {
    return this.watches.get(userId)?.watcher;
  }

  start(): this {
    if (this.options.maxAccounts <= 0 || this.timer) return this;
    void this.scan();
    this.timer = setInterval(() => void this.scan(), this.scanMs);
    this.timer.unref();
    // An account connected or forgotten here is looked at now: its mail is watched (or its watch ends) without waiting for the scan.
    this.unlisten = this.service.onAccountChange(() => void this.scan());
    return this;
  }

  /** One scan at a time; a scan asked for while one runs waits for it and runs after. */
  async scan(): Promise<void> {
    const previous = this.scanning ?? Promise.resolve();
    const mine = previous.then(() => this.scanNow()).catch((e) => this.ctx.log.warn({ err: e }, 'Queue watch scan failed'));
    this.scanning = mine;
    await mine;
  }

  private async scanNow(): Promise<void> {
    if (this.closed) return;
    await this.keepOrDrop();
    const free = this.options.maxAccounts - this.watches.size;
    if (free <= 0 || this.closed) return;
    for (const user of await this.candidates(free)) {
      if (this.closed || this.watches.size >= this.options.maxAccounts) break;
      const lease = await this.service.leases.acquire(watchLeaseKey(user));
      if (lease) this.begin(user, lease);
    }
  }

  /** Renews the leases held; stops the watches whose lease went or whose account is no longer to be watched. */
  private async keepOrDrop(): Promise<void> {
    if (this.watches.size === 0) return;
    const still = new Set(
      (
        await this.eligible()
          .where('a.user_id', 'in', [...this.watches.keys()])
          .execute()
      ).map((r) => r.user_id),
    );
    for (const [id, watch] of [...this.watches]) {
      const renewed = still.has(id) && (await watch.lease.renew().catch(() => false));
      // Not awaited: a drop waits for the account's sync to finish, and the other leases must still be renewed meanwhile.
      if (!renewed) void this.drop(id, 'no longer to be watched here');
    }
  }

  /** Accounts to be watched: stored credentials, a configured branch that files automatically, not Authorisation failed. */
  private eligible() {
    return watchDb(this.ctx.db)
      .selectFrom('imap_accounts as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .innerJoin('branches as b', 'b.id', 'u.branch_id')
      .innerJoin('branch_imap_settings as s', 's.branch_id', 'u.branch_id')
      .leftJoin('account_state as st', (join) => join.onRef('st.user_id', '=', 'a.user_id').on('st.kind', '=', 'imap'))
      .leftJoin('branch_watch_settings as w', 'w.branch_id', 'u.branch_id')
      .select(['a.user_id', 'u.tenant_id', 'u.oid', 'u.email', 'u.name', 'u.branch_id', 'b.name as branch_name', 'u.role'])
      .where((eb) => eb.or([eb('st.state', 'is', null), eb('st.state', '!=', STOPS_WATCH)]))
      .where((eb) => eb.or([eb('w.enabled', 'is', null), eb('w.enabled', '=', 1)]));
  }

  private async candidates(limit: number): Promise<AuthUser[]> {
    const now = this.ctx.clock().toISOString();
    const rows = await this.eligible()
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('leases as l')
              .select('l.key')
              .where(sql<boolean>`l.key = ${'imap-watch:'} || a.user_id`)
              .where('l.expires_at', '>', now),
          ),
        ),
      )
      .where('a.user_id', 'not in', ['', ...this.watches.keys()])
      .orderBy('a.updated_at')
      .limit(limit)
      .execute();
    return rows.map(authUserOf);
  }

  private begin(user: AuthUser, lease: HeldLease) {
    const watcher = new QueueWatcher({
      open: (signal) => this.open(user, signal),
      sync: () => this.sync(user),
      pollMs: this.options.pollMs,
      ...(this.options.backoffMs ? { backoffMs: this.options.backoffMs } : {}),
      ...(this.options.busyRetryMs ? { busyRetryMs: this.options.busyRetryMs } : {}),
      onEnded: (reason) => void this.drop(user.id, reason),
      onError: (e, what) => this.ctx.log.info({ userId: user.id, what, code: imapError(e).code }, 'Queue watch: will try again'),
    });
    this.watches.set(user.id, { user, lease, watcher });
    this.ctx.log.info({ userId: user.id }, 'Queue watch started');
    watcher.start();
  }

  private drop(userId: string, reason: string): Promise<void> {
    const watch = this.watches.get(userId);
    if (!watch) return Promise.resolve();
    this.watches.delete(userId);
    const dropped = (async () => {
      await watch.watcher.stop();
      await watch.lease.release().catch(() => undefined);
      this.ctx.log.info({ userId, reason }, 'Queue watch stopped');
    })();
    this.dropping.add(dropped);
    void dropped.catch(() => undefined).finally(() => this.dropping.delete(dropped));
    return dropped;
  }

  /** The watch's connection; a refused login is recorded as Authenticate records it, and ends the watch. */
  private async open(user: AuthUser, signal: AbortSignal): Promise<WatchConnection> {
    try {
      const { mailbox, queue } = await this.service.openQueueWatch(user, signal);
      return { client: mailbox.client, queue, close: () => mailbox.close() };
    } catch (e) {
      if (e instanceof ApiHttpError) throw new StopWatching(e.message);
      const err = e instanceof SyncError ? e : imapError(e);
      if (stateAfter(err.code) !== STOPS_WATCH) throw err;
      const at = this.ctx.clock().toISOString();
      await putAccountState(this.ctx.db, user, 'imap', { state: STOPS_WATCH, cause: err.code, at, lastError: err.code });
      await recordFailure(this.ctx.db, user, 'imap', { code: err.code, message: err.message, providerCode: err.detail.providerCode }, at);
      throw new StopWatching(err.message);
    }
  }

  /** Start Sync, as the pane's button runs it (engine, lease, history); remembered as the last automatic run. */
  private async sync(user: AuthUser): Promise<WatchSyncOutcome> {
    try {
      const report = await this.service.sync(user);
      await recordAutomaticRun(this.ctx.db, user.id, report.runId, report.finishedAt);
      // The run recorded the account's state (a changed password: Authorisation failed).
      return report.error && stateAfter(report.error.code) === STOPS_WATCH ? 'stop' : 'filed';
    } catch (e) {
      if (e instanceof ApiHttpError && e.code === 'sync-in-progress') return 'busy';
      if (e instanceof ApiHttpError) return 'stop';
      throw e;
    }
  }

  /** Stops every watch (syncs in progress finish first) and frees their leases for another instance. */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unlisten?.();
    await this.scanning;
    await Promise.all([...this.watches.keys()].map((id) => this.drop(id, 'adapter stopping')));
    await Promise.all([...this.dropping]);
  }
}

/** The watchers an adapter started, by its context (tests read which accounts this instance watches). */
export const running = new WeakMap<ServerContext, QueueWatchers>();
export const queueWatchersOf = (ctx: ServerContext): QueueWatchers | undefined => running.get(ctx);
