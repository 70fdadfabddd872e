/**
 * HTTP answers as causes, for each service Rezi talks to, and the one Retry-After reader. Pure: the
 * callers (the Graph mailbox and its move batches, the pane's adapter client, the adapter's Rezi API
 * client) do the I/O and bring the status, the provider's code and the header here.
 */
import { type CauseCode, isCauseCode } from './causes';

/**
 * Who answered. `graph-mail` is a Graph request about one mail (a move inside a $batch), where 404
 * means that mail is gone; `graph` is any other Graph request (folders, listings, the batch itself).
 */
export type HttpService = 'graph' | 'graph-mail' | 'adapter' | 'rezi-api';

/** What an error answer says besides its status. */
export interface HttpHint {
  /** The provider's own error code (the adapter's `code`, Graph's `error.code`). */
  code?: string;
  /** A cause the answer names itself: the adapter's own answers carry one, and it wins. */
  cause?: unknown;
}

type Column = Readonly<Record<HttpService, CauseCode>>;

const unreachable: Column = {
  graph: 'server-unreachable',
  'graph-mail': 'server-unreachable',
  adapter: 'server-unreachable',
  'rezi-api': 'server-unreachable',
};
const throttled: Column = { graph: 'throttled', 'graph-mail': 'throttled', adapter: 'throttled', 'rezi-api': 'throttled' };

/**
 * One row per status (or status and provider code), one column per service. Where the columns differ:
 * - 401/403 from the Rezi API are the adapter's API key, set up by IT, never the user's sign-in.
 * - 403 from Graph is the permission (consent) the user or their administrator has not granted;
 *   from the adapter with `unknown-user`, the token is fine but no Rezi user has this account.
 * - 404 about one mail: the mail was moved or deleted meanwhile.
 * - 502 and any other status: the Rezi API read as unavailable, Graph and the adapter as unexpected.
 */
const BY_STATUS: Readonly<Record<string, Column>> = {
  // No answer at all (a dropped connection, a batch sub-response missing).
  '0': unreachable,
  '401': { graph: 'authorisation-expired', 'graph-mail': 'authorisation-expired', adapter: 'authorisation-expired', 'rezi-api': 'not-configured' },
  '403': { graph: 'consent-missing', 'graph-mail': 'consent-missing', adapter: 'consent-missing', 'rezi-api': 'not-configured' },
  '403 unknown-user': { graph: 'consent-missing', 'graph-mail': 'consent-missing', adapter: 'not-configured', 'rezi-api': 'not-configured' },
  '404': { graph: 'unknown', 'graph-mail': 'message-gone', adapter: 'unknown', 'rezi-api': 'server-unreachable' },
  '429': throttled,
  '502': { graph: 'unknown', 'graph-mail': 'unknown', adapter: 'server-unreachable', 'rezi-api': 'server-unreachable' },
  '503': unreachable,
  '504': unreachable,
  other: { graph: 'unknown', 'graph-mail': 'unknown', adapter: 'unknown', 'rezi-api': 'server-unreachable' },
};

/** The cause of an error answer from `service`. */
export function causeOfStatus(service: HttpService, status: number, hint: HttpHint = {}): CauseCode {
  if (isCauseCode(hint.cause)) return hint.cause;
  const key = status > 0 ? String(status) : '0';
  const row = (hint.code !== undefined ? BY_STATUS[`${key} ${hint.code}`] : undefined) ?? BY_STATUS[key] ?? BY_STATUS.other;
  return row[service];
}

/** Answers worth sending again after a wait: throttled (429), unavailable (503, 504), or no answer at all. */
export function isRetryable(status: number): boolean {
  return status === 429 || status === 503 || status === 504 || status <= 0;
}

/**
 * The longest Retry-After honoured: a day. A longer one is a broken header, and waiting on it would
 * overflow setTimeout (past about 24.8 days it fires at once).
 */
export const RETRY_AFTER_MAX_SECONDS = 86_400;

/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds: delta-seconds, each `unitMs` long (1000; tests
 * shrink it), or an HTTP-date from `now`; capped at RETRY_AFTER_MAX_SECONDS. Undefined when absent or
 * unreadable.
 */
export function retryAfterMs(value: string | null | undefined, unitMs = 1000, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Math.min(Number(trimmed), RETRY_AFTER_MAX_SECONDS) * unitMs);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), RETRY_AFTER_MAX_SECONDS * 1000);
}

/** The slowest upload a request body is given time for: 256 KB a second (about 2 Mbit/s, a weak mobile link). */
export const SLOWEST_UPLOAD_BYTES_PER_SECOND = 256 * 1024;

/**
 * The time a request is allowed on top of its usual timeout for sending its body: a mail with 25 MB
 * of attachments must not be cut off at the timeout meant for a small JSON request.
 */
export function uploadAllowanceMs(bodyBytes: number): number {
  return Math.ceil((bodyBytes * 1000) / SLOWEST_UPLOAD_BYTES_PER_SECOND);
}
