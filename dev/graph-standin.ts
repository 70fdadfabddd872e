/**
 * A local stand-in for Microsoft Graph v1.0, for exactly the calls GraphMailbox makes. Real HTTP on
 * 127.0.0.1 (port 0). Each behaviour follows a Microsoft Learn page:
 *
 * - GET /me ($select mail, userPrincipalName, proxyAddresses) — "Get user" (graph/api/user-get).
 * - GET /me/mailFolders, /me/mailFolders/{id}/childFolders with $filter=displayName eq '…' and $top;
 *   well-known names (msgfolderroot, inbox, sentitems) in place of ids — "List mailFolders",
 *   "List childFolders", "mailFolder resource type" (well-known folder names).
 * - POST /me/mailFolders, /me/mailFolders/{id}/childFolders → 201; a duplicate displayName answers
 *   409 ErrorFolderExists "A folder with the specified name already exists." — "Create mailFolder",
 *   "Create child folder" (and DESIGN.md: status seen as 409, sometimes 400; set `folderExistsStatus`).
 * - GET /me/mailFolders/{id}/messages with $select and $top (default page 10, at most 1000), paging
 *   by absolute @odata.nextLink URLs carrying $skiptoken — "List messages", "Paging Microsoft Graph
 *   data in your app".
 * - GET /me/messages/{id} with $select — "Get message" (graph/api/message-get); unknown ids → 404 ErrorItemNotFound.
 * - GET /me/mailFolders/{id}/messages/delta — "message: delta" and "Use delta query to track changes
 *   in Microsoft Graph data": the first round returns every message in the folder, page by page
 *   (@odata.nextLink with $skiptoken; the page size from Prefer: odata.maxpagesize, default 10;
 *   $top is not supported there and answers 400), the last page an @odata.deltaLink with
 *   $deltatoken; that link returns what entered the folder since (and, for what left it, only
 *   `id` and `@removed: {reason: "deleted"}`). The tokens are opaque; a malformed one, or one for
 *   another folder, answers 400 — clients start again without it. `deltaExpired: true` answers 410
 *   Gone SyncStateNotFound to every $deltatoken (the documented "sync state expired": the client
 *   starts a full round again).
 * - POST /me/messages/{id}/move {destinationId} → 201 with the moved message, which has a NEW id
 *   unless the request carried Prefer: IdType="ImmutableId" (then the id is the immutable id, stable
 *   across moves; the response echoes Preference-Applied) — "message: move", "Obtain immutable
 *   identifiers for Outlook resources". Unknown ids → 404 ErrorItemNotFound.
 * - POST /$batch with at most 20 requests (more → 400); the envelope answers 200 and each request its
 *   own status/headers/body, in any order (correlate by id); `dependsOn` where the batch is fully
 *   serial or fully parallel, a failed dependency → 424 — "Combine multiple HTTP requests using JSON
 *   batching". Headers of a sub-request are its own: Prefer must be on each sub-request.
 * - Authorization: Bearer <configured token>, else 401 InvalidAuthenticationToken — "Microsoft Graph
 *   error responses and resource types".
 * - Outlook throttling: more than 4 requests executing at once against the mailbox (sub-requests of a
 *   batch included; Graph forwards at most 4 of a parallel batch to Outlook at a time) → 429
 *   ApplicationThrottled "Application is over its MailboxConcurrency limit." with Retry-After in
 *   whole seconds — "Microsoft Graph throttling guidance" and "Microsoft Graph service-specific
 *   throttling limits" (Outlook service limits).
 *
 * Switches for the variants Microsoft documents (defaults keep the stand-in's earlier behaviour):
 * - `ids: 'real'` — ids shaped like Exchange's (base64: + / = and the URL-safe - _), which a client
 *   must URL-encode in a path — "Obtain immutable identifiers for Outlook resources", "message
 *   resource type" (id is a string the client treats as opaque).
 * - `batchPrefer: 'ignored'` — a Prefer header inside a $batch sub-request is not applied (Microsoft
 *   documents Prefer: IdType for "the request it is included with", and says nothing of batch
 *   sub-requests): move answers then carry mutable ids and no Preference-Applied — "Obtain immutable
 *   identifiers for Outlook resources", "Combine multiple HTTP requests using JSON batching".
 * - `paging: 'skip'` — messages page with $skip (offsets into the folder as it is now, so moving mail
 *   out while paging shifts later pages), newest first — "List messages" (@odata.nextLink with $skip),
 *   "Paging Microsoft Graph data in your app".
 * - `rateLimit: {requests, windowMs}` — Outlook's 10,000 requests per 10 minutes per app and mailbox
 *   (sub-requests of a batch count one each); over it → 429 ApplicationThrottled with Retry-After
 *   until the window frees — "Microsoft Graph service-specific throttling limits" (Outlook service
 *   limits). `OUTLOOK_RATE_LIMIT` is the documented figure.
 * - `beforeRequest` — a hook run before each request executes (tests interleave other work with it).
 * - `shared: [{mailbox, access}]` — shared mailboxes (or another person's delegated mailbox) this user
 *   may open: `/users/{address}/…` reaches that mailbox (another stand-in: its own folders, mail and
 *   concurrency budget, since Outlook's limits are per app and mailbox) and `/users/{own address}/…`
 *   is `/me/…` — "Get user" and "List messages" (HTTP request forms /users/{id | userPrincipalName}).
 *   Delegated access to another mailbox needs the Mail.ReadWrite.Shared permission and the mailbox's
 *   own permission for the user ("Microsoft Graph permissions reference": Mail.ReadWrite.Shared;
 *   "Get shared or delegated Outlook mail"); without either, Graph answers 403 ErrorAccessDenied
 *   "Access is denied. Check credentials and try again." — "Microsoft Graph error responses and
 *   resource types". `access`: 'full' (Full Access), 'read' (Reviewer: reads only; creating folders
 *   and moving mail are refused), 'none'. `sharedScope: false` — the token lacks Mail.ReadWrite.Shared:
 *   every /users/{other}/… is refused. An address that is nobody's → 404 ErrorInvalidUser.
 *
 * Time: Retry-After is an integer number of seconds, as real Graph sends. Tests keep it at 1 and let
 * the client scale seconds (GraphMailbox's `retryAfterUnitMs`) so that "1 s" waits a few ms.
 *
 * Faults (programmatic): `fault({kind, times | probability, match})` answers 429 (Retry-After), 503,
 * 504, a delay, or a destroyed socket for matching requests; `rttMs` adds latency to every HTTP
 * request (benchmarks). Counters of HTTP requests and sub-requests by kind, and a log of each.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from './rng';

export interface SeedMessage {
  from: string | { name?: string; address: string };
  to?: (string | { name?: string; address: string })[];
  cc?: (string | { name?: string; address: string })[];
  subject?: string;
  internetMessageId?: string;
  receivedDateTime?: string;
  sentDateTime?: string;
  bodyPreview?: string;
  isDraft?: boolean;
  /** The message's body ("itemBody": contentType text or html); default an empty text body. */
  body?: { contentType: 'text' | 'html'; content: string };
  /** File attachments (fileAttachment resources). */
  attachments?: SeedAttachment[];
}

