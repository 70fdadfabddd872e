#!/usr/bin/env node
// `npm start`: the whole product on this laptop — the adapter (embedded SQLite + demo data + its
// loopback token issuer), the task pane dev server, and the Outlook sandbox, a page that plays
// Outlook for the add-in over a local stand-in for Microsoft 365. Prints the sandbox's URL once
// everything answers. Ctrl+C stops all of it.
//
// Ports (each overridable, so tests can run this on free ports):
//   ADAPTER_PORT (or PORT) 3001 · PANE_PORT 3000 · AUTH_LOCAL_ISSUER_PORT 3002 · SANDBOX_PORT 3003
import { spawn, spawnSync } from 'node:child_process';
import { Agent, get as httpsGet } from 'node:https';
import { get as httpGet } from 'node:http';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const env = process.env;
const ports = {
  adapter: env.ADAPTER_PORT ?? env.PORT ?? '3001',
  pane: env.PANE_PORT ?? '3000',
  issuer: env.AUTH_LOCAL_ISSUER_PORT ?? '3002',
  sandbox: env.SANDBOX_PORT ?? '3003',
};
const adapterUrl = `http://127.0.0.1:${ports.adapter}`;
const paneUrl = `https://localhost:${ports.pane}`;
const issuerUrl = `http://127.0.0.1:${ports.issuer}`;
const sandboxUrl = `http://127.0.0.1:${ports.sandbox}/`;

function build(label, args) {
  console.log(label);
  const r = spawnSync(args[0], args.slice(1), { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
build('Building the adapter…', [npm, 'run', '--silent', 'build:server']);
// The sandbox (dev/) is compiled the same way, into its own folder: `npm run build` never takes it.
build('Building the Outlook sandbox…', [
  process.execPath,
  path.join(root, 'node_modules/@swc/cli/bin/swc.js'),
  'dev',
  'src/core',
  'src/server',
  '-d',
  'dist/dev-build',
  '--config-file',
  '.swcrc.server',
  '--quiet',
]);

const children = [];
function run(name, cmd, args, childEnv = {}, onLine = () => undefined) {
  const child = spawn(cmd, args, { cwd: root, env: { ...env, ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line) process.stdout.write(`[${name}] ${line}\n`);
        onLine(line);
      }
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] stopped (${signal ?? code}); stopping the rest.`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('adapter', process.execPath, ['dist/server'], {
  AUTH_LOCAL_ISSUER: '1',
  DEMO_DATA: '1',
  // The sandbox's own Dovecot listens on this computer's loopback, on free high ports: allowed here
  // on purpose, as an operator would allow a private mail server.
  IMAP_ALLOWED_HOSTS: env.IMAP_ALLOWED_HOSTS ?? '127.0.0.1',
  IMAP_ALLOWED_PORTS: env.IMAP_ALLOWED_PORTS ?? '1024-65535',
  PORT: ports.adapter,
  AUTH_LOCAL_ISSUER_PORT: ports.issuer,
  // The pane is served by the dev server (sideloading) and, in the sandbox, from the sandbox's origin.
  ALLOWED_ORIGINS: env.ALLOWED_ORIGINS ?? `${paneUrl},http://127.0.0.1:${ports.sandbox}`,
  // Group links in the pane's results open the adapter's local timeline view.
  REZI_WEB_URL: env.REZI_WEB_URL ?? `${adapterUrl}/local/timeline/groups/`,
});
run('taskpane', process.execPath, [
  path.join(root, 'node_modules/webpack-cli/bin/cli.js'),
  'serve',
  '--mode',
  'development',
  '--port',
  ports.pane,
  '--host',
  'localhost',
  // Live reload connects back to wherever the pane was loaded from: the dev server, or the sandbox (which passes it on).
  '--client-web-socket-url',
  'auto://0.0.0.0:0/ws',
]);
run('sandbox', process.execPath, ['dist/dev-build/dev/sandbox/main.js'], {
  SANDBOX_PORT: ports.sandbox,
  ADAPTER_URL: adapterUrl,
  PANE_URL: paneUrl,
  ISSUER_URL: issuerUrl,
});

/** Resolves once `url` answers 200 (the dev server answers only when its first build is done). */
function answers(url) {
  const insecure = new Agent({ rejectUnauthorized: false }); // the dev server's self-signed certificate, on loopback
  return new Promise((resolve) => {
    const attempt = () => {
      if (stopping) return;
      const get = url.startsWith('https:') ? httpsGet : httpGet;
      const req = get(url, url.startsWith('https:') ? { agent: insecure } : {}, (res) => {
        res.resume();
        if (res.statusCode === 200) resolve();
        else setTimeout(attempt, 300);
      });
      req.on('error', () => setTimeout(attempt, 300));
      req.setTimeout(60_000, () => req.destroy());
    };
    attempt();
  });
}

await Promise.all([answers(`${adapterUrl}/healthz`), answers(`${paneUrl}/taskpane.html`), answers(`${sandboxUrl}__sandbox/host`)]);
console.log(
  [
    '',
    '  Rezi Email Sync is running on this laptop.',
    '',
    `  Outlook sandbox: ${sandboxUrl}`,
    '      open it in your browser: a demo mailbox with the add-in beside it.',
    '      Select some mails, press Sync to Rezi, and follow a group link to its timeline.',
    '',
    `  Task pane (dev server): ${paneUrl}/taskpane.html  (for sideloading into a real Outlook)`,
    `  Adapter:                ${adapterUrl}  (OpenAPI ${adapterUrl}/api/v1/openapi.json)`,
    `  Rezi timeline (local):  ${adapterUrl}/local/timeline`,
    '',
    '  Press Ctrl+C to stop.',
    '',
  ].join('\n'),
);
