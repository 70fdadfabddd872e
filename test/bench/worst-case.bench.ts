/**
 * Worst-case filing input: ~1 MB batches whose every address is as costly as the address rules allow
 * (306-character dotted local parts as the probe sent, named and quoted forms at the RFC limits, and
 * spellings only the full parser can decide), beside a normal batch of the same shape in the same run.
 * Figures: CPU per batch (the whole process, so the client's share counts against it) and /healthz
 * latency while worst-case batches arrive at the per-user rate limit, beside /healthz on an idle adapter.
 * The load comes from worker threads so the clients do not share the adapter's event loop.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { API_PREFIX } from '../../src/core/api';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter } from '../support/adapter';
import { addRow, percentile, ratio } from './rows';

const MAILS = 100;
const PER_MAIL = 30;
const SEQUENTIAL = 20;
/** RATE_LIMIT_PER_MINUTE's default: 600 a minute per user, 10 a second. */
const RATE_PER_S = 10;
const ATTACK_SECONDS = Number(process.env.BENCH_WORST_SECONDS ?? 10);
const AGENT = DEMO_USERS.agent;

let seq = 0;
/** Address j of mail i in batch b: every one distinct, so nothing is answered from the batch's cache. */
function worstAddress(b: number, i: number, j: number): string {
  const id = `${b}x${i}x${j}`;
  switch (j % 5) {
    case 0:
      return `${'a.'.repeat(150)}${id}@x.com`.slice(-306); // the probe's: refused by length
    case 1:
      return `"${'Name '.repeat(10)}" <${`${id}.`.padEnd(64, 'b')}@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(50)}.com>`;
    case 2:
      return `"${`q ${id} `.padEnd(60, 'q')}"@${'g'.repeat(60)}.${'h'.repeat(60)}.example.com`;
    case 3:
      return `${id}(${'a comment only the full parser reads '.repeat(5)})@example.com`;
    default:
      return `zoë.${id}.${'ü'.repeat(40)}@${'ü'.repeat(55)}.${'ö'.repeat(55)}.bücher-${id}.example`;
  }
}

function batch(b: number, worst: boolean): string {
  const messages = Array.from({ length: MAILS }, (_, i) => ({
    internetMessageId: `<worst-${worst ? 'w' : 'n'}-${b}-${i}-${++seq}@rezi-bench.test>`,
    from: [{ address: worst ? worstAddress(b, i, 99) : DEMO_ADDRESSES.cliftonVendor }],
    to: Array.from({ length: PER_MAIL }, (_, j) => ({
      address: worst ? worstAddress(b, i, j) : `first.last${b}.${i}.${j}@agency${j}.example.co.uk`,
      name: 'A Name',
    })),
    cc: [],
    date: '2026-11-20T10:00:00.000Z',
    subject: `Viewing ${i}`,
    preview: 'Could we arrange a viewing on Saturday morning?',
    direction: 'inbound',
  }));
  return JSON.stringify({ ownerAddresses: [AGENT.email], messages });
}

interface LoadResult {
  latencies: number[];
  wallMs: number;
  failures: number;
  firstError?: string;
}

function load(url: string, tokens: string[], bodies: (string | null)[], concurrency: number, openLoop?: { intervalMs: number }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'load-worker.mjs'), { workerData: { url, tokens, bodies, concurrency, openLoop } });
    worker.once('message', (m: LoadResult) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

/** CPU (user + system) of the whole process per request, over a sequential run of `bodies`. */
async function cpuPerRequest(url: string, tokens: string[], bodies: string[]) {
  const before = process.cpuUsage();
  const run = await load(url, tokens, bodies, 1);
  const used = process.cpuUsage(before);
  if (run.failures) throw new Error(`filing failed: ${run.firstError}`);
  return {
    cpuMs: (used.user + used.system) / 1000 / bodies.length,
    p50: percentile(
      [...run.latencies].sort((a, b) => a - b),
      50,
    ),
  };
}

it('Adapter filing: worst-case ~1 MB batches vs normal ones, and /healthz while they arrive at the rate limit', async () => {
  const adapter = await startTestAdapter({ logLevel: 'warn' });
  try {
    const tokens = [await adapter.mintToken(AGENT.email)];
    const fileUrl = `${adapter.url}${API_PREFIX}/mail/file`;
    const worstBodies = Array.from({ length: SEQUENTIAL }, (_, b) => batch(b, true));
    const normalBodies = Array.from({ length: SEQUENTIAL }, (_, b) => batch(b, false));
    const size = Buffer.byteLength(worstBodies[0]);
    // Warm both paths (JIT) before measuring; neither run counts.
    await load(fileUrl, tokens, [batch(900, true), batch(901, false)], 1);

    const normal = await cpuPerRequest(fileUrl, tokens, normalBodies);
    const worst = await cpuPerRequest(fileUrl, tokens, worstBodies);
    addRow({
      name: `Adapter: worst-case batch (${MAILS} mails × ${PER_MAIL} costly addresses, ${Math.round(size / 1024)} KiB)`,
      figure: `${worst.cpuMs.toFixed(1)} ms CPU per batch (p50 ${worst.p50.toFixed(1)} ms answered)`,
      baseline: `normal batch of the same shape: ${normal.cpuMs.toFixed(1)} ms CPU (p50 ${normal.p50.toFixed(1)} ms)`,
      ratio: ratio(worst.cpuMs, normal.cpuMs),
      goal: '≤ 200 ms CPU per batch',
      met: worst.cpuMs <= 200,
      note: `${SEQUENTIAL} batches each, one after another; CPU of the whole process (adapter and client thread), so an upper bound on the adapter's`,
    });

    // Idle /healthz, then /healthz while worst-case batches arrive at the per-user limit (10 a second).
    const healthUrl = `${adapter.url}/healthz`;
    const probes = Array.from({ length: ATTACK_SECONDS * 20 }, () => null);
    const idle = await load(healthUrl, tokens, probes, 2, { intervalMs: 100 });
    const attackBodies = Array.from({ length: ATTACK_SECONDS * RATE_PER_S }, (_, b) => batch(1000 + b, true));
    const [attack, busy] = await Promise.all([
      load(fileUrl, tokens, attackBodies, RATE_PER_S, { intervalMs: 1000 }),
      load(healthUrl, tokens, probes, 2, { intervalMs: 100 }),
    ]);
    if (attack.failures || busy.failures || idle.failures) throw new Error(`failed: ${attack.firstError ?? busy.firstError ?? idle.firstError}`);
    const ip99 = percentile(
      [...idle.latencies].sort((a, b) => a - b),
      99,
    );
    const bsorted = [...busy.latencies].sort((a, b) => a - b);
    const bp99 = percentile(bsorted, 99);
    addRow({
      name: `Adapter: GET /healthz while worst-case batches arrive at the rate limit (${RATE_PER_S}/s)`,
      figure: `p50 ${percentile(bsorted, 50).toFixed(1)} ms, p99 ${bp99.toFixed(1)} ms`,
      baseline: `idle adapter: p99 ${ip99.toFixed(1)} ms`,
      ratio: `p99 ${ratio(bp99, ip99)}`,
      goal: 'p99 < 100 ms',
      met: bp99 < 100,
      note: `${attackBodies.length} worst-case batches over ${ATTACK_SECONDS} s (batch p99 ${percentile(
        [...attack.latencies].sort((a, b) => a - b),
        99,
      ).toFixed(1)} ms); /healthz every 50 ms`,
    });
  } finally {
    await adapter.close();
  }
});
