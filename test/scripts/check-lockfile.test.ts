/**
 * The lockfile check in `npm test` and lint: it must pass on the committed pair and fail, with the
 * way out, as soon as package.json names a dependency the lockfile lacks (what `npm ci` refuses).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/check-lockfile.mjs');

function checkIn(dir: string) {
  return spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: 'utf8' });
}

describe('check-lockfile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rezi-lock-'));
    copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the committed package.json and lockfile', () => {
    const run = checkIn(dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('fails when a dependency is added to package.json without the lockfile', () => {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    pkg.dependencies['left-pad'] = '^1.3.0';
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
    const run = checkIn(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Missing: left-pad@/);
    expect(run.stderr).toMatch(/npm install --package-lock-only/);
  });
});
