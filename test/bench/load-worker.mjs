/**
 * Load generator for the adapter bench, in a worker thread so the clients do not share the adapter's
 * event loop. workerData: { url, tokens[], bodies[] (JSON strings, or null for GET), concurrency,
 * openLoop? }.
 * - Closed loop (no openLoop): `concurrency` clients, each sends its next request when the last is answered.
 * - Open loop ({ intervalMs }): client c sends body c, c + concurrency, … every intervalMs, staggered by
 *   intervalMs / concurrency, whether or not its last request was answered; latency is measured from the
 *   scheduled send time, so a late send (a busy client) counts against the service, not hidden.
 * Posts back { latencies[] (ms per request), wallMs, failures, firstError }.
 *
 * Before its clock starts the worker sends one GET /healthz (not measured): a fresh worker's first
 * fetch() loads and compiles undici (~100–150 ms measured here), the client's own start-up that landed on
 * the first requests, e.g. always as the one-client baseline's "p99" (its slowest of 40). The adapter
 * is already warm by then (every row runs after the warm-up load); this warms only the client.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { url, tokens, bodies, concurrency, openLoop } = workerData;
const latencies = [];
let failures = 0;
let firstError;
let next = 0;

async function send(client, body, t0) {
  try {
    const res = await fetch(url, {
      method: body === null ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${tokens[client % tokens.length]}`, ...(body === null ? {} : { 'Content-Type': 'application/json' }) },
      body: body ?? undefined,
    });
    const text = await res.text();
    if (!res.ok) {
      failures++;
      firstError ??= `${res.status} ${text.slice(0, 200)}`;
    }
  } catch (e) {
    failures++;
    firstError ??= String(e);
  }
  latencies.push(performance.now() - t0);
}

await (await fetch(new URL('/healthz', url))).arrayBuffer();

const started = performance.now();
if (openLoop) {
  const { intervalMs } = openLoop;
  const inFlight = [];
  await new Promise((resolve) => {
    let scheduled = 0;
    for (let i = 0; i < bodies.length; i++) {
      const client = i % concurrency;
      const at = started + Math.floor(i / concurrency) * intervalMs + (client * intervalMs) / concurrency;
      setTimeout(
        () => {
          inFlight.push(send(client, bodies[i], at));
          if (++scheduled === bodies.length) resolve();
        },
        Math.max(0, at - performance.now()),
      );
    }
  });
  await Promise.all(inFlight);
} else {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      while (next < bodies.length) {
        const body = bodies[next++];
        await send(client, body, performance.now());
      }
    }),
  );
}
parentPort.postMessage({ latencies, wallMs: performance.now() - started, failures, firstError });
