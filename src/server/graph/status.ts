/** What /api/v1/status shows of Office 365 automatic filing, for src/server/status.ts to merge in (the same shape as the IMAP watch). */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';
import type { WatchStatus } from '../watch/settings';
import { watchDb } from '../watch/tables';
import { graphDb } from './accounts';

export const graphWatchLeaseKey = (user: { id: string }): string => `graph-watch:${user.id}`;

/** Undefined when the agent has not turned Office 365 automatic filing on (no stored grant). */
export async function graphWatchStatus(db: Kysely<Database>, user: { id: string; branchId: string }, now: Date): Promise<WatchStatus | undefined> {
  const account = await graphDb(db).selectFrom('graph_accounts').select('stopped_cause').where('user_id', '=', user.id).executeTakeFirst();
  if (!account) return undefined;
  const wdb = watchDb(db);
  const [lease, setting, run] = await Promise.all([
    wdb.selectFrom('leases').select('key').where('key', '=', graphWatchLeaseKey(user)).where('expires_at', '>', now.toISOString()).executeTakeFirst(),
    wdb.selectFrom('branch_watch_settings').select('enabled').where('branch_id', '=', user.branchId).executeTakeFirst(),
    wdb.selectFrom('queue_watch_runs').select('last_run_at').where('user_id', '=', user.id).executeTakeFirst(),
  ]);
  return {
    watched: lease !== undefined && account.stopped_cause === null,
    enabled: setting ? setting.enabled === 1 : true,
    ...(run ? { lastRunAt: run.last_run_at } : {}),
  };
}
