/**
 * The pg-boss job queue without a PostgreSQL server: how it asks pg-boss for a deduplicated job and
 * reads a finished one. The stored shapes are pg-boss 10's own: a failure is what its serializer
 * (serialize-error, as pg-boss's manager.js calls it) makes of the thrown error; `send` answers null
 * when the queue's policy refused the job (pg-boss docs, "send": "null if the job was not created").
 */
import { serializeError } from 'serialize-error';
import type PgBoss from 'pg-boss';
import { ApiHttpError } from '../../../src/server/errors';
import { JobFailed, jobSql, outcomeOf, pgBossQueue, type Boss, type BossDb } from '../../../src/server/jobs/pg-boss';

it('reads a completed job’s output, and nothing yet while it waits, runs or is retried', () => {
  expect(outcomeOf({ state: 'completed', output: { result: { total: 3 } } }, 'j')).toEqual({ done: true, result: { total: 3 } });
  expect(outcomeOf({ state: 'completed', output: { result: 'plain' } }, 'j')).toEqual({ done: true, result: 'plain' });
  for (const state of ['created', 'active', 'retry'] as const) expect(outcomeOf({ state, output: null as unknown as object }, 'j')).toEqual({ done: false });
});

it('turns a failed job’s stored error back into the fields the route answers with', () => {
  const stored = serializeError(new ApiHttpError(502, 'imap-error', 'The mail server broke.', { cause: 'server-unreachable' })) as object;
  expect(() => outcomeOf({ state: 'failed', output: stored }, 'j')).toThrow(JobFailed);
  try {
    outcomeOf({ state: 'failed', output: stored }, 'j');
  } catch (e) {
    expect((e as JobFailed).failure).toEqual({ message: 'The mail server broke.', statusCode: 502, code: 'imap-error', cause: 'server-unreachable' });
  }
  expect(() => outcomeOf(null, 'gone')).toThrow(/gone from the queue/);
  expect(() => outcomeOf({ state: 'cancelled', output: null as unknown as object }, 'c')).toThrow(/was cancelled/);
});

/** pg-boss's documented calls, answering as pg-boss does; records what it was asked. */
function boss(answers: { send: string | null; jobs?: PgBoss.JobWithMetadata<unknown>[] }) {
  const calls: {
    createQueue: unknown[][];
    send: unknown[][];
    cancel: unknown[][];
    notified: string[];
    workers: ((jobs: PgBoss.JobWithMetadata<object>[]) => Promise<unknown>)[];
  } = {
    createQueue: [],
    cancel: [],
    notified: [],
    send: [],
    workers: [],
  };
  const jobs = [...(answers.jobs ?? [])];
  const stand = {
    getQueue: async () => null,
    createQueue: async (...a: unknown[]) => void calls.createQueue.push(a),
    send: async (...a: unknown[]) => (calls.send.push(a), answers.send),
    work: async (_n: string, _o: unknown, h: (jobs: PgBoss.JobWithMetadata<object>[]) => Promise<unknown>) => (calls.workers.push(h), 'worker'),
    getJobById: async () => jobs.shift() ?? null,
    cancel: async (...a: unknown[]) => void calls.cancel.push(a),
    notifyWorker: (id: string) => void calls.notified.push(id),
    stop: async () => undefined,
  };
  return { boss: stand as unknown as Boss, calls };
}

it('creates each queue stately and sends with the dedupe key as singletonKey; null from send is a duplicate', async () => {
  const { boss: b, calls } = boss({ send: null });
  const queue = pgBossQueue(b, undefined, { ceilingSeconds: 600, retryLimit: 1 });
  const job = await queue.enqueue('imap-sync', 'imap-sync:u1', { user: 'u1' });
  expect(job).toMatchObject({ id: 'imap-sync:u1', duplicate: true });
  expect(calls.createQueue).toEqual([['imap-sync', { name: 'imap-sync', policy: 'stately', expireInSeconds: 600, retryLimit: 1 }]]);
  expect(calls.send).toEqual([['imap-sync', { user: 'u1' }, { singletonKey: 'imap-sync:u1', expireInSeconds: 600, retryLimit: 1 }]]);
  await expect(job.settled()).rejects.toThrow(/already waiting or running/);
  await queue.enqueue('imap-sync', 'imap-sync:u1', { user: 'u1' });
  expect(calls.createQueue).toHaveLength(1);
});

