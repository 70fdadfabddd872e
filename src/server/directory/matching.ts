/**
 * The matching rules, shared by every DirectoryStore: which addresses of a mail count, which mails
 * are invalid, and how looked-up groups and recorded events become outcomes.
 *
 * A mail matches a group when its To or From address (never one of the owner's own addresses)
 * belongs to a contact on the group's card; Cc counts only when the request asks for it.
 */
import { normaliseAddress } from '../../core/addresses';
import type { ApiAddress, ApiFileMessage, ApiFileOutcome, ApiFileRequest, ApiMatchedGroup } from '../../core/api';
import type { Direction } from '../../core/direction';

export interface FoundGroup {
  groupId: string;
  name: string;
  link: string;
}

export interface ValidMessage {
  ok: true;
  index: number;
  /** As the client sent it (echoed in the outcome). */
  internetMessageId: string;
  /** Canonical form, the exactly-once key: `<local@domain>` with surrounding space and brackets normalised. */
  key: string;
  candidates: string[];
  direction: Direction;
  subject: string;
  occurredAt: string;
}

export interface InvalidMessage {
  ok: false;
  index: number;
  internetMessageId: string;
  message: string;
}

export type PreparedMessage = ValidMessage | InvalidMessage;

/** Longest subject kept on a timeline event. */
const SUBJECT_MAX = 500;

/** `<id>` for any spelling with or without brackets; undefined when it cannot be a Message-ID. */
export function canonicalMessageId(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let id = raw.trim();
  if (id.startsWith('<') && id.endsWith('>')) id = id.slice(1, -1).trim();
  // RFC 5322 msg-id: printable, no spaces, no brackets inside; a sane length.
  if (!id || id.length > 995 || !/^[\x21-\x7e\u0080-\uffff]+$/.test(id) || /[<>]/.test(id)) return undefined;
  return `<${id}>`;
}

/**
 * Plain ASCII `local@domain` (dot-atom local part, LDH labels, a letter-led top-level label, no IDN
 * labels): the full RFC 5322 parser would only lower-case it, so skip the parser. It costs ~50 µs an
 * address, which would dominate a 100-mail batch. Everything else takes the full path.
 */
const PLAIN =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!xn--)[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Same result as core normaliseAddress, fast for the common case. */
export function normaliseFast(raw: string): string | undefined {
  const text = raw.trim();
  if (text.length <= 254 && PLAIN.test(text)) return text.toLowerCase();
  return normaliseAddress(text);
}

function normaliseAll(list: readonly ApiAddress[] | undefined): string[] {
  const out: string[] = [];
  for (const a of list ?? []) {
    const n = typeof a?.address === 'string' ? normaliseFast(a.address) : undefined;
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

export function ownerAddressSet(ownerAddresses: readonly string[], userEmail: string): Set<string> {
  const set = new Set<string>();
  for (const a of [...ownerAddresses, userEmail]) {
    const n = typeof a === 'string' ? normaliseFast(a) : undefined;
    if (n) set.add(n);
  }
  return set;
}

export function prepareMessage(m: ApiFileMessage, index: number, owner: Set<string>, includeCc: boolean): PreparedMessage {
  const internetMessageId = typeof m.internetMessageId === 'string' ? m.internetMessageId : '';
  const key = canonicalMessageId(m.internetMessageId);
  if (!key) return { ok: false, index, internetMessageId, message: 'The mail has no valid Message-ID, so it cannot be filed exactly once.' };
  const from = normaliseAll(m.from);
  if (from.length === 0) return { ok: false, index, internetMessageId, message: 'The mail has no valid From address.' };
  const when = Date.parse(m.date);
  if (Number.isNaN(when)) return { ok: false, index, internetMessageId, message: 'The mail has no valid date.' };
  const candidates = [...from, ...normaliseAll(m.to), ...(includeCc ? normaliseAll(m.cc) : [])].filter((a, i, all) => !owner.has(a) && all.indexOf(a) === i);
  const direction: Direction = m.direction === 'outbound' || from.some((a) => owner.has(a)) ? 'outbound' : 'inbound';
  return {
    ok: true,
    index,
    internetMessageId,
    key,
    candidates,
    direction,
    subject: typeof m.subject === 'string' ? m.subject.slice(0, SUBJECT_MAX) : '',
    occurredAt: new Date(when).toISOString(),
  };
}

export function prepareBatch(request: ApiFileRequest, userEmail: string): { messages: PreparedMessage[]; addresses: string[] } {
  const owner = ownerAddressSet(request.ownerAddresses ?? [], userEmail);
  const messages = request.messages.map((m, i) => prepareMessage(m, i, owner, request.includeCc === true));
  const addresses = new Set<string>();
  for (const m of messages) if (m.ok) m.candidates.forEach((a) => addresses.add(a));
  return { messages, addresses: [...addresses] };
}

/** The groups each valid message matches (deduplicated, in a stable order). */
export function groupsFor(m: ValidMessage, byAddress: ReadonlyMap<string, FoundGroup[]>): FoundGroup[] {
  const seen = new Map<string, FoundGroup>();
  for (const a of m.candidates) for (const g of byAddress.get(a) ?? []) if (!seen.has(g.groupId)) seen.set(g.groupId, g);
  return [...seen.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

export function eventKey(messageKey: string, groupId: string): string {
  return `${messageKey}\u0000${groupId}`;
}

/** Builds outcomes in request order from matched groups and recorded event ids. */
export function assembleOutcomes(
  messages: readonly PreparedMessage[],
  matched: ReadonlyMap<number, FoundGroup[]>,
  eventIds: ReadonlyMap<string, string>,
): ApiFileOutcome[] {
  return messages.map((m): ApiFileOutcome => {
    if (!m.ok) return { internetMessageId: m.internetMessageId, status: 'unmatched', reason: 'invalid-message', message: m.message };
    const groups = matched.get(m.index) ?? [];
    if (groups.length === 0) {
      return {
        internetMessageId: m.internetMessageId,
        status: 'unmatched',
        reason: 'no-matching-group',
        message: 'No Rezi group card has a contact with the To or From address of this mail.',
      };
    }
    const out: ApiMatchedGroup[] = [];
    for (const g of groups) {
      const eventId = eventIds.get(eventKey(m.key, g.groupId));
      if (!eventId)
        return {
          internetMessageId: m.internetMessageId,
          status: 'error',
          cause: 'unknown',
          message: 'The timeline event could not be recorded; the mail stays in Queue for the next sync.',
        };
      out.push({ groupId: g.groupId, name: g.name, link: g.link, eventId });
    }
    return { internetMessageId: m.internetMessageId, status: 'filed', groups: out };
  });
}

export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function groupLink(webUrl: string, ref: string): string {
  return `${webUrl}${encodeURIComponent(ref)}`;
}
