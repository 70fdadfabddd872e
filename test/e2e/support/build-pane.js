/**
 * Builds the task pane for the e2e run into test/e2e/.dist (not dist/, which developers use), only
 * when a source, the webpack config or the build settings changed since the last build. Office.js
 * is pointed at the test host's stand-in (`/office.js`, same origin as the pane).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
const outDir = path.join(root, 'test/e2e/.dist');
const stampFile = path.join(outDir, '.e2e-build.json');

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

function buildSettings() {
  return {
    mode: process.env.E2E_BUILD_MODE === 'development' ? 'development' : 'production',
    env: { OFFICE_JS_URL: '/office.js', ADDIN_BASE_URL: 'https://localhost:3000/' },
  };
}

/** Whether the pane is wired to its Outlook services yet (while it is not, the pane scenarios are skipped). */
function paneWired() {
  const entry = fs.readFileSync(path.join(root, 'src/taskpane/index.tsx'), 'utf8');
  return !/Placeholder entry/.test(entry) && fs.existsSync(path.join(root, 'src/outlook/services.ts'));
}

/** Returns the folder of the built pane, building it first if it is stale. */
function ensurePaneBuilt({ log = console.log } = {}) {
  const settings = buildSettings();
  const inputs = ['src', 'assets', 'webpack.config.js', 'manifest.xml', 'package-lock.json', 'tsconfig.json'].map((p) => path.join(root, p));
  const newestInput = Math.max(...inputs.map(newestMtime));
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    stamp = undefined;
  }
  const fresh =
    stamp && JSON.stringify(stamp.settings) === JSON.stringify(settings) && stamp.builtAt >= newestInput && fs.existsSync(path.join(outDir, 'taskpane.html'));
  if (fresh) {
    log(`e2e: task pane build is up to date (${path.relative(root, outDir)})`);
    return outDir;
  }
  if (!fs.existsSync(path.join(root, 'webpack.config.js'))) throw new Error('e2e: webpack.config.js is missing, so the task pane cannot be built.');
  log(`e2e: building the task pane (${settings.mode}) into ${path.relative(root, outDir)}…`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/webpack-cli/bin/cli.js'), '--mode', settings.mode, '--output-path', outDir], {
    cwd: root,
    env: { ...process.env, ...settings.env },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(`e2e: webpack failed (exit ${r.status}):\n${(r.stdout || '').slice(-4000)}\n${(r.stderr || '').slice(-4000)}`);
  }
  fs.writeFileSync(stampFile, JSON.stringify({ settings, builtAt: Date.now() }));
  log(`e2e: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}

module.exports = { ensurePaneBuilt, paneWired, outDir, root };
