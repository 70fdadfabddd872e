/**
 * Which job queue an adapter uses: pg-boss when the store is PostgreSQL (DATABASE_URL), so a job
 * outlives the instance running it, unless JOBS_ON_POSTGRES=0; otherwise the in-process queue. A
 * running job is renewed like the sync lease (LEASE_TTL_SECONDS, every quarter of it), and pg-boss's
 * maintenance looks for lapsed jobs as often, so a dead instance's sync runs again elsewhere within
 * about one TTL. One queue per adapter (app), stopped when that app closes: another app built on the
 * same context has its own.
 */
import type { ServerContext } from '../context';
import { inProcessQueue } from './in-process';
import { pgBossQueue, type BossDb } from './pg-boss';
import type { JobQueue } from './queue';

/** pg-boss's options for a lease TTL: maintenance (which expires lapsed jobs) every quarter of it. */
export const bossTimings = (leaseTtlMs: number) => {
  const heartbeatSeconds = Math.max(1, Math.round(leaseTtlMs / 1000));
  return { heartbeatSeconds, maintenanceIntervalSeconds: Math.max(1, Math.floor(heartbeatSeconds / 4)) };
};

export async function openJobQueue(ctx: ServerContext): Promise<JobQueue> {
  const { databaseUrl, jobsOnPostgres, leaseTtlMs } = ctx.config;
  if (!databaseUrl || !jobsOnPostgres) return inProcessQueue();
  const { heartbeatSeconds, maintenanceIntervalSeconds } = bossTimings(leaseTtlMs);
  // Loaded only here: an adapter on SQLite never loads pg-boss or pg.
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: databaseUrl, max: 4, application_name: 'rezi-adapter-jobs', maintenanceIntervalSeconds });
  boss.on('error', (error) => ctx.log.error({ err: error }, 'job queue error'));
  await boss.start();
  ctx.log.info({ heartbeatSeconds }, 'background jobs run on pg-boss in the PostgreSQL store');
  return pgBossQueue(boss, boss.getDb() as BossDb, { heartbeatSeconds });
}
