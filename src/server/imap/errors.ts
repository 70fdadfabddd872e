/**
 * imapflow and socket errors as the causes the status card explains. The messages are ours, never
 * the server's text or imapflow's, so no credential or command text can leak into a response or log.
 */
import { SyncError, isSyncError } from '../../core/causes';

export const AUTH_FAILED_MESSAGE = 'Authorisation failed: the mail server did not accept the username and password. Has your email password changed recently?';

const CERTIFICATE_PROBLEMS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'The server’s certificate is self-signed, so it cannot be verified.',
  SELF_SIGNED_CERT_IN_CHAIN: 'The server’s certificate is issued by a self-signed (private) certificate authority, so it cannot be verified.',
  CERT_HAS_EXPIRED: 'The server’s certificate has expired.',
  CERT_NOT_YET_VALID: 'The server’s certificate is not valid yet (check the server’s clock).',
  ERR_TLS_CERT_ALTNAME_INVALID: 'The server’s certificate is for a different host name than the one in the branch settings.',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'The server’s certificate could not be verified: its issuer is not a trusted certificate authority.',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'The server’s certificate could not be verified: its issuer is not a trusted certificate authority.',
  UNABLE_TO_GET_ISSUER_CERT: 'The server’s certificate could not be verified: its issuer is not a trusted certificate authority.',
  CERT_REVOKED: 'The server’s certificate has been revoked.',
  CERT_SIGNATURE_FAILURE: 'The server’s certificate signature is not valid.',
};

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  // imapflow's own
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'StateLogout',
]);

const UNREACHABLE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'The mail server refused the connection (nothing is listening on that port).',
  ENOTFOUND: 'The mail server’s address could not be found (check the server address in the branch settings).',
  EAI_AGAIN: 'The mail server’s address could not be looked up just now (a DNS problem).',
  ETIMEDOUT: 'The mail server did not answer in time.',
  CONNECT_TIMEOUT: 'The mail server did not answer in time.',
  GREETING_TIMEOUT: 'The mail server accepted the connection but did not greet us in time.',
  UPGRADE_TIMEOUT: 'The mail server did not complete the secure (TLS) connection in time.',
};

/**
 * Providers that no longer take the mailbox password over IMAP: Google (Workspace since September
 * 2024: app passwords or OAuth only), Microsoft 365 and Outlook.com (OAuth only), iCloud and Yahoo/AOL
 * (app passwords). Known by their IMAP hosts, and by what their servers answer a refused login.
 */
type Provider = 'google' | 'microsoft' | 'icloud' | 'yahoo';

const PROVIDER_HOSTS: [RegExp, Provider][] = [
  [/(^|\.)(gmail|googlemail)\.com$/, 'google'],
  [/(^|\.)(office365|outlook|office|hotmail|live)\.com$/, 'microsoft'],
  [/(^|\.)(me|mac|icloud)\.com$/, 'icloud'],
  [/(^|\.)(yahoo|aol)\.com$|(^|\.)yahoo\.co\.[a-z]+$/, 'yahoo'],
];

/** What the providers' servers say when a password is not enough (matched, never repeated). */
const PROVIDER_ANSWERS: [RegExp, Provider][] = [
  [/application-specific password required|support\.google\.com\/accounts|web browser/i, 'google'],
  [/^(AUTHENTICATE|LOGIN) failed\.?$/i, 'microsoft'],
  [/app(lication)?[- ]specific password|app password/i, 'icloud'],
];

