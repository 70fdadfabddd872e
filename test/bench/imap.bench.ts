/**
 * IMAP path on a real Dovecot: 1,000 queued mails filed end to end (connect, folder tree, one FETCH,
 * filing through the adapter's own directory, MOVEs, logout; the test's APPENDs excluded), beside a
 * naive per-message loop (fetch one, file one, move one) on fewer mails, scaled linearly.
 */
import { syncQueue } from '../../src/core/engine';
import { directionOf } from '../../src/core/direction';
import { normaliseAddressList } from '../../src/core/addresses';
import { directoryFor } from '../../src/server/directory/core-adapter';
import { ImapMailbox, packUids } from '../../src/server/imap/mailbox';
import { DEMO_ADDRESSES } from '../../src/server/store/demo-data';
import { startTestAdapter } from '../support/adapter';
import { appendMessages, dovecotAvailable, startDovecot, testClient, type SeedMail } from '../support/dovecot';
import { agentUser } from '../faults/soak';
import { addRow, notMeasured, ratio } from './rows';

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
const FLOOR_N = 1000;

/** Peak resident set size of this process (the adapter runs in it) while `body` runs, sampled every 50 ms. */
async function peakRss<T>(body: () => Promise<T>): Promise<{ value: T; peak: number; before: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    const value = await body();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peak, before };
  } finally {
    clearInterval(timer);
  }
}

it(`IMAP path on Dovecot: ${SCALE_N} queued mails against 1,000, and 1,000 against the protocol floor`, async () => {
  if (!dovecotAvailable()) {
    notMeasured(`IMAP: time per mail at ${SCALE_N}`, '≤ ×1.2 the 1,000-mail figure', 'Dovecot is not installed');
    notMeasured('IMAP: wall against the protocol floor', '≤ ×2.5', 'Dovecot is not installed');
    return;
  }
  const adapter = await startTestAdapter({ logLevel: 'warn' });
  const dovecot = await startDovecot({ delimiter: '.', users: [LOGIN], tls: false });
  const settings = { host: dovecot.host, port: dovecot.port, ssl: false, starttls: false, verifyCertificates: true };
  const login = { username: LOGIN.user, password: LOGIN.password };
  const sync = async (n: number) => {
    const t0 = performance.now();
    const mailbox = await ImapMailbox.open({ settings, login });
    const report = await syncQueue(mailbox, directoryFor(adapter.ctx, agentUser), { owner: { addresses: [AGENT] }, batchSize: 1000, concurrency: 1 });
    await mailbox.close();
    const wall = performance.now() - t0;
    const filed = report.sent + report.received + report.failed;
    if (filed !== n) throw new Error(`Only ${filed} of ${n} mails were filed (${report.error?.code ?? 'no error'}).`);
    return wall;
  };
  try {
    const setup = await ImapMailbox.open({ settings, login });
    const tree = await setup.ensureFolders();
    await setup.close();

    // 1,000 mails through the adapter's Start Sync path (engine, directory, MOVEs).
    await appendMessages(dovecot, LOGIN, tree.queue, mails(FLOOR_N, 'floor-engine'));
    const wall1k = await sync(FLOOR_N);

    // The protocol floor: a bare imapflow client doing the same FETCH and the same three MOVEs.
    const floorMails = mails(FLOOR_N, 'floor-bare');
    await appendMessages(dovecot, LOGIN, tree.queue, floorMails);
    const f0 = performance.now();
    const bare = testClient(dovecot, LOGIN, { disableAutoIdle: true });
    await bare.connect();
    await bare.mailboxOpen(tree.queue);
    const rows = await bare.fetchAll('1:*', { uid: true, flags: true, envelope: true, internalDate: true }, { uid: true });
    const byFolder = new Map<string, number[]>();
    for (const row of rows) {
      const i = Number(/ (\d+)$/.exec(row.envelope?.subject ?? '')?.[1]);
      const folder = i % 3 === 0 ? tree.received : i % 3 === 1 ? tree.sent : tree.failed;
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), row.uid]);
    }
    for (const [folder, uids] of byFolder) await bare.messageMove(packUids(uids), folder, { uid: true });
    await bare.logout();
    const floor = performance.now() - f0;
    if (rows.length !== FLOOR_N) throw new Error(`floor: fetched ${rows.length} of ${FLOOR_N}`);

    // The scale run: SCALE_N mails, per-mail time against the 1,000-mail figure, and peak memory.
    await appendMessages(dovecot, LOGIN, tree.queue, mails(SCALE_N, 'scale'));
    global.gc?.();
    const { value: wallN, peak, before } = await peakRss(() => sync(SCALE_N));
    const perMail1k = wall1k / FLOOR_N;
    const perMailN = wallN / SCALE_N;
    const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;

    addRow({
      name: `IMAP: time per mail at ${SCALE_N} mails`,
      figure: `${perMailN.toFixed(2)} ms (${(wallN / 1000).toFixed(1)} s)`,
      baseline: `${perMail1k.toFixed(2)} ms at 1,000 (${(wall1k / 1000).toFixed(2)} s)`,
      ratio: ratio(perMailN, perMail1k),
      goal: '≤ ×1.2',
      met: perMailN <= 1.2 * perMail1k,
    });
    addRow({
      name: `IMAP: peak RSS during the ${SCALE_N}-mail sync`,
      figure: `${mb(peak)} (+${mb(peak - before)})`,
      baseline: `${mb(before)} before the sync (one process: adapter + jest + test client)`,
      ratio: ratio(peak, before),
      goal: '≤ 256 MB',
      met: peak <= 256 * 2 ** 20,
    });
    addRow({
      name: 'IMAP: 1,000-mail wall against the protocol floor',
      figure: `${(wall1k / 1000).toFixed(2)} s`,
      baseline: `${(floor / 1000).toFixed(2)} s bare imapflow (same FETCH + ${byFolder.size} UID MOVEs)`,
      ratio: ratio(wall1k, floor),
      goal: '≤ ×2.5',
      met: wall1k <= 2.5 * floor,
    });
  } finally {
    await dovecot.stop();
    await adapter.close();
  }
});
