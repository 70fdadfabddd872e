/**
 * The per-branch switch for automatic filing, the last automatic run per account, and what
 * /status shows of both. On unless the branch's IT turned it off: an agent who connected their
 * mailbox and moves mail into Queue has asked for it to be filed, and waiting for a press of
 * Start Sync is the surprise; a branch that wants filing only on request turns it off here.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';
import { watchDb } from './tables';
import { watchLeaseKey } from './watch-lease';

export interface AutomaticFiling {
  branchId: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

export async function getAutomaticFiling(db: Kysely<Database>, branchId: string): Promise<AutomaticFiling> {
  const row = await watchDb(db).selectFrom('branch_watch_settings').selectAll().where('branch_id', '=', branchId).executeTakeFirst();
  return { branchId, enabled: row ? row.enabled === 1 : true, updatedBy: row?.updated_by ?? null, updatedAt: row?.updated_at ?? null };
}

export async function putAutomaticFiling(db: Kysely<Database>, branchId: string, enabled: boolean, actor: string, now: Date): Promise<AutomaticFiling> {
  const row = { branch_id: branchId, enabled: enabled ? 1 : 0, updated_by: actor, updated_at: now.toISOString() };
  await watchDb(db)
    .insertInto('branch_watch_settings')
    .values(row)
    .onConflict((oc) => oc.column('branch_id').doUpdateSet({ enabled: row.enabled, updated_by: actor, updated_at: row.updated_at }))
    .execute();
  return { branchId, enabled, updatedBy: actor, updatedAt: row.updated_at };
}

/** Remembers an automatic run (its id and when it finished) for the status card. */
export async function recordAutomaticRun(db: Kysely<Database>, userId: string, runId: string, finishedAt: string): Promise<void> {
  await watchDb(db)
    .insertInto('queue_watch_runs')
    .values({ user_id: userId, last_run_id: runId, last_run_at: finishedAt })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_run_id: runId, last_run_at: finishedAt }))
    .execute();
}

export interface WatchStatus {
  /** Some instance watches the account's Queue now. */
  watched: boolean;
  /** The branch files automatically (its IT has not turned it off). */
  enabled: boolean;
  /** When the last automatic run finished. */
  lastRunAt?: string;
}

/** What /api/v1/status shows of automatic filing, for src/server/status.ts to merge in. */
export async function watchStatusFields(db: Kysely<Database>, user: { id: string; branchId: string }, now: Date): Promise<WatchStatus> {
  const wdb = watchDb(db);
  const [lease, setting, run] = await Promise.all([
    wdb.selectFrom('leases').select('key').where('key', '=', watchLeaseKey(user)).where('expires_at', '>', now.toISOString()).executeTakeFirst(),
    wdb.selectFrom('branch_watch_settings').select('enabled').where('branch_id', '=', user.branchId).executeTakeFirst(),
    wdb.selectFrom('queue_watch_runs').select('last_run_at').where('user_id', '=', user.id).executeTakeFirst(),
  ]);
  return { watched: lease !== undefined, enabled: setting ? setting.enabled === 1 : true, ...(run ? { lastRunAt: run.last_run_at } : {}) };
}
