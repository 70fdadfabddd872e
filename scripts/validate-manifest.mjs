#!/usr/bin/env node
// Offline validation of the add-in manifest, for CI and machines without internet access.
// Usage: node scripts/validate-manifest.mjs <manifest.xml> [--assets <dir>]...
// Exit 0 when valid, 1 with every problem listed, 2 on bad usage.
import { existsSync } from 'node:fs';
import { validateManifestFile } from './manifest-checks.mjs';

const args = process.argv.slice(2);
const assetsDirs = [];
let file;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--assets') assetsDirs.push(args[++i]);
  else file = args[i];
}
if (!file) {
  console.error('usage: validate-manifest.mjs <manifest.xml> [--assets <dir>]');
  process.exit(2);
}
if (!existsSync(file)) {
  console.error(`${file} does not exist${file.startsWith('dist') ? ' (run npm run build first)' : ''}`);
  process.exit(1);
}

const { checks, problems } = validateManifestFile(file, { assetsDirs });
if (problems.length) {
  console.error(`${file} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'} in ${checks} checks):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`${file} is valid (${checks} checks)`);
