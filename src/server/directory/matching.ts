/**
 * The matching rules, shared by every DirectoryStore: which addresses of a mail count, which mails
 * are invalid, and how looked-up groups and recorded events become outcomes.
 *
 * A mail matches a group when its To or From address (never one of the owner's own addresses)
 * belongs to a contact on the group's card; Cc counts only when the request asks for it.
 */
import { isWellFormedText, normaliseAddress, normaliseAddressQuickly } from '../../core/addresses';
import { type Direction, directionOf } from '../../core/direction';
import type { AlreadyOnTimeline, FilingContext, FilingMessage, FilingOutcome, MatchedGroup, UnmatchedReason } from '../../core/ports';
import { MAX_RECIPIENTS } from '../../core/api';

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
  /** Recipients past MAX_RECIPIENTS, not matched (said in the outcome). */
  ignoredRecipients?: number;
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
  // RFC 5322 msg-id: printable, no spaces, no brackets inside; a sane length; valid Unicode (a lone
  // surrogate does not survive the store's UTF-8 round trip, so the id could never be found again).
  if (!id || id.length > 995 || !/^[\x21-\x7e\u0080-\uffff]+$/.test(id) || /[<>]/.test(id) || !isWellFormedText(id)) return undefined;
  return `<${id}>`;
}

/**
 * Plain ASCII `local@domain` (dot-atom local part, LDH labels, a letter-led top-level label, no IDN
 * labels): normalising it is lower-casing it. Everything else takes core's linear path, and only what
 * that cannot decide (comments, domain literals, obsolete forms) the full parser.
 */
