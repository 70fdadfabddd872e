/**
 * Fixed-window counters in the store, shared by every instance on the database: the per-user request
 * limit (@fastify/rate-limit's store) and the failed-sign-in limit per address both count here. One
 * upsert per hit (a new window starts at the first hit after the old one ended); rows of ended
 * windows are swept now and then, so a scan from many addresses does not grow the table forever.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../store/schema';
import { coordinationDb, type CoordinationDb } from './tables';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  hits: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Stand-ins for the upsert's values in its compiled form (no key or time can look like them). */
const KEY = '\u0000key';
const ENDS = '\u0000window-ends';
const AT = '\u0000now';

export class Counters {
  private readonly db: CoordinationDb;
  private lastSweep = 0;
  private upsert?: CompiledQuery;
  private select?: CompiledQuery;

  constructor(
    db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {
    this.db = coordinationDb(db);
  }

  /** Counts one hit for `key` in a window of `windowMs`. */
  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    await this.sweep(now, windowMs);
    this.upsert ??= this.compileUpsert();
    const { rows } = await this.db.executeQuery<{ hits: number; window_ends: string }>(
      this.bind(this.upsert, { [KEY]: key, [ENDS]: iso(now + windowMs), [AT]: iso(now) }),
    );
    const row = rows[0];
    return { hits: Number(row.hits), ttlMs: Math.max(0, Date.parse(row.window_ends) - now) };
  }

  /**
   * The upsert, compiled by Kysely once (for this database's dialect) with stand-ins for its values:
   * building it afresh cost ~0.15 ms of a ~0.22 ms hit, on every API request (the peek likewise).
   */
  private compileUpsert(): CompiledQuery {
    return this.db
      .insertInto('rate_counters')
      .values({ key: KEY, hits: 1, window_ends: ENDS })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          hits: eb
            .case()
            .when('rate_counters.window_ends', '<=', AT)
            .then(1)
            .else(eb('rate_counters.hits', '+', 1))
            .end(),
          window_ends: eb
            .case()
            .when('rate_counters.window_ends', '<=', AT)
            .then(eb.ref('excluded.window_ends'))
            .else(eb.ref('rate_counters.window_ends'))
            .end(),
        })),
      )
      .returning(['hits', 'window_ends'])
      .compile();
  }

  /** The current window's count without counting (0 hits when the window has ended). */
  async peek(key: string): Promise<WindowCount> {
    const now = this.now();
    this.select ??= this.db.selectFrom('rate_counters').select(['hits', 'window_ends']).where('key', '=', KEY).where('window_ends', '>', AT).compile();
    const { rows } = await this.db.executeQuery<{ hits: number; window_ends: string }>(this.bind(this.select, { [KEY]: key, [AT]: iso(now) }));
    const row = rows[0];
    return row ? { hits: Number(row.hits), ttlMs: Date.parse(row.window_ends) - now } : { hits: 0, ttlMs: 0 };
  }

  /** A compiled query with its stand-ins replaced by this call's values. */
  private bind(query: CompiledQuery, values: Record<string, unknown>): CompiledQuery {
    return CompiledQuery.raw(
      query.sql,
      query.parameters.map((p) => (typeof p === 'string' && Object.hasOwn(values, p) ? values[p] : p)),
    );
  }

  /** Once a window per instance: the rows whose window has ended go. */
  private async sweep(now: number, windowMs: number): Promise<void> {
    if (now - this.lastSweep < windowMs) return;
    this.lastSweep = now;
    await this.db.deleteFrom('rate_counters').where('window_ends', '<=', iso(now)).execute();
  }
}
