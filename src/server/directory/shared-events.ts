/**
 * Timeline events shared by colleagues: one per (group, message), whoever files it, with a filer row
 * per colleague who did. The unique keys, not memory, make it exactly-once: the event's
 * (message, group) across colleagues, and the filer's (event, user) across one agent's retries.
 */
import type { Kysely } from 'kysely';
import type { AlreadyOnTimeline } from '../../core/ports';
import type { AuthUser } from '../context';
import { BatchInsert } from '../store/db';
import type { Database, TimelineEventFilerTable, TimelineEventTable } from '../store/schema';
import { chunk, eventKey } from './matching';

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
      .onConflict((oc) => oc.columns(['internet_message_id', 'group_id']).doNothing())
      .returning(['id', 'internet_message_id', 'group_id']),
);
type InsertedEvent = Pick<TimelineEventTable, 'id' | 'internet_message_id' | 'group_id'>;

const insertFilers = new BatchInsert<TimelineEventFilerTable>(['event_id', 'user_id', 'mailbox', 'filed_at'], (db, rows) =>
  db
    .insertInto('timeline_event_filers')
    .values(rows)
    .onConflict((oc) => oc.columns(['event_id', 'user_id']).doNothing()),
);

export interface RecordedEvents {
  /** By eventKey(message, group): the event's id. */
  ids: Map<string, string>;
  /** By eventKey: events a colleague filed first (not set when the caller did, a retry included). */
  already: Map<string, AlreadyOnTimeline>;
}

/**
 * Records `rows` (events the caller's batch files, one per key) inside `trx`: new ones are inserted,
 * existing ones (a retry, or a colleague's) answered with their id, and the caller joins each as a filer,
 * noted with the mailbox the mail was filed from (a shared mailbox's, else their own).
 */
export async function recordSharedEvents(
  trx: Kysely<Database>,
  user: AuthUser,
  rows: readonly TimelineEventTable[],
  mailbox: string = user.email,
): Promise<RecordedEvents> {
  const ids = new Map<string, string>();
  const already = new Map<string, AlreadyOnTimeline>();
  // In key order, so two batches sharing keys take their row locks in the same order (no deadlock on PostgreSQL).
  const sorted = [...rows].sort((a, b) => compare(eventKey(a.internet_message_id, a.group_id), eventKey(b.internet_message_id, b.group_id)));
  const wanted = new Set(sorted.map((r) => eventKey(r.internet_message_id, r.group_id)));
  for (const part of chunk(sorted, INSERT_ROWS)) {
    const { rows: inserted } = await trx.executeQuery<InsertedEvent>(insertEvents.query(trx, part));
    for (const f of inserted) ids.set(eventKey(f.internet_message_id, f.group_id), f.id);
  }
  // Keys already on the timeline: answer the existing ids, and say who filed them first.
  const existing = [...new Set(sorted.filter((r) => !ids.has(eventKey(r.internet_message_id, r.group_id))).map((r) => r.internet_message_id))];
  for (const part of chunk(existing, LOOKUP_CHUNK)) {
    const found = await trx
      .selectFrom('timeline_events')
      .leftJoin('users', 'users.id', 'timeline_events.owner_user_id')
      .select(['timeline_events.id', 'internet_message_id', 'group_id', 'owner_user_id', 'created_at', 'users.name'])
      .where('internet_message_id', 'in', part)
      .execute();
    for (const f of found) {
      const key = eventKey(f.internet_message_id, f.group_id);
      if (!wanted.has(key)) continue;
      ids.set(key, f.id);
      if (f.owner_user_id !== user.id) already.set(key, { firstFiledBy: f.name ?? 'a colleague', firstFiledAt: f.created_at });
    }
  }
  const filedAt = sorted[0]?.created_at ?? new Date().toISOString();
  const filers = [...new Set(ids.values())].sort(compare).map((event_id) => ({ event_id, user_id: user.id, mailbox, filed_at: filedAt }));
  for (const part of chunk(filers, INSERT_ROWS)) await trx.executeQuery(insertFilers.query(trx, part));
  return { ids, already };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
