/**
 * Typed causes of failure. Every layer (Graph, IMAP, adapter, MSAL) maps its own errors to one of
 * these codes so that the status card and the troubleshooter can explain them in plain words.
 */
export const CAUSE_CODES = [
  'authorisation-expired',
  'password-changed',
  'consent-missing',
  'session-stale',
  'server-unreachable',
  'certificate-invalid',
  'throttled',
  'outage-suspected',
  'not-configured',
  'server-settings-changed',
  'no-matching-group',
  'invalid-message',
  'message-gone',
  'cancelled',
  'unknown',
] as const;

export type CauseCode = (typeof CAUSE_CODES)[number];

export interface CauseDetail {
  /** Provider error code as received (AADSTS50173, ErrorFolderExists, AUTHENTICATIONFAILED…). */
  providerCode?: string;
  /** How long the provider asked us to wait, when it said. */
  retryAfterMs?: number;
  /** Correlation/request id to quote to support. */
  requestId?: string;
  /** HTTP status, when there was one. */
  status?: number;
}

export class SyncError extends Error {
  readonly code: CauseCode;
  readonly detail: CauseDetail;
  constructor(code: CauseCode, message: string, detail: CauseDetail = {}) {
    super(message);
    this.name = 'SyncError';
    this.code = code;
    this.detail = detail;
  }
}

export function isSyncError(e: unknown): e is SyncError {
  return (
    e instanceof SyncError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'SyncError' && typeof (e as { code?: unknown }).code === 'string')
  );
}

/** Wraps anything thrown into a SyncError, keeping typed ones as they are. */
export function toSyncError(e: unknown): SyncError {
  if (isSyncError(e)) return e;
  if (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError') {
    return new SyncError('cancelled', 'The sync was cancelled.');
  }
  const message = e instanceof Error ? e.message : String(e);
  return new SyncError('unknown', message);
}

/** Causes about one mail, or the user's own cancel: everything else is about the connection. */
const ABOUT_ONE_MAIL: ReadonlySet<CauseCode> = new Set<CauseCode>(['no-matching-group', 'invalid-message', 'message-gone', 'cancelled']);
const CONNECTION_CAUSES: ReadonlySet<string> = new Set(CAUSE_CODES.filter((c) => !ABOUT_ONE_MAIL.has(c)));

/** A cause about the connection (sign-in, server, provider): what the troubleshooter diagnoses. */
export function isConnectionCause(code: string): code is CauseCode {
  return CONNECTION_CAUSES.has(code);
}

/** Causes that no retry within the same run will fix: stop starting new work and tell the user. */
export function stopsTheRun(code: CauseCode): boolean {
  return (
    code === 'authorisation-expired' ||
    code === 'password-changed' ||
    code === 'consent-missing' ||
    code === 'session-stale' ||
    code === 'server-unreachable' ||
    code === 'certificate-invalid' ||
    code === 'outage-suspected' ||
    code === 'not-configured' ||
    code === 'throttled' ||
    code === 'cancelled'
  );
}

/** Causes worth retrying later without the user doing anything. */
export function isTransient(code: CauseCode): boolean {
  return code === 'server-unreachable' || code === 'throttled' || code === 'outage-suspected' || code === 'unknown';
}
