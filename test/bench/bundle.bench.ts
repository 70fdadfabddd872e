/**
 * Task pane bundle: the gzip size of the JS that taskpane.html loads itself (office.js comes from
 * Microsoft's CDN and is not ours), from dist/ when it is newer than the sources, otherwise from a fresh
 * production build in a temp folder (so a shared dist/ is never overwritten). Also the pane's
 * first-status time, from the e2e run's test/e2e/pane-metrics.json when there is one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { addRow, notMeasured, ratio } from './rows';

const root = path.resolve(__dirname, '../..');
const GOAL_KB = 250;

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newest(path.join(p, f))));
}

it('Task pane: initial JS gzip and first status', () => {
  const dist = path.join(root, 'dist');
  const sources = Math.max(
    ...['src/taskpane', 'src/outlook', 'src/core', 'src/graph', 'src/client', 'src/commands', 'webpack.config.js', 'package.json'].map((p) =>
      newest(path.join(root, p)),
    ),
  );
  const html = path.join(dist, 'taskpane.html');
  const fresh = existsSync(html) && statSync(html).mtimeMs >= sources;
  let dir = process.env.BENCH_PANE_DIR ?? dist;
  let temp: string | undefined;
  let source = process.env.BENCH_PANE_DIR ?? 'dist/';
  if (!fresh && !process.env.BENCH_PANE_DIR) {
    temp = mkdtempSync(path.join(tmpdir(), 'rezi-bench-pane-'));
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules/webpack/bin/webpack.js'), '--mode', 'production', '--output-path', temp], {
        cwd: root,
        stdio: 'pipe',
      });
    } catch (e) {
      const out = String((e as { stdout?: Buffer }).stdout ?? '').slice(-500);
      notMeasured('Pane: initial JS (gzip)', `≤ ${GOAL_KB} KB`, `the production build failed: ${out.replace(/\s+/g, ' ')}`);
      rmSync(temp, { recursive: true, force: true });
      return;
    }
    dir = temp;
    source = `fresh production build (dist/ ${existsSync(html) ? 'older than the sources' : 'missing'})`;
  }
  try {
    const page = readFileSync(path.join(dir, 'taskpane.html'), 'utf8');
    // Minified HTML drops the quotes: src=taskpane.js as well as src="taskpane.js".
    const scripts = [...page.matchAll(/<script\b[^>]*?\bsrc=(?:"([^"]+)"|'([^']+)'|([^\s>]+))/g)]
      .map((m) => m[1] ?? m[2] ?? m[3])
      .filter((src) => !/^(https?:)?\/\//.test(src));
    if (scripts.length === 0) {
      notMeasured('Pane: initial JS (gzip)', `≤ ${GOAL_KB} KB`, `taskpane.html in ${source} loads no script of ours`);
      return;
    }
    let raw = 0;
    let gz = 0;
    for (const src of scripts) {
      const bytes = readFileSync(path.join(dir, src.replace(/^\.?\//, '').split('?')[0]));
      raw += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
    }
    const kb = gz / 1024;
    addRow({
      name: 'Pane: initial JS (gzip)',
      figure: `${kb.toFixed(1)} KB`,
      baseline: `${(raw / 1024).toFixed(1)} KB minified, uncompressed`,
      ratio: ratio(gz, raw),
      goal: `≤ ${GOAL_KB} KB`,
      met: kb <= GOAL_KB,
      note: `${scripts.length} script(s) from ${source}: ${scripts.join(', ')} (office.js from Microsoft's CDN not counted)`,
    });
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }

  const metricsFile = path.join(root, 'test/e2e/pane-metrics.json');
  if (!existsSync(metricsFile)) {
    notMeasured('Pane: first status card', '≤ 1000 ms', 'run npm run test:e2e');
    return;
  }
  const m = JSON.parse(readFileSync(metricsFile, 'utf8')) as {
    measuredAt?: string;
    statusCardMs?: number | null;
    statusCardWallMs?: number;
    initialJsGzipKB?: number;
    build?: string;
  };
  if (typeof m.statusCardMs !== 'number') {
    notMeasured('Pane: first status card', '≤ 1000 ms', 'the e2e run recorded no status card time');
    return;
  }
  addRow({
    name: 'Pane: first status card (from e2e)',
    figure: `${m.statusCardMs} ms`,
    baseline: m.statusCardWallMs !== undefined ? `${m.statusCardWallMs} ms from opening the host page` : '—',
    ratio: m.statusCardWallMs ? ratio(m.statusCardMs, m.statusCardWallMs) : '—',
    goal: '≤ 1000 ms',
    met: m.statusCardMs <= 1000,
    note: `from test/e2e/pane-metrics.json measured ${m.measuredAt ?? '?'} (${m.build ?? '?'} build; e2e's own initial JS figure ${m.initialJsGzipKB ?? '?'} KB)`,
  });
});
