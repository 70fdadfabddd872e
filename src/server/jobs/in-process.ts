/**
 * The job queue on the embedded SQLite store: the same interface, but a job runs at once in this
 * process and survives nothing: if the process dies, the job is gone (for a sync that is safe: the
 * engine leaves unfinished mail in Queue, and the next Start Sync files it). The handler's own
 * error reaches the caller unchanged.
 */
import { randomUUID } from 'node:crypto';
import type { Enqueued, JobHandler, JobQueue, Settled } from './queue';

export function inProcessQueue(): JobQueue {
  const handlers = new Map<string, JobHandler<never, unknown>>();
  const running = new Map<string, Promise<unknown>>();
  let stopped = false;
  return {
    kind: 'in-process',
    async work(name, handler) {
      handlers.set(name, handler as JobHandler<never, unknown>);
    },
    async enqueue<Data extends object, Result>(name: string, key: string, data: Data): Promise<Enqueued<Result>> {
      const handler = handlers.get(name);
      if (!handler || stopped) throw new Error(`No worker for jobs of ${name} on this instance.`);
      const slot = `${name}\u0000${key}`;
      if (running.has(slot)) return { id: key, duplicate: true, settled: () => Promise.reject(new Error(`Job ${key} is already running.`)) };
      const id = randomUUID();
      const done = (handler as JobHandler<Data, Result>)(data, { id, resumed: false }).finally(() => running.delete(slot));
      running.set(slot, done);
      // The caller may stop waiting: the rejection is still handled.
      done.catch(() => undefined);
      const settled = (waitMs = Infinity): Promise<Settled<Result>> => {
        const result = done.then((r): Settled<Result> => ({ done: true, result: r }));
        if (!Number.isFinite(waitMs)) return result;
        let timer: NodeJS.Timeout | undefined;
        const later = new Promise<Settled<Result>>((r) => (timer = setTimeout(() => r({ done: false }), waitMs)));
        return Promise.race([result, later]).finally(() => clearTimeout(timer));
      };
      return { id, duplicate: false, settled };
    },
    async stop() {
      stopped = true;
      await Promise.allSettled([...running.values()]);
    },
  };
}
