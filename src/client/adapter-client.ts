/**
 * The adapter's HTTP API (/api/v1) over fetch, for the task pane and the ribbon command. Each call is
 * typed from its entry in the contract's route table (core/contract/routes.ts): method, path, what it
 * takes and what it answers. Every failure becomes a SyncError with a core cause, the adapter's
 * request id kept in detail.requestId for support. Tokens go in the Authorization header only, never
 * in messages.
 */
import {
  API_PREFIX,
  type ApiError,
  type ApiFileRequest,
  type ApiFileResponse,
  type ApiStatus,
  type ApiSyncReport,
  type FileToGroupsBody,
  type FileToGroupsResult,
  type GraphAutomaticFilingOff,
  type GraphAutomaticFilingOn,
  type GroupSearchBody,
  type GroupSearchResult,
  type ImapConnected,
  type ImapCredentials,
  type ImapFailedList,
  type ImapFixBody,
  type ImapForgotten,
  type ImapSyncResult,
  type ImapSyncStarted,
  type ImapUnfileBody,
  type ImapView,
  type RouteInput,
  type RouteName,
  type RouteReply,
  routes,
  type SupportCaseCreated,
  type SupportReportBody,
  type UnfileBody,
  type UnfileResult,
} from '../core/api';
import { type CauseCode, SyncError } from '../core/causes';
import { causeOfStatus, retryAfterMs, uploadAllowanceMs } from '../core/http-status';

export interface AdapterClientOptions {
  /** The adapter's origin, e.g. https://rezi-sync.example.co.uk (no /api/v1). */
  baseUrl: string;
  /** An access token for the adapter's access_as_user scope. Throws SyncError when none can be had. */
  getToken: () => Promise<string>;
  fetch?: typeof fetch;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface AdapterClient {
  file(request: ApiFileRequest, opts?: RequestOptions): Promise<ApiFileResponse>;
  report(report: ApiSyncReport, opts?: RequestOptions): Promise<void>;
  status(opts?: RequestOptions): Promise<ApiStatus>;
  imapView(opts?: RequestOptions): Promise<ImapView>;
  imapAuthenticate(credentials: ImapCredentials, opts?: RequestOptions): Promise<ImapConnected>;
  imapForget(opts?: RequestOptions): Promise<ImapForgotten>;
  /** The run's report, or (202) that it started and still runs on the adapter. */
  imapSync(opts?: RequestOptions): Promise<ImapSyncResult | ImapSyncStarted>;
  supportCase(report: SupportReportBody, opts?: RequestOptions): Promise<SupportCaseCreated>;
  /** Fixing a Failed mail: the branch's group cards matching a name, address, postcode or contact name. */
  searchGroups(search: GroupSearchBody, opts?: RequestOptions): Promise<GroupSearchResult>;
  /** Files a Failed mail onto the chosen cards; the answer says where the mail moves (Sent or Received). */
  fileToGroups(request: FileToGroupsBody, opts?: RequestOptions): Promise<FileToGroupsResult>;
  /** Undoes the caller's filing of a mail; the answer says to move it back to the Inbox. */
  unfile(request: UnfileBody, opts?: RequestOptions): Promise<UnfileResult>;
  /** IMAP path: the newest mails in Failed as the server has them now, and the Queue and Failed counts. */
  imapFailed(opts?: RequestOptions): Promise<ImapFailedList>;
  /** IMAP path: files a Failed mail (by Message-ID) onto the chosen cards; the adapter moves it to Sent or Received. */
  imapFix(request: ImapFixBody, opts?: RequestOptions): Promise<FileToGroupsResult>;
  /** IMAP path: undoes the caller's filing of a mail; the adapter moves it back to INBOX. */
  imapUnfile(request: ImapUnfileBody, opts?: RequestOptions): Promise<UnfileResult>;
  /** Office 365 automatic filing: the caller's token is exchanged on their behalf; the answer says how often Queue is checked. */
  graphAutomaticFilingOn(opts?: RequestOptions): Promise<GraphAutomaticFilingOn>;
  /** Deletes the adapter's grant for automatic filing (also part of Stop Email Sync). */
  graphAutomaticFilingOff(opts?: RequestOptions): Promise<GraphAutomaticFilingOff>;
  /** Any route of the contract by its name in the route table (the admin's branch settings, …). */
  request<N extends RouteName>(name: N, input: RouteInput<N>, opts?: RequestOptions): Promise<RouteReply<N>>;
}

/** A route's path with its `:name` parameters filled in (encoded). */
function pathOf(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new SyncError('unknown', `The ${name} for ${template} is missing.`);
    return encodeURIComponent(value);
  });
}

/** HTTP status (+ the adapter's error body) → a core cause: the body's own cause, else the status's. */
export function causeOfHttp(status: number, body: Partial<ApiError> | undefined): CauseCode {
  return causeOfStatus('adapter', status, { cause: body?.cause, code: typeof body?.code === 'string' ? body.code : undefined });
}

