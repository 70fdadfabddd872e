/**
 * The IMAP scale rows' measurements, in a process of their own (spawned by imap.bench.ts, compiled
 * to plain JavaScript first by compile-tree.cjs, as the adapter is deployed), so the peak RSS is the adapter's (its SQLite store and directory, Start Sync's engine
 * and ImapMailbox), not jest's. In order, each on a freshly seeded Queue (seeding not timed):
 * a warm-up sync of 1,000; the protocol floor (a bare imapflow client: the same FETCH and one UID
 * MOVE per destination); a measured sync of 1,000; then the N mails the parent appended to
 * Bench-Staging are moved into Queue and, with the peak RSS reset (clear_refs), synced; last, every
 * filed mail is put back in Queue and the floor runs over them, so the server's own growth with the
 * mailbox's size is measured beside the adapter's. argv: JSON { host, port, user, password, n }. Prints one JSON line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { syncQueue } from '../../src/core/engine';
import { directoryFor } from '../../src/server/directory/core-adapter';
import { StoreHistory } from '../../src/server/history';
import { ImapMailbox, packUids } from '../../src/server/imap/mailbox';
import { RESULTS_KEPT, SYNC_BATCH } from '../../src/server/imap/service';
import { DEMO_ADDRESSES } from '../../src/server/store/demo-data';
import { startTestAdapter } from '../support/adapter';
import { appendMessages, testClient, type DovecotInstance, type SeedMail } from '../support/dovecot';
import { agentUser } from '../faults/soak';

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
export const STAGING = 'Bench-Staging';
const CONTACTS = [DEMO_ADDRESSES.cliftonVendor, DEMO_ADDRESSES.cliftonTwoGroups, DEMO_ADDRESSES.cliftonLandlord];

/**
 * The protocol floor: a bare imapflow client on Queue doing what the adapter must: UID FETCH of the
 * same envelopes in chunks of SYNC_BATCH (one FETCH of everything for a Queue that small), and a
 * UID MOVE per destination once SYNC_BATCH of its mails are fetched (and for the rest at the end).
 */
