/**
 * Content nobody's timeline shows any more goes. An agent who undoes a filing takes their copy of the
 * mail's content with it (`forgetUnfiledContent`, in the unfiling transaction), and bytes that no kept
 * content names are removed by a sweep once they are older than a grace period: a blob is stored a
 * moment before the row that names it, and a `put` of bytes already there renews their time, so the
 * sweep never takes bytes a filing in progress is about to name.
 */
import type { Kysely } from 'kysely';
import { Leases } from '../coordination/lease';
import type { Database } from '../store/schema';
import type { ContentStore } from './store';

/** Bytes younger than this are never swept: far longer than storing one mail's content takes. */
export const SWEEP_GRACE_MS = 60 * 60 * 1000;
/** How often each instance offers to sweep (one at a time across instances, under a lease). */
export const SWEEP_EVERY_MS = 60 * 60 * 1000;

/** Deletes `ownerId`'s content of the mail when they no longer file any event of it; true when it went. */
export async function forgetUnfiledContent(db: Kysely<Database>, ownerId: string, internetMessageId: string): Promise<boolean> {
  const still = await db
    .selectFrom('timeline_events')
    .innerJoin('timeline_event_filers', 'timeline_event_filers.event_id', 'timeline_events.id')
    .select('timeline_events.id')
    .where('timeline_events.internet_message_id', '=', internetMessageId)
    .where('timeline_event_filers.user_id', '=', ownerId)
    .limit(1)
    .executeTakeFirst();
  if (still) return false;
  const r = await db
    .deleteFrom('timeline_content')
    .where('owner_user_id', '=', ownerId)
    .where('internet_message_id', '=', internetMessageId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Every content key that kept content names (bodies and attachments), read a page at a time. */
async function referencedKeys(db: Kysely<Database>): Promise<Set<string>> {
  const keys = new Set<string>();
  let after: { owner: string; id: string } | undefined;
  for (;;) {
    let q = db
      .selectFrom('timeline_content')
      .select(['owner_user_id', 'internet_message_id', 'text_key', 'html_key', 'attachments'])
      .orderBy('owner_user_id')
      .orderBy('internet_message_id')
      .limit(1000);
    if (after) {
      const { owner, id } = after;
      q = q.where((eb) => eb.or([eb('owner_user_id', '>', owner), eb.and([eb('owner_user_id', '=', owner), eb('internet_message_id', '>', id)])]));
    }
    const rows = await q.execute();
    for (const r of rows) {
      if (r.text_key) keys.add(r.text_key);
      if (r.html_key) keys.add(r.html_key);
      for (const a of JSON.parse(r.attachments) as { key?: string }[]) if (a.key) keys.add(a.key);
    }
    if (rows.length < 1000) return keys;
    const last = rows[rows.length - 1];
    after = { owner: last.owner_user_id, id: last.internet_message_id };
  }
}

export interface SweepResult {
  removed: number;
  kept: number;
}

/** Removes stored bytes that no kept content names and that were stored more than `graceMs` ago. */
export async function sweepContent(db: Kysely<Database>, store: ContentStore, options: { now: number; graceMs?: number }): Promise<SweepResult> {
  const referenced = await referencedKeys(db);
  const before = options.now - (options.graceMs ?? SWEEP_GRACE_MS);
  const result: SweepResult = { removed: 0, kept: 0 };
  for await (const blob of store.list()) {
    if (referenced.has(blob.key) || blob.storedAt > before) {
      result.kept += 1;
      continue;
    }
    await store.delete(blob.key);
    result.removed += 1;
  }
  return result;
}

export interface ContentSweeper {
  stop(): void;
}

/** Sweeps every `everyMs`, at most one instance at a time; a failed sweep is logged and tried next time. */
export function startContentSweeper(
  db: Kysely<Database>,
  store: ContentStore,
  options: { everyMs?: number; now?: () => number; onError?: (e: unknown) => void; onSwept?: (r: SweepResult) => void } = {},
): ContentSweeper {
  const leases = new Leases(db);
  const now = options.now ?? Date.now;
  const sweep = () =>
    leases
      .run('content-sweep', () => sweepContent(db, store, { now: now() }))
      .then((r) => (r.ran ? options.onSwept?.(r.value) : undefined))
      .catch((e: unknown) => options.onError?.(e));
  const timer = setInterval(() => void sweep(), options.everyMs ?? SWEEP_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
