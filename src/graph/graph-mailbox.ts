/**
 * GraphMailbox: the core Mailbox port over Microsoft Graph (@microsoft/microsoft-graph-client).
 *
 * Request policy, so that a well-behaved pane never trips Outlook's limit of 4 concurrent requests
 * per app and mailbox:
 * - at most `maxInFlight` (4) Graph HTTP requests of this mailbox object in flight at once (Limiter);
 * - moves go through MoveDispatcher: $batch envelopes of up to 20, packed across destinations and
 *   concurrent move() calls, each a serial dependsOn chain that Graph runs one sub-request at a
 *   time — so one envelope holds one of the 4 slots — and only failed sub-requests are retried;
 * - other requests retry 429 after Retry-After, 503/504 and dropped connections with exponential
 *   backoff and jitter, a bounded number of times; 401 → authorisation-expired, 403 → consent-missing;
 * - every request and sub-request carries Prefer: IdType="ImmutableId", so ids survive moves.
 */
import { Client, type GraphError, HTTPMessageHandler, type Middleware, ResponseType } from '@microsoft/microsoft-graph-client';
import type { ContentLimits, ContentResult, PrivacyLevel } from '../core/content';
import { BodyCache } from './body-cache';
import { readGraphContent } from './content';
import { normaliseAddressList } from '../core/addresses';
import { type CauseCode, type CauseDetail, SyncError, toSyncError } from '../core/causes';
import { causeOfStatus, isRetryable, retryAfterMs } from '../core/http-status';
import { FOLDER_NAMES, FOLDER_ROOT, type FolderRole, type FolderTree, type Mailbox, type MoveResult, type QueuedMessage } from '../core/ports';
import { Limiter, backoffMs, delay } from './limiter';
import { type BatchSubResponse, MoveDispatcher } from './move-dispatcher';

export const IMMUTABLE_ID_PREFER = 'IdType="ImmutableId"';
export { MAX_BATCH } from './move-dispatcher';
export const QUEUE_SELECT = 'id,internetMessageId,from,toRecipients,ccRecipients,receivedDateTime,sentDateTime,subject,bodyPreview';

export interface GraphMailboxOptions {
  /** An access token for Graph with Mail.ReadWrite (and User.Read for owner()). */
  getToken: () => Promise<string>;
  /** e.g. https://graph.microsoft.com/v1.0 (default), or a stand-in's URL. */
  baseUrl?: string;
  /**
   * A shared or delegated mailbox's SMTP address: its folders and mail are reached at
   * /users/{address} (which needs Mail.ReadWrite.Shared); absent: the signed-in user's own (/me).
   */
  sharedMailbox?: string;
  /** Graph HTTP requests in flight at once (default 4). */
  maxInFlight?: number;
  /** Attempts per request or sub-request before giving up (default 5). */
  maxAttempts?: number;
  /** Milliseconds per Retry-After second (default 1000; tests shrink it). */
  retryAfterUnitMs?: number;
  /** First backoff for 503/504/network failures (default 500 ms), capped at backoffMaxMs (default 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

interface GraphRecipient {
  emailAddress?: { name?: string | null; address?: string | null } | null;
}

interface GraphMessage {
  id: string;
  internetMessageId?: string | null;
  from?: GraphRecipient | null;
  toRecipients?: GraphRecipient[] | null;
  ccRecipients?: GraphRecipient[] | null;
  receivedDateTime?: string | null;
  sentDateTime?: string | null;
  subject?: string | null;
  bodyPreview?: string | null;
  parentFolderId?: string;
  body?: { contentType?: string; content?: string };
  hasAttachments?: boolean;
}

interface GraphFolder {
  id: string;
  displayName: string;
  totalItemCount?: number;
}

/** Failure of one HTTP request after classification. */
type Failure = { kind: 'retry-after'; ms: number } | { kind: 'backoff' } | { kind: 'fatal'; error: SyncError };

function splitBase(baseUrl: string): { host: string; version: string } {
  const u = new URL(baseUrl);
  const parts = u.pathname.split('/').filter(Boolean);
  const version = parts.pop() ?? 'v1.0';
  return { host: `${u.origin}${parts.length ? `/${parts.join('/')}` : ''}`, version };
}

export function toQueuedMessage(m: GraphMessage): QueuedMessage {
  const addr = (r: GraphRecipient | null | undefined) => (r?.emailAddress ? [{ address: r.emailAddress.address, name: r.emailAddress.name }] : []);
  return {
    id: m.id,
    internetMessageId: m.internetMessageId ?? '',
    from: normaliseAddressList(addr(m.from)),
    to: normaliseAddressList((m.toRecipients ?? []).flatMap(addr)),
    cc: normaliseAddressList((m.ccRecipients ?? []).flatMap(addr)),
    date: m.receivedDateTime ?? m.sentDateTime ?? '',
    subject: m.subject ?? '',
    preview: (m.bodyPreview ?? '').slice(0, 500),
  };
}

export class GraphMailbox implements Mailbox {
  readonly client: Client;
  private readonly baseUrl: string;
  /** Whose folders and mail: '/me' or '/users/{address}' (owner() always asks /me: it is who files). */
  readonly mailboxPath: string;
  /** Every id this mailbox hands out is an immutable one (Prefer: IdType="ImmutableId"): it survives moves. */
  readonly readsContentAfterMove = true;
  private readonly limiter: Limiter;
  private readonly maxAttempts: number;
  private readonly retryAfterUnitMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly random: () => number;
  private tree: FolderTree | undefined;
  private readonly dispatcher: MoveDispatcher;
  private readonly bodies = new BodyCache();
  /** The latest token from options.getToken (request() fetches one before each request). */
  private token: string | undefined;

