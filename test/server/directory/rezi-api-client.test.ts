/** The Rezi API client's content retries, with the waits recorded instead of slept. */
import { SyncError } from '../../../src/core/causes';
import { ReziHttpClient } from '../../../src/server/directory/rezi-http';
import type { ReziContentBody } from '../../../src/server/directory/rezi-content';
import { API_KEY, startStandIn, type StandIn } from './rezi-api-stand-in';

let standIn: StandIn;
beforeAll(async () => {
  standIn = await startStandIn();
});
afterAll(() => standIn.close());

const body = { status: 'not-captured', ownerEmail: 'a@x', internetMessageId: '<m@x>' } as ReziContentBody;

function client() {
  const waits: number[] = [];
  const c = new ReziHttpClient({ baseUrl: standIn.url, apiKey: API_KEY, sleep: async (ms) => void waits.push(ms) });
  return { c, waits };
}

/** The error a PUT ended with, and how many requests it took. */
async function putFails(c: ReziHttpClient): Promise<{ error: SyncError; tries: number }> {
  const before = standIn.requests.length;
  const error = await c.putContent('EV-none', body, 'k:content').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SyncError);
  return { error: error as SyncError, tries: standIn.requests.length - before };
}

it('waits as Retry-After says, three tries in all, then gives the last answer', async () => {
  Object.assign(standIn, { contentFailures: 5, contentRetryAfter: '3' });
  const { c, waits } = client();
  const { error, tries } = await putFails(c);
  expect(error).toMatchObject({ code: 'server-unreachable', detail: { status: 503, retryAfterMs: 3000 } });
  expect(tries).toBe(3);
  expect(waits).toEqual([3000, 3000]);
});

it('pauses longer each time when Rezi names no wait', async () => {
  Object.assign(standIn, { contentFailures: 5, contentRetryAfter: '' });
  const { c, waits } = client();
  await putFails(c);
  expect(waits).toEqual([1000, 2000]);
});

it('does not hold the request for a Retry-After past 5 s, nor repeat an answer that is final', async () => {
  Object.assign(standIn, { contentFailures: 5, contentRetryAfter: '6' });
  const long = client();
  expect((await putFails(long.c)).tries).toBe(1);
  expect(long.waits).toEqual([]);
  Object.assign(standIn, { contentFailures: 0 });
  const final = client();
  const { error, tries } = await putFails(final.c);
  // No such event: Rezi's own not-found, answered once.
  expect(error).toMatchObject({ detail: { status: 404, providerCode: 'not-found' } });
  expect(tries).toBe(1);
  expect(final.waits).toEqual([]);
});
