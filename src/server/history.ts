/**
 * Sync history: every filing belongs to a sync run with per-message outcomes; the run's report
 * finishes it, moves the account state and records failures (which outage detection reads).
 * StoreHistory is the engine's History port over the store: the IMAP companion's runs use it, and
 * the pane's filing requests record through it inside the filing transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type ApiSyncReport, toApiReport } from '../core/api';
import type { SyncReport } from '../core/engine';
import type { FilingMessage, FilingOutcome, History } from '../core/ports';
import { redact, storedText } from '../core/redact';
import { stateAfter, type ConnectionState } from '../core/status';
import type { AuthUser } from './context';
import { ApiHttpError } from './errors';
import { BatchInsert } from './store/db';
import type { Database, SyncSource } from './store/schema';

const TEXT_MAX = 500;
const clip = (s: string | undefined | null, max = TEXT_MAX) => (s == null ? null : s.slice(0, max));
/** Free text a client or a provider wrote: stored redacted (it is shown again in /status and support reports). */
const text = (s: string | undefined | null, max = TEXT_MAX) => storedText(s, max);

function runBelongsElsewhere(): ApiHttpError {
  return new ApiHttpError(409, 'run-conflict', 'This sync run id belongs to another user. Start a new sync.');
}

/** Creates the run if new; refuses a run id that belongs to someone else. Call before filing. */
export async function ensureRun(db: Kysely<Database>, user: AuthUser, runId: string | undefined, source: SyncSource, now: Date): Promise<string> {
  const id = runId ?? randomUUID();
  await db
    .insertInto('sync_runs')
    .values({
      id,
      user_id: user.id,
      source,
      started_at: now.toISOString(),
      finished_at: null,
      total: 0,
      sent: 0,
      received: 0,
      failed: 0,
      pending: 0,
      error_code: null,
      error_message: null,
      client_version: null,
      host: null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const run = await db.selectFrom('sync_runs').select('user_id').where('id', '=', id).executeTakeFirst();
  if (!run || run.user_id !== user.id) throw runBelongsElsewhere();
  return id;
}

/** Checks (without writing) that a run id is free or the caller's own. */
export async function assertRunUsable(db: Kysely<Database>, user: AuthUser, runId: string | undefined): Promise<void> {
  if (!runId) return;
  const run = await db.selectFrom('sync_runs').select('user_id').where('id', '=', runId).executeTakeFirst();
  if (run && run.user_id !== user.id) throw runBelongsElsewhere();
}

/** The outcomes upsert, built by Kysely once per row count (see BatchInsert): every filing request records a row per mail. */
const OUTCOME_ROWS = 500;
const upsertOutcomes = new BatchInsert<Database['sync_outcomes']>(['run_id', 'internet_message_id', 'status', 'reason', 'group_ids'], (db, rows) =>
  db
    .insertInto('sync_outcomes')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['run_id', 'internet_message_id']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        reason: eb.ref('excluded.reason'),
        group_ids: eb.ref('excluded.group_ids'),
      })),
    ),
);

/** One row per mail of the batch (the last outcome wins for a Message-ID sent twice). */
export async function recordOutcomes(
  db: Kysely<Database>,
  runId: string,
  messages: readonly FilingMessage[],
  outcomes: readonly FilingOutcome[],
): Promise<void> {
  const rows = new Map<string, Database['sync_outcomes']>();
  for (const [i, o] of outcomes.entries()) {
    const internetMessageId = messages[i].internetMessageId;
    rows.set(internetMessageId, {
      run_id: runId,
      internet_message_id: internetMessageId.slice(0, 1000),
      status: o.status,
      reason: o.status === 'unmatched' ? o.reason : o.status === 'error' ? o.cause : null,
      group_ids: JSON.stringify(o.status === 'filed' ? o.groups.map((g) => g.groupId) : []),
    });
  }
  const all = [...rows.values()];
  for (let i = 0; i < all.length; i += OUTCOME_ROWS) {
    await db.executeQuery(upsertOutcomes.query(db, all.slice(i, i + OUTCOME_ROWS)));
  }
}

const KIND = { graph: 'office365', imap: 'imap' } as const;

