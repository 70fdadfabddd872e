/**
 * Load generator for the adapter bench, in a worker thread so the clients do not share the adapter's
 * event loop. workerData: { url, tokens[], bodies[] (JSON strings, or null for GET), concurrency }.
 * Posts back { latencies[] (ms per request), wallMs, failures }.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { url, tokens, bodies, concurrency } = workerData;
const latencies = [];
let failures = 0;
let firstError;
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async (_, client) => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const t0 = performance.now();
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
  }),
);
parentPort.postMessage({ latencies, wallMs: performance.now() - started, failures, firstError });
