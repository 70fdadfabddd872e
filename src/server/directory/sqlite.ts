/**
 * The embedded directory: groups, contacts and timeline events in the adapter's own store.
 *
 * One lookup query per batch (all addresses at once, `address in (…)`, branch-scoped), then one
 * transaction that inserts every (message, group) event with ON CONFLICT DO NOTHING RETURNING the new
 * ids, reads back the ones that already existed and adds the caller to each event's filers
 * (shared-events.ts): the unique keys, not memory, make filing exactly-once across colleagues,
 * concurrent requests, retries and restarts.
 */
import { V7Generator } from 'uuidv7';
import { type Kysely, sql } from 'kysely';
import { type ContentItem, DEFAULT_CONTENT_MAX_BYTES, DEFAULT_PRIVACY, type PrivacyLevel } from '../../core/content';
import { attachContent } from '../content/attach';
import { type ContentStore, TableContentStore } from '../content/store';
import type { FilingContext, FilingMessage, FilingOutcome, UnmatchedReason } from '../../core/ports';
import type { AuthUser } from '../context';
import { isPostgres } from '../store/dialect';
import type { Database, TimelineEventTable } from '../store/schema';
import { assembleOutcomes, chunk, eventKey, type FoundGroup, groupLink, groupsFor, prepareBatch } from './matching';
import { loadFilingRules, SCREEN_MESSAGES, screen } from './filing-rules';
import { recordSharedEvents } from './shared-events';
import type { DirectoryStore, RecordBatch } from './types';

/** Bound parameters per statement, well under SQLite's limit (32,766) and PostgreSQL's (65,535). */
const LOOKUP_CHUNK = 2000;

/**
 * The groups behind each address: driven from the address index (contact_addresses_address), then
 * the contact's and the group's primary keys. Exported so its plan is checked on both stores.
 */
export function addressLookup(db: Kysely<Database>, addresses: readonly string[]) {
  return db
    .selectFrom('contact_addresses')
    .innerJoin('contacts', 'contacts.id', 'contact_addresses.contact_id')
    .innerJoin('groups', 'groups.id', 'contacts.group_id')
    .select(['contact_addresses.address', 'groups.id', 'groups.name', 'groups.rezi_ref', 'groups.branch_id'])
    .where('contact_addresses.address', 'in', addresses);
}

/**
 * After a bulk load: PostgreSQL's statistics for the lookup's tables, gathered now rather than when
 * autovacuum next passes (a minute or more later). Without them the planner takes an IN list of 100
 * addresses to match half the table and reads all three tables: on 1,000,000 groups / 2,500,000
 * addresses one batch's lookup took 2.2 s, against 7 ms after ANALYZE (1.4 s) in the same run.
 * SQLite plans the lookup from its indexes alone and needs none.
 */
export async function analyzeDirectory(db: Kysely<Database>): Promise<void> {
  if (isPostgres(db)) await sql`analyze groups, contacts, contact_addresses`.execute(db);
}

export interface SqliteDirectoryOptions {
  /** Where bodies and attachments go (default: a table in the same database). */
  content?: ContentStore;
  /** Attachment bytes kept per mail (CONTENT_MAX_BYTES_PER_MAIL). */
  maxContentBytes?: number;
}

