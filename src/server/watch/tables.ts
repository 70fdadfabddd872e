/** Automatic filing's tables as Kysely types; used with `db.withTables<WatchTables>()`. */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';
import type { ImapTables } from '../imap/tables';
import type { CoordinationTables } from '../coordination/tables';

export interface BranchWatchSettingsTable {
  branch_id: string;
  /** 0/1: the branch's connected IMAP accounts are watched and filed automatically. */
  enabled: number;
  updated_by: string | null;
  updated_at: string;
}

export interface QueueWatchRunTable {
  user_id: string;
  last_run_id: string;
  last_run_at: string;
}

// A type alias (not an interface) so it satisfies Kysely's Record<string, …> constraint.
export type WatchTables = {
  branch_watch_settings: BranchWatchSettingsTable;
  queue_watch_runs: QueueWatchRunTable;
};

export type WatchDb = Kysely<Database & ImapTables & CoordinationTables & WatchTables>;

export function watchDb(db: Kysely<Database>): WatchDb {
  return db.withTables<ImapTables & CoordinationTables & WatchTables>();
}
