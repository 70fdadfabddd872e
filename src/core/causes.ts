/**
 * Typed causes of failure. Every layer (Graph, IMAP, adapter, MSAL) maps its own errors to one of
 * these codes, and CAUSES below says once what each one means: whether it stops the run, the account
 * state it leaves, whether it needs a sign-in, and which wins when several were found. The words for
 * each live in explain.ts, keyed by the same codes.
 */
import type { ConnectionState } from './status';

export const CAUSE_CODES = [
  'authorisation-expired',
  'not-signed-in',
  'password-changed',
  'consent-missing',
  'session-stale',
  'shared-mailbox-denied',
  'shared-mailbox-separate-account',
  'server-unreachable',
  'certificate-invalid',
  'throttled',
  'outage-suspected',
  'not-configured',
  'server-settings-changed',
  'no-matching-group',
  'invalid-message',
  'internal-mail',
  'never-file',
  'message-gone',
  'fixing-unsupported',
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

/** What a cause means, wherever it was met. One row per cause in CAUSES; everything else asks it. */
export interface CauseRule {
  /** No retry within the same run will fix it: the engine starts no new work and tells the user. */
  stopsTheRun: boolean;
  /** The account state it leaves on the status card; absent: the state stays as it was (per-mail and passing causes). */
  leaves?: Extract<ConnectionState, 'authorisation-failed' | 'disconnected'>;
  /** What it is about: the connection (sign-in, server, provider), which the troubleshooter diagnoses; one mail; or the user's own cancel. */
  about: 'connection' | 'mail' | 'user';
  /** Nobody is signed in afterwards: the pane offers Sign in rather than reporting an error. */
  needsSignIn: boolean;
  /** A sign-in window can put it right: an interactive token request opens one, and a reconnect that ends this way is remembered. */
  signInWindowHelps: boolean;
  /** A reconnect that failed the same way points at a stale cached sign-in instead (the support guide's next step). */
  staleIfReconnectFails: boolean;
  /** When the troubleshooter found several causes, the lowest wins (the support guide's order of likelihood); absent: never the one named. */
  precedence?: number;
  /** How a run that ended with it is shown: the user's own choice, a wait that passes by itself, or a fault. */
  severity: 'info' | 'warning' | 'error';
  /**
   * Whether it points at the provider rather than one person (what outage detection counts): always, only
   * when the provider's own code says its service failed (a 5xx-style code behind a throttle), or never.
   */
  providerSide: 'always' | 'if-service-code' | 'never';
}

const NO_SIGN_IN = { needsSignIn: false, signInWindowHelps: false, staleIfReconnectFails: false } as const;
const SIGN_IN = { needsSignIn: true, signInWindowHelps: true } as const;

export const CAUSES: Readonly<Record<CauseCode, CauseRule>> = {
  'outage-suspected': {
    stopsTheRun: true,
    leaves: 'disconnected',
    about: 'connection',
    ...NO_SIGN_IN,
    precedence: 10,
    severity: 'warning',
    providerSide: 'always',
  },
  'password-changed': {
    stopsTheRun: true,
    leaves: 'authorisation-failed',
    about: 'connection',
    ...SIGN_IN,
    staleIfReconnectFails: true,
    precedence: 20,
    severity: 'error',
    providerSide: 'never',
  },
  'consent-missing': {
    stopsTheRun: true,
    leaves: 'authorisation-failed',
    about: 'connection',
    ...SIGN_IN,
    staleIfReconnectFails: false,
    precedence: 30,
    severity: 'error',
    providerSide: 'never',
  },
  'authorisation-expired': {
    stopsTheRun: true,
    leaves: 'authorisation-failed',
    about: 'connection',
    ...SIGN_IN,
    staleIfReconnectFails: true,
    precedence: 40,
    severity: 'error',
    providerSide: 'never',
  },
  // Nothing has gone wrong: no session yet (Entra's AADSTS50058 before the first sign-in), so the account is simply not connected.
  'not-signed-in': {
    stopsTheRun: true,
    leaves: 'disconnected',
    about: 'connection',
    ...SIGN_IN,
    staleIfReconnectFails: true,
    precedence: 45,
    severity: 'error',
    providerSide: 'never',
  },
  'session-stale': {
    stopsTheRun: true,
    leaves: 'authorisation-failed',
    about: 'connection',
    ...SIGN_IN,
    staleIfReconnectFails: false,
    precedence: 50,
    severity: 'error',
    providerSide: 'never',
  },
  // A shared or delegated mailbox the user has no permission to: their own mailbox and sign-in are fine, so the state stays.
  'shared-mailbox-denied': { stopsTheRun: true, about: 'connection', ...NO_SIGN_IN, precedence: 52, severity: 'error', providerSide: 'never' },
  // A shared mailbox opened in Outlook as an account of its own: Outlook cannot say it is shared, and no sign-in changes that.
  'shared-mailbox-separate-account': { stopsTheRun: true, about: 'connection', ...NO_SIGN_IN, precedence: 54, severity: 'error', providerSide: 'never' },
  'not-configured': { stopsTheRun: true, leaves: 'disconnected', about: 'connection', ...NO_SIGN_IN, precedence: 60, severity: 'error', providerSide: 'never' },
  'certificate-invalid': {
    stopsTheRun: true,
    leaves: 'disconnected',
    about: 'connection',
    ...NO_SIGN_IN,
    precedence: 70,
    severity: 'error',
    providerSide: 'never',
  },
  'server-unreachable': {
    stopsTheRun: true,
    leaves: 'disconnected',
    about: 'connection',
    ...NO_SIGN_IN,
    precedence: 80,
    severity: 'error',
    providerSide: 'always',
  },
  throttled: { stopsTheRun: true, about: 'connection', ...NO_SIGN_IN, precedence: 90, severity: 'warning', providerSide: 'if-service-code' },
  unknown: { stopsTheRun: false, about: 'connection', ...NO_SIGN_IN, precedence: 100, severity: 'error', providerSide: 'never' },
  // IMAP only: the administrator changed the branch's server settings, so the stored password was dropped until the user enters it again.
  'server-settings-changed': {
    stopsTheRun: false,
    leaves: 'authorisation-failed',
    about: 'connection',
    ...NO_SIGN_IN,
    severity: 'error',
    providerSide: 'never',
  },
  'no-matching-group': { stopsTheRun: false, about: 'mail', ...NO_SIGN_IN, severity: 'error', providerSide: 'never' },
  'invalid-message': { stopsTheRun: false, about: 'mail', ...NO_SIGN_IN, severity: 'error', providerSide: 'never' },
  // Every other address is the agency's own staff: not matched, even where a colleague is also a contact on a card.
  'internal-mail': { stopsTheRun: false, about: 'mail', ...NO_SIGN_IN, severity: 'error', providerSide: 'never' },
  // An address (or its domain) the branch administrator put on the never-file list.
  'never-file': { stopsTheRun: false, about: 'mail', ...NO_SIGN_IN, severity: 'error', providerSide: 'never' },
  'message-gone': { stopsTheRun: false, about: 'mail', ...NO_SIGN_IN, severity: 'error', providerSide: 'never' },
  // The Rezi API in use files mail but does not offer fixing or undoing yet: nothing is wrong with the connection.
  'fixing-unsupported': { stopsTheRun: false, about: 'mail', ...NO_SIGN_IN, severity: 'error', providerSide: 'never' },
  // The sign-in window closed counts as not signed in, but opening another one unasked would not help.
  cancelled: {
    stopsTheRun: true,
    about: 'user',
    needsSignIn: true,
    signInWindowHelps: false,
    staleIfReconnectFails: false,
    severity: 'info',
    providerSide: 'never',
  },
};

/** The rule for a code, with unknown codes (from an older or newer peer) read as 'unknown'. */
function rule(code: string): CauseRule {
  return Object.hasOwn(CAUSES, code) ? CAUSES[code as CauseCode] : CAUSES.unknown;
}

/** A code this version knows. */
export function isCauseCode(code: unknown): code is CauseCode {
  return typeof code === 'string' && Object.hasOwn(CAUSES, code);
}

/** A cause about the connection (sign-in, server, provider): what the troubleshooter diagnoses. */
export function isConnectionCause(code: string): code is CauseCode {
  return isCauseCode(code) && CAUSES[code].about === 'connection';
}

/** Causes that no retry within the same run will fix: stop starting new work and tell the user. */
export function stopsTheRun(code: CauseCode): boolean {
  return rule(code).stopsTheRun;
}

/** Nobody is signed in after it: offer Sign in rather than an error. */
export function needsSignIn(code: CauseCode): boolean {
  return rule(code).needsSignIn;
}

/** A sign-in window can fix it. */
export function severityOf(code: string): CauseRule['severity'] {
  return rule(code).severity;
}

export function signInWindowHelps(code: CauseCode): boolean {
  return rule(code).signInWindowHelps;
}

/** The connection causes in the order the troubleshooter names them, first wins. */
export const CAUSE_PRECEDENCE: readonly CauseCode[] = CAUSE_CODES.filter((c) => CAUSES[c].precedence !== undefined).sort(
  (a, b) => CAUSES[a].precedence! - CAUSES[b].precedence!,
);
