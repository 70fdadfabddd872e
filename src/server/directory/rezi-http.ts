/**
 * The HTTP client of the Rezi API contract (docs/rezi-api.md): one method per endpoint, every answer
 * read loosely and checked, every error a SyncError whose cause comes from core/http-status.ts.
 */
import { SyncError } from '../../core/causes';
import { causeOfStatus, isRetryable, retryAfterMs, uploadAllowanceMs } from '../../core/http-status';
import type { Direction } from '../../core/direction';
import { chunk } from './matching';
import type { ReziContentBody } from './rezi-content';

export interface ReziGroup {
  id: string;
  name: string;
  /** Reference used in Rezi's web links; defaults to id. */
  ref?: string;
}

export interface ReziTimelineEvent {
  kind: 'email';
  internetMessageId: string;
  direction: Direction;
  subject: string;
  occurredAt: string;
  /** The mailbox owner (the Rezi user the mail belongs to): the event's filer. */
  ownerEmail: string;
  /** The shared or delegated mailbox it was filed from, when not the owner's own. */
  mailbox?: string;
}

/** One colleague who filed an event, in the order they did. */
export interface ReziFiler {
  email: string;
  name?: string;
  filedAt: string;
}

export interface ReziCard extends ReziGroup {
  kind: string;
  contacts: { id: string; name: string; emails: string[] }[];
}

export interface ReziRemoved {
  eventId: string;
  groupId: string;
  eventDeleted: boolean;
}

/** The calls the adapter needs from Rezi. */
export interface ReziApiClient {
  /** Groups (in a branch) whose contacts have each address. */
  findGroupsByEmails(branchId: string, emails: readonly string[]): Promise<Map<string, ReziGroup[]>>;
  /** Records a timeline event once per idempotency key; a repeat answers the same id, its owner joining the filers. */
  addTimelineEvent(groupId: string, event: ReziTimelineEvent, idempotencyKey: string): Promise<{ id: string; filers: ReziFiler[] }>;
  /** Puts (replaces) an event's content; retries throttled and unavailable answers. */
  putContent(eventId: string, body: ReziContentBody, idempotencyKey: string): Promise<void>;
  /** The branch's cards matching a search (`q`) or with these ids. */
  findCards(branchId: string, by: { q: string; limit: number } | { ids: readonly string[] }): Promise<{ cards: ReziCard[]; truncated: boolean }>;
  /** Adds an email address to a contact of a card. */
  addContactEmail(groupId: string, contactId: string, email: string, idempotencyKey: string): Promise<void>;
  /** Takes a filer off the events of a message (the events too, when no filer is left). */
  removeFiler(branchId: string, internetMessageId: string, filer: string, groupIds?: readonly string[]): Promise<ReziRemoved[]>;
  ping(): Promise<boolean>;
}

export interface ReziHttpOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** How a content retry waits (tests record the waits instead). */
  sleep?: (ms: number) => Promise<void>;
  /** Tries of a content PUT, the first included. */
  contentAttempts?: number;
}

/** Emails per lookup request (keeps URLs short). */
const EMAILS_PER_LOOKUP = 50;
/** The wait between content tries when Rezi names none. */
const CONTENT_BACKOFF_MS = 1000;
/**
 * The longest Retry-After a content PUT waits for: the pane's request (30 s in all) is held meanwhile,
 * and past it the event is better told its content was not captured than the request left to time out.
 */
const CONTENT_MAX_WAIT_MS = 5_000;

const str = (v: unknown): v is string => typeof v === 'string';
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

function readGroup(g: Record<string, unknown>): ReziGroup | undefined {
  if (!str(g.id) || !str(g.name)) return undefined;
  return { id: g.id, name: g.name, ...(str(g.ref) ? { ref: g.ref } : {}) };
}

function readCard(g: Record<string, unknown>): ReziCard | undefined {
  const group = readGroup(g);
  if (!group) return undefined;
  const contacts = list(g.contacts)
    .filter((c) => str(c.id))
    .map((c) => ({ id: c.id as string, name: str(c.name) ? c.name : '', emails: Array.isArray(c.emails) ? c.emails.filter(str) : [] }));
  return { ...group, kind: str(g.kind) ? g.kind : '', contacts };
}

export class ReziHttpClient implements ReziApiClient {
  private readonly base: string;
  private readonly fetcher: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(private readonly options: ReziHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetcher = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private async call(path: string, init: RequestInit = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetcher(`${this.base}${path}`, {
        ...init,
        headers: { accept: 'application/json', authorization: `Bearer ${this.options.apiKey}`, ...(init.headers as Record<string, string>) },
        // A content PUT of megabytes gets time to go up on top of the usual 10 s.
        signal: AbortSignal.timeout((this.options.timeoutMs ?? 10_000) + (typeof init.body === 'string' ? uploadAllowanceMs(init.body.length) : 0)),
      });
    } catch {
      throw new SyncError('server-unreachable', 'The Rezi API could not be reached.', { status: 0 });
    }
    if (!res.ok) {
      const retryAfter = retryAfterMs(res.headers.get('retry-after'));
      // Rezi's own "no such card or contact" (code not-found) differs from a path it does not serve at all.
      const code = await res.json().then(
        (b: { code?: unknown }) => (str(b?.code) ? b.code : undefined),
        () => undefined,
      );
      throw new SyncError(causeOfStatus('rezi-api', res.status), `The Rezi API answered ${res.status}.`, {
        status: res.status,
        ...(code ? { providerCode: code } : {}),
        ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      });
    }
    if (res.status === 204) return {};
    try {
      return await res.json();
    } catch {
      throw new SyncError('server-unreachable', 'The Rezi API answered something that is not JSON.');
    }
  }

