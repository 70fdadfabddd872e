/**
 * Email address parsing and normalisation. Parsing is RFC 5322 / RFC 6532 by the `email-addresses`
 * parser (no home-made grammar); this module only normalises what it returns so that two spellings of
 * one mailbox compare equal: case, surrounding whitespace, needless quotes, Unicode form and IDN
 * domains (stored in their ASCII "xn--" form).
 *
 * The parser costs up to a millisecond for a long address, so the common forms (a bare `local@domain`
 * with a dot-atom or quoted local part, optionally as `Name <local@domain>`) are checked by hand in one
 * linear pass, and nothing longer than RFC 5321 allows (254 characters, local part 64) ever reaches it.
 */
import { parseAddressList, parseOneAddress, type ParsedMailbox } from 'email-addresses';

/** RFC 5321 4.5.3.1: a path holds at most 256 octets with its brackets, so an address at most 254. */
export const ADDRESS_MAX = 254;
/** RFC 5321 4.5.3.1.1. */
export const LOCAL_PART_MAX = 64;
/** A whole `Name <address>` entry: the address plus a generous display name. */
const ENTRY_MAX = 512;

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

/** The normalised address from a local part and domain, or undefined when it is not valid or too long. */
function fromParts(rawLocal: string, rawDomain: string): string | undefined {
  const domain = domainToAscii(rawDomain);
  if (!domain) return undefined;
  const local = canonicalLocal(rawLocal.trim().normalize('NFC')).toLowerCase();
  if (!local || local.length > LOCAL_PART_MAX) return undefined;
  const address = `${local}@${domain}`;
  return address.length > ADDRESS_MAX ? undefined : address;
}

function fromParsed(m: ParsedMailbox): EmailAddress | undefined {
  const address = fromParts(m.local, m.domain);
  return address ? { address, name: (m.name ?? '').trim() } : undefined;
}

/** A quoted local part: quoted pairs and anything but a quote, backslash or line break (one linear pass). */
const QUOTED = /^"(?:[^"\\\r\n]|\\[^\r\n])*"$/;
/** One atom of a display name (RFC 5322 atext, or any non-ASCII character under RFC 6532). */
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\u0080-\\uFFFF-";
/**
 * `Name <spec>`, `"Name" <spec>` or `<spec>`: a quoted name, or words (dots allowed between them, as
 * obs-phrase does). Every repetition starts with a character the one before cannot take, so a match
 * or a refusal costs one pass.
 */
const NAME_ADDR = new RegExp(`^(?:"(?:[^"\\\\\\r\\n]|\\\\[^\\r\\n])*"[ \\t]*|[${ATEXT}]+(?:[ \\t.]+[${ATEXT}]+)*[ \\t.]*)?<([^<>]*)>$`);

/** The addr-spec inside an entry (the part between the last `<` and a final `>`, or the entry itself). */
function specOf(text: string): string {
  const open = text.lastIndexOf('<');
  return open >= 0 && text.endsWith('>') ? text.slice(open + 1, -1).trim() : text;
}

/** Whether an addr-spec is within the RFC 5321 lengths: checked before anything costlier. */
function withinLimits(spec: string): boolean {
  const at = spec.lastIndexOf('@');
  return at > 0 && spec.length <= ADDRESS_MAX + 2 && at <= LOCAL_PART_MAX + 2;
}

/**
 * The linear path: the normalised address, undefined when the entry is certainly not a valid address,
 * or null when only the full parser can tell (comments, domain literals, obsolete forms).
 */
export function normaliseAddressQuickly(input: string): string | undefined | null {
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (!text || text.length > ENTRY_MAX) return undefined;
  let spec = text;
  if (text.endsWith('>')) {
    const named = NAME_ADDR.exec(text);
    if (!named) return text.includes('<') && withinLimits(specOf(text)) ? null : undefined;
    spec = named[1].trim();
  }
  if (!withinLimits(spec)) return undefined;
  const at = spec.lastIndexOf('@');
  const local = spec.slice(0, at);
  const domain = spec.slice(at + 1);
  if (!DOT_ATOM.test(domain)) return null;
  if (DOT_ATOM.test(local)) return fromParts(local, domain);
  // As the parser hands back a quoted local part: its content, each run of white space as one space.
  // A quoted pair inside is left to the parser.
  if (QUOTED.test(local) && !local.includes('\\')) return fromParts(local.slice(1, -1).replace(/[ \t]+/g, ' '), domain);
  return null;
}

/** Normalises one bare or named address; undefined when it is not a valid address. */
export function normaliseAddress(input: string): string | undefined {
  const quick = normaliseAddressQuickly(input);
  return quick === null ? parseAddress(input)?.address : quick;
}

/** Parses one address, with or without display name. */
export function parseAddress(input: string): EmailAddress | undefined {
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  // The parser's cost grows with its input: nothing longer than an address can be reaches it.
  if (!text || text.length > ENTRY_MAX || !withinLimits(specOf(text))) return undefined;
  const parsed = parseOneAddress({ input: text, rfc6532: true });
  if (!parsed || parsed.type !== 'mailbox') return undefined;
  return fromParsed(parsed);
}

/** False for text with a lone UTF-16 surrogate: it cannot be stored and read back unchanged. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

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
