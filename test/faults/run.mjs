#!/usr/bin/env node
/**
 * npm run test:faults [-- --runs N] [--seed S] [--broken] [--graph strict|default|mixed]
 * (--graph: the Graph stand-in's documented variants — real-shaped ids, Prefer ignored inside $batch,
 * $skip paging — on every Graph run, none, or every other one, the default.)
 * Runs the fault soak (test/faults/soak.ts) through jest with the project's swc transform, prints the
 * summary and exits non-zero on any lost, duplicated or misfiled mail. FAULT_RUNS / FAULT_SEED work too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(value('--runs') ?? process.env.FAULT_RUNS ?? 200);
const seed = Number(value('--seed') ?? process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const broken = args.includes('--broken');
const graphVariants = value('--graph') ?? process.env.FAULT_GRAPH_VARIANTS ?? 'mixed';
if (!Number.isInteger(runs) || runs < 1 || !Number.isFinite(seed) || !['strict', 'default', 'mixed'].includes(graphVariants)) {
  console.error('usage: npm run test:faults -- [--runs N] [--seed S] [--broken] [--graph strict|default|mixed]');
  process.exit(2);
}

const dir = mkdtempSync(path.join(tmpdir(), 'rezi-faults-'));
const summaryFile = path.join(dir, 'summary.json');
console.log(`fault soak: ${runs} runs, seed ${seed}${broken ? ', BROKEN engine' : ''} (repeat with --seed ${seed})`);
const jest = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/jest/bin/jest.js'), '-c', 'test/faults/jest.faults.config.js', '--runInBand', '--silent=false'],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      FAULT_RUNS: String(runs),
      FAULT_SEED: String(seed),
      FAULT_BROKEN: broken ? '1' : '0',
      FAULT_GRAPH_VARIANTS: graphVariants,
      FAULT_SUMMARY_FILE: summaryFile,
    },
  },
);
if (!existsSync(summaryFile)) {
  console.error(`The soak did not finish (jest exit ${jest.status}).`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
rmSync(dir, { recursive: true, force: true });
console.log(`\n${summary.text}`);
if (summary.imapSkipped) console.log('(IMAP path not run: Dovecot is not installed)');
const bad = summary.lost + summary.duplicated + summary.misfiled + summary.leftInQueue + summary.failed;
process.exit(bad > 0 || jest.status !== 0 ? 1 : 0);
