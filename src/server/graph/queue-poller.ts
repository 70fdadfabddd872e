/**
 * Office 365 automatic filing: this instance's share of the agents who turned it on. Every poll
 * interval each account's Queue is asked what changed (a Graph delta query); anything new runs the
 * same engine the pane runs (GraphMailbox over Node's fetch, queue mode, the adapter's directory and
 * the store's history), so mail moved into Queue from a phone or Outlook on the web is filed with the
 * pane closed. One poller per account across instances: a lease `graph-watch:<user id>`, renewed
 * each round, freed when this instance stops; the run itself holds `graph-sync:<user id>`.
 * A refused grant (no consent, a sign-in the user must make, a revoked refresh token) stops the
 * account's polling, recorded with its plain cause, until the agent turns it on again.
 */
import { syncQueue } from '../../core/engine';
import type { CauseCode } from '../../core/causes';
import { stateAfter } from '../../core/status';
import { GraphMailbox } from '../../graph/graph-mailbox';
import { type AuthUser, authUserOf, type ServerContext } from '../context';
import { type HeldLease, type Leases, renewEveryMs } from '../coordination/lease';
import { fencedHistory } from '../coordination/fenced-history';
import { directoryFor } from '../directory/core-adapter';
import { putAccountState, recordFailure, StoreHistory } from '../history';
import type { CredentialCipher } from '../imap/crypto';
import { ADAPTER_REFUSED, graphDb, refreshTokenOf, resumePolling, saveDeltaLink, saveRefreshToken, stopPolling } from './accounts';
import { causeOfRefusal, GrantRefused, type GraphTokens } from './graph-tokens';
import { queueDelta } from './queue-delta';
import { graphWatchLeaseKey } from './status';
import { recordAutomaticRun } from '../watch/settings';

export interface GraphPollerOptions {
  tokens: GraphTokens;
  /** e.g. https://graph.microsoft.com/v1.0 */
  graphUrl: string;
  pollMs: number;
  maxAccounts: number;
}

/** An access token is renewed this long before it expires, so none expires during a run. */
const TOKEN_MARGIN_MS = 5 * 60_000;
/** How often an account paused because Microsoft refused the adapter's own credential is tried again. */
export const ADAPTER_RETRY_MS = 15 * 60_000;
const graphSyncLeaseKey = (user: { id: string }): string => `graph-sync:${user.id}`;

/** What one poll did: filed (a run), quiet (nothing new), stopped (the grant was refused), busy (another run holds the account). */
export type PollOutcome = 'filed' | 'quiet' | 'stopped' | 'busy';

