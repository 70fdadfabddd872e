/**
 * Background work as jobs: the port both queues implement. A job has a name (which handler runs it),
 * its data (plain JSON) and a dedupe key: while a job with that key is waiting or running, another
 * with the same key is not enqueued (`duplicate`). Which queue an adapter uses: jobs/queue-for.ts.
 */

/** What a handler's failure carries to whoever waits for the job (an ApiHttpError's fields, or a plain message). */
export interface JobFailure {
  message: string;
  statusCode?: number;
  code?: string;
  cause?: string;
}

/** `resumed`: the job runs again after its instance died (or it failed) mid-run. */
export type JobHandler<Data, Result> = (data: Data, job: { id: string; resumed: boolean }) => Promise<Result>;

/** A job's result, or that it still waits or runs once the caller stopped waiting. */
export type Settled<Result> = { done: true; result: Result } | { done: false };

export interface Enqueued<Result> {
  /** The queue's id of the job; for a duplicate, the key of the job already waiting or running. */
  id: string;
  /** A job with the same key was already waiting or running: this one was not enqueued. */
  duplicate: boolean;
  /**
   * The job's result once it has run, waiting at most `waitMs` (default: until it has run); rejects
   * with the handler's failure. A duplicate has none to wait for.
   */
  settled(waitMs?: number): Promise<Settled<Result>>;
}

export interface JobQueue {
  readonly kind: 'in-process' | 'pg-boss';
  /** This instance runs jobs of `name` with `handler` (one handler per name). */
  work<Data extends object, Result>(name: string, handler: JobHandler<Data, Result>): Promise<void>;
  enqueue<Data extends object, Result>(name: string, key: string, data: Data): Promise<Enqueued<Result>>;
  /** Stops taking jobs; jobs running here finish first. */
  stop(): Promise<void>;
}

/** A failure as it leaves a handler: the fields a waiting route needs to answer as the handler would have. */
export function failureOf(e: unknown): JobFailure {
  if (e && typeof e === 'object') {
    const { message, statusCode, code, causeCode } = e as { message?: unknown; statusCode?: unknown; code?: unknown; causeCode?: unknown };
    return {
      message: typeof message === 'string' ? message : String(e),
      ...(typeof statusCode === 'number' ? { statusCode } : {}),
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof causeCode === 'string' ? { cause: causeCode } : {}),
    };
  }
  return { message: String(e) };
}