/** The engine's History port over the store, for one run of `user` on one path. */
export class StoreHistory implements History {
  readonly runId: string;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly user: AuthUser,
    private readonly source: SyncSource,
    private readonly options: { runId?: string; clock?: () => Date; client?: ApiSyncReport['client'] } = {},
  ) {
    this.runId = options.runId ?? randomUUID();
  }

  private now(): Date {
    return (this.options.clock ?? (() => new Date()))();
  }

  /** The same run written through another handle (the filing transaction). */
  within(trx: Kysely<Database>): StoreHistory {
    return new StoreHistory(trx, this.user, this.source, { ...this.options, runId: this.runId });
  }

  async start(): Promise<void> {
    await ensureRun(this.db, this.user, this.runId, this.source, this.now());
  }

  /** Checks, without writing, that the run id is free or the caller's own. */
  assertUsable(): Promise<void> {
    return assertRunUsable(this.db, this.user, this.runId);
  }

  record(messages: readonly FilingMessage[], outcomes: readonly FilingOutcome[]): Promise<void> {
    return recordOutcomes(this.db, this.runId, messages, outcomes);
  }

  finish(report: SyncReport, detail: { providerCode?: string } = {}): Promise<void> {
    const summary = toApiReport(report, this.runId, this.source, { client: this.options.client, providerCode: detail.providerCode });
    return finishRun(this.db, this.user, summary, this.now());
  }
}

/** Finishes (or creates) the run from the client's report; updates account state and failures. */
export async function finishRun(db: Kysely<Database>, user: AuthUser, report: ApiSyncReport, now: Date): Promise<void> {
  await assertRunUsable(db, user, report.runId);
  const at = now.toISOString();
  const values = {
    finished_at: report.finishedAt,
    total: report.total,
    sent: report.sent,
    received: report.received,
    failed: report.failed,
    pending: report.pending,
    error_code: report.error?.code ?? null,
    error_message: text(report.error?.message),
    client_version: clip(report.client?.version, 100),
    host: clip(report.client?.host, 100),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sync_runs')
      .values({ id: report.runId, user_id: user.id, source: report.source, started_at: report.startedAt, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values).where('sync_runs.user_id', '=', user.id))
      .execute();

    const kind = KIND[report.source];
    const previous = await trx
      .selectFrom('account_state')
      .select(['state', 'cause'])
      .where('user_id', '=', user.id)
      .where('kind', '=', kind)
      .executeTakeFirst();
    let state: ConnectionState = 'connected';
    let cause = null as Database['account_state']['cause'];
    const code = report.error?.code;
    const after = code ? stateAfter(code) : undefined;
    if (code) {
      // Per-mail and transient causes leave the connection as it was.
      if (after) {
        state = after;
        cause = code;
      } else if (previous) {
        state = previous.state;
        cause = previous.cause;
      }
    }
    await putAccountState(trx, user, kind, { state, cause, at, ...(after ? { lastError: code } : {}) });
    if (report.error) await recordFailure(trx, user, report.source, report.error, at);
  });
}

/**
 * The account state of one path (Office 365 or IMAP) for a user: the status card shows the path
 * updated last, the IMAP panel its own. `lastError`: a new error to remember (a code), forget (null,
 * after a fresh login), or keep as it is (absent).
 */
export async function putAccountState(
  db: Kysely<Database>,
  user: Pick<AuthUser, 'id'>,
  kind: Database['account_state']['kind'],
  change: { state: ConnectionState; cause: Database['account_state']['cause']; at: string; lastError?: Database['account_state']['last_error_code'] },
): Promise<void> {
  const account = { state: change.state, cause: change.cause, updated_at: change.at };
  const error = change.lastError === undefined ? {} : { last_error_code: change.lastError, last_error_at: change.lastError ? change.at : null };
  await db
    .insertInto('account_state')
    .values({ user_id: user.id, kind, last_error_code: null, last_error_at: null, ...account, ...error })
    .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ ...account, ...error }))
    .execute();
}

/** One failure, with the user's tenant and branch: what outage detection counts. */
export async function recordFailure(
  db: Kysely<Database>,
  user: AuthUser,
  source: SyncSource,
  failure: { code: Database['failures']['code']; message: string; providerCode?: string },
  at: string,
): Promise<void> {
  await db
    .insertInto('failures')
    .values({
      id: randomUUID(),
      at,
      user_id: user.id,
      tenant_id: user.tenantId,
      branch_id: user.branchId,
      code: failure.code,
      provider_code: text(failure.providerCode, 200),
      message: text(failure.message),
      source,
    })
    .execute();
}

export async function audit(db: Kysely<Database>, user: AuthUser | undefined, action: string, details: unknown, now: Date): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      at: now.toISOString(),
      actor_user_id: user?.id ?? null,
      branch_id: user?.branchId ?? null,
      action,
      details: details === undefined ? null : JSON.stringify(redact(details)),
    })
    .execute();
}
