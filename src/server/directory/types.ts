/** The directory behind the API: where groups are looked up and timeline events recorded. */
import type { ApiFileOutcome, ApiFileRequest } from '../../core/api';
import type { Kysely } from 'kysely';
import type { AuthUser } from '../context';
import type { Database } from '../store/schema';

/**
 * Writes that belong with a filed batch (its sync run and per-message outcomes). Given `trx`, the
 * directory's own transaction: throwing rolls the whole batch back.
 */
export type RecordBatch<T> = (trx: Kysely<Database>, outcomes: ApiFileOutcome[]) => Promise<T>;

export interface DirectoryStore {
  /** Human name for logs and /readyz ("embedded SQLite", "Rezi API"). */
  readonly kind: string;
  /**
   * Files a validated batch for `user` (the mailbox owner): one outcome per message, in order.
   * Idempotent per (user, internet message id, group): a retry answers the same event ids.
   */
  fileBatch(user: AuthUser, request: ApiFileRequest): Promise<ApiFileOutcome[]>;
  /**
   * Optional: files the batch and runs `record` in the same store transaction (one commit per batch,
   * and nothing written if `record` throws). Directories whose events live elsewhere omit it.
   */
  fileBatchAndRecord?<T>(user: AuthUser, request: ApiFileRequest, record: RecordBatch<T>): Promise<{ outcomes: ApiFileOutcome[]; recorded: T }>;
  /** Whether the directory answers (readiness). */
  ready(): Promise<boolean>;
}