it('waits for a sent job until pg-boss reports it completed, and runs a fetched job with the handler', async () => {
  const running = { state: 'active', output: null } as unknown as PgBoss.JobWithMetadata<unknown>;
  const done = { state: 'completed', output: { result: { total: 7 } } } as unknown as PgBoss.JobWithMetadata<unknown>;
  const { boss: b, calls } = boss({ send: '0190-job', jobs: [running, running, done] });
  const queue = pgBossQueue(b, undefined, { pollMs: 1 });
  await queue.work<{ n: number }, number>('double', async ({ n }, { id, resumed }) => (id === 'job-1' && !resumed ? n * 2 : -1));
  expect(await calls.workers[0]([{ id: 'job-1', name: 'double', data: { n: 4 }, retryCount: 0 } as PgBoss.JobWithMetadata<object>])).toEqual({ result: 8 });
  expect(await calls.workers[0]([{ id: 'job-1', name: 'double', data: { n: 4 }, retryCount: 1 } as PgBoss.JobWithMetadata<object>])).toEqual({ result: -1 });
  const job = await queue.enqueue('double', 'k', { n: 1 });
  expect(job).toMatchObject({ id: '0190-job', duplicate: false });
  // This instance works the queue: its worker is woken at once rather than at its next poll.
  expect(calls.notified).toEqual(['worker']);
  expect(await job.settled()).toEqual({ done: true, result: { total: 7 } });
});

/** pg-boss's SQL connection, answering the first live job of a key; records the statements. */
function bossDb(firstLive: string | undefined) {
  const sql: { text: string; values: unknown[] }[] = [];
  const db: BossDb = {
    executeSql: async (text, values) => {
      sql.push({ text, values });
      return { rows: text.startsWith('select') && firstLive ? [{ id: firstLive }] : [] };
    },
  };
  return { db, sql };
}

it('cancels a job sent while an earlier one of its key still waits or runs, and answers it as a duplicate', async () => {
  const { boss: b, calls } = boss({ send: 'second' });
  const { db, sql } = bossDb('first');
  const job = await pgBossQueue(b, db).enqueue('imap-sync', 'imap-sync:u1', {});
  expect(job).toMatchObject({ id: 'imap-sync:u1', duplicate: true });
  expect(calls.cancel).toEqual([['imap-sync', 'second']]);
  expect(sql).toEqual([{ text: jobSql('pgboss').firstLive, values: ['imap-sync', 'imap-sync:u1'] }]);

  const alone = pgBossQueue(boss({ send: 'first' }).boss, bossDb('first').db);
  expect(await alone.enqueue('imap-sync', 'imap-sync:u1', {})).toMatchObject({ id: 'first', duplicate: false });
});

it('keeps a running job’s expiry a heartbeat ahead while its handler runs, and stops renewing when it ends', async () => {
  jest.useFakeTimers();
  try {
    const { boss: b, calls } = boss({ send: 'j' });
    const { db, sql } = bossDb(undefined);
    const queue = pgBossQueue(b, db, { heartbeatSeconds: 8 });
    let finish!: () => void;
    await queue.work('long', () => new Promise<void>((r) => (finish = r)));
    const running = calls.workers[0]([{ id: 'j1', name: 'long', data: {}, retryCount: 0 } as PgBoss.JobWithMetadata<object>]);
    await jest.advanceTimersByTimeAsync(8_000 + 10);
    const renewals = () => sql.filter((s) => s.text === jobSql('pgboss').renew);
    // Once at the start, then every quarter of the heartbeat (2 s): 1 + 4.
    expect(renewals()).toHaveLength(5);
    expect(renewals()[0].values).toEqual(['long', 'j1', 8]);
    finish();
    await running;
    await jest.advanceTimersByTimeAsync(8_000);
    expect(renewals()).toHaveLength(5);
  } finally {
    jest.useRealTimers();
  }
});

it('stops waiting at the bound with the job still running', async () => {
  const running = { state: 'active', output: null } as unknown as PgBoss.JobWithMetadata<unknown>;
  const { boss: b } = boss({ send: 'j', jobs: Array.from({ length: 100 }, () => running) });
  const job = await pgBossQueue(b, undefined, { pollMs: 1 }).enqueue('long', 'k', {});
  expect(await job.settled(20)).toEqual({ done: false });
});

it('stop() resolves only once pg-boss has let go of its workers (its manager drops them after stop itself resolves)', async () => {
  const { boss: b } = boss({ send: null });
  let polls = 0;
  // pg-boss's manager: its workers stay listed for a while after boss.stop() has resolved.
  const stub = Object.assign(b, { getWipData: () => (++polls < 4 ? [{ id: 'worker-mid-fetch' }] : []) });
  const queue = pgBossQueue(stub, undefined);
  await queue.stop();
  expect(polls).toBe(4);
});
