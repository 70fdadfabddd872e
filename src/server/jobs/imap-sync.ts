/**
 * Start Sync as a job: POST /imap/sync enqueues it (dedupe key: the account's sync lease key) and
 * waits for its result up to SYNC_WAIT_SECONDS, so a short sync answers its report as it always did
 * and a long one answers 202 (started, still running; GET /imap shows `syncing`, sync history the
 * run). The handler runs ImapService.sync, which takes the account's lease. A refusal (409
 * sync-in-progress, branch not configured, not connected) is the job's result, not its failure: a
 * queue retries failures, and a refusal must not come back as a sync later. Only a crash or an
 * expiry makes the PostgreSQL queue run it again; such a resumed run waits for the dead instance's
 * lease to lapse rather than refusing.
 */
import type { AuthUser, ServerContext } from '../context';
import { ApiHttpError } from '../errors';
import type { CauseCode } from '../../core/causes';
import type { ImapSyncStarted } from '../../core/contract/imap';
import { renewEveryMs } from '../coordination/lease';
import { syncInProgress, syncLeaseKey, type ImapService, type ImapSyncResult } from '../imap/service';
import { JobFailed } from './pg-boss';
import { failureOf, type JobFailure } from './queue';
import { openJobQueue } from './queue-for';

export const IMAP_SYNC_JOB = 'imap-sync';

/** The words of a 202: the sync goes on without the pane. */
export const SYNC_STILL_RUNNING_MESSAGE =
  'Your sync has started and is still running: it carries on even if you close Outlook. Press Start Sync again later to see that it has finished.';

type Outcome = { report: ImapSyncResult } | { refused: JobFailure };

const refusal = (f: JobFailure) => new ApiHttpError(f.statusCode ?? 500, f.code ?? 'job-failed', f.message, f.cause ? { cause: f.cause as CauseCode } : {});

export interface ImapSyncJobs {
  /** Enqueues the user's Start Sync and answers its report, its refusal (as the service gave it), or that it still runs. */
  run(user: AuthUser): Promise<ImapSyncResult | ImapSyncStarted>;
  /** Stops this adapter's queue (runs in progress finish first). */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A resumed run: the instance that died still holds the lease until it lapses, so a refusal then
 * means "not yet", not "someone else syncs"; try again until a little past one TTL.
 */
export async function syncResumed(service: ImapService, user: AuthUser): Promise<ImapSyncResult> {
  const until = Date.now() + service.leases.ttlMs + renewEveryMs(service.leases.ttlMs);
  for (;;) {
    try {
      return await service.sync(user);
    } catch (e) {
      if (!(e instanceof ApiHttpError) || e.code !== 'sync-in-progress' || Date.now() >= until) throw e;
      await sleep(renewEveryMs(service.leases.ttlMs) / 2);
    }
  }
}

export async function imapSyncJobs(ctx: ServerContext, service: ImapService, options: { waitMs?: number } = {}): Promise<ImapSyncJobs> {
  const waitMs = options.waitMs ?? ctx.config.syncWaitMs;
  const queue = await openJobQueue(ctx);
  await queue.work<{ user: AuthUser }, Outcome>(IMAP_SYNC_JOB, async ({ user }, job) => {
    try {
      return { report: await (job.resumed ? syncResumed(service, user) : service.sync(user)) };
    } catch (e) {
      if (e instanceof ApiHttpError) return { refused: failureOf(e) };
      throw e;
    }
  });
  return {
    async run(user) {
      // Already running here or on another instance (the lease is in the store): refused at once.
      if (await service.leases.isHeld(syncLeaseKey(user))) throw syncInProgress();
      const job = await queue.enqueue<{ user: AuthUser }, Outcome>(IMAP_SYNC_JOB, syncLeaseKey(user), { user });
      if (job.duplicate) throw syncInProgress();
      let settled;
      try {
        settled = await job.settled(waitMs);
      } catch (e) {
        if (e instanceof JobFailed) throw refusal(e.failure);
        throw e;
      }
      if (!settled.done) return { state: 'running', jobId: job.id, message: SYNC_STILL_RUNNING_MESSAGE };
      if ('refused' in settled.result) throw refusal(settled.result.refused);
      return settled.result.report;
    },
    stop: () => queue.stop(),
  };
}
