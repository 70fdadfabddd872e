/** The directory behind the API: where groups are looked up and timeline events recorded. */
import type { ApiFileOutcome, ApiFileRequest } from '../../core/api';
import type { AuthUser } from '../context';

export interface DirectoryStore {
  /** Human name for logs and /readyz ("embedded SQLite", "Rezi API"). */
  readonly kind: string;
  /**
   * Files a validated batch for `user` (the mailbox owner): one outcome per message, in order.
   * Idempotent per (user, internet message id, group): a retry answers the same event ids.
   */
  fileBatch(user: AuthUser, request: ApiFileRequest): Promise<ApiFileOutcome[]>;
  /** Whether the directory answers (readiness). */
  ready(): Promise<boolean>;
}
