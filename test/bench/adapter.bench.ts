/**
 * Adapter filing: 10,000 messages in 100-mail batches from 50 concurrent HTTP clients with real tokens,
 * against 100,000 groups / 250,000 addresses bulk-inserted into a temp SQLite store. Baselines in the
 * same run: a single client filing batches one after another, and GET /healthz from the same 50 clients.
 * The goal's latency condition is measured open loop (5,000 mails/s offered); the closed-loop row is throughput.
 * The load comes from a worker thread so the clients do not share the adapter's event loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { API_PREFIX } from '../../src/core/api';
import { startTestAdapter } from '../support/adapter';
import { AGENT, BATCH, eventsFiled, filingBatches, load, seedSqlite } from './filing-load';
import { addRow, percentile, ratio } from './rows';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 100_000);
const ADDRESSES = Number(process.env.BENCH_ADDRESSES ?? 250_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const CLIENTS = 50;
/**
 * Open loop: each client offers one batch per second (50 × 100 = 5,000 mails/s together) for this long.
 * 30 s, 1,500 batches, so p99 is the 15th-slowest sample. Over 10 s (500 batches) it was the 5th-slowest:
 * by the order statistics that lands anywhere between the true p97.7 and p99.55 (95% of runs), and the
 * slow samples come in runs (one stall delays the next few batches), so one stall decided the figure;
 * over 30 s it lies between p98.4 and p99.4. Nothing is dropped: every batch sent counts.
 */
const OPEN_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 30);
const OPEN_INTERVAL_MS = 1000;
/** The one-client baseline: enough batches that its p99 is not simply the slowest of ten. */
const SINGLE_BATCHES = 40;

const batches = (count: number, tag: string) => filingBatches(count, tag, ADDRESSES);

it('Adapter filing: 10,000 messages, 50 concurrent clients, 100k groups / 250k addresses', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rezi-bench-'));
  const dbFile = path.join(dir, 'rezi.sqlite');
  const s0 = performance.now();
  await seedSqlite(dbFile, { groups: GROUPS, addresses: ADDRESSES });
  const buildMs = performance.now() - s0;
  // The 50 clients are one demo user here (in use they are 50 agents): lift the per-user limit (600/min) so
  // the limiter still runs on every request but does not refuse the open-loop row's 500 batches in 10 s.
  const adapter = await startTestAdapter({ dbFile, logLevel: 'warn', env: { RATE_LIMIT_PER_MINUTE: '1000000' } });
  try {
    const tokens = await Promise.all(Array.from({ length: CLIENTS }, () => adapter.mintToken(AGENT.email)));
    // Built before any row is measured, and kept: built (~0.5 s, ~37 MB of strings) on this thread just
    // before the open loop, their garbage was collected during its first seconds, beside the adapter.
    const openBodies = batches(OPEN_SECONDS * CLIENTS * BATCH, 'open');
    const fileUrl = `${adapter.url}${API_PREFIX}/mail/file`;
    const warm = await load(fileUrl, tokens, batches(5 * BATCH, 'warm'), 5);
    if (warm.failures) throw new Error(`warm-up failed: ${warm.firstError}`);

    const main = await load(fileUrl, tokens, batches(MESSAGES, 'main'), CLIENTS);
    // After the main run, so the one-client baseline meets the same warm page cache and JIT as the open-loop row.
    const single = await load(fileUrl, tokens, batches(SINGLE_BATCHES * BATCH, 'single'), 1);
    const health = await load(
      `${adapter.url}/healthz`,
      tokens,
      Array.from({ length: MESSAGES / BATCH }, () => null),
      CLIENTS,
    );
    // Open loop at the goal's rate: 50 clients each sending one 100-mail batch a second, staggered.
    const open = await load(fileUrl, tokens, openBodies, CLIENTS, { intervalMs: OPEN_INTERVAL_MS });
    if (main.failures || single.failures || open.failures) throw new Error(`filing failed: ${main.firstError ?? single.firstError ?? open.firstError}`);

    const events = await eventsFiled(adapter.ctx.db, 'main');
    const mailsPerS = MESSAGES / (main.wallMs / 1000);
    const singlePerS = (SINGLE_BATCHES * BATCH) / (single.wallMs / 1000);
    const sorted = [...main.latencies].sort((a, b) => a - b);
    const hsorted = [...health.latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const hp99 = percentile(hsorted, 99);
    const ssorted = [...single.latencies].sort((a, b) => a - b);
    const osorted = [...open.latencies].sort((a, b) => a - b);
    const op50 = percentile(osorted, 50);
    const op99 = percentile(osorted, 99);
    const offered = (CLIENTS * BATCH * 1000) / OPEN_INTERVAL_MS;
    const achieved = (open.latencies.length * BATCH) / (open.wallMs / 1000);
    const [load1, load5] = loadavg();
    addRow({
      name: `Adapter: filing throughput (${MESSAGES} mails, ${CLIENTS} clients)`,
      figure: `${Math.round(mailsPerS)} mails/s`,
      baseline: `${Math.round(singlePerS)} mails/s with 1 client`,
      ratio: ratio(mailsPerS, singlePerS),
      goal: '≥ 5000 mails/s',
      met: mailsPerS >= 5000,
      note: `${GROUPS} groups / ${ADDRESSES} addresses bulk-inserted in ${(buildMs / 1000).toFixed(1)} s; ${events} timeline events recorded for the measured mails; load average ${load1.toFixed(1)} / ${load5.toFixed(1)} (1 / 5 min) at the end`,
    });
    addRow({
      name: `Adapter: latency per ${BATCH}-mail batch (${CLIENTS} clients)`,
      figure: `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
      baseline: `GET /healthz p50 ${percentile(hsorted, 50).toFixed(1)} ms, p99 ${hp99.toFixed(1)} ms (same 50 clients)`,
      ratio: `p99 ${ratio(p99, hp99)}`,
      goal: 'p99 < 50 ms',
      met: p99 < 50,
      // Closed loop: every client posts its next batch as soon as the last is answered, so 50 batches are always in flight.
      note: `closed loop (throughput test, not the goal's latency condition), ${CLIENTS} batches always in flight: by Little's law latency ≈ ${CLIENTS} ÷ ${(mailsPerS / BATCH).toFixed(0)} batches/s = ${((CLIENTS / (mailsPerS / BATCH)) * 1000).toFixed(0)} ms; p99 < 50 ms at this concurrency needs > ${CLIENTS / 0.05} batches/s`,
    });
    addRow({
      name: `Adapter: latency per ${BATCH}-mail batch at ${offered} mails/s offered (open loop, ${CLIENTS} clients)`,
      figure: `p50 ${op50.toFixed(1)} ms, p99 ${op99.toFixed(1)} ms`,
      baseline: `1 client alone: p50 ${percentile(ssorted, 50).toFixed(1)} ms, p99 ${percentile(ssorted, 99).toFixed(1)} ms`,
      ratio: `p99 ${ratio(op99, percentile(ssorted, 99))}`,
      goal: 'p99 < 50 ms at 5000 mails/s',
      met: op99 < 50 && achieved >= 0.95 * offered,
      note: `each client sends one ${BATCH}-mail batch every ${OPEN_INTERVAL_MS} ms (staggered) for ${OPEN_SECONDS} s whether or not its last was answered; latency from the scheduled send time; achieved ${Math.round(achieved)} mails/s (${open.latencies.length} batches in ${(open.wallMs / 1000).toFixed(1)} s)`,
    });
  } finally {
    await adapter.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
