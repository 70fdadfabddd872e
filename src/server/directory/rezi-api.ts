/**
 * The directory over a Rezi REST API (REZI_API_URL + REZI_API_KEY). Rezi's API is not publicly
 * documented, so this speaks a small, clearly named contract (docs/rezi-api.md; client rezi-http.ts):
 * group lookup by contact address, shared timeline events (rezi-events.ts), their content
 * (rezi-content.ts), and fixing and undoing (rezi-fixing.ts).
 *
 * What is the adapter's own stays in its own store even here: users, branches (their privacy level,
 * never-file list and agency domains) and sync history. So the same screening and the same privacy
 * level apply on this path as on the embedded one.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { SyncError } from '../../core/causes';
import { type ContentItem, DEFAULT_CONTENT_MAX_BYTES, DEFAULT_PRIVACY, type PrivacyLevel } from '../../core/content';
import type { FilingContext, FilingMessage, FilingOutcome, UnmatchedReason } from '../../core/ports';
import type { AuthUser } from '../context';
import { ApiHttpError } from '../errors';
import type { Database } from '../store/schema';
import { loadFilingRules, SCREEN_MESSAGES, screen } from './filing-rules';
import { assembleOutcomes, canonicalMessageId, eventKey, type FoundGroup, groupLink, groupsFor, prepareBatch } from './matching';
import { contentBody, notCapturedBody } from './rezi-content';
import { contentKey, type EventJob, postEvents } from './rezi-events';
import { ReziFixing } from './rezi-fixing';
import { type ReziApiClient, type ReziGroup, ReziHttpClient } from './rezi-http';
import type { DirectoryStore } from './types';

export { idempotencyKey } from './rezi-events';
export { type ReziApiClient, type ReziGroup, ReziHttpClient, type ReziTimelineEvent } from './rezi-http';

export interface ReziApiDirectoryOptions {
  baseUrl?: string;
  apiKey?: string;
  client?: ReziApiClient;
  /** The adapter's own store: branches' privacy levels and filing rules, history and audit. */
  db: Kysely<Database>;
  webUrl: string;
  log?: Logger;
  clock?: () => Date;
  /** Attachment bytes sent per mail (CONTENT_MAX_BYTES_PER_MAIL). */
  maxContentBytes?: number;
  /** Timeline posts in flight at once. */
  concurrency?: number;
}

export class ReziApiDirectory implements DirectoryStore {
  readonly kind = 'Rezi API';
  readonly fixing: ReziFixing;
  private readonly client: ReziApiClient;
  constructor(private readonly options: ReziApiDirectoryOptions) {
    if (options.client) this.client = options.client;
    else if (options.baseUrl && options.apiKey) this.client = new ReziHttpClient({ baseUrl: options.baseUrl, apiKey: options.apiKey });
    else throw new Error('ReziApiDirectory needs a client or a base URL and API key.');
    this.fixing = new ReziFixing({ client: this.client, db: options.db, webUrl: options.webUrl, clock: options.clock ?? (() => new Date()), log: options.log });
  }

  ready(): Promise<boolean> {
    return this.client.ping();
  }

  /** The branch's privacy level (its admin's choice, kept in the adapter's store, or the default). */
  async privacyOf(branchId: string): Promise<PrivacyLevel> {
    const row = await this.options.db.selectFrom('branches').select('privacy_level').where('id', '=', branchId).executeTakeFirst();
    return row?.privacy_level ?? DEFAULT_PRIVACY;
  }

  private async lookup(user: AuthUser, addresses: readonly string[]): Promise<Map<string, FoundGroup[]>> {
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
    return byAddress;
  }

  async fileBatch(user: AuthUser, batch: readonly FilingMessage[], context: FilingContext): Promise<FilingOutcome[]> {
    const { messages, addresses } = await prepareBatch(batch, context, user.email);
    const [privacy, rules] = await Promise.all([this.privacyOf(user.branchId), loadFilingRules(this.options.db, user, addresses)]);
    const byAddress = await this.lookup(user, addresses);

    const matched = new Map<number, FoundGroup[]>();
    const screened = new Map<number, { reason: UnmatchedReason; message: string }>();
    const jobs = new Map<string, EventJob>();
    for (const m of messages) {
      if (!m.ok) continue;
      const why = screen(m.candidates, rules);
      if (why) {
        screened.set(m.index, { reason: why, message: SCREEN_MESSAGES[why] });
        continue;
      }
      const groups = groupsFor(m, byAddress);
      matched.set(m.index, groups);
      for (const g of groups) jobs.set(eventKey(m.key, g.groupId), { m, groupId: g.groupId });
    }

    const events = await postEvents(this.client, user, [...jobs.values()], {
      mailbox: context.mailbox,
      concurrency: this.options.concurrency,
      log: this.options.log,
    });
    return assembleOutcomes(messages, matched, events.ids, { already: events.already, screened }).map((o) =>
      o.status === 'error'
        ? { ...o, cause: 'server-unreachable', message: 'Rezi could not record the timeline event; the mail stays in Queue for the next sync.' }
        : o.status === 'filed'
          ? { ...o, privacy }
          : o,
    );
  }

  /**
   * Sends each filed mail's content to its events, at the branch's level (nothing at `metadata`). A PUT
   * Rezi keeps refusing leaves the event saying its content was not captured, and why; the event stays.
   */
  async attachContent(user: AuthUser, items: readonly ContentItem[]): Promise<void> {
    const level = await this.privacyOf(user.branchId);
    if (level === 'metadata') return;
    const rules = { level, maxBytes: this.options.maxContentBytes ?? DEFAULT_CONTENT_MAX_BYTES };
    for (const item of items) {
      const key = canonicalMessageId(item.internetMessageId);
      if (!key) continue;
      for (const eventId of new Set(item.eventIds)) {
        const idem = contentKey(user, key, eventId);
        try {
          await this.client.putContent(eventId, contentBody(item, user.email, key, rules), idem);
        } catch (e) {
          const err = e instanceof SyncError ? e : new SyncError('unknown', String(e));
          this.options.log?.warn({ cause: err.code, status: err.detail.status }, 'Rezi API refused a mail’s content');
          // Rezi's own "no such event of yours": nothing to attach to, as the embedded store ignores it.
          if (err.detail.status === 404 || err.detail.status === 409) continue;
          const reason = `Rezi did not accept its content (${err.detail.status ? `it answered ${err.detail.status}` : 'it could not be reached'}).`;
          await this.client.putContent(eventId, notCapturedBody(item, user.email, key, level, reason), idem).catch((again: unknown) => {
            throw new ApiHttpError(503, 'directory-unavailable', 'Rezi could not store the mails’ content just now. They are filed all the same.', {
              cause: again instanceof SyncError ? again.code : 'server-unreachable',
            });
          });
        }
      }
    }
  }
}
