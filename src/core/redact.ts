/**
 * The one place that decides what counts as a secret or as mail content in text we store, log or
 * send: the pane's diagnostics report, the adapter's logs, stored failures and support cases all
 * go through it. Values are judged by what they look like (token shapes, password pairs), and keys
 * by pattern (`imapPass`, `mailSubject`), never by an exact list of names.
 */

export const REDACTED = '[redacted]';

/** Keys whose values are secrets: dropped whole. Matched on the key without case, dashes or underscores. */
const SECRET_KEY =
  /pass(?:word|wd|code|phrase)?(?!ed|ing|es)|pwd|^pw$|pw$|^pw|secret|credential|cookie|authori[sz]ation|apikey|privatekey|token|assertion|^otp$|bearer|session|signature/;
/** Keys whose values are mail content: never stored or sent, only counts are. */
const CONTENT_KEY = /subject|body|preview|snippet|content|html|attachment|plaintext|richtext/;

const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|\b[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const SECRET_PAIR = /\b(secret|client_secret|access_token|refresh_token|id_token|token|apikey|api_key|authorization)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;]+)/gi;
/** Passwords may contain any punctuation: take the whole run after "password:", "password=" or "password is". */
const PASSWORD_PAIR = /\b(password|passwd|pwd|pw|pass|passcode|passphrase)(\s*[=:]\s*|\s+(?:is|was|now is)\s+)((?:"[^"]*"|'[^']*')?\S*)/gi;
/** The short forms are never prose: "my pw X", "pwd X" give the secret after a plain space. */
const SHORT_PASSWORD = /\b(pw|pwd)(\s+)(?!\[redacted\])("[^"]*"|'[^']*'|\S+)/gi;
/** OAuth redirect parameters in URLs ("error code" in prose is fine; "?code=…" is not). */
const URL_SECRET = /([?&#](?:code|state|session_state|client_info)=)[^&\s]+/gi;
/** Long base64/base64url/hex-like runs: keys, tokens, cookies. UUIDs (36 chars with dashes) stay. */
const BLOB = /[A-Za-z0-9+/_=-]{40,}/g;

function keyName(k: string): string {
  return k.toLowerCase().replace(/[-_\s.]/g, '');
}

export function isSecretKey(k: string): boolean {
  return SECRET_KEY.test(keyName(k));
}

export function isContentKey(k: string): boolean {
  return CONTENT_KEY.test(keyName(k));
}

/** Scrubs token-looking things and password pairs out of free text. */
export function redactText(s: string): string {
  return s
    .replace(JWT, REDACTED)
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(PASSWORD_PAIR, (_m, k: string, sep: string) => `${k}${sep}${REDACTED}`)
    .replace(SHORT_PASSWORD, (_m, k: string, sep: string) => `${k}${sep}${REDACTED}`)
    .replace(SECRET_PAIR, (_m, k: string, sep: string) => `${k}${sep}${REDACTED}`)
    .replace(URL_SECRET, (_m, k: string) => `${k}${REDACTED}`)
    .replace(BLOB, REDACTED);
}

/** Text to store: redacted, then clipped to `max` characters (null stays null). */
export function storedText(s: string | null | undefined, max: number): string | null {
  return s == null ? null : redactText(s).slice(0, max);
}

/** Deep copy with secrets and mail content removed. Safe on cycles and odd values. */
export function redact<T>(value: T): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactText(v);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return v;
    if (typeof v !== 'object' || depth > 20) return undefined;
    if (seen.has(v as object)) return undefined;
    seen.add(v as object);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v instanceof Date) return v.toISOString();
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (isSecretKey(k) || isContentKey(k)) continue;
      const w = walk(x, depth + 1);
      if (w !== undefined) out[k] = w;
    }
    return out;
  };
  return walk(value, 0) as T;
}

/**
 * A request URL for the log: the path (scrubbed like any text) and the query's parameter names,
 * every value replaced. A query string is where tokens and codes travel (`?access_token=…`).
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  const path = redactText(q < 0 ? url : url.slice(0, q));
  if (q < 0) return path;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = redactText(eq < 0 ? pair : pair.slice(0, eq)).slice(0, 100);
      return eq < 0 ? name : `${name}=${REDACTED}`;
    });
  return `${path}?${names.join('&')}`;
}
