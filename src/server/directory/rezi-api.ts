/**
 * The directory over a Rezi REST API (REZI_API_URL + REZI_API_KEY). Rezi's API is not publicly
 * documented, so this speaks a small, clearly named contract (docs/rezi-api.md):
 *
 *   GET  {base}/contacts?branch={branchId}&email={a}&email={b}…  → { contacts: [{ email, groups: [{ id, name, ref? }] }] }
 *   POST {base}/groups/{groupId}/timeline   (Idempotency-Key header) → { id }
 *
 * Exactly-once rests on the idempotency key: one stable key per (tenant, owner, message, group), so
 * a retry (or a second adapter instance) gets the event the first call created.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApiFileOutcome, ApiFileRequest } from '../../core/api';
import { type CauseCode, SyncError } from '../../core/causes';
import type { Direction } from '../../core/direction';
import type { AuthUser } from '../context';
import { ApiHttpError } from '../errors';
import { assembleOutcomes, chunk, eventKey, type FoundGroup, groupLink, groupsFor, prepareBatch, type ValidMessage } from './matching';
import type { DirectoryStore } from './types';

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
  /** The mailbox owner (the Rezi user the mail belongs to). */
  ownerEmail: string;
}

/** The calls the adapter needs from Rezi. */
export interface ReziApiClient {
  /** Groups (in a branch) whose contacts have each address. */
  findGroupsByEmails(branchId: string, emails: readonly string[]): Promise<Map<string, ReziGroup[]>>;
  /** Records a timeline event once per idempotency key; a repeat answers the same id. */
  addTimelineEvent(groupId: string, event: ReziTimelineEvent, idempotencyKey: string): Promise<{ id: string }>;
  ping(): Promise<boolean>;
}

export interface ReziHttpOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Emails per lookup request (keeps URLs short). */
const EMAILS_PER_LOOKUP = 50;

function causeForStatus(status: number): CauseCode {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'not-configured';
  return 'server-unreachable';
}

export class ReziHttpClient implements ReziApiClient {
  private readonly base: string;
  private readonly fetcher: typeof fetch;
  constructor(private readonly options: ReziHttpOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.fetcher = options.fetch ?? fetch;
  }

