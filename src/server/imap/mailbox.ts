/**
 * ImapMailbox: the core Mailbox port over imapflow. One connection per sync; the Queue folder is
 * read with one UID FETCH of envelopes (no bodies, at most a 256-byte peek for the preview) and
 * emptied with one UID MOVE per destination folder. Servers without MOVE get our own COPY + STORE
 * \Deleted + EXPUNGE (see copyMove): it never leaves a mail in two folders for long, and a later run
 * finishes an interrupted move instead of copying again.
 *
 * Ids are `${uidValidity}:${uid}`: a UID means nothing once the server changes the folder's
 * UIDVALIDITY, so such ids are left in Queue for the next sync rather than guessed at.
 */
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { normaliseAddressList, type EmailAddress } from '../../core/addresses';
import { SyncError } from '../../core/causes';
import type { ContentLimits, ContentResult, PrivacyLevel } from '../../core/content';
import type { FolderRole, FolderTree, Mailbox, MoveResult, QueuedMessage } from '../../core/ports';
import { FOLDER_NAMES, FOLDER_ROOT } from '../../core/ports';
import { imapError } from './errors';
import { readQueued, type Settled } from './content';
import { previewOf } from './preview';
import type { BranchImapSettings } from './settings';

export interface ImapLogin {
  username: string;
  password: string;
}

export interface ImapMailboxOptions {
  settings: BranchImapSettings;
  login: ImapLogin;
  /** Aborting closes the connection: whatever is still in Queue waits for the next sync. */
  signal?: AbortSignal;
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
  /** Peek at the first bytes of each body for a preview (default true); false: envelopes only. */
  preview?: boolean;
  /** The host name for TLS (SNI and the certificate check) when settings.host is the address it resolved to. */
  servername?: string;
}

const PREVIEW_BYTES = 256;
/** Set with \Deleted on a Queue mail we copied: tells our interrupted move apart from the user's own deleted mail. */
export const MOVED_KEYWORD = '$ReziMoved';
/** Queue mails per UID FETCH when the engine takes the listing in chunks. */
const LIST_CHUNK = 1000;
/** Message-IDs per SEARCH command (an OR chain each). */
const SEARCH_CHUNK = 50;
export const QUEUE_NOT_DELETABLE_MESSAGE =
  'Your mail server does not allow Rezi to remove mail from the Queue folder (its permissions do not include deleting), so the mail stays in Queue and no copy was filed. Ask your mail administrator to allow deleting in Rezi-Imported/Queue, then press Start Sync again.';
export const MOVE_REFUSED_MESSAGE = 'The mail server refused to move the mail; it stays in Queue and is tried again on the next sync.';
const RESET_MESSAGE = 'The mail server renumbered the Queue folder while the sync ran; the mail stays in Queue and is filed on the next sync.';

/**
 * The most a coalesced UID set may take on the command line: RFC 7162 §4 asks clients to keep
 * command lines to about 8192 octets (Dovecot refuses lines past 64 KiB by default).
 */
const MOVE_SET_CHARS = 8000;
/**
 * Mails asked to move but not yet moved, past which a chunked listing waits before its next FETCH:
 * the waiting moves hold their mails' filed results, so reading must not run far ahead of moving.
 */
const MOVE_BACKLOG = LIST_CHUNK;

interface WaitingMove {
  uids: Map<number, string>;
  done: Promise<Map<string, MoveResult>>;
}

interface Sink {
  lastError?: unknown;
}

/**
 * imapflow's logger, kept silent: debug/info lines may carry protocol text (LOGIN arguments
 * included), so they are dropped unread. Only error objects are kept, because imapflow reports
 * some command failures (a refused MOVE) by logging them and returning false.
 */
function silentLogger(sink: Sink) {
  const keep = (entry: unknown) => {
    const err = typeof entry === 'object' && entry !== null ? (entry as { err?: unknown }).err : undefined;
    if (err) sink.lastError = err;
  };
  const drop = () => {};
  // isLevelEnabled: imapflow then skips serialising commands and responses for debug/trace lines.
  return {
    debug: drop,
    info: drop,
    warn: keep,
    error: keep,
    fatal: keep,
    isLevelEnabled: (level: string) => level === 'warn' || level === 'error' || level === 'fatal',
  };
}

export class ImapMailbox implements Mailbox {
  readonly client: ImapFlow;
  private readonly sink: Sink = {};
  private readonly signal?: AbortSignal;
  private readonly onAbort = () => void this.client.close();
  private queuePath?: string;
  private readonly preview: boolean;