  constructor(private readonly options: GraphMailboxOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://graph.microsoft.com/v1.0').replace(/\/+$/, '');
    this.mailboxPath = options.sharedMailbox ? `/users/${encodeURIComponent(options.sharedMailbox)}` : '/me';
    const { host, version } = splitBase(this.baseUrl);
    // Our own bearer middleware: the library's AuthenticationHandler only signs https Graph hosts.
    // It signs with the token request() has just fetched: a token failure raised in here would reach
    // us wrapped as a failed request, and a lapsed sign-in would read as "server unreachable".
    const bearer: Middleware & { next?: Middleware } = {
      execute: async (context) => {
        const token = this.token ?? (await options.getToken());
        const opts = (context.options ??= {});
        const headers = new Headers((opts.headers as HeadersInit | undefined) ?? {});
        headers.set('Authorization', `Bearer ${token}`);
        if (!headers.has('Prefer')) headers.set('Prefer', IMMUTABLE_ID_PREFER);
        opts.headers = Object.fromEntries(headers.entries());
        await bearer.next!.execute(context);
      },
      setNext(next) {
        bearer.next = next;
      },
    };
    // No RetryHandler: retries are ours, per sub-request, within the mailbox's concurrency budget.
    this.client = Client.initWithMiddleware({ middleware: [bearer, new HTTPMessageHandler()], baseUrl: host, defaultVersion: version });
    this.limiter = new Limiter(options.maxInFlight ?? 4);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryAfterUnitMs = options.retryAfterUnitMs ?? 1000;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.dispatcher = new MoveDispatcher({
      send: async (requests) => (await this.request<{ responses: BatchSubResponse[] }>((c) => c.api('/$batch').post({ requests }))).responses,
      immutablePrefer: IMMUTABLE_ID_PREFER,
      mailboxPath: this.mailboxPath,
      maxEnvelopes: options.maxInFlight ?? 4,
      maxAttempts: this.maxAttempts,
      retryAfterUnitMs: this.retryAfterUnitMs,
      backoffBaseMs: this.backoffBaseMs,
      backoffMaxMs: this.backoffMaxMs,
      random: this.random,
      // A move answers 201 with the moved message (default properties include all that matching
      // needs), so the engine can file it without listing Queue again.
      describe: (body) => (typeof body.id === 'string' && 'internetMessageId' in body ? this.described(body as unknown as GraphMessage) : undefined),
    });
  }