export interface SeedAttachment {
  name: string;
  contentType: string;
  content: Buffer | string;
  isInline?: boolean;
  contentId?: string;
}

interface StoredMessage {
  /** Current (mutable) REST id: changes on every move. */
  id: string;
  /** Arrival order (ties in date order). */
  order: number;
  /** The change number at which it last entered its folder (delta queries). */
  enteredAt: number;
  immutableId: string;
  folderId: string;
  data: Required<Omit<SeedMessage, 'from' | 'to' | 'cc' | 'attachments'>> & {
    from: Recipient;
    toRecipients: Recipient[];
    ccRecipients: Recipient[];
    hasAttachments: boolean;
  };
  attachments: { id: string; name: string; contentType: string; bytes: Buffer; isInline: boolean; contentId: string | null }[];
}

interface Recipient {
  emailAddress: { name: string; address: string };
}

interface Folder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnown?: string;
}

export type FaultKind = 'throttle' | '503' | '504' | 'slow' | 'drop';

export interface RequestInfo {
  method: string;
  /** Path after /v1.0, without query (e.g. /me/messages/AAMk…/move, /$batch). */
  path: string;
  /** A sub-request of a $batch. */
  sub: boolean;
}

export interface FaultSpec {
  kind: FaultKind;
  /** Which requests; default all. */
  match?: (r: RequestInfo) => boolean;
  /** Apply to the next N matching requests… */
  times?: number;
  /** …or to each matching request with this probability (seeded RNG). */
  probability?: number;
  /** 'throttle': Retry-After seconds (integer, default options.retryAfterSeconds). */
  retryAfter?: number;
  /** 'slow': delay before answering. */
  delayMs?: number;
}

export interface StandinOptions {
  /** Bearer token the stand-in accepts (default 'test-token'). */
  token?: string;
  /** Latency added to every HTTP request, ms. */
  rttMs?: number;
  /** How long one operation executes against the mailbox, ms (makes concurrency observable). */
  opMs?: number;
  /** Retry-After sent with 429s (seconds; default 1). */
  retryAfterSeconds?: number;
  /** Mailbox concurrency limit (default 4). */
  concurrencyLimit?: number;
  /** Status for ErrorFolderExists (409 observed; 400 also seen). */
  folderExistsStatus?: number;
  seed?: number;
  user?: { mail: string; userPrincipalName?: string; proxyAddresses?: string[] };
  /** 'base36' (default): short ids; 'real': Exchange-shaped ids with + / - _ = (need URL-encoding). */
  ids?: 'base36' | 'real';
  /** 'honoured' (default): Prefer on a $batch sub-request applies to it; 'ignored': it does not. */
  batchPrefer?: 'honoured' | 'ignored';
  /** 'skiptoken' (default): offset in $skiptoken, insertion order; 'skip': $skip offsets, newest first, as Graph pages messages. */
  paging?: 'skiptoken' | 'skip';
  /** Requests per window per mailbox (Outlook: OUTLOOK_RATE_LIMIT). */
  rateLimit?: { requests: number; windowMs: number };
  /** Runs before each request (top level or sub-request) executes against the mailbox. */
  beforeRequest?: (r: RequestInfo & { query: URLSearchParams }) => void | Promise<void>;
  /** Shared or delegated mailboxes this user can reach at /users/{address} (each a stand-in of its own). */
  shared?: SharedAccess[];
  /** false: the token has no Mail.ReadWrite.Shared, so no other mailbox can be opened (default true). */
  sharedScope?: boolean;
  /** true: every $deltatoken answers 410 SyncStateNotFound (the sync state expired). */
  deltaExpired?: boolean;
  /** Which bearer tokens are accepted (default: exactly `token`), e.g. those a token issuer handed out. */
  acceptToken?: (token: string) => boolean;
}

