/** A sync's batch records go through only while its lease is still the account's current one. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { FilingMessage, FilingOutcome, History } from '../../../src/core/ports';
import { fencedHistory } from '../../../src/server/coordination/fenced-history';
import { LeaseLost, Leases } from '../../../src/server/coordination/lease';
import { migrate } from '../../../src/server/store/db';
import { openTestStore } from '../../support/store';
import type { Database } from '../../../src/server/store/schema';

let dir: string;
let db: Kysely<Database>;
let now = Date.parse('2026-12-01T09:00:00Z');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-fenced-'));
  db = await openTestStore(path.join(dir, 'rezi.sqlite'));
  await migrate(db);
});
afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('records batches while the lease holds, and refuses the stale holder’s next batch once another instance took over', async () => {
  const recorded: string[] = [];
  const store: History = {
    start: async () => undefined,
    record: async (messages: readonly FilingMessage[]) => void recorded.push(...messages.map((m) => m.internetMessageId)),
    finish: async () => undefined,
  };
  const stale = new Leases(db, { holder: 'stalled', ttlMs: 60_000, now: () => now });
  const lease = (await stale.acquire('imap-sync:u1'))!;
  const history = fencedHistory(store, lease);
  const batch = (id: string) => [{ internetMessageId: id } as FilingMessage];
  const none: FilingOutcome[] = [];
  await history.record(batch('<first@x>'), none);

  now += 61_000;
  const taker = await new Leases(db, { holder: 'other', ttlMs: 60_000, now: () => now }).acquire('imap-sync:u1');
  expect(taker).toBeDefined();
  await expect(history.record(batch('<second@x>'), none)).rejects.toBeInstanceOf(LeaseLost);
  expect(lease.signal.aborted).toBe(true);
  expect(recorded).toEqual(['<first@x>']);
});