  /** A moved mail's metadata; a move into Queue also leaves its body for the content reader (body-cache.ts). */
  private described(m: GraphMessage): QueuedMessage {
    if (m.body && this.tree && m.parentFolderId === this.tree.queue) this.bodies.keep(m.id, { body: m.body, hasAttachments: m.hasAttachments });
    return toQueuedMessage(m);
  }

  /** The mailbox owner's addresses: mail, user principal name and SMTP proxy addresses (aliases). */
  async owner(signal?: AbortSignal): Promise<{ addresses: string[]; mail: string; name?: string }> {
    const me = await this.request<{ mail?: string | null; userPrincipalName?: string; proxyAddresses?: string[]; displayName?: string }>(
      (c) => c.api('/me').select('mail,userPrincipalName,proxyAddresses,displayName').get(),
      signal,
    );
    const addresses = new Set<string>();
    if (me.mail) addresses.add(me.mail);
    if (me.userPrincipalName?.includes('@')) addresses.add(me.userPrincipalName);
    for (const p of me.proxyAddresses ?? []) if (/^smtp:/i.test(p)) addresses.add(p.slice(5));
    return { addresses: [...addresses], mail: me.mail ?? me.userPrincipalName ?? '', name: me.displayName };
  }

  /** Whether the mailbox's Inbox can be read with this sign-in (one attempt; any failure is a no). */
  async reachable(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.request((c) => c.api(`${this.mailboxPath}/mailFolders/inbox`).select('id').get(), signal);
      return true;
    } catch {
      return false;
    }
  }

  async ensureFolders(signal?: AbortSignal): Promise<FolderTree> {
    if (this.tree) return this.tree;
    let rootId: string;
    let created = false;
    const existingRoot = await this.findFolder(`${this.mailboxPath}/mailFolders`, FOLDER_ROOT, signal);
    if (existingRoot) rootId = existingRoot.id;
    else {
      const made = await this.createFolder(`${this.mailboxPath}/mailFolders`, FOLDER_ROOT, signal);
      rootId = made.folder.id;
      created = made.created;
    }
    const childPath = `${this.mailboxPath}/mailFolders/${encodeURIComponent(rootId)}/childFolders`;
    // A folder we have just created has no children: skip the listing.
    const children = created ? [] : await this.listFolders(childPath, signal);
    const byName = new Map(children.map((f) => [f.displayName.toLowerCase(), f.id]));
    const roles = Object.keys(FOLDER_NAMES) as FolderRole[];
    const ids = await Promise.all(
      roles.map(async (role) => {
        const name = FOLDER_NAMES[role];
        return byName.get(name.toLowerCase()) ?? (await this.createFolder(childPath, name, signal)).folder.id;
      }),
    );
    const tree: FolderTree = { root: rootId, queue: '', sent: '', received: '', failed: '' };
    roles.forEach((role, i) => (tree[role] = ids[i]));
    this.tree = tree;
    return tree;
  }

  /**
   * Every mail in Queue. Graph pages messages with $skip, offsets into the folder as it is at each
   * request, so mail moved out of Queue while we page (this run's workers, another pane) shifts
   * later pages and some mail would be skipped. So a listing of more than one page is bracketed by
   * the Queue's item count: when the count changed during the pass, or differs from what the pass
   * saw, mail moved while we paged, and the Queue is listed again from the start, until a pass finds
   * nothing new. What was skipped is found, and one sync drains the Queue.
   */
  async listQueue(folders: FolderTree, signal?: AbortSignal): Promise<QueuedMessage[]> {
    const byId = new Map<string, QueuedMessage>();
    for (let passNo = 1; ; passNo++) {
      const before = byId.size;
      const pass = new Set<string>();
      let countBefore: number | undefined;
      // Only a Queue longer than one page is counted: the count is taken once the first page says there is more.
      const pages = await this.listQueueOnce(folders, byId, pass, signal, async () => void (countBefore = await this.itemCount(folders.queue, signal)));
      if (pages <= 1) return [...byId.values()];
      if (passNo > 1 && byId.size === before) return [...byId.values()];
      const countAfter = await this.itemCount(folders.queue, signal);
      if (countBefore === countAfter && countAfter === pass.size) return [...byId.values()];
    }
  }