/**
 * AbortSignal.any where available (older Safari-based hosts lack it). The fallback's listeners come
 * off in `dispose`: a run's signal outlives its many requests.
 */
function anySignal(signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  if (typeof AbortSignal.any === 'function') return { signal: AbortSignal.any(signals), dispose: () => undefined };
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const onAbort = () => controller.abort(s.reason);
    s.addEventListener('abort', onAbort, { once: true });
    listeners.push([s, onAbort]);
  }
  return { signal: controller.signal, dispose: () => listeners.forEach(([s, l]) => s.removeEventListener('abort', l)) };
}

type Request = AdapterClient['request'];

/** Fixing a Failed mail and undoing a filing (the pane's Fix and Undo), on either path. */
function fixMailCalls(request: Request): Pick<AdapterClient, 'searchGroups' | 'fileToGroups' | 'unfile' | 'imapFailed' | 'imapFix' | 'imapUnfile'> {
  return {
    searchGroups: (search, opts) => request('searchGroups', { body: search }, opts),
    fileToGroups: (body, opts) => request('fileToGroups', { body }, opts),
    unfile: (body, opts) => request('unfileMail', { body }, opts),
    imapFailed: (opts) => request('imapFailed', {}, opts),
    imapFix: (body, opts) => request('imapFix', { body }, opts),
    imapUnfile: (body, opts) => request('imapUnfile', { body }, opts),
  };
}

/** Office 365 automatic filing: the adapter's grant on the caller's behalf, made and deleted. */
function automaticFilingCalls(request: Request): Pick<AdapterClient, 'graphAutomaticFilingOn' | 'graphAutomaticFilingOff'> {
  return {
    graphAutomaticFilingOn: (opts) => request('graphAutomaticFilingOn', {}, opts),
    graphAutomaticFilingOff: (opts) => request('graphAutomaticFilingOff', {}, opts),
  };
}

/** A large body (a mail's content) gets time to go up, and for the adapter to pass it on to Rezi. */
const timeoutFor = (timeoutMs: number, json: string | undefined) => AbortSignal.timeout(timeoutMs + (json ? 2 * uploadAllowanceMs(json.length) : 0));

export function createAdapterClient(options: AdapterClientOptions): AdapterClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  async function call<T>(method: string, path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    const token = await options.getToken();
    const json = body !== undefined ? JSON.stringify(body) : undefined;
    const timeout = timeoutFor(options.timeoutMs ?? 30_000, json);
    const { signal, dispose } = opts.signal ? anySignal([opts.signal, timeout]) : { signal: timeout, dispose: () => undefined };
    try {
      return await send<T>(method, path, token, json, signal, opts, timeout);
    } finally {
      dispose();
    }
  }

  async function send<T>(
    method: string,
    path: string,
    token: string,
    body: string | undefined,
    signal: AbortSignal,
    opts: RequestOptions,
    timeout: AbortSignal,
  ): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${API_PREFIX}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body,
        signal,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
      const timedOut = timeout.aborted;
      throw new SyncError('server-unreachable', timedOut ? 'The Rezi adapter did not answer in time.' : 'The Rezi adapter could not be reached.', {});
    }
    const requestId = res.headers.get('x-request-id') ?? undefined;
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json && typeof json === 'object' ? json : {}) as Partial<ApiError>;
      const cause = causeOfHttp(res.status, err);
      const detail = {
        status: res.status,
        requestId: err.requestId ?? requestId,
        providerCode: typeof err.code === 'string' ? err.code : undefined,
        retryAfterMs: res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined,
      };
      const message = typeof err.message === 'string' && err.message ? err.message : `The Rezi adapter answered ${res.status}.`;
      throw new SyncError(cause, message, Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined)));
    }
    return json as T;
  }

  function request<N extends RouteName>(name: N, input: RouteInput<N>, opts?: RequestOptions): Promise<RouteReply<N>> {
    const spec = routes[name];
    const { body, params } = input as { body?: unknown; params?: Record<string, string> };
    // A POST or PUT always carries JSON (an empty object when the route takes none): the adapter refuses an empty JSON body.
    const payload = body ?? (spec.method === 'POST' || spec.method === 'PUT' ? {} : undefined);
    return call<RouteReply<N>>(spec.method, pathOf(spec.path, params), payload, opts);
  }

  return {
    request,
    file: (batch, opts) => request('fileMail', { body: batch }, opts),
    report: async (report, opts) => {
      await request('reportSync', { body: report }, opts);
    },
    status: (opts) => request('status', {}, opts),
    imapView: (opts) => request('imapView', {}, opts),
    imapAuthenticate: (credentials, opts) => request('imapAuthenticate', { body: credentials }, opts),
    imapForget: (opts) => request('imapForget', {}, opts),
    imapSync: (opts) => call<ImapSyncResult | ImapSyncStarted>('POST', routes.imapSync.path, {}, opts),
    supportCase: (report, opts) => request('supportCase', { body: report }, opts),
    ...fixMailCalls(request),
    ...automaticFilingCalls(request),
  };
}
