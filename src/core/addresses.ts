/**
 * Email address parsing and normalisation. Parsing is RFC 5322 / RFC 6532 by the `email-addresses`
 * parser (no home-made regex); this module only normalises what it returns so that two spellings of
 * one mailbox compare equal: case, surrounding whitespace, needless quotes, Unicode form and IDN
 * domains (stored in their ASCII "xn--" form).
 */
import { parseAddressList, parseOneAddress, type ParsedMailbox } from 'email-addresses';

export interface EmailAddress {
  /** Normalised address: lower case, NFC, ASCII (punycode) domain. */
  address: string;
  /** Display name as written, trimmed; empty when none. */
  name: string;
}

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;

/** The parser hands back the local part unquoted: quote it again only where it needs quotes. */
function canonicalLocal(local: string): string {
  const inner = local.length >= 2 && local.startsWith('"') && local.endsWith('"') ? local.slice(1, -1).replace(/\\(.)/g, '$1') : local;
  return DOT_ATOM.test(inner) ? inner : `"${inner.replace(/(["\\])/g, '\\$1')}"`;
}

/** The ASCII (IDNA) form of a domain, lower case; undefined when it is not a valid host name. */
export function domainToAscii(domain: string): string | undefined {
  const d = domain.trim().replace(/\.$/, '').normalize('NFC');
  if (!d || /[\s/?#@:[\]\\]/.test(d)) return undefined;
  try {
    // WHATWG URL applies UTS #46 (IDNA) mapping: case folding, punycode for non-ASCII labels.
    const host = new URL(`http://${d}`).hostname;
    return host && !host.startsWith('[') ? host : undefined;
  } catch {
    return undefined;
  }
}

function fromParsed(m: ParsedMailbox): EmailAddress | undefined {
  const domain = domainToAscii(m.domain);
  if (!domain) return undefined;
  const local = canonicalLocal(m.local.trim().normalize('NFC')).toLowerCase();
  if (!local) return undefined;
  return { address: `${local}@${domain}`, name: (m.name ?? '').trim() };
}

/** Normalises one bare or named address; undefined when it is not a valid address. */
export function normaliseAddress(input: string): string | undefined {
  return parseAddress(input)?.address;
}

/** Parses one address, with or without display name. */
export function parseAddress(input: string): EmailAddress | undefined {
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (!text || text.length > 998) return undefined;
  const parsed = parseOneAddress({ input: text, rfc6532: true });
  if (!parsed || parsed.type !== 'mailbox') return undefined;
  return fromParsed(parsed);
}

/**
 * Parses a header value holding several addresses (To: "A" <a@x>, b@y, Group: c@z;). Groups are
 * flattened. Unparseable entries are skipped rather than failing the whole header: a mail with one
 * broken Cc must still be fileable by its valid addresses. Duplicates are removed (first wins).
 */
export function parseAddressHeader(header: string): EmailAddress[] {
  if (typeof header !== 'string' || !header.trim()) return [];
  const input = header.replace(/\r?\n[ \t]+/g, ' ').trim();
  const list = parseAddressList({ input, rfc6532: true });
  const out: EmailAddress[] = [];
  const push = (m: ParsedMailbox) => {
    const a = fromParsed(m);
    if (a) out.push(a);
  };
  if (list) {
    for (const item of list) {
      if (item.type === 'group') item.addresses.forEach(push);
      else push(item);
    }
  } else {
    // One malformed entry makes the strict parser give up on the whole list: parse entry by entry.
    for (const part of splitOutsideQuotes(input)) {
      const one = parseOneAddress({ input: part, rfc6532: true });
      if (one && one.type === 'mailbox') push(one);
    }
  }
  return dedupe(out);
}

/** Normalises a list of addresses given as objects (Graph) or strings. */
export function normaliseAddressList(items: ReadonlyArray<string | { address?: string | null; name?: string | null }>): EmailAddress[] {
  const out: EmailAddress[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      out.push(...parseAddressHeader(item));
    } else if (item && typeof item.address === 'string') {
      const address = normaliseAddress(item.address);
      if (address) out.push({ address, name: (item.name ?? '').trim() });
    }
  }
  return dedupe(out);
}

function dedupe(list: EmailAddress[]): EmailAddress[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.address) ? false : (seen.add(a.address), true)));
}

function splitOutsideQuotes(input: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '\\' && quoted) {
      current += c + (input[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if ((c === ',' || c === ';') && !quoted) {
      if (current.trim()) parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}