  /** One pass over the Queue's pages into `into` (ids seen in `pass`); the number of pages read. */
  private async listQueueOnce(
    folders: FolderTree,
    into: Map<string, QueuedMessage>,
    pass: Set<string>,
    signal: AbortSignal | undefined,
    onMore: () => Promise<void>,
  ): Promise<number> {
    let page = await this.request<{ value: GraphMessage[]; '@odata.nextLink'?: string }>(
      (c) =>
        c
          .api(`${this.mailboxPath}/mailFolders/${encodeURIComponent(folders.queue)}/messages`)
          .select(QUEUE_SELECT)
          .top(1000)
          .get(),
      signal,
    );
    for (let pages = 1; ; pages++) {
      for (const m of page.value) {
        pass.add(m.id);
        if (!into.has(m.id)) into.set(m.id, toQueuedMessage(m));
      }
      const next = page['@odata.nextLink'];
      if (!next) return pages;
      if (pages === 1) await onMore();
      page = await this.request((c) => c.api(this.relative(next)).get(), signal);
    }
  }

  /** The content of matched mails (see content.ts); only the attachments level reads attachments. */
  async readContent(ids: readonly string[], level: PrivacyLevel, limits: ContentLimits, _folders: FolderTree, signal?: AbortSignal): Promise<ContentResult[]> {
    return readGraphContent(
      {
        prefer: IMMUTABLE_ID_PREFER,
        maxAttempts: this.maxAttempts,
        mailboxPath: this.mailboxPath,
        cached: (id) => this.bodies.take(id),
        pause: (attempt, retryAfter, s) =>
          delay(retryAfterMs(retryAfter ?? null, this.retryAfterUnitMs) ?? backoffMs(attempt, this.backoffBaseMs, this.backoffMaxMs, this.random), s),
        batch: async (requests, s) => (await this.request<{ responses: BatchSubResponse[] }>((c) => c.api('/$batch').post({ requests }), s)).responses,
        value: (path, s) => this.request<ArrayBuffer>((c) => c.api(path).responseType(ResponseType.ARRAYBUFFER).get(), s),
      },
      ids,
      level,
      limits,
      signal,
    );
  }

  /** Mails waiting in Queue and in Failed (the status card). */
  async counts(folders: FolderTree, signal?: AbortSignal): Promise<{ queue: number; failed: number }> {
    const [queue, failed] = await Promise.all([this.itemCount(folders.queue, signal), this.itemCount(folders.failed, signal)]);
    return { queue, failed };
  }

  private async itemCount(folderId: string, signal?: AbortSignal): Promise<number> {
    const f = await this.request<GraphFolder>(
      (c) =>
        c
          .api(`${this.mailboxPath}/mailFolders/${encodeURIComponent(folderId)}`)
          .select('id,displayName,totalItemCount')
          .get(),
      signal,
    );
    return f.totalItemCount ?? 0;
  }

  async move(ids: readonly string[], to: FolderRole, folders: FolderTree, signal?: AbortSignal): Promise<MoveResult[]> {
    const results = await this.dispatcher.move(ids, folders[to], signal);
    return ids.map((id) => results.get(id) ?? { id, ok: false, cause: 'unknown', message: 'No answer for this mail.' });
  }

