/** The in-process job queue (embedded SQLite store): runs a job now, one per key at a time, the handler's own error passed on. */
import { inProcessQueue } from '../../../src/server/jobs/in-process';

it('runs an enqueued job at once and answers its result', async () => {
  const queue = inProcessQueue();
  await queue.work<{ n: number }, number>('double', async ({ n }) => n * 2);
  const job = await queue.enqueue<{ n: number }, number>('double', 'k', { n: 21 });
  expect(job.duplicate).toBe(false);
  expect(await job.settled()).toEqual({ done: true, result: 42 });
});

it('refuses a second job with the same key while the first runs, and takes it once the first has finished', async () => {
  const queue = inProcessQueue();
  const finishers: (() => void)[] = [];
  await queue.work<object, string>('slow', () => new Promise((r) => finishers.push(() => r('done'))));
  const first = await queue.enqueue<object, string>('slow', 'account-1', {});
  const again = await queue.enqueue<object, string>('slow', 'account-1', {});
  expect(again.duplicate).toBe(true);
  await expect(again.settled()).rejects.toThrow(/already running/);
  const other = await queue.enqueue<object, string>('slow', 'account-2', {});
  expect(other.duplicate).toBe(false);
  finishers[0]();
  expect(await first.settled()).toEqual({ done: true, result: 'done' });
  const later = await queue.enqueue<object, string>('slow', 'account-1', {});
  expect(later.duplicate).toBe(false);
  finishers[2]();
  await expect(later.settled()).resolves.toEqual({ done: true, result: 'done' });
  finishers[1]();
  await expect(other.settled()).resolves.toEqual({ done: true, result: 'done' });
});

it('passes the handler’s own error to the caller, and refuses jobs nobody works or after stop', async () => {
  const queue = inProcessQueue();
  const failure = new TypeError('broken');
  await queue.work('fails', async () => {
    throw failure;
  });
  await expect((await queue.enqueue('fails', 'k', {})).settled()).rejects.toBe(failure);
  await expect(queue.enqueue('nobody', 'k', {})).rejects.toThrow(/No worker for jobs of nobody/);
  await queue.stop();
  await expect(queue.enqueue('fails', 'k', {})).rejects.toThrow(/No worker/);
});

it('stops waiting after the bound and says the job still runs; the job itself goes on and its result is still there', async () => {
  const queue = inProcessQueue();
  let finish!: (v: string) => void;
  await queue.work<object, string>('long', () => new Promise((r) => (finish = r)));
  const job = await queue.enqueue<object, string>('long', 'k', {});
  expect(await job.settled(5)).toEqual({ done: false });
  expect((await queue.enqueue('long', 'k', {})).duplicate).toBe(true);
  finish('late');
  expect(await job.settled(5)).toEqual({ done: true, result: 'late' });
});
