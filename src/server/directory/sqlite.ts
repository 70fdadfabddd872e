/**
 * The embedded directory: groups, contacts and timeline events in the adapter's own store.
 *
 * One lookup query per batch (all addresses at once, `address in (…)`, branch-scoped), then one
 * transaction that inserts every (owner, message, group) event with ON CONFLICT DO NOTHING and reads
 * the ids back: the unique key, not memory, makes filing exactly-once across concurrent requests,
 * retries and restarts.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ApiFileOutcome, ApiFileRequest } from '../../core/api';
import type { AuthUser } from '../context';
import type { Database, TimelineEventTable } from '../store/schema';
import { assembleOutcomes, chunk, eventKey, type FoundGroup, groupLink, groupsFor, prepareBatch } from './matching';
import type { DirectoryStore } from './types';

/** Bound parameters per statement, well under SQLite's limit (32,766) and PostgreSQL's (65,535). */
const LOOKUP_CHUNK = 2000;
const INSERT_ROWS = 500;

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
    const { messages, addresses } = prepareBatch(request, user.email);
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
            id: randomUUID(),
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
    if (rows.size > 0) {
      const messageKeys = [...new Set([...rows.values()].map((r) => r.internet_message_id))];
      await this.db.transaction().execute(async (trx) => {
        for (const part of chunk([...rows.values()], INSERT_ROWS)) {
          await trx
            .insertInto('timeline_events')
            .values(part)
            .onConflict((oc) => oc.columns(['owner_user_id', 'internet_message_id', 'group_id']).doNothing())
            .execute();
        }
        for (const part of chunk(messageKeys, LOOKUP_CHUNK)) {
          const found = await trx
            .selectFrom('timeline_events')
            .select(['id', 'internet_message_id', 'group_id'])
            .where('owner_user_id', '=', user.id)
            .where('internet_message_id', 'in', part)
            .execute();
          for (const f of found) eventIds.set(eventKey(f.internet_message_id, f.group_id), f.id);
        }
      });
    }
    return assembleOutcomes(messages, matched, eventIds);
  }
}