  /** One mail by its (immutable) id, as Queue lists it: a Failed mail the agent files by hand needs its recipients and date. */
  async message(id: string, signal?: AbortSignal): Promise<QueuedMessage> {
    const m = await this.request<GraphMessage>(
      (c) =>
        c
          .api(`${this.mailboxPath}/messages/${encodeURIComponent(id)}`)
          .select(QUEUE_SELECT)
          .get(),
      signal,
      { oneMail: true },
    );
    return toQueuedMessage(m);
  }

  /** One mail as message() reads it, and the id of the folder it is in: where a mail selected in Outlook is. */
  async messageAndFolder(id: string, signal?: AbortSignal): Promise<{ message: QueuedMessage; folderId: string }> {
    const m = await this.request<GraphMessage>(
      (c) =>
        c
          .api(`${this.mailboxPath}/messages/${encodeURIComponent(id)}`)
          .select(`${QUEUE_SELECT},parentFolderId`)
          .get(),
      signal,
      { oneMail: true },
    );
    return { message: toQueuedMessage(m), folderId: m.parentFolderId ?? '' };
  }

  /**
   * The Rezi-Imported folders that exist, without creating any (ensureFolders creates what is
   * missing): undefined when there is no Rezi-Imported folder, and a folder not there is left out.
   */
  async existingFolders(signal?: AbortSignal): Promise<Partial<FolderTree> | undefined> {
    if (this.tree) return this.tree;
    const root = await this.findFolder(`${this.mailboxPath}/mailFolders`, FOLDER_ROOT, signal);
    if (!root) return undefined;
    const children = await this.listFolders(`${this.mailboxPath}/mailFolders/${encodeURIComponent(root.id)}/childFolders`, signal);
    const tree: Partial<FolderTree> = { root: root.id };
    for (const role of Object.keys(FOLDER_NAMES) as FolderRole[]) {
      const found = children.find((f) => f.displayName.toLowerCase() === FOLDER_NAMES[role].toLowerCase());
      if (found) tree[role] = found.id;
    }
    return tree;
  }

