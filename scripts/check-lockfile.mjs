#!/usr/bin/env node
// Fails when package.json and package-lock.json disagree, in the words a newcomer would meet them:
// `npm ci` refuses such a lockfile. `--dry-run` checks it in seconds without touching node_modules.
import { spawnSync } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = spawnSync(npm, ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { encoding: 'utf8' });
if (run.status !== 0) {
  const why = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => /Missing:|Invalid:|in sync/.test(l));
  console.error('package-lock.json does not match package.json, so `npm ci` would refuse it on a fresh clone.');
  for (const line of why.slice(0, 10)) console.error(`  ${line.replace(/^npm error\s*/, '')}`);
  console.error('Regenerate it from scratch (a lockfile updated in place can leave out other platforms’ packages):');
  console.error('  rm -rf node_modules package-lock.json && npm install --package-lock-only && npm ci');
  process.exit(1);
}
console.log('package-lock.json matches package.json (npm ci --dry-run)');
