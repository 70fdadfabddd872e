/**
 * Leases in the store: at most one instance holds a key at a time, however many adapter instances
 * share the database. A lease is taken with one atomic statement (an insert, or a take-over of a row
 * whose lease has expired), renewed while its work runs, and released in `finally`. An instance that
 * dies stops renewing, so its lease expires after the TTL and another instance may take it.
 *
 * Every take-over raises the row's fencing token. A holder that stalled past its expiry (a long GC
 * pause, a frozen VM) still believes it holds the lease; its writes name its token, and a token that
 * is no longer the row's is refused (`assertHeld`), so the stale holder cannot write after the new one.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';
import { coordinationDb, type CoordinationDb } from './tables';

/** How long a lease lasts without renewal: a dead instance's lock is free again after this. */
export const LEASE_TTL_MS = 120_000;

/** Renewed this often (a quarter of the TTL: three renewals may fail before the lease lapses). */
export const renewEveryMs = (ttlMs: number): number => Math.max(1, Math.floor(ttlMs / 4));

/** The lease was taken over (or released) while its holder still worked under it. */
export class LeaseLost extends Error {
  constructor(
    readonly key: string,
    readonly token: number,
  ) {
    super(`The lease ${key} (token ${token}) is no longer held.`);
    this.name = 'LeaseLost';
  }
}

export interface LeaseOptions {
  ttlMs?: number;
  /** This instance's id (default: a new id per Leases object). */
  holder?: string;
  /** Epoch milliseconds (tests move it). */
  now?: () => number;
}

export interface HeldLease {
  readonly key: string;
  readonly token: number;
  /** Aborted when a renewal finds the lease gone: the work under it should stop. */
  readonly signal: AbortSignal;
  /** Extends the expiry; false (and `signal` aborted) when the lease is no longer ours. */
  renew(): Promise<boolean>;
  /** Throws LeaseLost unless this token is still the row's and unexpired: call before a write the lease protects. */
  assertHeld(): Promise<void>;
  /** Lets the next taker in at once (the row and its token stay). */
  release(): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Sorts before every real expiry: a released lease is free. */
const RELEASED = iso(0);

export class Leases {
  readonly holder: string;
  readonly ttlMs: number;
  private readonly db: CoordinationDb;
  private readonly now: () => number;

  constructor(db: Kysely<Database>, options: LeaseOptions = {}) {
    this.db = coordinationDb(db);
    this.holder = options.holder ?? randomUUID();
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Takes the key if it is free or its lease has expired; undefined when another holder has it. */
  async acquire(key: string): Promise<HeldLease | undefined> {
    const now = this.now();
    // One statement, so two instances racing for the key cannot both win: the insert or the
    // conditional update decides, under the database's own row lock.
    const row = await this.db
      .insertInto('leases')
      .values({ key, holder: this.holder, token: 1, expires_at: iso(now + this.ttlMs) })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            token: eb('leases.token', '+', 1),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where('leases.expires_at', '<=', iso(now)),
      )
      .returning('token')
      .executeTakeFirst();
    return row ? this.held(key, Number(row.token)) : undefined;
  }

  /** Whether someone holds the key now. */
  async isHeld(key: string): Promise<boolean> {
    const row = await this.db.selectFrom('leases').select('key').where('key', '=', key).where('expires_at', '>', iso(this.now())).executeTakeFirst();
    return row !== undefined;
  }

  private held(key: string, token: number): HeldLease {
    const lost = new AbortController();
    const mine = () => this.db.updateTable('leases').where('key', '=', key).where('holder', '=', this.holder).where('token', '=', token);
    return {
      key,
      token,
      signal: lost.signal,
      renew: async () => {
        const now = this.now();
        const r = await mine()
          .set({ expires_at: iso(now + this.ttlMs) })
          .where('expires_at', '>', iso(now))
          .executeTakeFirst();
        const ok = Number(r.numUpdatedRows) === 1;
        if (!ok) lost.abort(new LeaseLost(key, token));
        return ok;
      },
      assertHeld: async () => {
        const row = await this.db.selectFrom('leases').select(['token', 'expires_at']).where('key', '=', key).executeTakeFirst();
        if (!row || Number(row.token) !== token || row.expires_at <= iso(this.now())) {
          lost.abort(new LeaseLost(key, token));
          throw new LeaseLost(key, token);
        }
      },
      release: async () => {
        await mine().set({ expires_at: RELEASED }).execute();
      },
    };
  }

  /**
   * Runs `work` under the key's lease, renewed every quarter of the TTL and released at the end;
   * undefined (work not run) when another holder has it.
   */
  async run<T>(key: string, work: (lease: HeldLease) => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const lease = await this.acquire(key);
    if (!lease) return { ran: false };
    const timer = setInterval(() => void lease.renew().catch(() => undefined), renewEveryMs(this.ttlMs));
    timer.unref();
    try {
      return { ran: true, value: await work(lease) };
    } finally {
      clearInterval(timer);
      await lease.release().catch(() => undefined);
    }
  }
}