  /**
   * Where the selected mails are, in one $batch: the Rezi-Imported folder found by name again (so a
   * tree deleted and made anew is noticed), the children of `knownRoot` (the root's id as last
   * found), and each mail with its parentFolderId. A chain (each sub-request dependsOn the one
   * before) holds one of the mailbox's 4 slots, as the moves do. Undefined when the root is no
   * longer `knownRoot` or the folders could not be read this way: the caller looks again the long
   * way. A mail whose answer is neither 200 nor 404 is `undefined` in `mails`, to be asked alone
   * (with this mailbox's retries); a 404 is 'gone'. Graph's limit is 20 sub-requests per $batch
   * ("Combine multiple HTTP requests using JSON batching").
   */
  async locateSelection(ids: readonly string[], knownRoot: string, signal?: AbortSignal): Promise<SelectionLookup | undefined> {
    const folders = `${this.mailboxPath}/mailFolders`;
    const escaped = FOLDER_ROOT.replace(/'/g, "''");
    const urls = [
      `${folders}?$filter=${encodeURIComponent(`displayName eq '${escaped}'`)}&$select=id,displayName`,
      `${folders}/${encodeURIComponent(knownRoot)}/childFolders?$select=id,displayName&$top=100`,
      ...ids.map((id) => `${this.mailboxPath}/messages/${encodeURIComponent(id)}?$select=${QUEUE_SELECT},parentFolderId`),
    ].slice(0, 20);
    const requests = urls.map((url, i) => ({
      id: String(i + 1),
      method: 'GET',
      url,
      headers: { Prefer: IMMUTABLE_ID_PREFER },
      ...(i > 0 ? { dependsOn: [String(i)] } : {}),
    }));
    const answers = await this.request<{ responses: BatchSubResponse[] }>((c) => c.api('/$batch').post({ requests }), signal);
    const byId = new Map(answers.responses.map((r) => [String(r.id), r]));
    const tree = treeOf(knownRoot, byId.get('1'), byId.get('2'));
    if (!tree) return undefined;
    const mails = ids.map((_, i): SelectionLookup['mails'][number] => {
      const r = byId.get(String(i + 3));
      if (r?.status === 404) return 'gone';
      if (r?.status !== 200 || !r.body) return undefined;
      const m = r.body as unknown as GraphMessage;
      return { message: toQueuedMessage(m), folderId: m.parentFolderId ?? '' };
    });
    return { tree, mails };
  }

  /** Back to the Inbox (its well-known name, which Graph's move takes in place of an id): an undone filing. */
  async moveToInbox(ids: readonly string[], signal?: AbortSignal): Promise<MoveResult[]> {
    const results = await this.dispatcher.move(ids, 'inbox', signal);
    return ids.map((id) => results.get(id) ?? { id, ok: false, cause: 'unknown', message: 'No answer for this mail.' });
  }

  /** A path relative to the base URL for an absolute @odata.nextLink (the client parses only https links itself). */
  private relative(link: string): string {
    return link.startsWith(this.baseUrl) ? link.slice(this.baseUrl.length) : link;
  }

  private async findFolder(collection: string, name: string, signal?: AbortSignal): Promise<GraphFolder | undefined> {
    const escaped = name.replace(/'/g, "''");
    const page = await this.request<{ value: GraphFolder[] }>(
      (c) => c.api(collection).filter(`displayName eq '${escaped}'`).select('id,displayName').get(),
      signal,
    );
    return page.value.find((f) => f.displayName.toLowerCase() === name.toLowerCase());
  }

  private async listFolders(collection: string, signal?: AbortSignal): Promise<GraphFolder[]> {
    const out: GraphFolder[] = [];
    let page = await this.request<{ value: GraphFolder[]; '@odata.nextLink'?: string }>(
      (c) => c.api(collection).select('id,displayName').top(100).get(),
      signal,
    );
    for (;;) {
      out.push(...page.value);
      const next = page['@odata.nextLink'];
      if (!next) return out;
      page = await this.request((c) => c.api(this.relative(next)).get(), signal);
    }
  }

  /** Creates a folder; when it already exists (another pane won the race) finds it instead. */
  private async createFolder(collection: string, name: string, signal?: AbortSignal): Promise<{ folder: GraphFolder; created: boolean }> {
    try {
      const folder = await this.request<GraphFolder>((c) => c.api(collection).post({ displayName: name }), signal, { folderExists: true });
      return { folder, created: true };
    } catch (e) {
      if (!(e instanceof FolderExists)) throw e;
      const found = await this.findFolder(collection, name, signal);
      if (!found) throw new SyncError('unknown', `Graph said the folder ${name} exists but it cannot be found.`, { providerCode: 'ErrorFolderExists' });
      return { folder: found, created: false };
    }
  }

  /** One Graph HTTP request within the concurrency budget, retried on 429/503/504/network failures. */
  private async request<T>(call: (client: Client) => Promise<T>, signal?: AbortSignal, flags: { folderExists?: boolean; oneMail?: boolean } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
      let failure: Failure;
      try {
        this.token = await this.options.getToken();
      } catch (e) {
        // The sign-in's problem (expired, password changed, consent), not Graph's: no retry.
        throw toSyncError(e);
      }
      try {
        return await this.limiter.run(() => call(this.client));
      } catch (e) {
        if (flags.folderExists && isGraphError(e) && e.code === 'ErrorFolderExists') throw new FolderExists();
        failure = this.classify(e, attempt, flags.oneMail ? 'graph-mail' : 'graph');
      }
      if (failure.kind === 'fatal') throw failure.error;
      await delay(failure.kind === 'retry-after' ? failure.ms : backoffMs(attempt, this.backoffBaseMs, this.backoffMaxMs, this.random), signal);
    }
  }

  private classify(e: unknown, attempt: number, service: 'graph' | 'graph-mail'): Failure {
    if (e instanceof SyncError) return { kind: 'fatal', error: e };
    if (typeof e === 'object' && e && (e as { name?: string }).name === 'AbortError')
      return { kind: 'fatal', error: new SyncError('cancelled', 'The sync was cancelled.') };
    if (!isGraphError(e)) return { kind: 'fatal', error: new SyncError('unknown', e instanceof Error ? e.message : String(e)) };
    const status = e.statusCode;
    // The client's own cancel (its code, never one of Graph's).
    if (e.code === 'AbortError') return { kind: 'fatal', error: new SyncError('cancelled', 'The sync was cancelled.') };
    const detail = { status: status > 0 ? status : undefined, providerCode: e.code ?? undefined, requestId: e.requestId ?? undefined };
    if (this.options.sharedMailbox && status === 403 && e.code === 'ErrorAccessDenied')
      return { kind: 'fatal', error: sharedDenied(this.options.sharedMailbox, detail) };
    const cause = causeOfStatus(service, status);
    const retryAfter = status === 429 ? retryAfterMs(e.headers?.get('Retry-After'), this.retryAfterUnitMs) : undefined;
    if (isRetryable(status) && attempt < this.maxAttempts) return retryAfter === undefined ? { kind: 'backoff' } : { kind: 'retry-after', ms: retryAfter };
    const message = GRAPH_WORDS[cause] ?? (e.message || `Graph answered ${status}.`);
    return { kind: 'fatal', error: new SyncError(cause, message, retryAfter === undefined ? detail : { ...detail, retryAfterMs: retryAfter }) };
  }
}

/** What Graph's failures mean for this mailbox, where the cause's own words need Microsoft 365 named. */
const GRAPH_WORDS: Partial<Record<CauseCode, string>> = {
  throttled: 'Microsoft 365 is limiting requests to your mailbox; try again in a few minutes.',
  'server-unreachable': 'Microsoft 365 could not be reached.',
  'authorisation-expired': 'Microsoft 365 no longer accepts the sign-in.',
  'consent-missing': 'Permission to read and move mail has not been granted.',
  'message-gone': 'The mail is no longer there: it was moved or deleted in the meantime.',
};

/** Graph's 403 ErrorAccessDenied on /users/{mailbox}: the signed-in user holds no permission on that mailbox. */
function sharedDenied(mailbox: string, detail: CauseDetail): SyncError {
  return new SyncError(
    'shared-mailbox-denied',
    `Microsoft 365 refused access to the shared mailbox ${mailbox}: your account has no permission to it. Nothing was filed or moved. Ask its owner or your IT support for Full Access, then sync again.`,
    detail,
  );
}

/** What locateSelection found: the Rezi-Imported folders as they are now, and each mail asked about. */
export interface SelectionLookup {
  tree: Partial<FolderTree>;
  mails: ({ message: QueuedMessage; folderId: string } | 'gone' | undefined)[];
}

/** The tree from the root found by name and its children's listing; undefined unless both answered and the root is still `knownRoot`. */
function treeOf(knownRoot: string, found: BatchSubResponse | undefined, listed: BatchSubResponse | undefined): Partial<FolderTree> | undefined {
  if (found?.status !== 200 || listed?.status !== 200) return undefined;
  const roots = (found.body?.value as GraphFolder[] | undefined) ?? [];
  const root = roots.find((f) => f.displayName.toLowerCase() === FOLDER_ROOT.toLowerCase());
  const page = listed.body as { value?: GraphFolder[]; '@odata.nextLink'?: string } | undefined;
  if (root?.id !== knownRoot || !page?.value || page['@odata.nextLink']) return undefined;
  const tree: Partial<FolderTree> = { root: knownRoot };
  for (const role of Object.keys(FOLDER_NAMES) as FolderRole[]) {
    const child = page.value.find((f) => f.displayName.toLowerCase() === FOLDER_NAMES[role].toLowerCase());
    if (child) tree[role] = child.id;
  }
  return tree;
}

class FolderExists extends Error {}

function isGraphError(e: unknown): e is GraphError {
  return typeof e === 'object' && e !== null && typeof (e as GraphError).statusCode === 'number';
}
