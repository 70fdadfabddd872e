/**
 * The adapter's HTTP API (/api/v1, contract in core/api.ts) over fetch, for the task pane and the
 * ribbon command. Every failure becomes a SyncError with a core cause, the adapter's request id kept
 * in detail.requestId for support. Tokens go in the Authorization header only, never in messages.
 */
import { API_PREFIX, type ApiError, type ApiFileRequest, type ApiFileResponse, type ApiStatus, type ApiSyncReport } from '../core/api';
import { CAUSE_CODES, type CauseCode, SyncError } from '../core/causes';

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
  imapAuthenticate(credentials: { username: string; password: string }, opts?: RequestOptions): Promise<unknown>;
  imapForget(opts?: RequestOptions): Promise<unknown>;
  imapSync(opts?: RequestOptions): Promise<unknown>;
  supportCase(report: unknown, opts?: RequestOptions): Promise<{ reference: string; createdAt?: string }>;
  /** Generic call for endpoints not wrapped above. */
  call<T>(method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<T>;
}

const isCause = (c: unknown): c is CauseCode => typeof c === 'string' && (CAUSE_CODES as readonly string[]).includes(c);

/** HTTP status (+ the adapter's error body) → a core cause. */
export function causeOfHttp(status: number, body: Partial<ApiError> | undefined): CauseCode {
  if (isCause(body?.cause)) return body.cause;
  if (status === 401) return 'authorisation-expired';
  // The user's token is fine but the adapter does not know them (no Rezi user for this account).
  if (status === 403 && body?.code === 'unknown-user') return 'not-configured';
  if (status === 403) return 'consent-missing';
  if (status === 429) return 'throttled';
  if (status === 502 || status === 503 || status === 504) return 'server-unreachable';
  return 'unknown';
}

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
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

export function createAdapterClient(options: AdapterClientOptions): AdapterClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const token = await options.getToken();
    const timeout = AbortSignal.timeout(timeoutMs);
    const { signal, dispose } = opts.signal ? anySignal([opts.signal, timeout]) : { signal: timeout, dispose: () => undefined };
    try {
      return await send<T>(method, path, token, body, signal, opts, timeout);
    } finally {
      dispose();
    }
  }

  async function send<T>(
    method: string,
    path: string,
    token: string,
    body: unknown,
    signal: AbortSignal,
    opts: RequestOptions,
    timeout: AbortSignal,
  ): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${API_PREFIX}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
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

  return {
    call,
    file: (request, opts) => call<ApiFileResponse>('POST', '/mail/file', request, opts),
    report: async (report, opts) => {
      await call('POST', '/sync/report', report, opts);
    },
    status: (opts) => call<ApiStatus>('GET', '/status', undefined, opts),
    imapAuthenticate: (credentials, opts) => call('POST', '/imap/authenticate', credentials, opts),
    imapForget: (opts) => call('DELETE', '/imap/credentials', undefined, opts),
    imapSync: (opts) => call('POST', '/imap/sync', {}, opts),
    supportCase: (report, opts) => call('POST', '/support/cases', report, opts),
  };
}
