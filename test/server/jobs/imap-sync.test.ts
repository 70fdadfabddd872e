/** Start Sync as a job on the in-process queue: the same answers as calling the service, refusals included. */
import pino from 'pino';
import { loadConfig } from '../../../src/server/config';
import type { AuthUser, ServerContext } from '../../../src/server/context';
import { ApiHttpError } from '../../../src/server/errors';
import { syncInProgress, type ImapService, type ImapSyncResult } from '../../../src/server/imap/service';
import { imapSyncJobs, syncResumed, SYNC_STILL_RUNNING_MESSAGE } from '../../../src/server/jobs/imap-sync';
import { openJobQueue } from '../../../src/server/jobs/queue-for';

const user = { id: 'u1', tenantId: 't', oid: null, email: 'a@x.test', name: 'A', branchId: 'b', branchName: 'B', role: 'agent' } as AuthUser;
/** No lease held anywhere: the service's own lock decides. */
const free = { isHeld: async () => false, ttlMs: 40 };
const ctx = () => ({ config: loadConfig({ AUTH_LOCAL_ISSUER: '1' }), log: pino({ level: 'silent' }) }) as unknown as ServerContext;

it('runs on the in-process queue when no PostgreSQL store is configured', async () => {
  expect((await openJobQueue(ctx())).kind).toBe('in-process');
});

it('answers the run’s report, and a second Start Sync of the account while it runs with 409 sync-in-progress', async () => {
  let finish!: (r: ImapSyncResult) => void;
  const service = { leases: free, sync: () => new Promise<ImapSyncResult>((r) => (finish = r)) } as unknown as ImapService;
  const jobs = await imapSyncJobs(ctx(), service);
  const first = jobs.run(user);
  await new Promise((r) => setImmediate(r));
  await expect(jobs.run(user)).rejects.toMatchObject({ statusCode: 409, code: 'sync-in-progress' });
  const report = { runId: 'r1', total: 2, sent: 1, received: 1, failed: 0, pending: 0 } as ImapSyncResult;
  finish(report);
  expect(await first).toEqual(report);
});

it('answers the service’s refusal as the service gave it (status, code, words, cause)', async () => {
  const refusal = new ApiHttpError(409, 'imap-not-connected', 'Connect your email account first.', { cause: 'not-configured' });
  const service = { leases: free, sync: () => Promise.reject(refusal) } as unknown as ImapService;
  const jobs = await imapSyncJobs(ctx(), service);
  const answer = await jobs.run(user).catch((e: unknown) => e);
  expect(answer).toBeInstanceOf(ApiHttpError);
  expect(answer).toMatchObject({ statusCode: 409, code: 'imap-not-connected', message: 'Connect your email account first.', causeCode: 'not-configured' });
});

it('passes a crash of the run on unchanged', async () => {
  const crash = new RangeError('engine broke');
  const service = { leases: free, sync: () => Promise.reject(crash) } as unknown as ImapService;
  const jobs = await imapSyncJobs(ctx(), service);
  await expect(jobs.run(user)).rejects.toBe(crash);
});

it('refuses at once with 409 when the account’s lease is held (a sync on another instance), without enqueuing', async () => {
  let ran = 0;
  const service = { leases: { isHeld: async () => true, ttlMs: 40 }, sync: async () => (ran++, {}) } as unknown as ImapService;
  const jobs = await imapSyncJobs(ctx(), service);
  await expect(jobs.run(user)).rejects.toMatchObject({ statusCode: 409, code: 'sync-in-progress' });
  expect(ran).toBe(0);
});

it('answers 202-style “still running” once the wait is over, and the run goes on to its end', async () => {
  let finish!: (r: ImapSyncResult) => void;
  const service = { leases: free, sync: () => new Promise<ImapSyncResult>((r) => (finish = r)) } as unknown as ImapService;
  const jobs = await imapSyncJobs(ctx(), service, { waitMs: 10 });
  const answer = await jobs.run(user);
  expect(answer).toEqual({ state: 'running', jobId: expect.any(String), message: SYNC_STILL_RUNNING_MESSAGE });
  await expect(jobs.run(user)).rejects.toMatchObject({ code: 'sync-in-progress' });
  finish({ runId: 'r', total: 0 } as ImapSyncResult);
  await jobs.stop();
});

it('a resumed run waits for the dead instance’s lease to lapse instead of refusing, up to a little past one TTL', async () => {
  let tries = 0;
  const report = { runId: 'r2', total: 5 } as ImapSyncResult;
  const lapsing = { leases: free, sync: async () => (++tries < 3 ? Promise.reject(syncInProgress()) : report) } as unknown as ImapService;
  expect(await syncResumed(lapsing, user)).toBe(report);
  expect(tries).toBe(3);

  const held = { leases: free, sync: async () => Promise.reject(syncInProgress()) } as unknown as ImapService;
  await expect(syncResumed(held, user)).rejects.toMatchObject({ statusCode: 409, code: 'sync-in-progress' });
  const other = new ApiHttpError(409, 'imap-not-connected', 'Connect first.');
  await expect(syncResumed({ leases: free, sync: async () => Promise.reject(other) } as unknown as ImapService, user)).rejects.toBe(other);
});
