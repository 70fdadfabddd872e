/**
 * The two ports of the sync engine. The browser plugs in GraphMailbox and an HTTP directory client;
 * the adapter plugs in ImapMailbox and its own store. The flow itself lives once, in engine.ts.
 */
import type { EmailAddress } from './addresses';
import type { CauseCode } from './causes';
import type { Direction } from './direction';

export const FOLDER_ROOT = 'Rezi-Imported';
export type FolderRole = 'queue' | 'sent' | 'received' | 'failed';
export const FOLDER_NAMES: Record<FolderRole, string> = {
  queue: 'Queue',
  sent: 'Sent',
  received: 'Received',
  failed: 'Failed',
};

/** Provider ids (or paths) of the folder tree. */
export interface FolderTree {
  root: string;
  queue: string;
  sent: string;
  received: string;
  failed: string;
}

/** What matching needs of a queued mail, and nothing more (no bodies). */
export interface QueuedMessage {
  /** The mailbox's own id: a Graph immutable id, or an IMAP UID as text. */
  id: string;
  /** RFC 5322 Message-ID; empty when the mail has none (it is then filed as invalid). */
  internetMessageId: string;
  from: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  /** ISO 8601. */
  date: string;
  subject: string;
  /** A short plain-text preview (at most a few hundred characters). */
  preview: string;
}

export type MoveResult =
  | {
      id: string;
      ok: true;
      newId?: string;
      /** The mail's matching metadata in its new folder, when the provider answers a move with it (Graph does). */
      moved?: QueuedMessage;
    }
  | { id: string; ok: false; cause: CauseCode; message?: string };

export interface Mailbox {
  /** Finds or creates Rezi-Imported and its four children. Idempotent; safe to race. */
  ensureFolders(signal?: AbortSignal): Promise<FolderTree>;
  /**
   * Every message now in Queue, with matching metadata. A mailbox that reads Queue in chunks may hand
   * each chunk to `onChunk` instead (and answer only what it did not hand over): awaiting it is how the
   * engine keeps a large Queue from being held in memory all at once.
   */
  listQueue(folders: FolderTree, signal?: AbortSignal, onChunk?: (chunk: QueuedMessage[]) => Promise<void>): Promise<QueuedMessage[]>;
  /**
   * Moves messages into a folder of the tree. Per-message results: a message that is already gone
   * (moved by another pane) is reported as `message-gone`, which the engine treats as done.
   */
  move(ids: readonly string[], to: FolderRole, folders: FolderTree, signal?: AbortSignal): Promise<MoveResult[]>;
}

/** A mail as sent to the directory for filing. */
export interface FilingMessage {
  internetMessageId: string;
  from: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  date: string;
  subject: string;
  preview: string;
  direction: Direction;
}

export interface MatchedGroup {
  groupId: string;
  name: string;
  /** Link that opens the group in Rezi. */
  link: string;
  /** The timeline event recorded for this mail on this group (the same id on every retry). */
  eventId: string;
}

export type FilingOutcome =
  | { status: 'filed'; groups: MatchedGroup[]; message?: string }
  | { status: 'unmatched'; reason: 'no-matching-group' | 'invalid-message'; message?: string }
  /** Not recorded (transient): the mail stays in Queue for the next sync. */
  | { status: 'error'; cause: CauseCode; message?: string };

export interface FilingContext {
  /** The mailbox owner's addresses: never matched against groups. */
  ownerAddresses: string[];
}

export interface Directory {
  /** Files a batch; answers one outcome per message, in order. Idempotent per (owner, message, group). */
  file(messages: readonly FilingMessage[], context: FilingContext, signal?: AbortSignal): Promise<FilingOutcome[]>;
}
