/**
 * The embedded directory: groups, contacts and timeline events in the adapter's own store.
 *
 * One lookup query per batch (all addresses at once, `address in (…)`, branch-scoped), then one
 * transaction that inserts every (owner, message, group) event with ON CONFLICT DO NOTHING RETURNING
 * the new ids and reads back the ones that already existed: the unique key, not memory, makes filing
 * exactly-once across concurrent requests, retries and restarts.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ApiFileOutcome, ApiFileRequest } from '../../core/api';
import type { AuthUser } from '../context';
import { BatchInsert } from '../store/db';
import type { Database, TimelineEventTable } from '../store/schema';
import { assembleOutcomes, chunk, eventKey, type FoundGroup, groupLink, groupsFor, prepareBatch } from './matching';
import type { DirectoryStore, RecordBatch } from './types';

/** Bound parameters per statement, well under SQLite's limit (32,766) and PostgreSQL's (65,535). */
const LOOKUP_CHUNK = 2000;
const INSERT_ROWS = 500;

/** The event insert, built by Kysely once per row count (see BatchInsert). */
const insertEvents = new BatchInsert<TimelineEventTable>(
  ['id', 'owner_user_id', 'internet_message_id', 'group_id', 'direction', 'subject', 'occurred_at', 'created_at'],
  (db, rows) =>
    db
      .insertInto('timeline_events')
      .values(rows)
      .onConflict((oc) => oc.columns(['owner_user_id', 'internet_message_id', 'group_id']).doNothing())
      .returning(['id', 'internet_message_id', 'group_id']),
);
type InsertedEvent = Pick<TimelineEventTable, 'id' | 'internet_message_id' | 'group_id'>;

export class SqliteDirectory implements DirectoryStore {
  readonly kind = 'embedded SQLite';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly webUrl: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

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
      const rows = await this.db
        .selectFrom('contact_addresses')
        .innerJoin('contacts', 'contacts.id', 'contact_addresses.contact_id')
        .innerJoin('groups', 'groups.id', 'contacts.group_id')
        .select(['contact_addresses.address', 'groups.id', 'groups.name', 'groups.rezi_ref', 'groups.branch_id'])
        .where('contact_addresses.address', 'in', part)
        .execute();
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

  async fileBatch(user: AuthUser, request: ApiFileRequest): Promise<ApiFileOutcome[]> {
    return (await this.fileBatchAndRecord(user, request, async () => undefined)).outcomes;
  }

  /**
   * Lookup outside the write transaction (a read, WAL lets it run beside writers), then one short
   * transaction: insert the events (ON CONFLICT DO NOTHING … RETURNING the new ones), read back only
   * the keys that already existed (retries, concurrent duplicates), and the caller's `record`.
   */
  async fileBatchAndRecord<T>(user: AuthUser, request: ApiFileRequest, record: RecordBatch<T>): Promise<{ outcomes: ApiFileOutcome[]; recorded: T }> {
    const { messages, addresses } = await prepareBatch(request, user.email);
    const byAddress = addresses.length > 0 ? await this.lookup(user.branchId, addresses) : new Map<string, FoundGroup[]>();

    const matched = new Map<number, FoundGroup[]>();
    const rows = new Map<string, TimelineEventTable>();
    const createdAt = this.clock().toISOString();
    for (const m of messages) {
      if (!m.ok) continue;
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

    const eventIds = new Map<string, string>();
    return this.db.transaction().execute(async (trx) => {
      for (const part of chunk([...rows.values()], INSERT_ROWS)) {
        const { rows: inserted } = await trx.executeQuery<InsertedEvent>(insertEvents.query(trx, part));
        for (const f of inserted) eventIds.set(eventKey(f.internet_message_id, f.group_id), f.id);
      }
      // Keys that were already recorded: answer the existing ids.
      const existing = [...new Set([...rows.entries()].filter(([key]) => !eventIds.has(key)).map(([, r]) => r.internet_message_id))];
      for (const part of chunk(existing, LOOKUP_CHUNK)) {
        const found = await trx
          .selectFrom('timeline_events')
          .select(['id', 'internet_message_id', 'group_id'])
          .where('owner_user_id', '=', user.id)
          .where('internet_message_id', 'in', part)
          .execute();
        for (const f of found) eventIds.set(eventKey(f.internet_message_id, f.group_id), f.id);
      }
      const outcomes = assembleOutcomes(messages, matched, eventIds);
      return { outcomes, recorded: await record(trx, outcomes) };
    });
  }
}

let lastMs = 0;
let counter = 0;

/**
 * A UUID version 7 (RFC 9562): 48-bit milliseconds, a 12-bit counter, then random bits. Ids made one
 * after another sort together, so inserts land on the last pages of the id index instead of a random
 * page each (a random v4 id dirties one index page per event, which the WAL then has to write).
 */
export function timeOrderedId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // 4,096 ids in one millisecond: borrow the next one, keeping the order.
    lastMs++;
    counter = 0;
  }
  // randomUUID draws from a pooled buffer; its variant and last 62 random bits are kept.
  const random = randomUUID();
  const t = lastMs.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${random.slice(19)}`;
}