  private send(method: string, path: string, body: unknown, idempotencyKey?: string): Promise<unknown> {
    return this.call(path, {
      method,
      headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body: JSON.stringify(body),
    });
  }

  async findGroupsByEmails(branchId: string, emails: readonly string[]): Promise<Map<string, ReziGroup[]>> {
    const out = new Map<string, ReziGroup[]>();
    for (const part of chunk(emails, EMAILS_PER_LOOKUP)) {
      const q = new URLSearchParams({ branch: branchId });
      for (const e of part) q.append('email', e);
      const body = (await this.call(`/contacts?${q.toString()}`)) as { contacts?: unknown };
      for (const c of list(body?.contacts)) {
        if (!str(c.email) || !Array.isArray(c.groups)) continue;
        const groups = list(c.groups)
          .map(readGroup)
          .filter((g): g is ReziGroup => !!g);
        const key = c.email.toLowerCase();
        out.set(key, [...(out.get(key) ?? []), ...groups]);
      }
    }
    return out;
  }

  async addTimelineEvent(groupId: string, event: ReziTimelineEvent, idempotencyKey: string): Promise<{ id: string; filers: ReziFiler[] }> {
    const body = (await this.send('POST', `/groups/${encodeURIComponent(groupId)}/timeline`, event, idempotencyKey)) as { id?: unknown; filers?: unknown };
    if (!str(body?.id) || !body.id) throw new SyncError('server-unreachable', 'The Rezi API did not return a timeline event id.');
    const filers = list(body.filers)
      .filter((f) => str(f.email) && str(f.filedAt))
      .map((f) => ({ email: (f.email as string).toLowerCase(), filedAt: f.filedAt as string, ...(str(f.name) ? { name: f.name } : {}) }));
    return { id: body.id, filers };
  }

  /**
   * Tries again on what core/http-status.ts calls retryable (429, 503, 504, no answer), waiting as
   * Rezi's Retry-After says (the one reader, retryAfterMs) or a growing pause; any other answer is final.
   */
  async putContent(eventId: string, body: ReziContentBody, idempotencyKey: string): Promise<void> {
    const attempts = this.options.contentAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send('PUT', `/timeline/${encodeURIComponent(eventId)}/content`, body, idempotencyKey);
        return;
      } catch (e) {
        const detail = e instanceof SyncError ? e.detail : {};
        const wait = detail.retryAfterMs ?? CONTENT_BACKOFF_MS * attempt;
        if (attempt >= attempts || !isRetryable(detail.status ?? 0) || wait > CONTENT_MAX_WAIT_MS) throw e;
        await this.sleep(wait);
      }
    }
  }

  async findCards(branchId: string, by: { q: string; limit: number } | { ids: readonly string[] }): Promise<{ cards: ReziCard[]; truncated: boolean }> {
    const q = new URLSearchParams({ branch: branchId });
    if ('q' in by) {
      q.set('q', by.q);
      q.set('limit', String(by.limit));
    } else for (const id of by.ids) q.append('id', id);
    const body = (await this.call(`/groups?${q.toString()}`)) as { groups?: unknown; truncated?: unknown };
    const cards = list(body?.groups)
      .map(readCard)
      .filter((c): c is ReziCard => !!c);
    return { cards, truncated: body?.truncated === true };
  }

  async addContactEmail(groupId: string, contactId: string, email: string, idempotencyKey: string): Promise<void> {
    await this.send('POST', `/groups/${encodeURIComponent(groupId)}/contacts/${encodeURIComponent(contactId)}/emails`, { email }, idempotencyKey);
  }

  async removeFiler(branchId: string, internetMessageId: string, filer: string, groupIds?: readonly string[]): Promise<ReziRemoved[]> {
    const q = new URLSearchParams({ branch: branchId, internetMessageId, filer });
    for (const g of groupIds ?? []) q.append('group', g);
    const body = (await this.call(`/timeline/filers?${q.toString()}`, { method: 'DELETE' })) as { removed?: unknown };
    return list(body?.removed)
      .filter((r) => str(r.eventId) && str(r.groupId))
      .map((r) => ({ eventId: r.eventId as string, groupId: r.groupId as string, eventDeleted: r.eventDeleted === true }));
  }

  async ping(): Promise<boolean> {
    try {
      await this.call('/health');
      return true;
    } catch {
      return false;
    }
  }
}
