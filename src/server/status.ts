/**
 * GET /api/v1/status: the caller's connection state, last sync and recent failures. Kept in one
 * function so outage detection (reading `failures` across users) can extend it in one place.
 */
import type { ApiStatus } from '../core/api';
import type { Config } from './config';
import type { AuthUser, ServerContext } from './context';
import { imapStatusFields } from './imap/accounts';
import { assessOutage } from './outage';
import { type WatchStatus, watchStatusFields } from './watch/settings';
import { graphWatchStatus } from './graph/status';

export const RECENT_FAILURES = 10;
/** Failures older than this are not "recent". */
export const RECENT_FAILURE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** Without `config` (a store-only caller), nothing is said of Office 365 automatic filing's set-up. */
export async function buildStatus(ctx: Pick<ServerContext, 'db' | 'clock'> & { config?: Pick<Config, 'graph'> }, user: AuthUser): Promise<ApiStatus> {
  const { db } = ctx;
  const [account, last, failures, outage, imap, watch, graphWatch] = await Promise.all([
    // The path used last (a user may have connected Office 365 and IMAP).
    db.selectFrom('account_state').selectAll().where('user_id', '=', user.id).orderBy('updated_at', 'desc').limit(1).executeTakeFirst(),
    db
      .selectFrom('sync_runs')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('finished_at', 'is not', null)
      .orderBy('finished_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom('failures')
      .select(['at', 'code', 'message', 'provider_code'])
      .where('user_id', '=', user.id)
      .where('at', '>=', new Date(ctx.clock().getTime() - RECENT_FAILURE_WINDOW_MS).toISOString())
      .orderBy('at', 'desc')
      .limit(RECENT_FAILURES)
      .execute(),
    // Several users of the tenant (or branch server) failing provider-side at once: src/server/outage.ts.
    assessOutage(db, user, { now: ctx.clock() }),
    // IMAP: the username shown back (never the password) and whether the branch has server settings.
    imapStatusFields(db, user),
    // IMAP: whether an instance watches the Queue, and when it last filed automatically.
    watchStatusFields(db, user, ctx.clock()),
    // Office 365: whether an instance polls the Queue on the agent's delegated grant.
    graphWatchStatus(db, user, ctx.clock()),
  ]);

  const status: ApiStatus = {
    user: { id: user.id, name: user.name, email: user.email, branchId: user.branchId, branchName: user.branchName, role: user.role },
    account: account
      ? { kind: account.kind, state: account.state, ...(account.cause && account.state !== 'connected' ? { cause: account.cause } : {}) }
      : { kind: 'none', state: 'disconnected' },
    recentFailures: failures.map((f) => ({ at: f.at, code: f.code, message: f.message ?? '', ...(f.provider_code ? { providerCode: f.provider_code } : {}) })),
  };
  if (last && last.finished_at) {
    status.lastSync = {
      runId: last.id,
      source: last.source,
      finishedAt: last.finished_at,
      total: last.total,
      sent: last.sent,
      received: last.received,
      failed: last.failed,
      pending: last.pending,
      ...(last.error_code ? { error: { code: last.error_code, message: last.error_message ?? '' } } : {}),
    };
  }
  status.account.branchConfigured = imap.branchConfigured;
  if (imap.connectionInsecure) status.account.connectionInsecure = true;
  if (imap.username && status.account.kind === 'imap') status.account.username = imap.username;
  if (imap.username && status.account.kind === 'imap') status.account.watch = watch;
  if (status.account.kind !== 'imap') graphFields(status, graphWatch, ctx.config?.graph);
  if (outage) status.outage = outage;
  return status;
}

/**
 * Office 365 automatic filing: whether the adapter can do it (the pane's switch rests with why
 * when not), and the watch once the agent turned it on. A grant is the Office 365 path even before
 * its first sync (which is what records account_state).
 */
function graphFields(status: ApiStatus, watch: WatchStatus | undefined, graph: Pick<Config, 'graph'>['graph'] | undefined): void {
  if (graph) status.account.graphAutomaticFiling = Boolean(graph.clientId && graph.clientSecret && graph.tokenUrl);
  if (watch) status.account.watch = { ...watch, ...(graph ? { pollSeconds: Math.round(graph.pollMs / 1000) } : {}) };
}