  private async call(path: string, init: RequestInit = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetcher(`${this.base}${path}`, {
        ...init,
        headers: { accept: 'application/json', authorization: `Bearer ${this.options.apiKey}`, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch {
      throw new SyncError('server-unreachable', 'The Rezi API could not be reached.');
    }
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new SyncError(causeForStatus(res.status), `The Rezi API answered ${res.status}.`, {
        status: res.status,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    try {
      return await res.json();
    } catch {
      throw new SyncError('server-unreachable', 'The Rezi API answered something that is not JSON.');
    }
  }

  async findGroupsByEmails(branchId: string, emails: readonly string[]): Promise<Map<string, ReziGroup[]>> {
    const out = new Map<string, ReziGroup[]>();
    for (const part of chunk(emails, EMAILS_PER_LOOKUP)) {
      const q = new URLSearchParams({ branch: branchId });
      for (const e of part) q.append('email', e);
      const body = (await this.call(`/contacts?${q.toString()}`)) as { contacts?: { email?: unknown; groups?: unknown }[] };
      for (const c of Array.isArray(body?.contacts) ? body.contacts : []) {
        if (typeof c.email !== 'string' || !Array.isArray(c.groups)) continue;
        const groups = (c.groups as Record<string, unknown>[])
          .filter((g) => g && typeof g.id === 'string' && typeof g.name === 'string')
          .map((g) => ({ id: g.id as string, name: g.name as string, ...(typeof g.ref === 'string' ? { ref: g.ref } : {}) }));
        const key = c.email.toLowerCase();
        out.set(key, [...(out.get(key) ?? []), ...groups]);
      }
    }
    return out;
  }

  async addTimelineEvent(groupId: string, event: ReziTimelineEvent, idempotencyKey: string): Promise<{ id: string }> {
    const body = (await this.call(`/groups/${encodeURIComponent(groupId)}/timeline`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(event),
    })) as { id?: unknown };
    if (typeof body?.id !== 'string' || !body.id) throw new SyncError('server-unreachable', 'The Rezi API did not return a timeline event id.');
    return { id: body.id };
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

/** The stable idempotency key of one timeline event. */
export function idempotencyKey(user: AuthUser, messageKey: string, groupId: string): string {
  return createHash('sha256').update(`${user.tenantId}\n${user.id}\n${messageKey}\n${groupId}`).digest('hex');
}

export interface ReziApiDirectoryOptions {
  baseUrl?: string;
  apiKey?: string;
  client?: ReziApiClient;
  webUrl: string;
  log?: Logger;
  /** Timeline posts in flight at once. */
  concurrency?: number;
}

export class ReziApiDirectory implements DirectoryStore {
  readonly kind = 'Rezi API';
  private readonly client: ReziApiClient;
  constructor(private readonly options: ReziApiDirectoryOptions) {
    if (options.client) this.client = options.client;
    else if (options.baseUrl && options.apiKey) this.client = new ReziHttpClient({ baseUrl: options.baseUrl, apiKey: options.apiKey });
    else throw new Error('ReziApiDirectory needs a client or a base URL and API key.');
  }

  ready(): Promise<boolean> {
    return this.client.ping();
  }

  async fileBatch(user: AuthUser, request: ApiFileRequest): Promise<ApiFileOutcome[]> {
    const { messages, addresses } = await prepareBatch(request, user.email);
    let found: Map<string, ReziGroup[]>;
    try {
      found = addresses.length > 0 ? await this.client.findGroupsByEmails(user.branchId, addresses) : new Map();
    } catch (e) {
      const cause = e instanceof SyncError ? e.code : 'server-unreachable';
      this.options.log?.warn({ cause }, 'Rezi API lookup failed');
      throw new ApiHttpError(503, 'directory-unavailable', 'Rezi could not be reached to look up group cards. The mails stay in Queue; try again shortly.', {
        cause,
      });
    }
    const byAddress = new Map<string, FoundGroup[]>();
    for (const [address, groups] of found) {
      byAddress.set(
        address,
        groups.map((g) => ({ groupId: g.id, name: g.name, link: groupLink(this.options.webUrl, g.ref ?? g.id) })),
      );
    }

    const matched = new Map<number, FoundGroup[]>();
    const jobs = new Map<string, { m: ValidMessage; groupId: string }>();
    for (const m of messages) {
      if (!m.ok) continue;
      const groups = groupsFor(m, byAddress);
      matched.set(m.index, groups);
      for (const g of groups) jobs.set(eventKey(m.key, g.groupId), { m, groupId: g.groupId });
    }

    const eventIds = new Map<string, string>();
    const queue = [...jobs.entries()];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [key, { m, groupId }] = next;
        try {
          const event: ReziTimelineEvent = {
            kind: 'email',
            internetMessageId: m.key,
            direction: m.direction,
            subject: m.subject,
            occurredAt: m.occurredAt,
            ownerEmail: user.email,
          };
          const { id } = await this.client.addTimelineEvent(groupId, event, idempotencyKey(user, m.key, groupId));
          eventIds.set(key, id);
        } catch (e) {
          // Left without an id: the outcome is a transient error and the mail stays in Queue.
          this.options.log?.warn({ cause: e instanceof SyncError ? e.code : 'unknown' }, 'Rezi API timeline post failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, queue.length) }, worker));
    return assembleOutcomes(messages, matched, eventIds).map((o) =>
      o.status === 'error'
        ? { ...o, cause: 'server-unreachable', message: 'Rezi could not record the timeline event; the mail stays in Queue for the next sync.' }
        : o,
    );
  }
}
