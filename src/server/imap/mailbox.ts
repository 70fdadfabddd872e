/**
 * ImapMailbox: the core Mailbox port over imapflow. One connection per sync; the Queue folder is
 * read with one UID FETCH of envelopes (no bodies, at most a 256-byte peek for the preview) and
 * emptied with one UID MOVE per destination folder — imapflow falls back to UID COPY + UID STORE
 * \Deleted + UID EXPUNGE (only the moved UIDs, with UIDPLUS) on servers without MOVE.
 *
 * Ids are `${uidValidity}:${uid}`: a UID means nothing once the server changes the folder's
 * UIDVALIDITY, so such ids are left in Queue for the next sync rather than guessed at.
 */
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { normaliseAddressList, type EmailAddress } from '../../core/addresses';
import { SyncError } from '../../core/causes';
import type { FolderRole, FolderTree, Mailbox, MoveResult, QueuedMessage } from '../../core/ports';
import { FOLDER_NAMES, FOLDER_ROOT } from '../../core/ports';
import { imapError } from './errors';
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
const PREVIEW_CHARS = 200;
const RESET_MESSAGE = 'The mail server renumbered the Queue folder while the sync ran; the mail stays in Queue and is filed on the next sync.';

/** IMAP commands sent on a connection, by name ("UID FETCH", "UID MOVE", …). */
export type CommandCounts = Record<string, number>;

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
  private readonly counts: CommandCounts = {};
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
    // Count every command at the one place they all pass through.
    const client = this.client as unknown as { exec: (command: string, ...rest: unknown[]) => Promise<unknown> };
    const exec = client.exec.bind(client);
    client.exec = (command: string, ...rest: unknown[]) => {
      this.counts[command] = (this.counts[command] ?? 0) + 1;
      return exec(command, ...rest);
    };
  }

  /** Connects and logs in; throws a SyncError (password-changed, server-unreachable, certificate-invalid…). */
  static async open(options: ImapMailboxOptions): Promise<ImapMailbox> {
    if (options.signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
    const mailbox = new ImapMailbox(options);
    try {
      await mailbox.client.connect();
    } catch (e) {
      mailbox.client.close();
      throw imapError(e);
    }
    options.signal?.addEventListener('abort', mailbox.onAbort, { once: true });
    return mailbox;
  }

  /** The server's hierarchy delimiter (`.` on Dovecot's maildir, `/` on Gmail). */
  get delimiter(): string {
    return this.client.namespace?.delimiter || '/';
  }

  commandCounts(): CommandCounts {
    return { ...this.counts };
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

  /** The tree's paths in the server's own namespace prefix and delimiter. */
  folderTree(): FolderTree {
    const prefix = this.client.namespace?.prefix ?? '';
    const root = `${prefix}${FOLDER_ROOT}`;
    const child = (role: FolderRole) => `${root}${this.delimiter}${FOLDER_NAMES[role]}`;
    return { root, queue: child('queue'), sent: child('sent'), received: child('received'), failed: child('failed') };
  }

  async ensureFolders(signal?: AbortSignal): Promise<FolderTree> {
    this.checkAbort(signal);
    const tree = this.folderTree();
    try {
      const existing = new Map((await this.client.list()).map((f) => [f.path, f]));
      for (const path of [tree.root, tree.queue, tree.sent, tree.received, tree.failed]) {
        const found = existing.get(path);
        // A parent that only exists because a child does (\NonExistent, e.g. Rezi-Imported when Queue was
        // made first) is created for real, so mail clients show it and later runs find it subscribed.
        if (!found || found.flags?.has('\\NonExistent')) {
          // Creates and subscribes; ALREADYEXISTS (another session won the race) is fine.
          await this.client.mailboxCreate(path);
        } else if (!found.subscribed) {
          // Subscribed so the folders show in the agent's mail client.
          await this.client.mailboxSubscribe(path);
        }
      }
    } catch (e) {
      throw this.failure(e);
    }
    return tree;
  }

  private opening?: Promise<void>;

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

  async listQueue(folders: FolderTree, signal?: AbortSignal): Promise<QueuedMessage[]> {
    this.checkAbort(signal);
    try {
      // Re-select every time: a fresh SELECT is how a changed UIDVALIDITY is learnt.
      this.queuePath = undefined;
      await this.openQueue(folders);
      const box = this.client.mailbox;
      if (!box || box.exists === 0) return [];
      const validity = String(box.uidValidity);
      const rows = await this.client.fetchAll(
        '1:*',
        { uid: true, envelope: true, internalDate: true, ...(this.preview ? { bodyParts: [{ key: 'TEXT', start: 0, maxLength: PREVIEW_BYTES }] } : {}) },
        { uid: true },
      );
      const addresses = new AddressCache();
      return rows.map((row) => toQueued(row, validity, addresses));
    } catch (e) {
      throw this.failure(e);
    }
  }

  async move(ids: readonly string[], to: FolderRole, folders: FolderTree, signal?: AbortSignal): Promise<MoveResult[]> {
    this.checkAbort(signal);
    const results = new Map<string, MoveResult>();
    const idOfUid = new Map<number, string>();
    try {
      await this.openQueue(folders);
      const validity = String(this.client.mailbox && this.client.mailbox.uidValidity);
      for (const id of ids) {
        const m = /^(\d+):(\d+)$/.exec(id);
        if (!m || m[1] !== validity) results.set(id, { id, ok: false, cause: 'unknown', message: RESET_MESSAGE });
        else idOfUid.set(Number(m[2]), id);
      }
      if (idOfUid.size > 0) {
        this.sink.lastError = undefined;
        const moved = await this.client.messageMove(packUids([...idOfUid.keys()]), folders[to], { uid: true });
        if (!moved) {
          // imapflow logged the failure and answered false: a dropped connection stops the run,
          // a refusal leaves these mails in Queue.
          if (!this.client.usable || this.signal?.aborted) throw this.sink.lastError ?? Object.assign(new Error('connection closed'), { code: 'NoConnection' });
          const why = imapError(this.sink.lastError);
          for (const id of idOfUid.values())
            results.set(id, { id, ok: false, cause: why.code, message: 'The mail server refused to move the mail; it stays in Queue.' });
        } else {
          const map = moved.uidMap;
          const destValidity = moved.uidValidity !== undefined ? String(moved.uidValidity) : undefined;
          for (const [uid, id] of idOfUid) {
            if (!map) results.set(id, { id, ok: true });
            else if (map.has(uid)) results.set(id, { id, ok: true, ...(destValidity ? { newId: `${destValidity}:${map.get(uid)}` } : {}) });
            // Not moved by a successful UID MOVE: the UID was no longer in Queue.
            else results.set(id, { id, ok: false, cause: 'message-gone' });
          }
        }
      }
    } catch (e) {
      throw this.failure(e);
    }
    return ids.map((id) => results.get(id)!);
  }
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
        parsed = normaliseAddressList([{ address: item.address ?? null, name: item.name ?? null }]);
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

function toQueued(row: FetchMessageObject, validity: string, addresses: AddressCache): QueuedMessage {
  const env = row.envelope;
  const date = env?.date instanceof Date && !isNaN(env.date.getTime()) ? env.date : row.internalDate instanceof Date ? row.internalDate : undefined;
  return {
    id: `${validity}:${row.uid}`,
    internetMessageId: (env?.messageId ?? '').trim(),
    from: addresses.list(env?.from),
    to: addresses.list(env?.to),
    cc: addresses.list(env?.cc),
    date: date ? date.toISOString() : '',
    subject: env?.subject ?? '',
    preview: previewOf(row.bodyParts?.get('text')),
  };
}

/**
 * A best-effort preview from the first bytes of the body: for a multipart mail, skip the boundary
 * and the first part's headers; decode base64 and quoted-printable; collapse whitespace.
 */
export function previewOf(bytes: Buffer | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  let text = bytes.toString('latin1');
  let encoding = '';
  if (/^\s*--/.test(text)) {
    const end = text.search(/\r?\n\r?\n/);
    if (end < 0) return '';
    const headers = text.slice(0, end);
    const type = /content-type:\s*([^;\s]+)/i.exec(headers)?.[1].toLowerCase();
    if (type && !type.startsWith('text/')) return '';
    encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1].toLowerCase() ?? '';
    text = text.slice(end).replace(/^\s+/, '');
    text = text.split(/\r?\n--/)[0];
  }
  let buf: Buffer;
  if (encoding === 'base64') {
    const clean = text.replace(/[^A-Za-z0-9+/=]/g, '');
    buf = Buffer.from(clean.slice(0, clean.length - (clean.length % 4)), 'base64');
  } else if (encoding === 'quoted-printable' || /=[0-9A-F]{2}|=\r?\n/.test(text)) {
    buf = Buffer.from(
      text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  } else {
    buf = Buffer.from(text, 'latin1');
  }
  // The peek may cut a UTF-8 sequence in half: drop the replacement character that leaves.
  return buf
    .toString('utf8')
    .replace(/\uFFFD+$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, PREVIEW_CHARS);
}
