/**
 * The ports of the sync engine. The browser plugs in GraphMailbox and the adapter over HTTP (its
 * directory and its history); the adapter plugs in ImapMailbox and its own store. The flow itself,
 * including when a run is opened, recorded and finished, lives once, in engine.ts.
 */
import type { EmailAddress } from './addresses';
import type { CauseCode } from './causes';
import type { Direction } from './direction';
import type { SyncReport } from './engine';
import type { ContentItem, ContentLimits, ContentResult, PrivacyLevel } from './content';

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
  /**
   * Whether readContent still finds a mail by the same id after move() has taken it out of Queue
   * (Graph: ids are immutable, Prefer: IdType="ImmutableId"); then a batch's content is read while
   * its moves run. Absent (IMAP, where a mail is found by its place in Queue): read, then move.
   */
  readonly readsContentAfterMove?: boolean;
  /**
   * Optional: the content of filed mails (in Queue unless readsContentAfterMove), read only as far as
   * `level` allows; one result per id, in order. A mail it cannot read answers ok: false, never a throw
   * (a throw is taken as every mail of the call failing).
   */
  readContent?(ids: readonly string[], level: PrivacyLevel, limits: ContentLimits, folders: FolderTree, signal?: AbortSignal): Promise<ContentResult[]>;
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
  /** The timeline event recorded for this mail on this group (the same id on every retry, and for every colleague). */
  eventId: string;
  /** Set when a colleague had already filed this mail onto this group: the caller joined their event. */
  alreadyOnTimeline?: AlreadyOnTimeline;
}

/** Who put a mail on a group's timeline first, when it was someone else. */
export interface AlreadyOnTimeline {
  /** Their name, as the directory knows it. */
  firstFiledBy: string;
  /** ISO 8601. */
  firstFiledAt: string;
}

export type FilingOutcome =
  | {
      status: 'filed';
      groups: MatchedGroup[];
      message?: string;
      /** The owner's branch's privacy level: how much content may be read for the events (absent: none is asked for). */
      privacy?: PrivacyLevel;
    }
  | { status: 'unmatched'; reason: UnmatchedReason; message?: string }
  /** Not recorded (transient): the mail stays in Queue for the next sync. */
  | { status: 'error'; cause: CauseCode; message?: string };

/** Why a mail was not filed (each a cause in core/causes.ts, with its words in core/explain.ts). */
export type UnmatchedReason = 'no-matching-group' | 'invalid-message' | 'internal-mail' | 'never-file';
export const UNMATCHED_REASONS = ['no-matching-group', 'invalid-message', 'internal-mail', 'never-file'] as const satisfies readonly UnmatchedReason[];

export interface FilingContext {
  /** The mailbox owner's addresses: never matched against groups. */
  ownerAddresses: string[];
  /** Match Cc addresses too (off by default). */
  includeCc?: boolean;
  /** The shared or delegated mailbox the mails were filed from; absent for the user's own mailbox. */
  mailbox?: string;
}

export interface Directory {
  /** Files a batch; answers one outcome per message, in order. Idempotent per (group, message), across colleagues. */
  file(messages: readonly FilingMessage[], context: FilingContext, signal?: AbortSignal): Promise<FilingOutcome[]>;
  /**
   * Optional: attaches read content (or why it could not be read) to filed mails' events. Idempotent
   * per mail. May answer the mails whose content it could not store while it stored the others'.
   */
  attachContent?(items: readonly ContentItem[], signal?: AbortSignal): Promise<void | readonly ContentNotStored[]>;
}

/** A mail whose content the directory could not store, and why, in words for the results list. */
export interface ContentNotStored {
  internetMessageId: string;
  message: string;
}

/**
 * The run's record in the adapter's history: what /status, support and outage detection read. The
 * engine calls each method at one point of the flow, the same for both paths.
 */
export interface History {
  /** Opens the run, before anything is filed. Refuses (throws) a run that is not the caller's. */
  start(signal?: AbortSignal): Promise<void>;
  /**
   * Records a filed batch's outcomes (one per message, in order). Called once per batch, after the
   * directory answered and before any of its mails leaves Queue; a throw leaves the batch in Queue.
   */
  record(messages: readonly FilingMessage[], outcomes: readonly FilingOutcome[], signal?: AbortSignal): Promise<void>;
  /** Finishes the run with its report: its counts, what stopped it, and the account state it leaves. */
  finish(report: SyncReport, detail?: { providerCode?: string }): Promise<void>;
}