const PROVIDER_WORDS: Record<Provider, { words: string; code: string }> = {
  google: {
    words:
      'Google mail no longer accepts your normal password for email sync (Google Workspace stopped it in September 2024). Create an app password in your Google Account (Security → 2-Step Verification → App passwords), then enter it here instead of your password and press Authenticate again. If your organisation does not allow app passwords, ask your IT support.',
    code: 'APP-PASSWORD-REQUIRED',
  },
  microsoft: {
    words:
      'Microsoft 365 and Outlook.com mailboxes no longer accept a password for email sync: they need the Office 365 sign-in. Use Sync to Rezi in Outlook (it signs in with your Microsoft account) instead of Start Sync, or ask your IT support to set your branch up for Microsoft 365.',
    code: 'OAUTH-REQUIRED',
  },
  icloud: {
    words:
      'iCloud Mail does not accept your Apple Account password for email sync. Create an app-specific password (account.apple.com → Sign-In and Security → App-Specific Passwords), then enter it here instead of your password and press Authenticate again.',
    code: 'APP-PASSWORD-REQUIRED',
  },
  yahoo: {
    words:
      'Yahoo and AOL Mail do not accept your normal password for email sync. Create an app password in your account’s security settings (Generate app password), then enter it here instead of your password and press Authenticate again.',
    code: 'APP-PASSWORD-REQUIRED',
  },
};

/** The provider of a host, or of a refused login's answer (the host wins: the answers are only hints). */
export function providerOf(host: string | undefined, answer: string | undefined): Provider | undefined {
  const h = (host ?? '').toLowerCase().replace(/\.$/, '');
  for (const [pattern, provider] of PROVIDER_HOSTS) if (pattern.test(h)) return provider;
  const a = (answer ?? '').trim();
  for (const [pattern, provider] of PROVIDER_ANSWERS) if (pattern.test(a)) return provider;
  return undefined;
}

export interface ImapErrorContext {
  /** The branch's IMAP host: how a provider that needs an app password or OAuth is recognised. */
  host?: string;
}

type ErrorLike = {
  code?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  responseStatus?: unknown;
  responseText?: unknown;
  cause?: unknown;
};

function fieldsOf(e: unknown): ErrorLike {
  return typeof e === 'object' && e !== null ? (e as ErrorLike) : {};
}

/** Walks `cause` links: imapflow sometimes wraps the socket error. */
function codesOf(e: unknown): string[] {
  const codes: string[] = [];
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const f = fieldsOf(cur);
    if (typeof f.code === 'string') codes.push(f.code);
    cur = f.cause;
  }
  return codes;
}

/** Maps anything an IMAP operation threw to a SyncError the user can act on. */
export function imapError(e: unknown, context: ImapErrorContext = {}): SyncError {
  if (isSyncError(e)) return e;
  const f = fieldsOf(e);
  const codes = codesOf(e);
  const responseCode = typeof f.serverResponseCode === 'string' ? f.serverResponseCode.toUpperCase() : undefined;

  if (f.authenticationFailed === true || responseCode === 'AUTHENTICATIONFAILED' || responseCode === 'AUTHORIZATIONFAILED') {
    const provider = providerOf(context.host, typeof f.responseText === 'string' ? f.responseText : undefined);
    if (provider) return new SyncError('password-changed', PROVIDER_WORDS[provider].words, { providerCode: PROVIDER_WORDS[provider].code });
    return new SyncError('password-changed', AUTH_FAILED_MESSAGE, { providerCode: responseCode ?? 'AUTHENTICATIONFAILED' });
  }
  for (const code of codes) {
    const words = CERTIFICATE_PROBLEMS[code];
    if (words) return new SyncError('certificate-invalid', `${words} Rezi did not send your password to it.`, { providerCode: code });
  }
  if (codes.some((c) => c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))) {
    const code = codes.find((c) => c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))!;
    return new SyncError(
      'server-unreachable',
      'A secure (TLS) connection to the mail server could not be set up: check the SSL/TLS settings and the port for the branch.',
      { providerCode: code },
    );
  }
  for (const code of codes) {
    if (UNREACHABLE_CODES.has(code)) {
      return new SyncError('server-unreachable', UNREACHABLE_WORDS[code] ?? 'The connection to the mail server was lost.', { providerCode: code });
    }
  }
  if (responseCode === 'UNAVAILABLE')
    return new SyncError('server-unreachable', 'The mail server says it is temporarily unavailable.', { providerCode: responseCode });
  if (e instanceof Error && e.name === 'AbortError') return new SyncError('cancelled', 'The sync was cancelled.');
  return new SyncError('unknown', 'The mail server answered in a way Rezi did not expect.', { providerCode: responseCode ?? codes[0] });
}