  private constructor(options: ImapMailboxOptions) {
    const { settings, login } = options;
    this.signal = options.signal;
    this.preview = options.preview ?? true;
    this.client = new ImapFlow({
      host: settings.host,
      port: settings.port,
      ...(options.servername ? { servername: options.servername } : {}),
      secure: settings.ssl,
      // STARTTLS required when the branch says TLS; never attempted otherwise (a plain loopback server).
      doSTARTTLS: settings.starttls,
      auth: { user: login.username, pass: login.password },
      tls: { rejectUnauthorized: settings.verifyCertificates },
      logger: silentLogger(this.sink) as never,
      disableAutoIdle: true,
      connectionTimeout: options.timeouts?.connectMs ?? 15_000,
      greetingTimeout: options.timeouts?.greetingMs ?? 10_000,
      socketTimeout: options.timeouts?.socketMs ?? 120_000,
    });
    // An 'error' event without a listener would crash the process; the failing command rejects too.
    this.client.on('error', (e: unknown) => (this.sink.lastError = e));
  }

  /** Connects and logs in; throws a SyncError (password-changed, server-unreachable, certificate-invalid…). */
  static async open(options: ImapMailboxOptions): Promise<ImapMailbox> {
    if (options.signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
    const mailbox = new ImapMailbox(options);
    try {
      await mailbox.client.connect();
    } catch (e) {
      mailbox.client.close();
      throw imapError(e, { host: options.settings.host });
    }
    options.signal?.addEventListener('abort', mailbox.onAbort, { once: true });
    return mailbox;
  }

  /** The server's hierarchy delimiter (`.` on Dovecot's maildir, `/` on Gmail). */
  get delimiter(): string {
    return this.client.namespace?.delimiter || '/';
  }

  /** imapflow's raw command call (not in its types): for CREATE with a trailing delimiter, EXPUNGE by UID, MYRIGHTS. */
  private exec(command: string, attributes: unknown[], options?: { untagged?: Record<string, (u: { attributes: { value?: string }[] }) => void> }) {
    const client = this.client as unknown as { exec: (c: string, a: unknown[], o?: unknown) => Promise<{ next: () => void }> };
    return client.exec(command, attributes.length ? attributes : (false as unknown as unknown[]), options);
  }

  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.client.usable) await this.client.logout().catch(() => this.client.close());
    else this.client.close();
  }

  private failure(e: unknown): SyncError {
    if (this.signal?.aborted) return new SyncError('cancelled', 'The sync was cancelled.');
    return imapError(e);
  }

  private checkAbort(signal?: AbortSignal) {
    if (signal?.aborted || this.signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
  }

  /** The personal prefix learnt from LIST when the server has no NAMESPACE (Courier-style `INBOX.`). */
  private learntPrefix?: string;

  /** The tree's paths in the server's own namespace prefix and delimiter. */
  folderTree(): FolderTree {
    const prefix = this.learntPrefix ?? this.client.namespace?.prefix ?? '';
    const root = `${prefix}${FOLDER_ROOT}`;
    const child = (role: FolderRole) => `${root}${this.delimiter}${FOLDER_NAMES[role]}`;
    return { root, queue: child('queue'), sent: child('sent'), received: child('received'), failed: child('failed') };
  }

  async ensureFolders(signal?: AbortSignal): Promise<FolderTree> {
    this.checkAbort(signal);
    try {
      let listed = await this.client.list();
      this.learnPrefix(listed);
      const tree = this.folderTree();
      const rootFound = listed.find((f) => f.path === tree.root);
      if (rootFound?.flags?.has('\\NoInferiors')) {
        await this.repairRoot(tree.root);
        listed = await this.client.list();
      }
      const existing = new Map(listed.map((f) => [f.path, f]));
      for (const path of [tree.root, tree.queue, tree.sent, tree.received, tree.failed]) {
        const found = existing.get(path);
        // A parent that only exists because a child does (\NonExistent, e.g. Rezi-Imported when Queue was
        // made first) is created for real, so mail clients show it and later runs find it subscribed.
        if (!found || found.flags?.has('\\NonExistent')) {
          const created = await this.createFolder(path, path === tree.root);
          if (!created && path === tree.root && !this.learntPrefix && !this.client.capabilities.has('NAMESPACE')) {
            // No NAMESPACE and the top level refused: the personal folders live under INBOX.
            this.learntPrefix = `INBOX${this.delimiter}`;
            return await this.ensureFolders(signal);
          }
          if (!created) throw this.createRefused(path);
        } else if (!found.subscribed) {
          // Subscribed so the folders show in the agent's mail client.
          await this.client.mailboxSubscribe(path);
        }
      }
      return tree;
    } catch (e) {
      throw this.failure(e);
    }
  }

  /**
   * Without NAMESPACE (RFC 2342) the prefix is learnt from the folders there are: when every
   * folder but INBOX sits under INBOX's hierarchy (Courier's and Cyrus's `INBOX.`), ours go there too.
   */
  private learnPrefix(listed: { path: string; delimiter?: string }[]) {
    if (this.learntPrefix !== undefined || this.client.capabilities.has('NAMESPACE')) return;
    const under = `INBOX${this.delimiter}`;
    const others = listed.filter((f) => f.path.toUpperCase() !== 'INBOX');
    if (others.length > 0 && others.every((f) => f.path.startsWith(under))) this.learntPrefix = under;
  }

  /**
   * CREATE, with a trailing delimiter for a folder that will hold children (RFC 3501 §6.3.3: on
   * mbox storage a folder created without it is a file that can never have any). A refusal is
   * checked against LIST: Cyrus and Courier refuse a folder another session has just made without
   * the ALREADYEXISTS code. True when the folder exists afterwards.
   */
  private async createFolder(path: string, holdsChildren: boolean): Promise<boolean> {
    const name = holdsChildren ? `${path}${this.delimiter}` : path;
    try {
      (await this.exec('CREATE', [{ type: 'ATOM', value: name }])).next();
    } catch (e) {
      if (!isNoAnswer(e)) throw e;
      const again = await this.client.list();
      if (!again.some((f) => f.path === path && !f.flags?.has('\\NonExistent'))) return false;
    }
    await this.client.mailboxSubscribe(path);
    return true;
  }

  private createRefused(path: string): SyncError {
    return new SyncError(
      'unknown',
      `The mail server would not create the folder “${path}”. Check in your mail client that you may create folders, then press Authenticate again.`,
      { providerCode: 'CREATE' },
    );
  }

  /**
   * A root left unable to hold children (an mbox file made by an older version, or by hand): an
   * empty one is deleted and made again; one with mail in it is renamed aside (nothing is lost).
   */
  private async repairRoot(root: string): Promise<void> {
    const plain = new SyncError(
      'unknown',
      `Your mailbox has a folder “${root}” that cannot hold sub-folders, so Rezi cannot create its Queue, Sent, Received and Failed folders inside it. Rename or delete “${root}” in your mail client, then press Authenticate again.`,
      { providerCode: 'NOINFERIORS' },
    );
    try {
      const status = await this.client.status(root, { messages: true });
      if (status && !status.messages) await this.client.mailboxDelete(root);
      else await this.client.mailboxRename(root, `${root}-kept-${new Date().toISOString().slice(0, 10)}`);
    } catch (e) {
      if (isNoAnswer(e)) throw plain;
      throw e;
    }
  }

  private opening?: Promise<void>;
  /** Queue ids → Message-ID, from the last listQueue: how a copy in a destination is recognised. */
  private readonly messageIds = new Map<string, string>();
  /** Copy moves select other folders: they, and every call that needs Queue selected, take turns (inQueue). */
  private copying: Promise<unknown> = Promise.resolve();
  /** The UID MOVEs, one after another; the last one sent or waiting. */
  private moveTail: Promise<unknown> = Promise.resolve();
  /** Per destination path: the move waiting for its turn, which later calls join. */
  private readonly waitingMoves = new Map<string, WaitingMove>();
  /** Mails in move calls not yet answered, and a waiter told when one is. */
  private unmoved = 0;
  private moveAnswered?: { promise: Promise<void>; resolve(): void };

  /** Selects Queue unless it is selected; concurrent callers (the engine moves destinations at once) share one SELECT. */
  private async openQueue(folders: FolderTree): Promise<void> {
    if (this.client.mailbox && this.client.mailbox.path === folders.queue && this.queuePath === folders.queue) return;
    this.opening ??= this.client.mailboxOpen(folders.queue).then(
      () => {
        this.queuePath = folders.queue;
        this.opening = undefined;
      },
      (e: unknown) => {
        this.opening = undefined;
        throw e;
      },
    );
    await this.opening;
  }

  /**
   * Runs `work` with Queue selected, in turn with the copy moves: a copy move visits its destination
   * (SEARCH by Message-ID there, and deletes there), and a command of another call sent meanwhile
   * ran in the wrong folder. A re-SELECT of Queue in the middle of the visit made its SEARCHes find
   * the Queue originals themselves, taken for copies already filed: they were expunged, no copy made.
   * With MOVE nothing leaves Queue, so no turns are taken (the UID MOVEs keep coalescing as before).
   */
  private inQueue<T>(folders: FolderTree, work: () => Promise<T>, fresh = false): Promise<T> {
    const inTurn = async () => {
      if (fresh) this.queuePath = undefined;
      await this.openQueue(folders);
      return work();
    };
    if (this.client.capabilities.has('MOVE')) return inTurn();
    const run = this.copying.then(inTurn);
    this.copying = run.catch(() => undefined);
    return run;
  }

  async listQueue(folders: FolderTree, signal?: AbortSignal, onChunk?: (chunk: QueuedMessage[]) => Promise<void>): Promise<QueuedMessage[]> {
    this.checkAbort(signal);
    try {
      // Re-select every time (fresh): a fresh SELECT is how a changed UIDVALIDITY is learnt.
      const box = await this.inQueue(
        folders,
        async () => this.client.mailbox && { exists: this.client.mailbox.exists, uidValidity: this.client.mailbox.uidValidity },
        true,
      );
      if (!box || box.exists === 0) return [];
      const validity = String(box.uidValidity);
      const query = {
        uid: true,
        flags: true,
        envelope: true,
        internalDate: true,
        ...(this.preview ? { bodyParts: [{ key: 'TEXT', start: 0, maxLength: PREVIEW_BYTES }] } : {}),
      };
      this.messageIds.clear();
      // Only a move without MOVE looks mail up by Message-ID.
      const keepIds = !this.client.capabilities.has('MOVE');
      const convert = (rows: FetchMessageObject[]) => {
        // One cache per chunk: the owner's address repeats in every chunk, but a sender seen once
        // would otherwise stay cached for the whole run (a cache that grows with the Queue).
        const addresses = new AddressCache();
        const out: QueuedMessage[] = [];
        for (const row of rows) {
          // \Deleted but not expunged is the user's deleted mail (Outlook's IMAP mode leaves it so):
          // left alone, unless it is ours, flagged by a move that was cut before its EXPUNGE.
          if (row.flags?.has('\\Deleted') && !row.flags.has(MOVED_KEYWORD)) continue;
          const queued = toQueued(row, validity, addresses);
          if (keepIds) this.messageIds.set(queued.id, queued.internetMessageId);
          out.push(queued);
        }
        return out;
      };
      // A small Queue (or a caller that takes no chunks): one UID FETCH of everything.
      if (!onChunk || box.exists <= LIST_CHUNK) return convert(await this.inQueue(folders, () => this.client.fetchAll('1:*', query, { uid: true })));
      // A large one: the UIDs first, then one UID FETCH per chunk, each handed over before the next
      // is read, so no more than a few chunks of envelopes are held at once.
      const uids = ((await this.inQueue(folders, () => this.client.search({ all: true }, { uid: true }))) || []).sort((a, b) => a - b);
      for (let i = 0; i < uids.length; i += LIST_CHUNK) {
        while (this.unmoved > MOVE_BACKLOG) await this.nextMoveAnswer();
        this.checkAbort(signal);
        const rows = await this.inQueue(folders, () => this.client.fetchAll(packUids(uids.slice(i, i + LIST_CHUNK)), query, { uid: true }));
        await onChunk(convert(rows));
      }
      return [];
    } catch (e) {
      throw this.failure(e);
    }
  }

  /**
   * Mails outside Queue are found by Message-ID (a UID means nothing once a mail changes folder):
   * selects `path` as the folder moveBetween takes mail from, and answers the mails there whose
   * Message-ID is exactly this one (SEARCH HEADER matches substrings), each with an id for moveBetween.
   */
  async findByMessageId(path: string, messageId: string): Promise<QueuedMessage[]> {
    try {
      this.queuePath = undefined;
      await this.openQueue(this.route(path, path));
      const validity = String(this.client.mailbox && this.client.mailbox.uidValidity);
      const uids = await this.uidsByMessageId([messageId]);
      if (uids.length === 0) return [];
      const rows = await this.client.fetchAll(packUids(uids), { uid: true, flags: true, envelope: true, internalDate: true }, { uid: true });
      const addresses = new AddressCache();
      const found: QueuedMessage[] = [];
      for (const row of rows) {
        // The user's own deleted mail is not there; ours (a move cut before its EXPUNGE) still is.
        if (row.flags?.has('\\Deleted') && !row.flags.has(MOVED_KEYWORD)) continue;
        const mail = toQueued(row, validity, addresses);
        if (mail.internetMessageId !== messageId) continue;
        // The COPY fallback recognises a copy already in the destination by its Message-ID.
        this.messageIds.set(mail.id, mail.internetMessageId);
        found.push(mail);
      }
      return found;
    } catch (e) {
      throw this.failure(e);
    }
  }

  /**
   * Moves mails findByMessageId found in `from` (still selected) to `to`, with the sync's own move:
   * UID MOVE, or without MOVE the COPY fallback that never leaves a second copy behind.
   */
  moveBetween(ids: readonly string[], from: string, to: string): Promise<MoveResult[]> {
    return this.move(ids, 'failed', this.route(from, to));
  }

  /** The tree move() works on, with Queue standing for `from` and Failed for `to` (move takes mail from Queue to a role's folder). */
  private route(from: string, to: string): FolderTree {
    return { ...this.folderTree(), queue: from, failed: to };
  }

  /** The `limit` mails that arrived last in a folder (its highest UIDs), newest first, and how many it holds; envelopes only. */
  async newestIn(path: string, limit: number): Promise<{ mails: QueuedMessage[]; total: number }> {
    try {
      this.queuePath = undefined;
      const box = await this.client.mailboxOpen(path, { readOnly: true });
      if (!box.exists) return { mails: [], total: 0 };
      // Not the user's deleted mail (Outlook's IMAP mode leaves it flagged, not expunged).
      const uids = ((await this.client.search({ deleted: false }, { uid: true })) || []).sort((a, b) => a - b);
      const newest = uids.slice(-limit);
      if (newest.length === 0) return { mails: [], total: 0 };
      const rows = await this.client.fetchAll(packUids(newest), { uid: true, envelope: true, internalDate: true }, { uid: true });
      const addresses = new AddressCache();
      // Newest first by arrival in the folder: what the agent just saw fail is at the top.
      const mails = rows.sort((a, b) => b.uid - a.uid).map((row) => toQueued(row, String(box.uidValidity), addresses));
      return { mails, total: uids.length };
    } catch (e) {
      throw this.failure(e);
    }
  }

  /**
   * The content of mails in Queue, as far as `level` allows (see content.ts): one result per id; a
   * mail no longer there, or whose folder's UIDVALIDITY changed, answers why instead.
   */
  async readContent(ids: readonly string[], level: PrivacyLevel, limits: ContentLimits, folders: FolderTree, signal?: AbortSignal): Promise<ContentResult[]> {
    this.checkAbort(signal);
    const results: Settled = new Map();
    try {
      await this.inQueue(folders, async () => {
        const validity = String(this.client.mailbox && this.client.mailbox.uidValidity);
        const uidOf = new Map<number, string>();
        for (const id of ids) {
          const m = /^(\d+):(\d+)$/.exec(id);
          if (!m || m[1] !== validity) results.set(id, { id, ok: false, cause: 'unknown', message: RESET_MESSAGE });
          else uidOf.set(Number(m[2]), id);
        }
        if (uidOf.size > 0) await readQueued(this.client, uidOf, level, limits, packUids, results);
      });
    } catch (e) {
      throw this.failure(e);
    }
    return ids.map(
      (id) => results.get(id) ?? { id, ok: false, cause: 'message-gone', message: 'The mail is no longer in Queue, so its content could not be read.' },
    );
  }

  /** Resolves when the next move call is answered. */
  private nextMoveAnswer(): Promise<void> {
    if (!this.moveAnswered) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.moveAnswered = { promise, resolve };
    }
    return this.moveAnswered.promise;
  }

  async move(ids: readonly string[], to: FolderRole, folders: FolderTree, signal?: AbortSignal): Promise<MoveResult[]> {
    this.checkAbort(signal);
    // Counted from the call, not from when its UID MOVE is sent: a listing checks it right after asking.
    this.unmoved += ids.length;
    try {
      return await this.moveNow(ids, to, folders);
    } finally {
      this.unmoved -= ids.length;
      this.moveAnswered?.resolve();
      this.moveAnswered = undefined;
    }
  }

  private async moveNow(ids: readonly string[], to: FolderRole, folders: FolderTree): Promise<MoveResult[]> {
    const results = new Map<string, MoveResult>();
    const idOfUid = new Map<number, string>();
    const copy = !this.client.capabilities.has('MOVE');
    try {
      // The UIDVALIDITY check and a copy move in one turn: the ids are checked against the Queue they are moved from.
      await this.inQueue(folders, async () => {
        const validity = String(this.client.mailbox && this.client.mailbox.uidValidity);
        for (const id of ids) {
          const m = /^(\d+):(\d+)$/.exec(id);
          if (!m || m[1] !== validity) results.set(id, { id, ok: false, cause: 'unknown', message: RESET_MESSAGE });
          else idOfUid.set(Number(m[2]), id);
        }
        if (copy && idOfUid.size > 0) await this.copyMove(idOfUid, folders, to, results);
      });
      if (!copy && idOfUid.size > 0) {
        const moved = await this.joinMove(idOfUid, folders, to);
        for (const id of idOfUid.values()) results.set(id, moved.get(id)!);
      }
    } catch (e) {
      throw this.failure(e);
    }
    return ids.map((id) => results.get(id)!);
  }

  /**
   * Moves to the same folder are coalesced: while one UID MOVE is on the wire, later calls for a
   * folder join the one waiting for it, so a long sync sends a few large MOVEs rather than one per
   * destination per batch. Dovecot's cost per MOVE grows with the size of Queue (it rewrites the
   * folder's index and uid list on every expunge), so on a large Queue the number of MOVEs, not the
   * number of mails, decides the time. A waiting set is closed once its packed UIDs would pass
   * MOVE_SET_CHARS. Each caller gets the results of its own ids.
   */
  private joinMove(idOfUid: Map<number, string>, folders: FolderTree, to: FolderRole): Promise<Map<string, MoveResult>> {
    const dest = folders[to];
    const waiting = this.waitingMoves.get(dest);
    if (waiting && packUids([...waiting.uids.keys(), ...idOfUid.keys()]).length <= MOVE_SET_CHARS) {
      for (const [uid, id] of idOfUid) waiting.uids.set(uid, id);
      return waiting.done;
    }
    const uids = new Map(idOfUid);
    const next: WaitingMove = {
      uids,
      done: this.moveTail.then(() => {
        if (this.waitingMoves.get(dest) === next) this.waitingMoves.delete(dest);
        return this.uidMove(uids, folders, to);
      }),
    };
    this.waitingMoves.set(dest, next);
    this.moveTail = next.done.catch(() => undefined);
    return next.done;
  }

  /** One UID MOVE; a refusal answers every id as not moved, a dropped connection throws. */
  private async uidMove(idOfUid: Map<number, string>, folders: FolderTree, to: FolderRole): Promise<Map<string, MoveResult>> {
    this.checkAbort();
    await this.openQueue(folders);
    const results = new Map<string, MoveResult>();
    this.sink.lastError = undefined;
    const moved = await this.client.messageMove(packUids([...idOfUid.keys()]), folders[to], { uid: true });
    if (!moved) {
      // imapflow logged the failure and answered false: a dropped connection stops the run,
      // a refusal leaves these mails in Queue.
      if (!this.client.usable || this.signal?.aborted) throw this.sink.lastError ?? Object.assign(new Error('connection closed'), { code: 'NoConnection' });
      const why = imapError(this.sink.lastError);
      for (const id of idOfUid.values()) results.set(id, { id, ok: false, cause: why.code, message: MOVE_REFUSED_MESSAGE });
      return results;
    }
    const map = moved.uidMap;
    const destValidity = moved.uidValidity !== undefined ? String(moved.uidValidity) : undefined;
    for (const [uid, id] of idOfUid) {
      if (!map) results.set(id, { id, ok: true });
      else if (map.has(uid)) results.set(id, { id, ok: true, ...(destValidity ? { newId: `${destValidity}:${map.get(uid)}` } : {}) });
      // Not moved by a successful UID MOVE: the UID was no longer in Queue.
      else results.set(id, { id, ok: false, cause: 'message-gone' });
    }
    return results;
  }

  /**
   * A move without MOVE, that never files a mail twice: mails whose Message-ID is already in the
   * destination (an earlier run cut after its COPY) are not copied again; the Queue originals are
   * flagged \Deleted (with our keyword) and expunged — by UID with UIDPLUS. Whatever is still in
   * Queue afterwards (a refused STORE, or \Deleted silently not set) has its copies taken out of
   * the destination again, so a mail is only ever in one folder when the run ends.
   */
  private async copyMove(idOfUid: Map<number, string>, folders: FolderTree, to: FolderRole, results: Map<string, MoveResult>): Promise<void> {
    const dest = folders[to];
    const uids = [...idOfUid.keys()];
    const midOf = (uid: number) => this.messageIds.get(idOfUid.get(uid)!) ?? '';
    // Queue must allow \Deleted and EXPUNGE (RFC 4314 't' and 'e'; RFC 2086 'd'), or nothing is copied.
    if (this.client.capabilities.has('ACL')) {
      const rights = await this.myRights(folders.queue);
      if (rights !== undefined && !((rights.includes('t') && rights.includes('e')) || rights.includes('d'))) {
        for (const id of idOfUid.values()) results.set(id, { id, ok: false, cause: 'unknown', message: QUEUE_NOT_DELETABLE_MESSAGE });
        return;
      }
    }
    const already = await this.findInFolder(dest, uids.map(midOf));
    await this.openQueue(folders);
    const toCopy = uids.filter((uid) => !midOf(uid) || !already.has(midOf(uid)));
    let copyMap: Map<number, number> | undefined;
    let destValidity: string | undefined;
    if (toCopy.length > 0) {
      this.sink.lastError = undefined;
      const copied = await this.client.messageCopy(packUids(toCopy), dest, { uid: true });
      if (!copied) {
        if (!this.client.usable || this.signal?.aborted) throw this.sink.lastError ?? Object.assign(new Error('connection closed'), { code: 'NoConnection' });
        const why = imapError(this.sink.lastError);
        for (const id of idOfUid.values()) results.set(id, { id, ok: false, cause: why.code, message: MOVE_REFUSED_MESSAGE });
        // Copies an earlier run left in the destination go: these mails stay in Queue.
        await this.removeCopies(dest, uids.map(midOf).filter(Boolean), folders);
        return;
      }
      copyMap = copied.uidMap;
      destValidity = copied.uidValidity !== undefined ? String(copied.uidValidity) : undefined;
    }
    this.sink.lastError = undefined;
    const packed = packUids(uids);
    const flagged = await this.client.messageFlagsAdd(packed, ['\\Deleted', MOVED_KEYWORD], { uid: true });
    if (!flagged && (!this.client.usable || this.signal?.aborted))
      throw this.sink.lastError ?? Object.assign(new Error('connection closed'), { code: 'NoConnection' });
    if (flagged) {
      const byUid = this.client.capabilities.has('UIDPLUS');
      (await this.exec(byUid ? 'UID EXPUNGE' : 'EXPUNGE', byUid ? [{ type: 'SEQUENCE', value: packed }] : [])).next();
    }
    const left = new Set((await this.client.search({ uid: packed }, { uid: true })) || []);
    const stayed = uids.filter((uid) => left.has(uid));
    if (stayed.length > 0) {
      // Clear our flags again: the mail is back to plain queued mail, not the user's deleted mail.
      await this.client.messageFlagsRemove(packUids(stayed), ['\\Deleted', MOVED_KEYWORD], { uid: true }).catch(() => undefined);
      await this.removeCopies(dest, stayed.map(midOf).filter(Boolean), folders);
    }
    for (const [uid, id] of idOfUid) {
      // Out of Queue: its Message-ID is not needed again this run.
      if (!left.has(uid)) this.messageIds.delete(id);
      if (left.has(uid)) results.set(id, { id, ok: false, cause: 'unknown', message: QUEUE_NOT_DELETABLE_MESSAGE });
      else if (copyMap?.has(uid) && destValidity) results.set(id, { id, ok: true, newId: `${destValidity}:${copyMap.get(uid)}` });
      else results.set(id, { id, ok: true });
    }
  }

  /** The caller's rights on a folder (RFC 4314 MYRIGHTS), or undefined when the server will not say. */
  private async myRights(path: string): Promise<string | undefined> {
    let rights: string | undefined;
    try {
      const response = await this.exec('MYRIGHTS', [{ type: 'ATOM', value: path }], {
        untagged: { MYRIGHTS: (u) => void (rights = u.attributes[1]?.value) },
      });
      response.next();
    } catch (e) {
      if (!isNoAnswer(e)) throw e;
    }
    return rights;
  }

  /** UIDs in the selected folder of mails with one of these Message-IDs (one SEARCH; OR only for two or more). */
  private async uidsByMessageId(messageIds: string[]): Promise<number[]> {
    const byId = (m: string) => ({ header: { 'message-id': m } });
    const query = messageIds.length === 1 ? byId(messageIds[0]) : { or: messageIds.map(byId) };
    return (await this.client.search(query, { uid: true })) || [];
  }

  /** Message-IDs among `ids` that are already in `path` (selects it read-only; Queue is selected again by the caller). */
  private async findInFolder(path: string, ids: string[]): Promise<Set<string>> {
    const wanted = [...new Set(ids.filter(Boolean))];
    const found = new Set<string>();
    if (wanted.length === 0) return found;
    this.queuePath = undefined;
    await this.client.mailboxOpen(path, { readOnly: true });
    for (let i = 0; i < wanted.length; i += SEARCH_CHUNK) {
      const chunk = wanted.slice(i, i + SEARCH_CHUNK);
      const uids = await this.uidsByMessageId(chunk);
      if (uids.length === 0) continue;
      for await (const row of this.client.fetch(packUids(uids), { uid: true, envelope: true }, { uid: true })) {
        const mid = (row.envelope?.messageId ?? '').trim();
        if (mid) found.add(mid);
      }
    }
    return found;
  }

  /** Takes out of `path` every copy of these Message-IDs (the originals stay in Queue), then selects Queue again. */
  private async removeCopies(path: string, ids: string[], folders: FolderTree): Promise<void> {
    const wanted = [...new Set(ids)];
    if (wanted.length > 0) {
      this.queuePath = undefined;
      await this.client.mailboxOpen(path);
      for (let i = 0; i < wanted.length; i += SEARCH_CHUNK) {
        const chunk = wanted.slice(i, i + SEARCH_CHUNK);
        const uids = await this.uidsByMessageId(chunk);
        if (uids.length > 0) await this.client.messageDelete(packUids(uids), { uid: true });
      }
    }
    await this.openQueue(folders);
  }
}

