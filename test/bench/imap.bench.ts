/**
 * IMAP path on a real Dovecot: 1,000 queued mails filed end to end (connect, folder tree, one FETCH,
 * filing through the adapter's own directory, MOVEs, logout; the test's APPENDs excluded), beside a
 * naive per-message loop (fetch one, file one, move one) on fewer mails, scaled linearly.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { syncQueue } from '../../src/core/engine';
import { directionOf } from '../../src/core/direction';
import { normaliseAddressList } from '../../src/core/addresses';
import { directoryFor } from '../../src/server/directory/core-adapter';
import { ImapMailbox } from '../../src/server/imap/mailbox';
import { DEMO_ADDRESSES } from '../../src/server/store/demo-data';
import { startTestAdapter } from '../support/adapter';
import { appendMessages, dovecotAvailable, startDovecot, testClient, type SeedMail } from '../support/dovecot';
import { agentUser } from '../faults/soak';
import { addRow, notMeasured, ratio } from './rows';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileTree } = require('./compile-tree.cjs') as { compileTree(root: string): string };

const N = Number(process.env.BENCH_IMAP_N ?? 1000);
const NAIVE_N = Number(process.env.BENCH_NAIVE_N ?? 100);
const AGENT = agentUser.email;
const LOGIN = { user: AGENT, password: 'Bench-Pa55word' };
const CONTACTS = [DEMO_ADDRESSES.cliftonVendor, DEMO_ADDRESSES.cliftonTwoGroups, DEMO_ADDRESSES.cliftonLandlord];

const mails = (n: number, tag: string): SeedMail[] =>
  Array.from({ length: n }, (_, i) => {
    const kind = i % 3;
    const contact = CONTACTS[i % CONTACTS.length];
    return {
      from: kind === 0 ? contact : kind === 1 ? AGENT : `stranger${i}@example.invalid`,
      to: kind === 1 ? contact : AGENT,
      subject: `Bench ${tag} ${i}`,
      messageId: `<bench-imap-${tag}-${i}-${Date.now()}@rezi-bench.test>`,
    };
  });

it('IMAP path on Dovecot: 1,000 queued mails', async () => {
  if (!dovecotAvailable()) {
    notMeasured('IMAP: FETCH/MOVE commands', '≤ 1 FETCH, ≤ 3 MOVE', 'Dovecot is not installed');
    notMeasured('IMAP: wall', '≤ 1 s', 'Dovecot is not installed');
    return;
  }
  const adapter = await startTestAdapter({ logLevel: 'warn' });
  const dovecot = await startDovecot({ delimiter: '.', users: [LOGIN], tls: false });
  const settings = { host: dovecot.host, port: dovecot.port, ssl: false, starttls: false, verifyCertificates: true };
  const login = { username: LOGIN.user, password: LOGIN.password };
  try {
    const setup = await ImapMailbox.open({ settings, login });
    const tree = await setup.ensureFolders();
    await setup.close();
    await appendMessages(dovecot, LOGIN, tree.queue, mails(N, 'engine'));

    const t0 = performance.now();
    const mailbox = await ImapMailbox.open({ settings, login });
    const report = await syncQueue(mailbox, directoryFor(adapter.ctx, agentUser), { owner: { addresses: [AGENT] }, batchSize: 1000, concurrency: 1 });
    const counts = mailbox.commandCounts();
    await mailbox.close();
    const wall = performance.now() - t0;
    const filed = report.sent + report.received + report.failed;
    if (filed !== N) throw new Error(`Only ${filed} of ${N} mails were filed (${report.error?.code ?? 'no error'}).`);
    const fetches = (counts['UID FETCH'] ?? 0) + (counts.FETCH ?? 0);
    const moves = (counts['UID MOVE'] ?? 0) + (counts.MOVE ?? 0) + (counts['UID COPY'] ?? 0);

    // Naive: one message at a time: fetch its envelope, file it alone, move it.
    await appendMessages(dovecot, LOGIN, tree.queue, mails(NAIVE_N, 'naive'));
    const directory = directoryFor(adapter.ctx, agentUser);
    const owner = new Set([AGENT]);
    let naiveCommands = 0;
    const n0 = performance.now();
    const client = testClient(dovecot, LOGIN);
    await client.connect();
    const box = await client.mailboxOpen(tree.queue);
    const uids = (await client.search({ all: true }, { uid: true })) || [];
    if (uids.length !== NAIVE_N || box.exists !== NAIVE_N) throw new Error('naive: Queue does not hold the naive mails');
    for (const uid of uids) {
      const m = await client.fetchOne(String(uid), { envelope: true }, { uid: true });
      if (!m || !m.envelope) throw new Error('naive: no envelope');
      const from = normaliseAddressList((m.envelope.from ?? []).map((a) => ({ address: a.address, name: a.name })));
      const to = normaliseAddressList((m.envelope.to ?? []).map((a) => ({ address: a.address, name: a.name })));
      const direction = directionOf(from, owner);
      const [outcome] = await directory.file(
        [{ internetMessageId: m.envelope.messageId ?? '', from, to, cc: [], date: '', subject: m.envelope.subject ?? '', preview: '', direction }],
        { ownerAddresses: [AGENT] },
      );
      await client.messageMove(String(uid), outcome.status === 'filed' ? (direction === 'outbound' ? tree.sent : tree.received) : tree.failed, { uid: true });
      naiveCommands += 2;
    }
    await client.logout();
    const naiveWall = ((performance.now() - n0) / NAIVE_N) * N;

    addRow({
      name: `IMAP: FETCH + MOVE commands (${N} mails)`,
      figure: `${fetches} FETCH + ${moves} MOVE`,
      baseline: `${Math.round((naiveCommands / NAIVE_N) * N)} naive (${NAIVE_N} mails ×${N / NAIVE_N})`,
      ratio: ratio(fetches + moves, (naiveCommands / NAIVE_N) * N),
      goal: '≤ 1 FETCH, ≤ 3 MOVE',
      met: fetches <= 1 && moves <= 3,
      note: `all commands ${JSON.stringify(counts)}`,
    });
    addRow({
      name: `IMAP: wall end to end (${N} mails)`,
      figure: `${(wall / 1000).toFixed(2)} s`,
      baseline: `${(naiveWall / 1000).toFixed(1)} s naive (${NAIVE_N} measured, ×${N / NAIVE_N} linear)`,
      ratio: ratio(wall, naiveWall),
      goal: '≤ 1 s',
      met: wall <= 1000,
    });
  } finally {
    await dovecot.stop();
    await adapter.close();
  }
});

const SCALE_N = Number(process.env.BENCH_IMAP_SCALE_N ?? 50_000);

interface ScaleRun {
  n: number;
  floorMs: number;
  moves: number;
  wall1kMs: number;
  peak1k: number;
  wallNMs: number;
  rssBefore: number;
  peakRss: number;
  heapKept: number;
  peaks: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  heapBefore: number;
  heapTotalBefore: number;
  cpu1kMs: number;
  cpuNMs: number;
}

it(`IMAP path on Dovecot: ${SCALE_N} queued mails against 1,000, and 1,000 against the protocol floor`, async () => {
  if (!dovecotAvailable()) {
    notMeasured(`IMAP: time per mail at ${SCALE_N}`, '≤ ×1.2 the 1,000-mail figure', 'Dovecot is not installed');
    notMeasured('IMAP: wall against the protocol floor', '≤ ×2.5', 'Dovecot is not installed');
    return;
  }
  const dovecot = await startDovecot({ delimiter: '.', users: [LOGIN], tls: false });
  try {
    // Seeded here, not in the child, so seeding does not count in the adapter's memory.
    await appendMessages(dovecot, LOGIN, 'Bench-Staging', mails(SCALE_N, 'scale'));
    // In a process of its own (imap-scale-child.ts, compiled): its peak RSS is the adapter's, not jest's.
    // Plain JavaScript, compiled first (compile-tree.cjs): the deployed adapter carries no compiler.
    const built = compileTree(path.resolve(__dirname, '../..'));
    const out = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        path.join(built, 'test/bench/imap-scale-child.js'),
        JSON.stringify({ host: dovecot.host, port: dovecot.port, user: LOGIN.user, password: LOGIN.password, n: SCALE_N }),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const r = JSON.parse(out.trim().split('\n').pop()!) as ScaleRun;
    const perMail1k = r.wall1kMs / 1000;
    const perMailN = r.wallNMs / r.n;
    const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
    addRow({
      name: `IMAP: time per mail at ${r.n} mails`,
      figure: `${perMailN.toFixed(2)} ms (${(r.wallNMs / 1000).toFixed(1)} s)`,
      baseline: `${perMail1k.toFixed(2)} ms at 1,000 (${(r.wall1kMs / 1000).toFixed(2)} s, same process, warm)`,
      ratio: ratio(perMailN, perMail1k),
      goal: '≤ ×1.2',
      met: perMailN <= 1.2 * perMail1k,
      note: `the adapter's own CPU per mail: ${(r.cpuNMs / r.n).toFixed(2)} ms at ${r.n}, ${(r.cpu1kMs / 1000).toFixed(2)} ms at 1,000 (the rest of the wall is waiting on the IMAP server)`,
    });
    addRow({
      name: `IMAP: adapter peak RSS during the ${r.n}-mail sync`,
      figure: mb(r.peakRss),
      baseline: `${mb(r.rssBefore)} before it; ${mb(r.peak1k)} peak up to the 1,000-mail sync`,
      ratio: ratio(r.peakRss, r.rssBefore),
      goal: '≤ 256 MB',
      met: r.peakRss <= 256 * 2 ** 20,
      note: `V8 heap before the sync ${mb(r.heapBefore)} used of ${mb(r.heapTotalBefore)}; peaks during it: ${mb(r.peaks.heapUsed)} used of ${mb(r.peaks.heapTotal)}, external ${mb(r.peaks.external)} (Buffers ${mb(r.peaks.arrayBuffers)}); heap still held after it and a full GC: ${mb(r.heapKept)}`,
    });
    addRow({
      name: 'IMAP: 1,000-mail wall against the protocol floor',
      figure: `${(r.wall1kMs / 1000).toFixed(2)} s`,
      baseline: `${(r.floorMs / 1000).toFixed(2)} s bare imapflow (same FETCH + ${r.moves} UID MOVEs)`,
      ratio: ratio(r.wall1kMs, r.floorMs),
      goal: '≤ ×2.5',
      met: r.wall1kMs <= 2.5 * r.floorMs,
    });
  } finally {
    await dovecot.stop();
  }
});
