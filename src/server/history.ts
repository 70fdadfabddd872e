/**
 * Sync history: every filing belongs to a sync run with per-message outcomes; the client's report
 * finishes the run, moves the account state and records failures (which outage detection reads).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ApiFileOutcome, ApiSyncReport } from '../core/api';
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

export async function recordOutcomes(db: Kysely<Database>, runId: string, outcomes: readonly ApiFileOutcome[]): Promise<void> {
  const rows = new Map<string, Database['sync_outcomes']>();
  for (const o of outcomes) {
    rows.set(o.internetMessageId, {
      run_id: runId,
      internet_message_id: o.internetMessageId.slice(0, 1000),
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

    const previous = await trx.selectFrom('account_state').select(['state', 'cause']).where('user_id', '=', user.id).executeTakeFirst();
    let state: ConnectionState = 'connected';
    let cause = null as Database['account_state']['cause'];
    if (report.error) {
      const after = stateAfter(report.error.code);
      // Per-mail and transient causes leave the connection as it was.
      if (after) {
        state = after;
        cause = report.error.code;
      } else if (previous) {
        state = previous.state;
        cause = previous.cause;
      }
    }
    await putAccountState(trx, user, KIND[report.source], state, cause, at);
    if (report.error) await recordFailure(trx, user, report.source, report.error, at);
  });
}

/** The account state the status card reads: one row per user, for the path it last used. */
export async function putAccountState(
  db: Kysely<Database>,
  user: AuthUser,
  kind: Database['account_state']['kind'],
  state: ConnectionState,
  cause: Database['account_state']['cause'],
  at: string,
): Promise<void> {
  const account = { kind, state, cause, updated_at: at };
  await db
    .insertInto('account_state')
    .values({ user_id: user.id, ...account })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(account))
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
