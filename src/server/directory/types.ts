/** The directory behind the API: where groups are looked up and timeline events recorded. */
import type { Kysely } from 'kysely';
import type { ContentItem } from '../../core/content';
import type { FileToGroupsBody, FileToGroupsResult, GroupSearchBody, GroupSearchResult, UnfileBody, UnfileResult } from '../../core/api';
import type { FilingContext, FilingMessage, FilingOutcome } from '../../core/ports';
import type { AuthUser } from '../context';
import type { Database } from '../store/schema';

/**
 * Writes that belong with a filed batch (its sync run and per-message outcomes). Given `trx`, the
 * directory's own transaction: throwing rolls the whole batch back.
 */
export type RecordBatch<T> = (trx: Kysely<Database>, outcomes: FilingOutcome[]) => Promise<T>;

/** Fixing a Failed mail and undoing a filing where the events live outside the adapter's store. */
export interface DirectoryFixing {
  searchGroups(user: AuthUser, body: GroupSearchBody): Promise<GroupSearchResult>;
  fileToGroups(user: AuthUser, body: FileToGroupsBody): Promise<FileToGroupsResult>;
  unfile(user: AuthUser, body: UnfileBody): Promise<UnfileResult>;
}

/** Speaks the engine's types (core/ports.ts); the HTTP route converts the wire format at the edge. */
export interface DirectoryStore {
  /** Human name for logs and /readyz ("embedded SQLite", "Rezi API"). */
  readonly kind: string;
  /**
   * Files a batch for `user` (the mailbox owner): one outcome per message, in order. One event per
   * (group, internet message id) whoever files it: a retry, or a colleague filing the same mail, answers
   * the same event id (the colleague joins its filers).
   */
  fileBatch(user: AuthUser, messages: readonly FilingMessage[], context: FilingContext): Promise<FilingOutcome[]>;
  /**
   * Optional: files the batch and runs `record` in the same store transaction (one commit per batch,
   * and nothing written if `record` throws). Directories whose events live elsewhere omit it.
   */
  fileBatchAndRecord?<T>(
    user: AuthUser,
    messages: readonly FilingMessage[],
    context: FilingContext,
    record: RecordBatch<T>,
  ): Promise<{ outcomes: FilingOutcome[]; recorded: T }>;
  /** Optional: stores filed mails' content (core/content ContentItem) for their events; ignores mails `user` has no event for. */
  attachContent?(user: AuthUser, items: readonly ContentItem[]): Promise<void>;
  /** Optional: fixing and undoing through the directory itself (absent: the embedded store's tables do it). */
  readonly fixing?: DirectoryFixing;
  /** Whether the directory answers (readiness). */
  ready(): Promise<boolean>;
}
