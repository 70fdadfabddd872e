/**
 * MSAL / Microsoft Entra errors → the core's typed causes. Entra's AADSTS number is the most precise
 * signal, so it is read first; MSAL's error codes decide the rest. The AADSTS code is kept in
 * detail.providerCode for support. Messages are short and never carry tokens.
 *
 * AADSTS meanings (Microsoft Entra authentication and authorization error codes):
 *   50173 FreshTokenNeeded — grant revoked, "the user might have changed or reset their password"
 *   50133 SsoArtifactRevoked — session not valid "due to password expiration or recent password change"
 *   50132 SsoArtifactInvalidOrExpired — likewise, password expiration or recent change
 *   50055 / 50144 — the (Active Directory) password has expired
 *   50126 — invalid username or password (a password that no longer matches)
 *   700082 — refresh token expired through inactivity; 70043 — expired or invalid under a sign-in
 *   frequency policy; 70008 — the grant has expired; 70044 — the session has expired;
 *   50058 UserInformationNotProvided — a silent sign-in "but no user is signed in": no session yet
 *   (first use, or a host without nested app auth before its first sign-in), so not-signed-in rather
 *   than an expiry; 50078/50089 — the sign-in must be done again
 *   65001 — consent not granted; 65004 — the user declined consent; 90094/90095 — admin consent needed
 */
import { type CauseCode, SyncError } from '../core/causes';
import { explain } from '../core/explain';

const BY_AADSTS: Record<string, CauseCode> = {
  '50173': 'password-changed',
  '50133': 'password-changed',
  '50132': 'password-changed',
  '50055': 'password-changed',
  '50144': 'password-changed',
  '50126': 'password-changed',
  '700082': 'authorisation-expired',
  '70043': 'authorisation-expired',
  '70008': 'authorisation-expired',
  '70044': 'authorisation-expired',
  '50058': 'not-signed-in',
  '50078': 'authorisation-expired',
  '50089': 'authorisation-expired',
  '65001': 'consent-missing',
  '65004': 'consent-missing',
  '90094': 'consent-missing',
  '90095': 'consent-missing',
};

const BY_ERROR_CODE: Record<string, CauseCode> = {
  // Consent / interaction (the mapping: interaction needed means the user must approve).
  interaction_required: 'consent-missing',
  consent_required: 'consent-missing',
  // Sign-in lapsed.
  login_required: 'authorisation-expired',
  invalid_grant: 'authorisation-expired',
  refresh_token_expired: 'authorisation-expired',
  token_refresh_required: 'authorisation-expired',
  bad_token: 'authorisation-expired',
  // Network.
  no_network_connectivity: 'server-unreachable',
  network_error: 'server-unreachable',
  get_request_failed: 'server-unreachable',
  post_request_failed: 'server-unreachable',
  // A hidden sign-in window (ssoSilent's iframe) or a popup never reported back: in MSAL 5 that is
  // what a missing or blocked redirect bridge page looks like, and the service may well be reachable.
  // Interaction may complete it (auth.ts then opens the sign-in window), so not "unreachable".
  timed_out: 'authorisation-expired',
  monitor_window_timeout: 'authorisation-expired',
  // The user closed or was never shown the sign-in window.
  user_cancelled: 'cancelled',
  user_canceled: 'cancelled',
  popup_window_error: 'cancelled',
  empty_window_error: 'cancelled',
  access_denied: 'cancelled',
  // Stale or corrupt local state: clearing the cached session fixes these.
  no_tokens_found: 'session-stale',
  no_account_error: 'session-stale',
  no_account_found: 'session-stale',
  no_account_in_silent_request: 'session-stale',
  interaction_in_progress: 'session-stale',
  interaction_in_progress_cancelled: 'session-stale',
  native_account_unavailable: 'session-stale',
  cache_error: 'session-stale',
  invalid_cache_record: 'session-stale',
  invalid_cache_environment: 'session-stale',
  multiple_matching_tokens: 'session-stale',
  multiple_matching_app_metadata: 'session-stale',
  unable_to_load_token: 'session-stale',
  database_unavailable: 'session-stale',
  database_not_open: 'session-stale',
  state_mismatch: 'session-stale',
  state_not_found: 'session-stale',
  nonce_mismatch: 'session-stale',
  hash_empty_error: 'session-stale',
  no_state_in_hash: 'session-stale',
};

/** Office dialog API codes: 12006 = the user closed the dialog; 12002/12003/12009 = it could not open. */
const OFFICE_DIALOG: Record<number, CauseCode> = { 12006: 'cancelled', 12009: 'cancelled', 12002: 'not-configured', 12003: 'not-configured' };

/** Where MSAL's own code says more than the cause's general words. */
const MESSAGE_BY_ERROR_CODE: Record<string, string> = {
  timed_out: 'Signing in without a window did not finish, so a sign-in window is needed.',
  monitor_window_timeout: 'The sign-in window did not finish in time, so sign-in needs to be done again.',
};

interface ErrorLike {
  name?: string;
  message?: string;
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  errorNo?: string | number;
  code?: number | string;
  status?: number;
  correlationId?: string;
}

/** AADSTS code of an MSAL error, e.g. "AADSTS50173", from errorNo or the server message. */
export function aadstsCode(e: ErrorLike): string | undefined {
  if (e.errorNo !== undefined && e.errorNo !== '' && /^\d+$/.test(String(e.errorNo))) return `AADSTS${e.errorNo}`;
  const m = /AADSTS(\d+)/.exec(`${e.errorMessage ?? ''} ${e.message ?? ''}`);
  return m ? `AADSTS${m[1]}` : undefined;
}

export function mapAuthError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  const e: ErrorLike = typeof error === 'object' && error !== null ? (error as ErrorLike) : { message: String(error) };
  const aadsts = aadstsCode(e);
  const errorCode = typeof e.errorCode === 'string' ? e.errorCode.toLowerCase() : undefined;
  const detail = {
    providerCode: aadsts ?? errorCode ?? (typeof e.code === 'number' ? String(e.code) : undefined),
    requestId: e.correlationId || undefined,
    status: e.status || undefined,
  };

  let code: CauseCode | undefined = aadsts ? BY_AADSTS[aadsts.slice('AADSTS'.length)] : undefined;
  if (!code && errorCode) code = BY_ERROR_CODE[errorCode];
  // MSAL sometimes carries the specific reason in subError (e.g. consent_required under interaction_required).
  if (!code && e.subError) code = BY_ERROR_CODE[e.subError.toLowerCase()];
  if (!code && typeof e.code === 'number') code = OFFICE_DIALOG[e.code];
  if (!code && e.name === 'AbortError') code = 'cancelled';
  // fetch() rejects with a TypeError when the network is down.
  if (!code && e.name === 'TypeError' && /fetch|network|load failed/i.test(e.message ?? '')) code = 'server-unreachable';
  code ??= 'unknown';

  const said = (e.errorMessage || e.message || '')
    .split(/\r?\n/)[0]
    .replace(/Trace ID:.*$/i, '')
    .trim()
    .slice(0, 200);
  const specific = !aadsts && errorCode ? MESSAGE_BY_ERROR_CODE[errorCode] : undefined;
  const general = explain(code).signInFailure ?? explain('unknown').signInFailure ?? '';
  const message = specific ?? (code === 'unknown' && said ? `${general} (${said})` : general);
  return new SyncError(code, message, Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined)));
}
