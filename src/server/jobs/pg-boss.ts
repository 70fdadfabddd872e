/**
 * The job queue on PostgreSQL, over pg-boss (its own schema `pgboss` in the same database): a job
 * survives the instance that enqueued it or ran it. Each queue is created `stately` (per dedupe key,
 * pg-boss's singletonKey, at most one job waiting and one running), and a job sent while another of
 * its key waits or runs is cancelled at once and answered as a duplicate: the second Start Sync is
 * refused, not queued behind the first.
 *
 * Expiry is a heartbeat, like the lease: a job is sent with a long ceiling (how long pg-boss's own
 * worker lets a handler run), and while its handler runs, its expiry in the job table is kept at
 * `heartbeatSeconds` from now, renewed every quarter of that. A job whose instance dies stops being
 * renewed, pg-boss's maintenance (run every quarter of it too) marks it for retry, and another
 * instance's worker runs it again.
 */
import type PgBoss from 'pg-boss';
import { renewEveryMs } from '../coordination/lease';
import { failureOf, type Enqueued, type JobFailure, type JobHandler, type JobQueue, type Settled } from './queue';

/** The part of pg-boss this queue uses (its documented API, narrowed so it can be tested without a server). */
export type Boss = Pick<PgBoss, 'stop' | 'createQueue' | 'getQueue' | 'send' | 'work' | 'getJobById' | 'cancel' | 'notifyWorker'>;

/** pg-boss's own SQL connection (boss.getDb()): the job table's expiry and the live jobs of a key. */
export interface BossDb {
  executeSql(text: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface PgBossQueueOptions {
  /** A running job not renewed for this long is taken as lost and run again elsewhere. */
  heartbeatSeconds?: number;
  /** The longest a handler may run at all (pg-boss fails it after this even while renewed). */
  ceilingSeconds?: number;
  /** Runs after the first (each after an expiry or a failure). */
  retryLimit?: number;
  /** How often a waiting caller reads the job's state. */
  pollMs?: number;
  /** pg-boss's schema (its default). */
  schema?: string;
}

/** The handler's failure, as pg-boss stored it (serialize-error of what the handler threw). */
export class JobFailed extends Error {
  constructor(readonly failure: JobFailure) {
    super(failure.message);
    this.name = 'JobFailed';
  }
}

/**
 * A handler's result as the queue stores it: pg-boss keeps an object output as it is but wraps any
 * other value in `{ value }`, so every result is wrapped here, the same way whatever its type.
 */
type Stored<Result> = { result: Result };

/** Reads a finished job: its result, its failure, or undefined while it still waits or runs. */
export function outcomeOf<Result>(
  job: Pick<PgBoss.JobWithMetadata<unknown>, 'state' | 'output'> | null,
  id: string,
): { done: true; result: Result } | { done: false } {
  if (!job) throw new JobFailed({ message: `Job ${id} is gone from the queue.` });
  if (job.state === 'completed') return { done: true, result: (job.output as Stored<Result>).result };
  if (job.state === 'failed' || job.state === 'cancelled') throw new JobFailed(failureOf(job.output ?? { message: `Job ${id} was ${job.state}.` }));
  return { done: false };
}

/** The SQL a heartbeat and the duplicate check run on pg-boss's job table (its column names, pg-boss 10). */
export const jobSql = (schema: string) => ({
  renew: `update ${schema}.job set expire_in = (now() - started_on) + $3 * interval '1 second' where name = $1 and id = $2 and state = 'active'`,
  firstLive: `select id from ${schema}.job where name = $1 and singleton_key = $2 and state in ('created', 'retry', 'active') order by created_on, id limit 1`,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function pgBossQueue(boss: Boss, db: BossDb | undefined, options: PgBossQueueOptions = {}): JobQueue {
  const { heartbeatSeconds = 120, ceilingSeconds = 4 * 3600, retryLimit = 2, pollMs = 250, schema = 'pgboss' } = options;
  const sql = jobSql(schema);
  const created = new Set<string>();
  /** This instance's worker per queue: woken when this instance sends, rather than at its next poll. */
  const workers = new Map<string, string>();
  const ensureQueue = async (name: string) => {
    if (created.has(name)) return;
    if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, policy: 'stately', expireInSeconds: ceilingSeconds, retryLimit });
    created.add(name);
  };
  const renew = (name: string, id: string) => db?.executeSql(sql.renew, [name, id, heartbeatSeconds]).catch(() => undefined);
  const settle = async <Result>(name: string, id: string, waitMs: number): Promise<Settled<Result>> => {
    const until = Date.now() + waitMs;
    for (;;) {
      const outcome = outcomeOf<Result>(await boss.getJobById(name, id, { includeArchive: true }), id);
      if (outcome.done || Date.now() >= until) return outcome;
      await sleep(Math.min(pollMs, Math.max(1, until - Date.now())));
    }
  };
  /** Whether a job of the key sent before `id` still waits or runs (then `id` is the duplicate). */
  const earlierLive = async (name: string, key: string, id: string) => {
    if (!db) return false;
    const { rows } = await db.executeSql(sql.firstLive, [name, key]);
    return rows.length > 0 && rows[0].id !== id;
  };
  return {
    kind: 'pg-boss',
    async work<Data extends object, Result>(name: string, handler: JobHandler<Data, Result>) {
      await ensureQueue(name);
      const worker = await boss.work<Data>(name, { batchSize: 1, includeMetadata: true }, async ([job]) => {
        await renew(name, job.id);
        const timer = setInterval(() => void renew(name, job.id), renewEveryMs(heartbeatSeconds * 1000));
        timer.unref();
        try {
          const stored: Stored<Result> = { result: await handler(job.data, { id: job.id, resumed: job.retryCount > 0 }) };
          return stored;
        } finally {
          clearInterval(timer);
        }
      });
      workers.set(name, worker);
    },
    async enqueue<Data extends object, Result>(name: string, key: string, data: Data): Promise<Enqueued<Result>> {
      await ensureQueue(name);
      const id = await boss.send(name, data, { singletonKey: key, expireInSeconds: ceilingSeconds, retryLimit });
      const duplicate = (): Enqueued<Result> => ({
        id: key,
        duplicate: true,
        settled: () => Promise.reject(new JobFailed({ message: `Job ${key} is already waiting or running.` })),
      });
      if (id === null) return duplicate();
      if (await earlierLive(name, key, id)) {
        await boss.cancel(name, id);
        return duplicate();
      }
      const worker = workers.get(name);
      if (worker) boss.notifyWorker(worker);
      return { id, duplicate: false, settled: (waitMs = Infinity) => settle<Result>(name, id, waitMs) };
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true });
      await workersGone(boss);
    },
  };
}

/**
 * pg-boss's stop resolves before its manager has let go of workers that were mid-fetch: it keeps a
 * loop of one-second waits until they have stopped, then drops them. Wait for that too, so nothing
 * of the queue runs after stop() (a test file's module registry, or a process about to exit).
 */
const QUIET_POLL_MS = 50;
// Its loop looks once a second, and a worker mid-fetch on a busy database may take several: 5 s was
// seen to run out on a loaded machine, leaving the loop running after stop().
const QUIET_WAIT_MS = 20_000;
async function workersGone(boss: Boss): Promise<void> {
  const wip = (boss as { getWipData?: (o: { includeInternal: boolean }) => unknown[] }).getWipData;
  if (!wip) return;
  const end = Date.now() + QUIET_WAIT_MS;
  while (wip.call(boss, { includeInternal: true }).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, QUIET_POLL_MS));
}
