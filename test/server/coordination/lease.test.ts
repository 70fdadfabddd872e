/** Leases in the store, as several instances see them: two connections (two "adapters") on one store file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { LeaseLost, Leases, renewEveryMs } from '../../../src/server/coordination/lease';
import { coordinationDb } from '../../../src/server/coordination/tables';
import { migrate } from '../../../src/server/store/db';
import { openTestStore } from '../../support/store';
import type { Database } from '../../../src/server/store/schema';

let dir: string;
let a: Kysely<Database>;
let b: Kysely<Database>;
let now = Date.parse('2026-12-01T09:00:00Z');
const clock = () => now;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-lease-'));
  const file = path.join(dir, 'rezi.sqlite');
  a = await openTestStore(file);
  await migrate(a);
  b = await openTestStore(file);
});
afterAll(async () => {
  await a.destroy();
  await b.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('lets exactly one of many instances racing for a key take it', async () => {
  const instances = Array.from({ length: 8 }, (_, i) => new Leases(i % 2 ? a : b, { holder: `instance-${i}`, now: clock }));
  const taken = await Promise.all(instances.map((l) => l.acquire('race')));
  expect(taken.filter(Boolean)).toHaveLength(1);
  expect(await instances[0].isHeld('race')).toBe(true);
});

it('refuses the key while it is held, and lets the next holder in at once after release, with a higher token', async () => {
  const one = new Leases(a, { holder: 'one', now: clock });
  const two = new Leases(b, { holder: 'two', now: clock });
  const first = await one.acquire('released');
  expect(first?.token).toBe(1);
  expect(await two.acquire('released')).toBeUndefined();
  await first!.release();
  expect(await one.isHeld('released')).toBe(false);
  const second = await two.acquire('released');
  expect(second?.token).toBe(2);
});

it('hands a lease whose holder stopped renewing to another instance after the TTL, not before', async () => {
  const dead = new Leases(a, { holder: 'dead', ttlMs: 120_000, now: clock });
  const alive = new Leases(b, { holder: 'alive', ttlMs: 120_000, now: clock });
  const held = await dead.acquire('expiry');
  expect(held).toBeDefined();
  now += 119_000;
  expect(await alive.acquire('expiry')).toBeUndefined();
  now += 1_000;
  const taken = await alive.acquire('expiry');
  expect(taken?.token).toBe(held!.token + 1);
});

it('keeps a renewed lease past its first expiry', async () => {
  const holder = new Leases(a, { holder: 'renewing', ttlMs: 60_000, now: clock });
  const other = new Leases(b, { holder: 'other', ttlMs: 60_000, now: clock });
  const held = await holder.acquire('renewed');
  now += 50_000;
  expect(await held!.renew()).toBe(true);
  now += 50_000;
  expect(await other.acquire('renewed')).toBeUndefined();
  await expect(held!.assertHeld()).resolves.toBeUndefined();
});

it('refuses a stale holder’s write (old fencing token) and its renewal once another instance took over', async () => {
  const stale = new Leases(a, { holder: 'stale', ttlMs: 60_000, now: clock });
  const fresh = new Leases(b, { holder: 'fresh', ttlMs: 60_000, now: clock });
  const old = await stale.acquire('fenced');
  now += 61_000;
  const current = await fresh.acquire('fenced');
  expect(current!.token).toBeGreaterThan(old!.token);
  await expect(old!.assertHeld()).rejects.toBeInstanceOf(LeaseLost);
  expect(old!.signal.aborted).toBe(true);
  expect(await old!.renew()).toBe(false);
  // The stale holder's release does not free the new holder's lease.
  await old!.release();
  expect(await stale.isHeld('fenced')).toBe(true);
  await expect(current!.assertHeld()).resolves.toBeUndefined();
});

it('runs work under the lease, renewing it, and refuses a second run meanwhile', async () => {
  // The renewal timer is faked and the clock moved by hand, so a busy machine cannot stall a renewal
  // past the TTL; the database calls stay real.
  jest.useFakeTimers({
    doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'],
  });
  try {
    const ttlMs = 40_000;
    const one = new Leases(a, { holder: 'worker-1', ttlMs, now: clock });
    const two = new Leases(b, { holder: 'worker-2', ttlMs, now: clock });
    expect(renewEveryMs(ttlMs)).toBe(10_000);
    let release!: () => void;
    const running = one.run('job', () => new Promise<string>((r) => (release = () => r('done'))));
    await until(async () => (await expiryOf('job')) === new Date(now + ttlMs).toISOString());
    const started = now;
    for (let i = 0; i < 6; i += 1) {
      now += renewEveryMs(ttlMs);
      jest.advanceTimersByTime(renewEveryMs(ttlMs));
      await until(async () => (await expiryOf('job')) === new Date(now + ttlMs).toISOString());
    }
    // Past the first TTL, the lease is still held: the runner renewed it.
    expect(now - started).toBeGreaterThan(ttlMs);
    expect(await two.run('job', async () => 'twice')).toEqual({ ran: false });
    release();
    expect(await running).toEqual({ ran: true, value: 'done' });
    expect(await two.run('job', async () => 'next')).toEqual({ ran: true, value: 'next' });
  } finally {
    jest.useRealTimers();
  }
});

async function expiryOf(key: string): Promise<string | undefined> {
  const row = await coordinationDb(a).selectFrom('leases').select('expires_at').where('key', '=', key).executeTakeFirst();
  return row?.expires_at;
}

/** Polls (real time, bounded) until `check` holds: a fire-and-forget renewal has reached the store. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the lease was not renewed');
}