export class GraphQueuePollers {
  private readonly held = new Map<string, HeldLease>();
  /** Access tokens by user, reused until shortly before they expire: one refresh grant an hour, not one a poll. */
  private readonly access = new Map<string, { token: string; expiresAt: number }>();
  /** Each account's Queue folder id, once its folders are ensured (immutable ids, so it survives). */
  private readonly queues = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private renewTimer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private closed = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly leases: Leases,
    private readonly cipher: () => CredentialCipher,
    private readonly options: GraphPollerOptions,
  ) {}

  start(): this {
    if (this.options.maxAccounts <= 0 || this.timer) return this;
    this.timer = setInterval(() => void this.pollAll(), this.options.pollMs);
    this.timer.unref();
    // Renewed on the lease's own schedule, not the poll's: a poll interval longer than the lease's
    // TTL would otherwise let the account change hands between every two polls.
    this.renewTimer = setInterval(() => void this.renewHeld(), renewEveryMs(this.leases.ttlMs));
    this.renewTimer.unref();
    void this.pollAll();
    return this;
  }

  /** Renews every held watch lease; one another instance took is let go. */
  private async renewHeld(): Promise<void> {
    for (const [id, lease] of [...this.held]) {
      if (this.closed) return;
      // A store that did not answer is asked again next time; only a lease found gone is let go.
      if ((await lease.renew().catch(() => true)) !== false) continue;
      this.held.delete(id);
      this.access.delete(id);
      this.queues.delete(id);
    }
  }

  /** The user ids this instance polls now. */
  polling(): string[] {
    return [...this.held.keys()];
  }

  /** One round over the accounts to be polled; a round asked for while one runs waits for it. */
  async pollAll(): Promise<void> {
    const mine = (this.round ?? Promise.resolve()).then(() => this.roundNow()).catch((e) => this.ctx.log.warn({ err: e }, 'Graph Queue poll failed'));
    this.round = mine;
    await mine;
  }

  private async roundNow(): Promise<void> {
    if (this.closed) return;
    const users = await this.eligible();
    const wanted = new Set(users.map((u) => u.id));
    for (const [id, lease] of [...this.held]) {
      if (wanted.has(id) && (await lease.renew().catch(() => false))) continue;
      this.held.delete(id);
      this.access.delete(id);
      this.queues.delete(id);
      await lease.release().catch(() => undefined);
    }
    for (const user of users) {
      if (this.closed) return;
      if (!this.held.has(user.id)) {
        if (this.held.size >= this.options.maxAccounts) continue;
        const lease = await this.leases.acquire(graphWatchLeaseKey(user));
        if (!lease) continue;
        this.held.set(user.id, lease);
      }
      await this.poll(user).catch((e) => this.ctx.log.info({ userId: user.id, err: e }, 'Graph Queue poll: will try again'));
    }
  }

  /** Accounts with a stored grant that is not stopped, in a branch that has not turned automatic filing off. */
  private async eligible(): Promise<AuthUser[]> {
    const rows = await graphDb(this.ctx.db)
      .withTables<{ branch_watch_settings: { branch_id: string; enabled: number } }>()
      .selectFrom('graph_accounts as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .innerJoin('branches as b', 'b.id', 'u.branch_id')
      .leftJoin('branch_watch_settings as w', 'w.branch_id', 'u.branch_id')
      .select(['g.user_id', 'u.tenant_id', 'u.oid', 'u.email', 'u.name', 'u.branch_id', 'b.name as branch_name', 'u.role'])
      .where((eb) =>
        eb.or([
          eb('g.stopped_cause', 'is', null),
          // Paused for the adapter's credential: tried again now and then, so filing resumes once IT fixes it.
          eb.and([
            eb('g.stopped_cause', '=', ADAPTER_REFUSED),
            eb('g.updated_at', '<=', new Date(this.ctx.clock().getTime() - ADAPTER_RETRY_MS).toISOString()),
          ]),
        ]),
      )
      .where((eb) => eb.or([eb('w.enabled', 'is', null), eb('w.enabled', '=', 1)]))
      .orderBy('g.updated_at')
      .execute();
    return rows.map(authUserOf);
  }

  /** A valid access token: the one held, or a refresh grant (the refresh token Microsoft rotates is stored again). */
  private async accessToken(user: AuthUser, refreshToken: string): Promise<string> {
    const held = this.access.get(user.id);
    if (held && held.expiresAt - TOKEN_MARGIN_MS > Date.now()) return held.token;
    const set = await this.options.tokens.refresh(refreshToken);
    if (set.refreshToken) await saveRefreshToken(this.ctx.db, this.cipher(), user.id, set.refreshToken, this.ctx.clock());
    this.access.set(user.id, { token: set.accessToken, expiresAt: set.expiresAt });
    return set.accessToken;
  }

  /** One account: an access token, the delta query, and a run when anything entered Queue. */
  async poll(user: AuthUser): Promise<PollOutcome> {
    const stored = await refreshTokenOf(this.ctx.db, this.cipher(), user.id);
    if (!stored) return 'quiet';
    let accessToken: string;
    try {
      accessToken = await this.accessToken(user, stored.refreshToken);
    } catch (e) {
      if (e instanceof GrantRefused && e.stop) return this.stopped(user, e);
      throw e;
    }
    if (stored.paused) await this.resumed(user);
    const mailbox = new GraphMailbox({ getToken: async () => accessToken, baseUrl: this.options.graphUrl });
    const queueId = this.queues.get(user.id) ?? (await mailbox.ensureFolders()).queue;
    this.queues.set(user.id, queueId);
    let delta;
    try {
      delta = await queueDelta({ baseUrl: this.options.graphUrl, queueId, accessToken, deltaLink: stored.deltaLink });
    } catch (e) {
      // A token Graph no longer takes, or a Queue that was deleted: both are asked for afresh next time.
      this.access.delete(user.id);
      this.queues.delete(user.id);
      throw e;
    }
    if (delta.added === 0) {
      await saveDeltaLink(this.ctx.db, user.id, delta.deltaLink, this.ctx.clock());
      return 'quiet';
    }
    const outcome = await this.leases.run(graphSyncLeaseKey(user), async (lease) => {
      const store = new StoreHistory(this.ctx.db, user, 'graph', {
        clock: () => this.ctx.clock(),
        client: { version: 'graph-automatic-filing', host: 'adapter' },
      });
      const report = await syncQueue(mailbox, directoryFor(this.ctx, user), {
        owner: { addresses: [user.email].filter((a): a is string => !!a) },
        concurrency: 1,
        signal: lease.signal,
        now: () => this.ctx.clock(),
        history: fencedHistory(store, lease),
      });
      // The status card's "last filed automatically", as for an IMAP watch.
      await recordAutomaticRun(this.ctx.db, user.id, store.runId, report.finishedAt);
      return report;
    });
    if (!outcome.ran) return 'busy';
    // Kept only after a clean run: mail a failed run left in Queue is seen again by the next poll.
    if (!outcome.value.error) await saveDeltaLink(this.ctx.db, user.id, delta.deltaLink, this.ctx.clock());
    this.ctx.log.info({ userId: user.id, total: outcome.value.total, code: outcome.value.error?.code }, 'Graph automatic filing run finished');
    return 'filed';
  }

  private async stopped(user: AuthUser, e: GrantRefused): Promise<PollOutcome> {
    const code: CauseCode = causeOfRefusal(e.reason);
    const at = this.ctx.clock().toISOString();
    await stopPolling(this.ctx.db, user.id, e.reason, this.ctx.clock());
    this.access.delete(user.id);
    await putAccountState(this.ctx.db, user, 'office365', { state: stateAfter(code) ?? 'authorisation-failed', cause: code, at, lastError: code });
    await recordFailure(this.ctx.db, user, 'graph', { code, message: e.message, providerCode: e.providerCode }, at);
    this.ctx.log.info({ userId: user.id, reason: e.reason, providerCode: e.providerCode }, 'Graph automatic filing stopped');
    return 'stopped';
  }

  /** The adapter's credential is taken again: the account's state no longer says IT must fix it. */
  private async resumed(user: AuthUser): Promise<void> {
    await resumePolling(this.ctx.db, user.id, this.ctx.clock());
    const at = this.ctx.clock().toISOString();
    const row = await this.ctx.db.selectFrom('account_state').select('cause').where('user_id', '=', user.id).where('kind', '=', 'office365').executeTakeFirst();
    if (row?.cause === causeOfRefusal(ADAPTER_REFUSED))
      await putAccountState(this.ctx.db, user, 'office365', { state: 'connected', cause: null, at, lastError: null });
    this.ctx.log.info({ userId: user.id }, 'Graph automatic filing resumed: the adapter’s credential is accepted again');
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.renewTimer);
    await this.round;
    for (const lease of this.held.values()) await lease.release().catch(() => undefined);
    this.held.clear();
  }
}