/** One shared mailbox and the user's permission on it. */
export interface SharedAccess {
  mailbox: GraphStandin;
  access: 'full' | 'read' | 'none';
}

/** Outlook: 10,000 API requests per 10 minutes per app and mailbox ("Microsoft Graph service-specific throttling limits"). */
export const OUTLOOK_RATE_LIMIT = { requests: 10_000, windowMs: 10 * 60_000 };

export interface LogEntry extends RequestInfo {
  status: number;
}

export interface GraphStandin {
  /** Base URL including /v1.0, e.g. http://127.0.0.1:1234/v1.0 */
  url: string;
  token: string;
  close(): Promise<void>;
  addMessage(folderPath: string, m: SeedMessage): string;
  /** Messages in a folder by path ('inbox', 'Rezi-Imported/Queue'), with their current and immutable ids. */
  messagesIn(path: string): { id: string; immutableId: string; subject: string; internetMessageId: string }[];
  /** Folder id by path, or undefined. */
  folderId(path: string): string | undefined;
  /** Moves a message as another client would (Outlook on the web, a phone): a new mutable id, the change seen by delta queries. */
  moveMessage(anyId: string, toPath: string): void;
  /** Creates a folder path (for "partly existing" trees). */
  createFolderPath(path: string): string;
  /**
   * The user deletes a folder in Outlook: it goes, with its subfolders and mail, under Deleted Items
   * (and keeps its id). Returns the folder's id.
   */
  deleteFolderPath(path: string): string;
  /** Folders (not well-known) named `name`, anywhere. */
  foldersNamed(name: string): { id: string; parentFolderId: string }[];
  fault(spec: FaultSpec): void;
  clearFaults(): void;
  /** serviceMs: summed time top-level requests spent here, arrival to answer (RTT and execution included). */
  counters: {
    http: number;
    sub: number;
    byKind: Record<string, number>;
    maxConcurrent: number;
    throttledByConcurrency: number;
    throttledByRate: number;
    serviceMs: number;
  };
  log: LogEntry[];
  resetCounters(): void;
  /** Current mutable id of a message, by any id it has had or its immutable id. */
  currentIdOf(anyId: string): string | undefined;
  setToken(token: string): void;
  /** The mailbox's addresses (mail, user principal name), lower case. */
  addresses: string[];
  /** Answers one request against this mailbox as its owner's /me would: for another stand-in's /users/{address}. */
  handle(method: string, url: string, headers: Record<string, string | undefined>, body: unknown, sub: boolean): Promise<SubResult>;
}

export interface SubResult {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** A body that is not JSON (an attachment's /$value); inside a $batch it is sent base64-encoded. */
  raw?: Buffer;
}

const WELL_KNOWN = ['msgfolderroot', 'inbox', 'sentitems', 'drafts', 'deleteditems'];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function recipient(x: string | { name?: string; address: string }): Recipient {
  return typeof x === 'string' ? { emailAddress: { name: x, address: x } } : { emailAddress: { name: x.name ?? x.address, address: x.address } };
}

function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): SubResult {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } },
  };
}

