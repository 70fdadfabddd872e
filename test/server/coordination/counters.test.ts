/** Fixed-window counters in the store: one upsert per hit, a new window after the old one ended, ended rows swept. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Counters } from '../../../src/server/coordination/counters';
import { coordinationDb } from '../../../src/server/coordination/tables';
import { migrate } from '../../../src/server/store/db';
import { openTestStore } from '../../support/store';
import type { Database } from '../../../src/server/store/schema';

let dir: string;
let db: Kysely<Database>;
let now = Date.parse('2026-12-01T09:00:00Z');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-counters-'));
  db = await openTestStore(path.join(dir, 'rezi.sqlite'));
  await migrate(db);
});
afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('counts hits within the window, starts afresh after it, and peeks without counting', async () => {
  const counters = new Counters(db, () => now);
  expect(await counters.hit('k', 60_000)).toEqual({ hits: 1, ttlMs: 60_000 });
  now += 20_000;
  expect(await counters.hit('k', 60_000)).toEqual({ hits: 2, ttlMs: 40_000 });
  expect(await counters.peek('k')).toEqual({ hits: 2, ttlMs: 40_000 });
  expect(await counters.peek('k')).toEqual({ hits: 2, ttlMs: 40_000 });
  now += 40_000;
  expect(await counters.peek('k')).toEqual({ hits: 0, ttlMs: 0 });
  expect(await counters.hit('k', 60_000)).toEqual({ hits: 1, ttlMs: 60_000 });
});

it('sweeps the rows of ended windows', async () => {
  const counters = new Counters(db, () => now);
  for (let i = 0; i < 20; i++) await counters.hit(`scan-${i}`, 1_000);
  now += 61_000;
  await counters.hit('after', 60_000);
  const left = await coordinationDb(db).selectFrom('rate_counters').select('key').where('key', 'like', 'scan-%').execute();
  expect(left).toEqual([]);
});
