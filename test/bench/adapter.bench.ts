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
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { migrate, openDatabase } from '../../src/server/store/db';
import { loadDemoData, DEMO_USERS } from '../../src/server/store/demo-data';
import { API_PREFIX } from '../../src/core/api';
import { startTestAdapter } from '../support/adapter';
import { addRow, percentile, ratio } from './rows';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 100_000);
const ADDRESSES = Number(process.env.BENCH_ADDRESSES ?? 250_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const CLIENTS = 50;
const BATCH = 100;
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
const AGENT = DEMO_USERS.agent;

/** Contact i's address j: every group has one contact; addresses are spread 2–3 per contact. */
const addressOf = (n: number) => `contact${n}@agency${n % 97}.bench.example`;

async function buildStore(dbFile: string): Promise<void> {
  const db = openDatabase(dbFile);
  await migrate(db);
  await loadDemoData(db);
  await db.destroy();
  const sqlite = new SQLite(dbFile);
  sqlite.pragma('journal_mode = WAL');
  const group = sqlite.prepare('insert into groups (id, branch_id, name, kind, rezi_ref) values (?, ?, ?, ?, ?)');
  const contact = sqlite.prepare('insert into contacts (id, group_id, name) values (?, ?, ?)');
  const address = sqlite.prepare('insert into contact_addresses (contact_id, address) values (?, ?)');
  const kinds = ['vendor', 'buyer', 'landlord', 'tenant', 'applicant'];
  sqlite.transaction(() => {
    for (let g = 0; g < GROUPS; g++) {
      group.run(`bench-g${g}`, AGENT.branch.id, `${g} Bench Street, Bristol — ${kinds[g % 5]}`, kinds[g % 5], `RZ-B${g}`);
      contact.run(`bench-c${g}`, `bench-g${g}`, `Contact ${g}`);
    }
    // Address n belongs to contact n mod GROUPS: 250,000 addresses over 100,000 contacts.
    for (let n = 0; n < ADDRESSES; n++) address.run(`bench-c${n % GROUPS}`, addressOf(n));
  })();
  sqlite.close();
}

function batches(count: number, tag: string): string[] {
  const out: string[] = [];
  let k = 0;
  for (let b = 0; b < count / BATCH; b++) {
    const messages = Array.from({ length: BATCH }, () => {
      const i = k++;
      const contact = i % 5 === 4 ? `stranger${i}@nowhere.bench.example` : addressOf((i * 7919) % ADDRESSES);
      const outbound = i % 2 === 0;
      return {
        internetMessageId: `<bench-${tag}-${i}@rezi-bench.test>`,
        from: [{ address: outbound ? AGENT.email : contact }],
        to: [{ address: outbound ? contact : AGENT.email }],
        cc: [],
        date: '2026-11-20T10:00:00.000Z',
        subject: `Viewing ${i}`,
        preview: 'Could we arrange a viewing on Saturday morning?',
        direction: outbound ? 'outbound' : 'inbound',
      };
    });
    out.push(JSON.stringify({ ownerAddresses: [AGENT.email], messages }));
  }
  return out;
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

it('Adapter filing: 10,000 messages, 50 concurrent clients, 100k groups / 250k addresses', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rezi-bench-'));
  const dbFile = path.join(dir, 'rezi.sqlite');
  const s0 = performance.now();
  await buildStore(dbFile);
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

    const events = await adapter.ctx.db
      .selectFrom('timeline_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('internet_message_id', 'like', '<bench-main-%')
      .executeTakeFirst();
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
      note: `${GROUPS} groups / ${ADDRESSES} addresses bulk-inserted in ${(buildMs / 1000).toFixed(1)} s; ${Number(events?.n ?? 0)} timeline events recorded for the measured mails; load average ${load1.toFixed(1)} / ${load5.toFixed(1)} (1 / 5 min) at the end`,
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