function isNoAnswer(e: unknown): boolean {
  const status = typeof e === 'object' && e !== null ? (e as { responseStatus?: unknown }).responseStatus : undefined;
  return status === 'NO' || status === 'BAD';
}

/** "3,4,5,9" → "3:5,9": a compact UID set, so one command carries a thousand UIDs. */
export function packUids(uids: number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Normalises envelope addresses once per distinct address: the owner's own address is on nearly
 * every queued mail, and the RFC 5322 parser behind normaliseAddressList is the costly part.
 */
class AddressCache {
  private readonly cache = new Map<string, EmailAddress[]>();
  list(items: readonly { name?: string; address?: string }[] | undefined): EmailAddress[] {
    const out: EmailAddress[] = [];
    const seen = new Set<string>();
    for (const item of items ?? []) {
      const key = `${item.name ?? ''}\u0000${item.address ?? ''}`;
      let parsed = this.cache.get(key);
      if (!parsed) {
        parsed = normaliseAddressList([{ address: item.address == null ? null : detach(item.address), name: item.name == null ? null : detach(item.name) }]);
        this.cache.set(key, parsed);
      }
      for (const a of parsed) {
        if (seen.has(a.address)) continue;
        seen.add(a.address);
        out.push(a);
      }
    }
    return out;
  }
}

/**
 * A copy of a string that shares no memory with the text it was cut from. imapflow's parser answers
 * envelope fields as slices of the whole FETCH response line, and a slice keeps that line alive: a
 * subject kept in a report would hold its mail's entire response (about 400 bytes) for the run.
 */
function detach(s: string): string {
  // V8 makes slices of 13 characters or more only; shorter strings are copies already.
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

function toQueued(row: FetchMessageObject, validity: string, addresses: AddressCache): QueuedMessage {
  const env = row.envelope;
  const date = env?.date instanceof Date && !isNaN(env.date.getTime()) ? env.date : row.internalDate instanceof Date ? row.internalDate : undefined;
  return {
    id: `${validity}:${row.uid}`,
    internetMessageId: detach((env?.messageId ?? '').trim()),
    from: addresses.list(env?.from),
    to: addresses.list(env?.to),
    cc: addresses.list(env?.cc),
    date: date ? date.toISOString() : '',
    subject: detach(env?.subject ?? ''),
    preview: previewOf(row.bodyParts?.get('text')),
  };
}
