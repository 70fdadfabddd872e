/** A busy store's WAL is checkpointed by a worker thread, not by a commit on the event loop. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../../../src/server/store/db';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-ckpt-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** ~375 KB of audit rows in 250 autocommitted statements. */
async function writeSome(file: string, backgroundCheckpoint: boolean) {
  const db = openDatabase(file, { backgroundCheckpoint });
  try {
    await migrate(db);
    const before = fs.statSync(file).size;
    for (let i = 0; i < 250; i++) {
      await db
        .insertInto('audit_log')
        .values({ id: `a${i}`, at: new Date(0).toISOString(), actor_user_id: null, branch_id: null, action: 'bench', details: 'x'.repeat(1500) })
        .execute();
    }
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    // The worker checkpoints every 200 ms.
    const deadline = Date.now() + 5000;
    while (backgroundCheckpoint && fs.statSync(file).size <= before + 200_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return { before, after: fs.statSync(file).size, autocheckpoint: rows[0].wal_autocheckpoint };
  } finally {
    await db.destroy();
  }
}

it('hands checkpoints to a worker once the store is busy, which copies committed pages into the database file', async () => {
  const { before, after, autocheckpoint } = await writeSome(path.join(dir, 'busy.sqlite'), true);
  // The main connection only checkpoints as a fallback (10,000 pages, far above these writes)…
  expect(autocheckpoint).toBe(10_000);
  // …yet the pages reach the database file: the worker copied them.
  expect(after).toBeGreaterThan(before + 200_000);
});

it('leaves checkpoints on the main connection when the worker is off', async () => {
  const { autocheckpoint } = await writeSome(path.join(dir, 'plain.sqlite'), false);
  expect(autocheckpoint).toBe(1000);
});