async function bareFloor(
  server: DovecotInstance,
  login: { user: string; password: string },
  tree: { queue: string; received: string; sent: string; failed: string },
) {
  const t0 = performance.now();
  const bare = testClient(server, login, { disableAutoIdle: true });
  await bare.connect();
  const box = await bare.mailboxOpen(tree.queue);
  const query = { uid: true, flags: true, envelope: true, internalDate: true };
  const uids = box.exists <= SYNC_BATCH ? ['1:*'] : ((await bare.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
  const byFolder = new Map<string, number[]>();
  let mails = 0;
  let moves = 0;
  const flush = async (all: boolean) => {
    for (const [folder, list] of byFolder)
      if (list.length > 0 && (all || list.length >= SYNC_BATCH)) {
        await bare.messageMove(packUids(list), folder, { uid: true });
        byFolder.set(folder, []);
        moves++;
      }
  };
  for (let i = 0; i < uids.length; i += SYNC_BATCH) {
    const set = typeof uids[0] === 'string' ? '1:*' : packUids((uids as number[]).slice(i, i + SYNC_BATCH));
    const rows = await bare.fetchAll(set, query, { uid: true });
    mails += rows.length;
    for (const row of rows) {
      const k = Number(/ (\d+)$/.exec(row.envelope?.subject ?? '')?.[1]);
      const folder = k % 3 === 0 ? tree.received : k % 3 === 1 ? tree.sent : tree.failed;
      const list = byFolder.get(folder) ?? [];
      list.push(row.uid);
      byFolder.set(folder, list);
    }
    await flush(false);
  }
  await flush(true);
  await bare.logout();
  return { ms: performance.now() - t0, mails, moves };
}

async function main() {
  const { host, port, user, password, n } = JSON.parse(process.argv[2]) as { host: string; port: number; user: string; password: string; n: number };
  const server = { host, port } as DovecotInstance;
  const login = { user, password };
  const settings = { host, port, ssl: false, starttls: false, verifyCertificates: true };
  const mails = (count: number, tag: string): SeedMail[] =>
    Array.from({ length: count }, (_, i) => {
      const kind = i % 3;
      const contact = CONTACTS[i % CONTACTS.length];
      return {
        from: kind === 0 ? contact : kind === 1 ? user : `stranger${i}@example.invalid`,
        to: kind === 1 ? contact : user,
        subject: `Scale ${tag} ${i}`,
        messageId: `<scale-${tag}-${i}-${Date.now()}@rezi-bench.test>`,
      };
    });
  const adapter = await startTestAdapter({ logLevel: 'warn' });
  try {
    const setup = await ImapMailbox.open({ settings, login: { username: user, password } });
    const tree = await setup.ensureFolders();
    await setup.close();
    const sync = async (count: number) => {
      const t0 = performance.now();
      // Envelopes only, as Start Sync opens it (ImapSyncService: preview false), and as the floor fetches.
      const mailbox = await ImapMailbox.open({ settings, login: { username: user, password }, preview: false });
      // As Start Sync runs it: outcomes recorded in the run's history, the report's list bounded.
      const report = await syncQueue(mailbox, directoryFor(adapter.ctx, agentUser), {
        owner: { addresses: [user] },
        batchSize: SYNC_BATCH,
        concurrency: 1,
        keepResults: RESULTS_KEPT,
        history: new StoreHistory(adapter.ctx.db, agentUser, 'imap'),
      });
      await mailbox.close();
      const filed = report.sent + report.received + report.failed;
      if (filed !== count) throw new Error(`Only ${filed} of ${count} mails were filed (${report.error?.code ?? 'no error'}).`);
      return performance.now() - t0;
    };

    await appendMessages(server, login, tree.queue, mails(1000, 'warm'));
    await sync(1000);

    await appendMessages(server, login, tree.queue, mails(1000, 'floor'));
    const floor1k = await bareFloor(server, login, tree);
    if (floor1k.mails !== 1000) throw new Error(`floor: fetched ${floor1k.mails} of 1000`);

    await appendMessages(server, login, tree.queue, mails(1000, 'one-k'));
    const cpu1k = process.cpuUsage();
    const wall1kMs = await sync(1000);
    const cpu1kMs = cpuMs(process.cpuUsage(cpu1k));
    const peak1k = status('VmHWM');

    // The N mails were appended by the parent into Staging (so seeding costs this process no memory):
    // one server-side MOVE puts them in Queue.
    const mover = testClient(server, login, { disableAutoIdle: true });
    await mover.connect();
    const staged = await mover.mailboxOpen(STAGING);
    if (staged.exists !== n) throw new Error(`Staging holds ${staged.exists} mails, not ${n}`);
    await mover.messageMove('1:*', tree.queue);
    await mover.logout();
    global.gc?.();
    // Resets VmHWM to the current RSS (Linux clear_refs "5"): the peak below is the sync's alone.
    writeFileSync('/proc/self/clear_refs', '5');
    const rssBefore = status('VmRSS');
    const heapBefore = process.memoryUsage().heapUsed;
    const heapTotalBefore = process.memoryUsage().heapTotal;
    // Where the memory is while the sync runs: V8's heap, or outside it (Buffers, SQLite, the allocator).
    const peaks = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
    let snapshotTo = process.env.BENCH_IMAP_SNAPSHOT;
    const sample = setInterval(() => {
      const u = process.memoryUsage();
      for (const k of Object.keys(peaks) as (keyof typeof peaks)[]) peaks[k] = Math.max(peaks[k], u[k]);
      // BENCH_IMAP_SNAPSHOT=file: a heap snapshot once the heap passes 100 MB, to see what holds it.
      if (snapshotTo && u.heapUsed > 100 * 2 ** 20) {
        writeHeapSnapshot(snapshotTo);
        snapshotTo = undefined;
      }
    }, 50);
    const cpuN = process.cpuUsage();
    const wallNMs = await sync(n);
    const cpuNMs = cpuMs(process.cpuUsage(cpuN));
    clearInterval(sample);
    const peakRss = status('VmHWM');
    // What the run leaves behind once garbage is collected (the report's per-mail results, the store's caches).
    global.gc?.();
    const heapKept = process.memoryUsage().heapUsed - heapBefore;

    // The floor at N: every filed mail put back in Queue (not timed), then the bare client's run over them.
    const back = testClient(server, login, { disableAutoIdle: true });
    await back.connect();
    for (const folder of [tree.received, tree.sent, tree.failed]) {
      await back.mailboxOpen(folder);
      await back.messageMove('1:*', tree.queue);
    }
    await back.logout();
    const floorN = await bareFloor(server, login, tree);
    process.stdout.write(
      `${JSON.stringify({ n, floorMs: floor1k.ms, moves: floor1k.moves, floorN, wall1kMs, peak1k, wallNMs, rssBefore, peakRss, heapKept, peaks, heapBefore, heapTotalBefore, cpu1kMs, cpuNMs })}\n`,
    );
  } finally {
    await adapter.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
