/**
 * In-memory Mailbox and Directory for engine tests. They keep the properties the engine relies on
 * from the real ones: ids change on move (as Graph's do without immutable ids), a move of a mail
 * that is no longer there answers `message-gone`, and filing is idempotent per
 * (owner, message id, group) — enforced by a keyed map, as the SQLite store does with a unique key.
 */
import { parseAddressHeader } from '../../src/core/addresses';
import { SyncError } from '../../src/core/causes';
import type { SyncReport } from '../../src/core/engine';
import type {
  Directory,
  FilingContext,
  FilingMessage,
  FilingOutcome,
  FolderRole,
  FolderTree,
  History,
  Mailbox,
  MoveResult,
  QueuedMessage,
} from '../../src/core/ports';

export type Place = FolderRole | 'inbox';

export interface StoredMail {
  id: string;
  place: Place;
  message: Omit<QueuedMessage, 'id'>;
}

/** Thrown by a fault hook to simulate the process dying at that point. */
export class Crash extends Error {
  constructor(where: string) {
    super(`crash at ${where}`);
    this.name = 'Crash';
  }
}

export type FaultHook = (point: string) => void;

export class MemoryMailbox implements Mailbox {
  mails = new Map<string, StoredMail>();
  foldersCreated = 0;
  calls: string[] = [];
  private seq = 0;
  private tree: FolderTree | undefined;
  fault: FaultHook = () => {};
  /** Answer moves into Queue with the moved mails' metadata, as Graph does. */
  carryMetadata = false;

  add(place: Place, message: Omit<QueuedMessage, 'id'>): string {
    const id = `m${++this.seq}`;
    this.mails.set(id, { id, place, message });
    return id;
  }

  in(place: Place): StoredMail[] {
    return [...this.mails.values()].filter((m) => m.place === place);
  }

  async ensureFolders(): Promise<FolderTree> {
    this.calls.push('ensureFolders');
    this.fault('ensureFolders');
    if (!this.tree) {
      this.tree = { root: 'root', queue: 'queue', sent: 'sent', received: 'received', failed: 'failed' };
      this.foldersCreated++;
    }
    return this.tree;
  }

  async listQueue(): Promise<QueuedMessage[]> {
    this.calls.push('listQueue');
    this.fault('listQueue');
    return this.in('queue').map((m) => ({ id: m.id, ...m.message }));
  }

  async move(ids: readonly string[], to: FolderRole): Promise<MoveResult[]> {
    this.calls.push(`move:${to}:${ids.length}`);
    this.fault(`move:${to}:before`);
    const results: MoveResult[] = [];
    for (const [i, id] of ids.entries()) {
      const mail = this.mails.get(id);
      if (!mail) {
        results.push({ id, ok: false, cause: 'message-gone' });
        continue;
      }
      this.mails.delete(id);
      const newId = `m${++this.seq}`;
      this.mails.set(newId, { ...mail, id: newId, place: to });
      results.push(to === 'queue' && this.carryMetadata ? { id, ok: true, newId, moved: { id: newId, ...mail.message } } : { id, ok: true, newId });
      if (i === Math.floor(ids.length / 2)) this.fault(`move:${to}:partial`);
    }
    this.fault(`move:${to}:after`);
    return results;
  }
}

export interface MemoryGroup {
  id: string;
  name: string;
  addresses: string[];
}

export class MemoryDirectory implements Directory {
  /** key: owner|messageId|groupId → event id */
  events = new Map<string, string>();
  calls = 0;
  fault: FaultHook = () => {};
  private seq = 0;
  constructor(private groups: MemoryGroup[]) {}

  async file(messages: readonly FilingMessage[], context: FilingContext): Promise<FilingOutcome[]> {
    this.calls++;
    this.fault('file:before');
    const owner = new Set(context.ownerAddresses);
    const outcomes = messages.map((m): FilingOutcome => {
      if (!m.internetMessageId || m.from.length === 0) return { status: 'unmatched', reason: 'invalid-message' };
      const addresses = [...m.from, ...m.to].map((a) => a.address).filter((a) => !owner.has(a));
      const matched = this.groups.filter((g) => g.addresses.some((a) => addresses.includes(a)));
      if (matched.length === 0) return { status: 'unmatched', reason: 'no-matching-group' };
      return {
        status: 'filed',
        groups: matched.map((g) => {
          const key = `${context.ownerAddresses[0]}|${m.internetMessageId}|${g.id}`;
          let eventId = this.events.get(key);
          if (!eventId) {
            eventId = `e${++this.seq}`;
            this.events.set(key, eventId);
          }
          return { groupId: g.id, name: g.name, link: `https://rezi.example/groups/${g.id}`, eventId };
        }),
      };
    });
    this.fault('file:after');
    return outcomes;
  }
}

/** A directory that always fails with a typed cause. */
export class FailingDirectory implements Directory {
  constructor(private error: SyncError) {}
  async file(): Promise<FilingOutcome[]> {
    throw this.error;
  }
}

export function mail(from: string, to: string, messageId: string, extra: Partial<Omit<QueuedMessage, 'id'>> = {}): Omit<QueuedMessage, 'id'> {
  return {
    internetMessageId: messageId,
    from: parseAddressHeader(from),
    to: parseAddressHeader(to),
    cc: [],
    date: '2026-11-20T10:00:00.000Z',
    subject: `Subject of ${messageId}`,
    preview: 'Hello',
    ...extra,
  };
}

/**
 * An in-memory run history, keyed like the store's (run, Message-ID → last outcome). It refuses to
 * record into a run that was not opened, as the store's foreign key does.
 */
export class MemoryHistory implements History {
  opened = false;
  readonly outcomes = new Map<string, FilingOutcome>();
  report: SyncReport | undefined;
  refuseStart?: SyncError;
  refuseRecord?: SyncError;

  async start(): Promise<void> {
    if (this.refuseStart) throw this.refuseStart;
    this.opened = true;
  }

  async record(messages: readonly FilingMessage[], outcomes: readonly FilingOutcome[]): Promise<void> {
    if (!this.opened) throw new Error('recorded into a run that was never opened');
    if (this.refuseRecord) throw this.refuseRecord;
    messages.forEach((m, i) => this.outcomes.set(m.internetMessageId, outcomes[i]));
  }

  async finish(report: SyncReport): Promise<void> {
    this.report = report;
  }
}
