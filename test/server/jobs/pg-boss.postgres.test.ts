/**
 * The pg-boss queue on a real PostgreSQL (pg-boss 10's own job table): a job sent while another of its
 * key waits or runs is refused, not queued behind it, and a running job's expiry is kept a heartbeat
 * ahead. PostgreSQL run only.
 */
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../../src/server/config';
import type { ServerContext } from '../../../src/server/context';
import { openJobQueue } from '../../../src/server/jobs/queue-for';
import type { JobQueue } from '../../../src/server/jobs/queue';
import { postgresAvailable, testDatabaseUrl, testStoreKind } from '../../support/postgres';

const onPostgres = testStoreKind() === 'postgres' && postgresAvailable();
if (!onPostgres) console.warn('pg-boss.postgres.test.ts: SKIPPED (run it with npm run test:postgres, which needs PostgreSQL installed).');
const run = onPostgres ? describe : describe.skip;

run('the pg-boss queue on PostgreSQL', () => {
  let url: string;
  let queue: JobQueue;
  let db: pg.Client;
  // Every handler this file starts must end before the queue stops: pg-boss's manager keeps looking
  // for a worker stuck in its handler long after stop(), past the end of the file. A handler that starts
  // after the release (a job the last step sent) finishes at once.
  const finishers: (() => void)[] = [];
  let released = false;
  const heldUntilReleased = () => (released ? Promise.resolve('done') : new Promise<string>((r) => finishers.push(() => r('done'))));
  beforeAll(async () => {
    url = await testDatabaseUrl();
    const config = loadConfig({ AUTH_LOCAL_ISSUER: '1', DATABASE_URL: url, LEASE_TTL_SECONDS: '20' });
    queue = await openJobQueue({ config, log: pino({ level: 'silent' }) } as unknown as ServerContext);
    db = new pg.Client({ connectionString: url });
    await db.connect();
  });
  afterAll(async () => {
    released = true;
    finishers.forEach((f) => f());
    await queue?.stop();
    await db?.end();
  });

  const stateOf = async (id: string) =>
    (
      await db.query<{ state: string; expire: number }>(
        'select state, extract(epoch from (started_on + expire_in - now()))::float as expire from pgboss.job where id = $1',
        [id],
      )
    ).rows[0];

  it('is pg-boss whenever DATABASE_URL is set', () => {
    expect(queue.kind).toBe('pg-boss');
  });

  it('refuses a second job of a key while the first runs, keeps the running one a heartbeat from expiry, and takes the key again after', async () => {
    await queue.work<object, string>('held', heldUntilReleased);
    const first = await queue.enqueue<object, string>('held', 'account-1', {});
    expect(first.duplicate).toBe(false);
    for (let i = 0; i < 100 && finishers.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(finishers).toHaveLength(1);
    const running = await stateOf(first.id);
    expect(running.state).toBe('active');
    // Sent with a ceiling of hours, renewed to the lease TTL (20 s) when the handler started.
    expect(running.expire).toBeLessThanOrEqual(20);
    expect(running.expire).toBeGreaterThan(10);

    const second = await queue.enqueue<object, string>('held', 'account-1', {});
    expect(second.duplicate).toBe(true);
    const live = await db.query("select id from pgboss.job where name = 'held' and state in ('created', 'retry', 'active')");
    expect(live.rows.map((r: { id: string }) => r.id)).toEqual([first.id]);
    expect((await queue.enqueue<object, string>('held', 'account-2', {})).duplicate).toBe(false);

    finishers[0]();
    expect(await first.settled()).toEqual({ done: true, result: 'done' });
    const again = await queue.enqueue<object, string>('held', 'account-1', {});
    expect(again.duplicate).toBe(false);
    released = true;
    finishers.forEach((f) => f());
    expect(await again.settled()).toEqual({ done: true, result: 'done' });
  });
});
