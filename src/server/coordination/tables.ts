/** The coordination tables as Kysely types; used with `db.withTables<CoordinationTables>()`. */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';

export interface LeaseTable {
  key: string;
  /** The instance holding it (an id per process). */
  holder: string;
  /** The fencing token: rises by one at every take-over, never reused. */
  token: number;
  expires_at: string;
}

export interface RateCounterTable {
  key: string;
  hits: number;
  window_ends: string;
}

// A type alias (not an interface) so it satisfies Kysely's Record<string, …> constraint.
export type CoordinationTables = {
  leases: LeaseTable;
  rate_counters: RateCounterTable;
};

export type CoordinationDb = Kysely<Database & CoordinationTables>;

export function coordinationDb(db: Kysely<Database>): CoordinationDb {
  return db.withTables<CoordinationTables>();
}