export class SqliteDirectory implements DirectoryStore {
  readonly kind = 'embedded SQLite';
  private readonly content: ContentStore;
  private readonly maxContentBytes: number;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly webUrl: string,
    private readonly clock: () => Date = () => new Date(),
    options: SqliteDirectoryOptions = {},
  ) {
    this.content = options.content ?? new TableContentStore(db);
    this.maxContentBytes = options.maxContentBytes ?? DEFAULT_CONTENT_MAX_BYTES;
  }

  /** The branch's privacy level (its admin's choice, or the default). */
  async privacyOf(branchId: string): Promise<PrivacyLevel> {
    const row = await this.db.selectFrom('branches').select('privacy_level').where('id', '=', branchId).executeTakeFirst();
    return row?.privacy_level ?? DEFAULT_PRIVACY;
  }

  async attachContent(user: AuthUser, items: readonly ContentItem[]): Promise<void> {
    const level = await this.privacyOf(user.branchId);
    await attachContent(this.db, this.content, user.id, items, { level, maxBytes: this.maxContentBytes, now: this.clock() });
  }

  async ready(): Promise<boolean> {
    try {
      await this.db.selectFrom('groups').select('id').limit(1).execute();
      return true;
    } catch {
      return false;
    }
  }

  /** Groups in `branchId` that have a contact with each address. */
  async lookup(branchId: string, addresses: readonly string[]): Promise<Map<string, FoundGroup[]>> {
    const byAddress = new Map<string, FoundGroup[]>();
    for (const part of chunk(addresses, LOOKUP_CHUNK)) {
      const rows = await addressLookup(this.db, part).execute();
      for (const r of rows) {
        // Branch filter here, not in SQL: with `branch_id = ?` in the query, a planner without
        // statistics may drive the join from the branch's (large) group list instead of the addresses.
        if (r.branch_id !== branchId) continue;
        const list = byAddress.get(r.address) ?? [];
        if (!list.some((g) => g.groupId === r.id)) list.push({ groupId: r.id, name: r.name, link: groupLink(this.webUrl, r.rezi_ref ?? r.id) });
        byAddress.set(r.address, list);
      }
    }
    return byAddress;
  }

  async fileBatch(user: AuthUser, messages: readonly FilingMessage[], context: FilingContext): Promise<FilingOutcome[]> {
    return (await this.fileBatchAndRecord(user, messages, context, async () => undefined)).outcomes;
  }

  /**
   * Lookup outside the write transaction (a read, WAL lets it run beside writers), then one short
   * transaction: the shared events and their filers (shared-events.ts), and the caller's `record`.
   */
  async fileBatchAndRecord<T>(
    user: AuthUser,
    batch: readonly FilingMessage[],
    context: FilingContext,
    record: RecordBatch<T>,
  ): Promise<{ outcomes: FilingOutcome[]; recorded: T }> {
    const { messages, addresses } = await prepareBatch(batch, context, user.email);
    const privacy = await this.privacyOf(user.branchId);
    const byAddress = addresses.length > 0 ? await this.lookup(user.branchId, addresses) : new Map<string, FoundGroup[]>();
    const rules = await loadFilingRules(this.db, user, addresses);

    const matched = new Map<number, FoundGroup[]>();
    const screened = new Map<number, { reason: UnmatchedReason; message: string }>();
    const rows = new Map<string, TimelineEventTable>();
    const createdAt = this.clock().toISOString();
    for (const m of messages) {
      if (!m.ok) continue;
      const why = screen(m.candidates, rules);
      if (why) {
        screened.set(m.index, { reason: why, message: SCREEN_MESSAGES[why] });
        continue;
      }
      const groups = groupsFor(m, byAddress);
      matched.set(m.index, groups);
      for (const g of groups) {
        const key = eventKey(m.key, g.groupId);
        if (!rows.has(key)) {
          rows.set(key, {
            id: timeOrderedId(),
            owner_user_id: user.id,
            internet_message_id: m.key,
            group_id: g.groupId,
            direction: m.direction,
            subject: m.subject,
            occurred_at: m.occurredAt,
            created_at: createdAt,
          });
        }
      }
    }

    return this.db.transaction().execute(async (trx) => {
      const events = await recordSharedEvents(trx, user, [...rows.values()], context.mailbox);
      const outcomes = assembleOutcomes(messages, matched, events.ids, { already: events.already, screened }).map((o) =>
        o.status === 'filed' ? { ...o, privacy } : o,
      );
      return { outcomes, recorded: await record(trx, outcomes) };
    });
  }
}

const ids = new V7Generator();

/**
 * A UUID version 7 (RFC 9562): 48-bit milliseconds, then a counter, then random bits. Ids made one
 * after another sort together, so inserts land on the last pages of the id index instead of a random
 * page each (a random v4 id dirties one index page per event, which the WAL then has to write).
 */
export function timeOrderedId(now = Date.now()): string {
  return ids.generateOrResetWithTs(now).toString();
}