export async function startGraphStandin(options: StandinOptions = {}): Promise<GraphStandin> {
  let token = options.token ?? 'test-token';
  const rtt = options.rttMs ?? 0;
  const opMs = options.opMs ?? 1;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const limit = options.concurrencyLimit ?? 4;
  const folderExistsStatus = options.folderExistsStatus ?? 409;
  const rng = mulberry32(options.seed ?? 42);
  const user = options.user ?? {
    mail: 'agent@example.co.uk',
    userPrincipalName: 'agent@example.co.uk',
    proxyAddresses: ['SMTP:agent@example.co.uk', 'smtp:a.gent@example.co.uk'],
  };

  let seq = 0;
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_';
  const realIds = options.ids === 'real';
  const newId = (prefix: string) => {
    const n = ++seq;
    if (!realIds) return `${prefix}${n.toString(36).padStart(6, '0')}${Math.floor(rng() * 1e9).toString(36)}`;
    // Exchange-shaped: a fixed prefix, a body in base64 characters with + / - _ always present, '=' padding.
    let body = '';
    for (let i = 0; i < 40; i++) body += B64[Math.floor(rng() * B64.length)];
    return `${prefix}${n.toString(36)}+${body.slice(0, 20)}/${body.slice(20)}-_${'='.repeat(1 + (n % 2))}`;
  };
  const batchPreferIgnored = options.batchPrefer === 'ignored';
  const skipPaging = options.paging === 'skip';
  const rateLimit = options.rateLimit;
  const recent: number[] = []; // start times of requests in the rate window

  const folders = new Map<string, Folder>();
  const messages = new Map<string, StoredMessage>(); // by immutable id
  const byAnyId = new Map<string, string>(); // any id it has had → immutable id (old ids answer 404: see move)
  let changeSeq = 0;
  /** Each message that left a folder, and when (delta queries answer it as @removed). */
  const departures: { folderId: string; immutableId: string; id: string; at: number }[] = [];
  const addFolder = (displayName: string, parentFolderId: string, wellKnown?: string): Folder => {
    const f: Folder = { id: newId('AAMkAGFo'), displayName, parentFolderId, wellKnown };
    folders.set(f.id, f);
    return f;
  };
  const root = addFolder('Top of Information Store', '', 'msgfolderroot');
  addFolder('Inbox', root.id, 'inbox');
  addFolder('Sent Items', root.id, 'sentitems');
  addFolder('Drafts', root.id, 'drafts');
  addFolder('Deleted Items', root.id, 'deleteditems');

  const resolveFolder = (idOrName: string): Folder | undefined => {
    const lower = idOrName.toLowerCase();
    if (WELL_KNOWN.includes(lower)) return [...folders.values()].find((f) => f.wellKnown === lower);
    return folders.get(idOrName);
  };
  const childrenOf = (parentId: string) => [...folders.values()].filter((f) => f.parentFolderId === parentId);
  const folderByPath = (path: string): Folder | undefined => {
    const parts = path.split('/').filter(Boolean);
    let current: Folder | undefined = resolveFolder(parts[0]) ?? childrenOf(root.id).find((f) => f.displayName.toLowerCase() === parts[0].toLowerCase());
    for (const p of parts.slice(1)) {
      if (!current) return undefined;
      current = childrenOf(current.id).find((f) => f.displayName.toLowerCase() === p.toLowerCase());
    }
    return current;
  };

  const faults: (FaultSpec & { left?: number })[] = [];
  const counters = { http: 0, sub: 0, byKind: {} as Record<string, number>, maxConcurrent: 0, throttledByConcurrency: 0, throttledByRate: 0, serviceMs: 0 };
  const log: LogEntry[] = [];
  let executing = 0;
  let baseUrl = '';

  const kindOf = (r: RequestInfo) => {
    const p = r.path.replace(/\/mailFolders\/[^/]+/, '/mailFolders/{id}').replace(/\/messages\/[^/]+/, '/messages/{id}');
    return `${r.sub ? 'sub ' : ''}${r.method} ${p}`;
  };
  const count = (r: RequestInfo) => {
    const k = kindOf(r);
    counters.byKind[k] = (counters.byKind[k] ?? 0) + 1;
    if (r.sub) counters.sub++;
    else counters.http++;
  };

  const pickFault = (r: RequestInfo): FaultSpec | undefined => {
    for (let i = 0; i < faults.length; i++) {
      const f = faults[i];
      if (f.match && !f.match(r)) continue;
      if (f.kind === 'drop') continue; // drops: pickDropFault
      if (f.left !== undefined) {
        if (f.left <= 0) continue;
        f.left--;
        return f;
      }
      if (f.probability !== undefined && rng() < f.probability) return f;
    }
    return undefined;
  };

  const messageJson = (m: StoredMessage, immutable: boolean, select?: string[]) => {
    const full: Record<string, unknown> = {
      id: immutable ? m.immutableId : m.id,
      parentFolderId: m.folderId,
      ...m.data,
    };
    if (!select) return full;
    const out: Record<string, unknown> = { id: full.id };
    for (const s of select) if (s in full) out[s] = full[s];
    return out;
  };

  const wantsImmutable = (headers: Record<string, string | undefined>) => /IdType\s*=\s*"?ImmutableId"?/i.test(headers['prefer'] ?? '');

  const ownAddresses = [user.mail, user.userPrincipalName ?? ''].filter(Boolean).map((a) => a.toLowerCase());
  /** /users/{address}/…: this mailbox itself, a shared one (if permitted), or nobody; undefined when the path is not /users/. */
  const viaUsers = async (method: string, url: URL, headers: Record<string, string | undefined>, body: unknown, sub: boolean) => {
    const m = /^\/(?:v1\.0\/)?users\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!m) return undefined;
    const who = decodeURIComponent(m[1]).toLowerCase();
    const rest = `${m[2] ?? ''}${url.search}`;
    if (ownAddresses.includes(who) || who === 'user-1') return execute(method, `/me${rest}`, headers, body, sub);
    const grant = options.shared?.find((g) => g.mailbox.addresses.includes(who));
    if (!grant) return graphError(404, 'ErrorInvalidUser', `The requested user '${who}' is invalid.`);
    const denied = options.sharedScope === false || grant.access === 'none' || (grant.access === 'read' && method !== 'GET');
    if (denied) return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    const r = await grant.mailbox.handle(method, `/me${rest}`, headers, body, sub);
    // Its links name its own /me: here they are this /users/{address}.
    const own = `${grant.mailbox.url}/me`;
    return r.body === undefined ? r : { ...r, body: JSON.parse(JSON.stringify(r.body).split(own).join(`${baseUrl}/users/${m[1]}`)) };
  };

  /** Answers one request (top level or sub-request) against the mailbox state. */
  const execute = async (method: string, rawUrl: string, headers: Record<string, string | undefined>, body: unknown, sub: boolean): Promise<SubResult> => {
    const url = new URL(rawUrl, 'http://x/');
    const shared = await viaUsers(method, url, headers, body, sub);
    if (shared) return shared;
    const path = url.pathname.replace(/^\/v1\.0/, '');
    const info: RequestInfo = { method, path, sub };
    if (sub) count(info);
    const fault = pickFault(info);
    if (fault?.kind === 'throttle')
      return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        'Retry-After': String(fault.retryAfter ?? retryAfterSeconds),
      });
    if (fault?.kind === '503') return graphError(503, 'ServiceUnavailable', 'Service Unavailable');
    if (fault?.kind === '504') return graphError(504, 'GatewayTimeout', 'Gateway Timeout');
    if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 100);
    if (options.beforeRequest) await options.beforeRequest({ ...info, query: url.searchParams });

    if (rateLimit) {
      const t = Date.now();
      while (recent.length > 0 && recent[0] <= t - rateLimit.windowMs) recent.shift();
      if (recent.length >= rateLimit.requests) {
        counters.throttledByRate++;
        const wait = Math.max(1, Math.ceil((recent[0] + rateLimit.windowMs - t) / 1000));
        return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': String(wait) });
      }
      recent.push(t);
    }

    if (executing >= limit) {
      counters.throttledByConcurrency++;
      return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'Retry-After': String(retryAfterSeconds) });
    }
    executing++;
    counters.maxConcurrent = Math.max(counters.maxConcurrent, executing);
    try {
      // opMs 0: still asynchronous (so overlapping requests are seen), but no timer under load.
      if (opMs > 0) await sleep(opMs);
      else await new Promise<void>((r) => setImmediate(r));
      return route(method, path, url.searchParams, headers, body);
    } finally {
      executing--;
    }
  };

  const page = <T>(items: T[], params: URLSearchParams, path: string, defaultTop: number, bySkip = false) => {
    const top = Math.min(Math.max(1, Number(params.get('$top') ?? defaultTop) || defaultTop), 1000);
    const key = bySkip ? '$skip' : '$skiptoken';
    const skip = Number(params.get(key) ?? 0) || 0;
    const slice = items.slice(skip, skip + top);
    const result: Record<string, unknown> = { value: slice };
    if (skip + top < items.length) {
      const next = new URLSearchParams(params);
      next.set(key, String(skip + top));
      next.set('$top', String(top));
      result['@odata.nextLink'] = `${baseUrl}${path}?${next.toString()}`;
    }
    return result;
  };

  const folderJson = (f: Folder) => ({
    id: f.id,
    displayName: f.displayName,
    parentFolderId: f.parentFolderId,
    childFolderCount: childrenOf(f.id).length,
    unreadItemCount: 0,
    totalItemCount: [...messages.values()].filter((m) => m.folderId === f.id).length,
    isHidden: false,
  });

  const filterByName = (list: Folder[], params: URLSearchParams): Folder[] | SubResult => {
    const filter = params.get('$filter');
    if (!filter) return list;
    const m = /^\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
    if (!m) return graphError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
    const name = m[1].replace(/''/g, "'");
    return list.filter((f) => f.displayName.toLowerCase() === name.toLowerCase());
  };

  /** A delta round: what entered the folder in (since, upto], and what left it; tokens are base64url JSON. */
  const encodeToken = (t: object) => Buffer.from(JSON.stringify(t)).toString('base64url');
  const decodeToken = (text: string | null): { f: string; since: number; upto?: number; offset?: number } | undefined => {
    if (text === null) return undefined;
    try {
      const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { f: string; since: number; upto?: number; offset?: number };
      return typeof t.f === 'string' && Number.isInteger(t.since) ? t : undefined;
    } catch {
      return undefined;
    }
  };
  const delta = (folderRef: string, path: string, params: URLSearchParams, headers: Record<string, string | undefined>): SubResult => {
    const f = resolveFolder(folderRef);
    if (!f) return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (params.has('$top')) return graphError(400, 'ErrorInvalidUrlQuery', 'The query parameter $top is not supported with delta.');
    const deltaToken = params.get('$deltatoken');
    const skipToken = params.get('$skiptoken');
    if (deltaToken !== null && options.deltaExpired) return graphError(410, 'SyncStateNotFound', 'The sync state was not found or has expired.');
    const given = decodeToken(deltaToken ?? skipToken);
    if ((deltaToken !== null || skipToken !== null) && (!given || given.f !== f.id))
      return graphError(400, 'ErrorInvalidSyncStateData', 'The sync state data is invalid.');
    const since = given?.since ?? 0;
    const upto = given?.upto ?? changeSeq;
    const offset = given?.offset ?? 0;
    const immutable = wantsImmutable(headers);
    const select = params
      .get('$select')
      ?.split(',')
      .map((x) => x.trim());
    const present = [...messages.values()]
      .filter((x) => x.folderId === f.id && x.enteredAt > since && x.enteredAt <= upto)
      .sort((a, b) => a.enteredAt - b.enteredAt)
      .map((x) => messageJson(x, immutable, select));
    // A first round reports nothing as removed: there was nothing before it.
    const removed = given
      ? departures
          .filter((d) => d.folderId === f.id && d.at > since && d.at <= upto && messages.get(d.immutableId)?.folderId !== f.id)
          .map((d) => ({ id: immutable ? d.immutableId : d.id, '@removed': { reason: 'deleted' } }))
      : [];
    const items = [...present, ...removed];
    const size = Math.max(1, Number(/odata\.maxpagesize\s*=\s*(\d+)/i.exec(headers['prefer'] ?? '')?.[1] ?? 10));
    const body: Record<string, unknown> = { value: items.slice(offset, offset + size) };
    const link = (key: string, token: object) => `${baseUrl}${path}?${key}=${encodeToken(token)}`;
    if (offset + size < items.length) body['@odata.nextLink'] = link('$skiptoken', { f: f.id, since, upto, offset: offset + size });
    else body['@odata.deltaLink'] = link('$deltatoken', { f: f.id, since: upto });
    return { status: 200, headers: { 'Content-Type': 'application/json', ...(immutable ? { 'Preference-Applied': 'IdType="ImmutableId"' } : {}) }, body };
  };

  const route = (method: string, path: string, params: URLSearchParams, headers: Record<string, string | undefined>, body: unknown): SubResult => {
    const json = (status: number, b: unknown, h: Record<string, string> = {}): SubResult => ({
      status,
      headers: { 'Content-Type': 'application/json', ...h },
      body: b,
    });
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/me') {
      const full: Record<string, unknown> = { id: 'user-1', displayName: 'Test Agent', ...user };
      const select = params.get('$select')?.split(',');
      if (!select) return json(200, full);
      return json(200, Object.fromEntries(select.filter((s) => s in full).map((s) => [s, full[s]])));
    }
    // Folders: /me/mailFolders (children of msgfolderroot) or /me/mailFolders/{id}/childFolders.
    if ((m = /^\/me\/mailFolders(?:\/([^/]+)\/childFolders)?$/.exec(path))) {
      const parent = m[1] ? resolveFolder(decodeURIComponent(m[1])) : root;
      if (!parent) return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (method === 'GET') {
        const list = filterByName(childrenOf(parent.id), params);
        if (!Array.isArray(list)) return list;
        return json(200, page(list.map(folderJson), params, path, 10));
      }
      if (method === 'POST') {
        const name = (body as { displayName?: unknown } | undefined)?.displayName;
        if (typeof name !== 'string' || !name) return graphError(400, 'ErrorInvalidRequest', 'displayName is required.');
        if (childrenOf(parent.id).some((f) => f.displayName.toLowerCase() === name.toLowerCase())) {
          return graphError(folderExistsStatus, 'ErrorFolderExists', 'A folder with the specified name already exists.');
        }
        return json(201, folderJson(addFolder(name, parent.id)));
      }
    }
    if (method === 'GET' && (m = /^\/me\/mailFolders\/([^/]+)$/.exec(path))) {
      const f = resolveFolder(decodeURIComponent(m[1]));
      return f ? json(200, folderJson(f)) : graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    if (method === 'GET' && (m = /^\/me\/mailFolders\/([^/]+)\/messages\/delta$/.exec(path))) {
      return delta(decodeURIComponent(m[1]), path, params, headers);
    }
    if (method === 'GET' && (m = /^\/me\/mailFolders\/([^/]+)\/messages$/.exec(path))) {
      const f = resolveFolder(decodeURIComponent(m[1]));
      if (!f) return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const select = params
        .get('$select')
        ?.split(',')
        .map((s) => s.trim());
      const immutable = wantsImmutable(headers);
      const inFolder = [...messages.values()].filter((x) => x.folderId === f.id);
      // $skip paging: newest first (stable on ties), offsets into the folder as it is at each request.
      if (skipPaging) inFolder.sort((a, b) => b.data.receivedDateTime.localeCompare(a.data.receivedDateTime) || (a.order < b.order ? -1 : 1));
      const list = inFolder.map((x) => messageJson(x, immutable, select));
      return json(200, page(list, params, path, 10, skipPaging), immutable ? { 'Preference-Applied': 'IdType="ImmutableId"' } : {});
    }
    // "Get message" (graph/api/message-get): by its current or immutable id, $select honoured; a stale mutable id is not found.
    if (method === 'GET' && (m = /^\/me\/messages\/([^/]+)$/.exec(path))) {
      const given = decodeURIComponent(m[1]);
      const key = byAnyId.get(given);
      const msg = key ? messages.get(key) : undefined;
      if (!msg || (given !== msg.immutableId && given !== msg.id))
        return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const select = params
        .get('$select')
        ?.split(',')
        .map((s) => s.trim());
      const immutable = wantsImmutable(headers);
      return json(200, messageJson(msg, immutable, select), immutable ? { 'Preference-Applied': 'IdType="ImmutableId"' } : {});
    }
    if (method === 'POST' && (m = /^\/me\/messages\/([^/]+)\/move$/.exec(path))) {
      const given = decodeURIComponent(m[1]);
      const key = byAnyId.get(given);
      const msg = key ? messages.get(key) : undefined;
      // A stale mutable id (the message has moved since) is not found, as in Exchange.
      if (!msg || (given !== msg.immutableId && given !== msg.id))
        return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      const dest = resolveFolder(String((body as { destinationId?: unknown } | undefined)?.destinationId ?? ''));
      if (!dest) return graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
      if (dest.id !== msg.folderId) {
        departures.push({ folderId: msg.folderId, immutableId: msg.immutableId, id: msg.id, at: ++changeSeq });
        msg.enteredAt = changeSeq;
      }
      msg.folderId = dest.id;
      msg.id = newId('AAMkAGI2');
      byAnyId.set(msg.id, msg.immutableId);
      const immutable = wantsImmutable(headers);
      return json(201, messageJson(msg, immutable), immutable ? { 'Preference-Applied': 'IdType="ImmutableId"' } : {});
    }
    const content = contentRoute(method, path, params, headers);
    if (content) return content;
    return graphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`);
  };

  /**
   * A message's content: GET /me/messages/{id} with $select (body, hasAttachments — "Get message"),
   * GET /me/messages/{id}/attachments with $select ("List attachments": fileAttachment resources,
   * contentBytes base64 unless left out of $select) and GET …/attachments/{id}/$value, the raw bytes
   * ("Get attachment", "Get the raw contents of a file attachment").
   */
  const contentRoute = (method: string, path: string, params: URLSearchParams, headers: Record<string, string | undefined>): SubResult | undefined => {
    const m = /^\/me\/messages\/([^/]+)(\/attachments(?:\/([^/]+)(\/\$value)?)?)?$/.exec(path);
    if (method !== 'GET' || !m) return undefined;
    const key = byAnyId.get(decodeURIComponent(m[1]));
    const msg = key ? messages.get(key) : undefined;
    const notFound = graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (!msg) return notFound;
    const select = params
      .get('$select')
      ?.split(',')
      .map((x) => x.trim());
    const json = (b: unknown): SubResult => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: b });
    if (!m[2]) return json(messageJson(msg, wantsImmutable(headers), select));
    const attachmentJson = (a: StoredMessage['attachments'][number]) => {
      const full: Record<string, unknown> = {
        '@odata.type': '#microsoft.graph.fileAttachment',
        id: a.id,
        name: a.name,
        contentType: a.contentType,
        size: a.bytes.length,
        isInline: a.isInline,
        contentId: a.contentId,
        contentBytes: a.bytes.toString('base64'),
      };
      return select ? Object.fromEntries(Object.entries(full).filter(([k]) => k === 'id' || k === '@odata.type' || select.includes(k))) : full;
    };
    if (!m[3]) return json({ value: msg.attachments.map(attachmentJson) });
    const a = msg.attachments.find((x) => x.id === decodeURIComponent(m[3]));
    if (!a) return notFound;
    if (!m[4]) return json(attachmentJson(a));
    return { status: 200, headers: { 'Content-Type': a.contentType || 'application/octet-stream' }, raw: a.bytes };
  };

  const runBatch = async (body: unknown): Promise<SubResult> => {
    const requests = (body as { requests?: unknown })?.requests;
    if (!Array.isArray(requests) || requests.length === 0) return graphError(400, 'BadRequest', 'Invalid batch payload format.');
    if (requests.length > 20) return graphError(400, 'BadRequest', 'Unable to deserialize content. Maximum number of requests in a batch is 20.');
    type Sub = { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] };
    const subs = requests as Sub[];
    const ids = new Set(subs.map((s) => String(s.id)));
    if (ids.size !== subs.length) return graphError(400, 'BadRequest', 'Batch request contains duplicate ids.');
    const results = new Map<string, SubResult>();
    const lowerHeaders = (h?: Record<string, string>) => Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const runOne = async (s: Sub) => {
      const failedDep = (s.dependsOn ?? []).find((d) => (results.get(d)?.status ?? 0) >= 400);
      if (failedDep) {
        results.set(s.id, graphError(424, 'FailedDependency', `Dependent request '${failedDep}' failed.`));
        return;
      }
      const method = String(s.method).toUpperCase();
      const url = s.url.startsWith('/') ? s.url : `/${s.url}`;
      const subHeaders = lowerHeaders(s.headers);
      if (batchPreferIgnored) delete subHeaders['prefer'];
      const r = await execute(method, url, subHeaders, s.body, true);
      results.set(s.id, r);
      log.push({ method, path: new URL(url, 'http://x/').pathname, sub: true, status: r.status });
    };
    if (subs.some((s) => s.dependsOn && s.dependsOn.length > 0)) {
      // Sequenced batch: executed in order, one at a time.
      for (const s of subs) await runOne(s);
    } else {
      // Parallel batch: Graph forwards at most 4 at a time to Outlook.
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(4, subs.length) }, async () => {
          while (next < subs.length) await runOne(subs[next++]);
        }),
      );
    }
    // Responses may come in any order: shuffle so that clients correlate by id.
    // A sub-response that is not JSON carries its body base64-encoded ("JSON batching").
    const responses = subs.map((s) => {
      const { raw, ...r } = results.get(s.id)!;
      return { id: s.id, ...r, ...(raw ? { body: raw.toString('base64') } : {}) };
    });
    for (let i = responses.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [responses[i], responses[j]] = [responses[j], responses[i]];
    }
    return { status: 200, headers: { 'Content-Type': 'application/json' }, body: { responses } };
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const send = (res: ServerResponse, r: SubResult) => {
    const requestId = randomUUID();
    res.writeHead(r.status, { 'request-id': requestId, 'client-request-id': requestId, ...r.headers });
    res.end(r.raw ?? (r.body === undefined ? undefined : JSON.stringify(r.body)));
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x/');
    const path = url.pathname.replace(/^\/v1\.0/, '');
    const info: RequestInfo = { method: req.method ?? 'GET', path, sub: false };
    count(info);
    const arrived = performance.now();
    let status = 0;
    try {
      const text = await readBody(req);
      if (rtt > 0) await sleep(rtt);
      if (!url.pathname.startsWith('/v1.0/')) {
        status = 404;
        return send(res, graphError(404, 'BadRequest', 'Invalid version.'));
      }
      const auth = req.headers.authorization ?? '';
      const accepted = options.acceptToken ? auth.startsWith('Bearer ') && options.acceptToken(auth.slice(7)) : auth === `Bearer ${token}`;
      if (!accepted) {
        status = 401;
        return send(res, graphError(401, 'InvalidAuthenticationToken', auth ? 'Access token has expired or is not yet valid.' : 'Access token is empty.'));
      }
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        status = 400;
        return send(res, graphError(400, 'BadRequest', 'Unable to read JSON request payload.'));
      }
      if (path === '/$batch' && req.method === 'POST') {
        if (pickDropFault(info)) {
          status = -1;
          req.socket.destroy();
          return;
        }
        const fault = pickFault(info);
        if (fault?.kind === 'throttle') {
          status = 429;
          return send(res, graphError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': String(fault.retryAfter ?? retryAfterSeconds) }));
        }
        if (fault?.kind === '503' || fault?.kind === '504') {
          status = Number(fault.kind);
          return send(res, graphError(status, fault.kind === '503' ? 'ServiceUnavailable' : 'GatewayTimeout', 'Service Unavailable'));
        }
        if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 100);
        const r = await runBatch(body);
        status = r.status;
        return send(res, r);
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      if (pickDropFault(info)) {
        status = -1;
        req.socket.destroy();
        return;
      }
      const r = await execute(info.method, `${path}${url.search}`, headers, body, false);
      status = r.status;
      send(res, r);
    } catch (e) {
      status = 500;
      send(res, graphError(500, 'InternalServerError', e instanceof Error ? e.message : String(e)));
    } finally {
      counters.serviceMs += performance.now() - arrived;
      log.push({ ...info, status });
    }
  });

  // Drop faults on non-batch requests are taken before execute() so they never touch state.
  const pickDropFault = (r: RequestInfo): boolean => {
    const i = faults.findIndex((f) => f.kind === 'drop' && (!f.match || f.match(r)) && (f.left === undefined || f.left > 0));
    if (i < 0) return false;
    const f = faults[i];
    if (f.left !== undefined) {
      f.left--;
      return true;
    }
    return f.probability !== undefined && rng() < f.probability;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}/v1.0`;

  return {
    url: baseUrl,
    get token() {
      return token;
    },
    setToken(t: string) {
      token = t;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    addMessage(folderPath, s) {
      const folder = folderByPath(folderPath);
      if (!folder) throw new Error(`No folder ${folderPath}`);
      const immutableId = newId('AAkALgAA');
      const stored: StoredMessage = {
        id: newId('AAMkAGI2'),
        order: messages.size,
        enteredAt: ++changeSeq,
        immutableId,
        folderId: folder.id,
        data: {
          from: recipient(s.from),
          toRecipients: (s.to ?? []).map(recipient),
          ccRecipients: (s.cc ?? []).map(recipient),
          subject: s.subject ?? '',
          internetMessageId: s.internetMessageId ?? `<${randomUUID()}@example.net>`,
          receivedDateTime: s.receivedDateTime ?? new Date().toISOString(),
          sentDateTime: s.sentDateTime ?? s.receivedDateTime ?? new Date().toISOString(),
          bodyPreview: s.bodyPreview ?? '',
          isDraft: s.isDraft ?? false,
          body: s.body ?? { contentType: 'text', content: '' },
          hasAttachments: (s.attachments ?? []).length > 0,
        },
        attachments: (s.attachments ?? []).map((a) => ({
          id: newId('AAMkAtt'),
          name: a.name,
          contentType: a.contentType,
          bytes: typeof a.content === 'string' ? Buffer.from(a.content) : a.content,
          isInline: a.isInline ?? false,
          contentId: a.contentId ?? null,
        })),
      };
      messages.set(immutableId, stored);
      byAnyId.set(immutableId, immutableId);
      byAnyId.set(stored.id, immutableId);
      return stored.id;
    },
    messagesIn(path) {
      const f = folderByPath(path);
      if (!f) return [];
      return [...messages.values()]
        .filter((m) => m.folderId === f.id)
        .map((m) => ({ id: m.id, immutableId: m.immutableId, subject: m.data.subject, internetMessageId: m.data.internetMessageId }));
    },
    folderId: (path) => folderByPath(path)?.id,
    moveMessage(anyId, toPath) {
      const key = byAnyId.get(anyId);
      const msg = key ? messages.get(key) : undefined;
      const dest = folderByPath(toPath);
      if (!msg || !dest) throw new Error(`No message ${anyId} or folder ${toPath}`);
      if (dest.id === msg.folderId) return;
      departures.push({ folderId: msg.folderId, immutableId: msg.immutableId, id: msg.id, at: ++changeSeq });
      msg.enteredAt = changeSeq;
      msg.folderId = dest.id;
      msg.id = newId('AAMkAGI2');
      byAnyId.set(msg.id, msg.immutableId);
    },
    createFolderPath(path) {
      let parent = root;
      for (const p of path.split('/').filter(Boolean)) {
        parent = childrenOf(parent.id).find((f) => f.displayName === p) ?? addFolder(p, parent.id);
      }
      return parent.id;
    },
    deleteFolderPath(path) {
      const f = folderByPath(path);
      if (!f) throw new Error(`No folder ${path}`);
      f.parentFolderId = resolveFolder('deleteditems')!.id;
      return f.id;
    },
    foldersNamed: (name) =>
      [...folders.values()].filter((f) => f.displayName === name && !f.wellKnown).map((f) => ({ id: f.id, parentFolderId: f.parentFolderId })),
    fault(spec) {
      faults.push({ ...spec, left: spec.times ?? (spec.probability === undefined ? 1 : undefined) });
    },
    clearFaults() {
      faults.length = 0;
    },
    counters,
    log,
    resetCounters() {
      counters.http = 0;
      counters.sub = 0;
      counters.byKind = {};
      counters.maxConcurrent = 0;
      counters.throttledByConcurrency = 0;
      counters.throttledByRate = 0;
      counters.serviceMs = 0;
      log.length = 0;
    },
    currentIdOf(anyId) {
      const key = byAnyId.get(anyId);
      return key ? messages.get(key)?.id : undefined;
    },
    addresses: ownAddresses,
    handle(method, url, headers, body, sub) {
      if (!sub) count({ method, path: new URL(url, 'http://x/').pathname, sub });
      return execute(method, url, headers, body, sub);
    },
  };
}