const PLAIN =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!xn--)[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Same result as core normaliseAddress, fast for the common case. */
export function normaliseFast(raw: string): string | undefined {
  const text = raw.trim();
  if (text.length <= 254 && PLAIN.test(text) && text.indexOf('@') <= 64) return text.toLowerCase();
  return normaliseAddress(text);
}

/**
 * Full-parser calls one request may cause: each costs up to a millisecond, so a batch of exotic
 * addresses could otherwise hold the event loop for seconds. Past it such addresses count as invalid.
 */
export const FULL_PARSES_PER_BATCH = 25;

/** One batch's address normaliser: each distinct spelling is normalised once, full parses are capped. */
export class BatchAddresses {
  private readonly seen = new Map<string, string | undefined>();
  private parses = 0;

  normalise(raw: unknown): string | undefined {
    if (typeof raw !== 'string') return undefined;
    if (this.seen.has(raw)) return this.seen.get(raw);
    const text = raw.trim();
    let n: string | undefined;
    if (text.length <= 254 && PLAIN.test(text) && text.indexOf('@') <= 64) n = text.toLowerCase();
    else {
      const quick = normaliseAddressQuickly(text);
      if (quick !== null) n = quick;
      else if (this.parses < FULL_PARSES_PER_BATCH) {
        this.parses++;
        n = normaliseAddress(text);
      }
    }
    if (this.seen.size < 100_000) this.seen.set(raw, n);
    return n;
  }

  /** The distinct valid addresses of a list, in order. */
  all(list: readonly { address: string }[] | undefined): string[] {
    const out = new Set<string>();
    for (const a of list ?? []) {
      const n = this.normalise(a?.address);
      if (n) out.add(n);
    }
    return [...out];
  }
}

export function ownerAddressSet(ownerAddresses: readonly string[], userEmail: string, book = new BatchAddresses()): Set<string> {
  const set = new Set<string>();
  for (const a of [...ownerAddresses, userEmail]) {
    const n = book.normalise(a);
    if (n) set.add(n);
  }
  return set;
}

const INVALID_TEXT = 'The mail’s Message-ID or one of its addresses contains a broken character (not valid Unicode), so it cannot be filed exactly once.';

/** Whether every identifying field of a mail (Message-ID, addresses) is valid Unicode. */
function identifiersWellFormed(m: FilingMessage): boolean {
  if (typeof m.internetMessageId === 'string' && !isWellFormedText(m.internetMessageId)) return false;
  for (const list of [m.from, m.to, m.cc]) for (const a of list ?? []) if (typeof a?.address === 'string' && !isWellFormedText(a.address)) return false;
  return true;
}

export function prepareMessage(m: FilingMessage, index: number, owner: Set<string>, includeCc: boolean, book = new BatchAddresses()): PreparedMessage {
  const internetMessageId = typeof m.internetMessageId === 'string' ? m.internetMessageId : '';
  if (!identifiersWellFormed(m)) return { ok: false, index, internetMessageId, message: INVALID_TEXT };
  const key = canonicalMessageId(m.internetMessageId);
  if (!key) return { ok: false, index, internetMessageId, message: 'The mail has no valid Message-ID, so it cannot be filed exactly once.' };
  const from = book.all(m.from);
  if (from.length === 0) return { ok: false, index, internetMessageId, message: 'The mail has no valid From address.' };
  const when = Date.parse(m.date);
  if (Number.isNaN(when)) return { ok: false, index, internetMessageId, message: 'The mail has no valid date.' };
  // A mail to more than MAX_RECIPIENTS is filed by its first ones (To before Cc); the rest are ignored.
  const to = m.to ?? [];
  const cc = includeCc ? (m.cc ?? []) : [];
  const ignoredRecipients = Math.max(0, to.length + cc.length - MAX_RECIPIENTS);
  const keptTo = to.slice(0, MAX_RECIPIENTS);
  const keptCc = cc.slice(0, MAX_RECIPIENTS - keptTo.length);
  const candidates = [...new Set([...from, ...book.all(keptTo), ...book.all(keptCc)])].filter((a) => !owner.has(a));
  return {
    ok: true,
    index,
    internetMessageId,
    key,
    candidates,
    direction: directionOf(from, owner),
    subject: typeof m.subject === 'string' ? m.subject.slice(0, SUBJECT_MAX) : '',
    occurredAt: new Date(when).toISOString(),
    ...(ignoredRecipients > 0 ? { ignoredRecipients } : {}),
  };
}

/** Longest stretch preparing a batch holds the event loop before other requests (health checks too) get a turn. */
const SLICE_MS = 4;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Validates and normalises a batch, yielding to the event loop every few milliseconds: a 1 MB batch of
 * costly addresses takes tens of milliseconds, which must not stall every other request meanwhile.
 */
export async function prepareBatch(
  batch: readonly FilingMessage[],
  context: FilingContext,
  userEmail: string,
): Promise<{ messages: PreparedMessage[]; addresses: string[] }> {
  // One normaliser for the whole batch: an address repeated across its mails is normalised once.
  const book = new BatchAddresses();
  const owner = ownerAddressSet(context.ownerAddresses ?? [], userEmail, book);
  const messages: PreparedMessage[] = [];
  let slice = performance.now();
  for (const [i, m] of batch.entries()) {
    messages.push(prepareMessage(m, i, owner, context.includeCc === true, book));
    if (performance.now() - slice > SLICE_MS) {
      await nextTurn();
      slice = performance.now();
    }
  }
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

export interface OutcomeExtras {
  /** By eventKey: the events a colleague filed first. */
  already?: ReadonlyMap<string, AlreadyOnTimeline>;
  /** By message index: mails the filing rules keep out (filing-rules.ts), with the words to say why. */
  screened?: ReadonlyMap<number, { reason: UnmatchedReason; message: string }>;
}

/** Builds outcomes in request order from matched groups and recorded event ids. */
export function assembleOutcomes(
  messages: readonly PreparedMessage[],
  matched: ReadonlyMap<number, FoundGroup[]>,
  eventIds: ReadonlyMap<string, string>,
  { already = new Map(), screened = new Map() }: OutcomeExtras = {},
): FilingOutcome[] {
  return messages.map((m): FilingOutcome => {
    if (!m.ok) return { status: 'unmatched', reason: 'invalid-message', message: m.message };
    const kept = screened.get(m.index);
    if (kept) return { status: 'unmatched', ...kept };
    const groups = matched.get(m.index) ?? [];
    const capped = m.ignoredRecipients ? ` Only its first ${MAX_RECIPIENTS} recipients were matched; the other ${m.ignoredRecipients} were ignored.` : '';
    if (groups.length === 0) {
      return {
        status: 'unmatched',
        reason: 'no-matching-group',
        message: `No Rezi group card has a contact with the To or From address of this mail.${capped}`,
      };
    }
    const out: MatchedGroup[] = [];
    for (const g of groups) {
      const eventId = eventIds.get(eventKey(m.key, g.groupId));
      if (!eventId)
        return {
          status: 'error',
          cause: 'unknown',
          message: 'The timeline event could not be recorded; the mail stays in Queue for the next sync.',
        };
      const first = already.get(eventKey(m.key, g.groupId));
      out.push({ groupId: g.groupId, name: g.name, link: g.link, eventId, ...(first ? { alreadyOnTimeline: first } : {}) });
    }
    const note = `${alreadyNote(out)}${capped}`.trim();
    return { status: 'filed', groups: out, ...(note ? { message: note } : {}) };
  });
}

/** Says which groups already had the mail on their timeline, and who filed it there first. */
function alreadyNote(groups: readonly MatchedGroup[]): string {
  const joined = groups.filter((g) => g.alreadyOnTimeline);
  if (joined.length === 0) return '';
  const each = joined.map((g) => `${g.name} (filed first by ${g.alreadyOnTimeline?.firstFiledBy})`);
  return `Already on the timeline of ${each.join(', ')}; you were added to it.`;
}

export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function groupLink(webUrl: string, ref: string): string {
  return `${webUrl}${encodeURIComponent(ref)}`;
}
