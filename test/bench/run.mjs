#!/usr/bin/env node
/**
 * npm run bench [-- name-filter]: runs the benchmarks (test/bench/*.bench.ts) through jest with the
 * project's swc transform, one file at a time; each appends rows to a temp file; this prints them as
 * one table and writes bench-results.json (git-ignored) so later runs can be compared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const filter = process.argv.slice(2);
const dir = mkdtempSync(path.join(tmpdir(), 'rezi-bench-'));
const rowsFile = path.join(dir, 'rows.jsonl');
const started = new Date();
const jest = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/jest/bin/jest.js'), '-c', 'test/bench/jest.bench.config.js', '--runInBand', ...filter],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BENCH_ROWS_FILE: rowsFile },
  },
);
const rows = existsSync(rowsFile)
  ? readFileSync(rowsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
rmSync(dir, { recursive: true, force: true });

const head = ['name', 'figure', 'baseline', 'ratio', 'goal', 'met?'];
const cells = rows.map((r) => [r.name, r.figure, r.baseline, r.ratio, r.goal, r.met === null ? '—' : r.met ? 'yes' : 'NO']);
const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
const line = (c) => c.map((x, i) => String(x).padEnd(widths[i])).join(' | ');
console.log(
  `\nRezi Email Sync bench — ${started.toISOString()} — ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)} (shared machine: read the ratios, not the absolute figures)`,
);
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
for (const c of cells) console.log(line(c));
for (const r of rows.filter((x) => x.note)) console.log(`  ${r.name}: ${r.note}`);
if (rows.length === 0) console.log('(no rows: the benchmarks failed before measuring anything)');

writeFileSync(
  path.join(root, 'bench-results.json'),
  `${JSON.stringify({ at: started.toISOString(), cpus: cpus().length, load: loadavg()[0], node: process.version, rows }, null, 2)}\n`,
);
console.log('\nwritten to bench-results.json');
process.exit(jest.status === 0 ? 0 : 1);
