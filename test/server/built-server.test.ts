/**
 * The built adapter (`node dist/server`) with the environment file of docs/deployment.md, read from
 * the guide itself: no local issuer and no demo data unless a local run turns them on, refusals
 * beside production settings, Host names checked, and the data folder private whatever the umask.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';

jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../..');
const TENANT = randomUUID();

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
}, 150_000);

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-built-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** The guide's production environment file, placeholders filled in for this machine. */
async function docsEnv(): Promise<Record<string, string>> {
  const guide = fs.readFileSync(path.join(root, 'docs/deployment.md'), 'utf8');
  const block = /A production environment file typically looks like this:\s*```sh\n([\s\S]*?)```/.exec(guide);
  if (!block) throw new Error('docs/deployment.md has no production environment file');
  const env: Record<string, string> = {};
  for (const line of block[1].split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  expect(env).toMatchObject({ NODE_ENV: 'production', AUTH_ISSUERS: expect.any(String), IMAP_KEY: expect.any(String) });
  expect(env.AUTH_LOCAL_ISSUER).toBeUndefined();
  return {
    ...env,
    PORT: String(await freePort()),
    DATA_DIR: path.join(dir, 'data'),
    AUTH_ISSUERS: env.AUTH_ISSUERS.replace('<tenant-id>', TENANT),
    AUTH_AUDIENCE: env.AUTH_AUDIENCE.replace('<client-id>', randomUUID()),
    IMAP_KEY: randomBytes(32).toString('base64'),
  };
}

interface Run {
  url?: string;
  exitCode?: number | null;
  output: string;
  stop(): Promise<void>;
}

/** Starts `node dist/server` and waits until it listens or exits. */
function start(env: Record<string, string | undefined>, umask?: string): Promise<Run> {
  const clean = Object.fromEntries(Object.entries({ PATH: process.env.PATH, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = umask
    ? spawn('/bin/sh', ['-c', `umask ${umask}; exec "$0" dist/server`, process.execPath], { cwd: root, env: clean })
    : spawn(process.execPath, ['dist/server'], { cwd: root, env: clean });
  let output = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 20 s:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output, stop });
    });
  });
}

/** A request with a Host header of our choosing (fetch will not send one). */
function request(url: string, host: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method, headers: { host, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const listens = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

describe('node dist/server with the production environment of docs/deployment.md', () => {
  it('starts without the local issuer or demo data, and answers only its own host names', async () => {
    const issuerPort = await freePort();
    const env = await docsEnv();
    const run = await start({ ...env, AUTH_LOCAL_ISSUER_PORT: String(issuerPort) });
    try {
      expect(run.url).toBeDefined();
      expect(run.output).not.toMatch(/Local token issuer/);
      expect(await listens(issuerPort)).toBe(false);
      const users = new SQLite(path.join(env.DATA_DIR, 'rezi.sqlite'), { readonly: true });
      expect(users.prepare('select count(*) as n from users').get()).toEqual({ n: 0 });
      users.close();
      expect((await request(`${run.url}/api/v1/status`, env.ALLOWED_HOSTS)).status).toBe(401);
      const rebound = await request(`${run.url}/api/v1/status`, 'rebind.attacker.example');
      expect(rebound.status).toBe(421);
      expect(JSON.parse(rebound.body)).toMatchObject({ code: 'unknown-host', requestId: expect.any(String) });
    } finally {
      await run.stop();
    }
  });

  it.each([
    ['as the guide writes it', {}],
    ['without NODE_ENV (a real issuer, key set and audience are there)', { NODE_ENV: undefined }],
    [
      'with only the allowed tenants of a real deployment',
      { NODE_ENV: undefined, AUTH_ISSUERS: undefined, AUTH_JWKS_URL: undefined, AUTH_AUDIENCE: undefined, AUTH_ALLOWED_TENANTS: TENANT },
    ],
  ])('refuses to start the local issuer beside production settings: %s', async (_name, change: Record<string, string | undefined>) => {
    const issuerPort = await freePort();
    const run = await start({ ...(await docsEnv()), ...change, AUTH_LOCAL_ISSUER: '1', AUTH_LOCAL_ISSUER_PORT: String(issuerPort) });
    await run.stop();
    expect(run.url).toBeUndefined();
    expect(run.exitCode).toBe(1);
    expect(run.output).toMatch(/AUTH_LOCAL_ISSUER=1 is refused/);
    expect(await listens(issuerPort)).toBe(false);
  });

  it('refuses demo data in production', async () => {
    const run = await start({ ...(await docsEnv()), DEMO_DATA: '1' });
    await run.stop();
    expect(run.exitCode).toBe(1);
    expect(run.output).toMatch(/DEMO_DATA=1 is refused with NODE_ENV=production/);
  });

  it('refuses an IMAP key file beside the database in production, or none at all', async () => {
    const env = await docsEnv();
    const none = await start({ ...env, IMAP_KEY: undefined });
    await none.stop();
    expect(none.exitCode).toBe(1);
    expect(none.output).toMatch(/IMAP_KEY is required in production/);

    fs.mkdirSync(env.DATA_DIR, { recursive: true });
    const beside = path.join(env.DATA_DIR, 'imap.key');
    fs.writeFileSync(beside, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const file = await start({ ...env, IMAP_KEY: undefined, IMAP_KEY_FILE: beside });
    await file.stop();
    expect(file.exitCode).toBe(1);
    expect(file.output).toMatch(/must not be a file beside the database/);
  });
});

describe('node dist/server for a local run (what npm start sets)', () => {
  it('warns loudly, and the issuer and the adapter answer only loopback names; the data folder is private under umask 000', async () => {
    const issuerPort = await freePort();
    const dataDir = path.join(dir, 'local-data');
    const run = await start(
      { PORT: String(await freePort()), DATA_DIR: dataDir, AUTH_LOCAL_ISSUER: '1', AUTH_LOCAL_ISSUER_PORT: String(issuerPort), DEMO_DATA: '1' },
      '000',
    );
    try {
      expect(run.url).toBeDefined();
      expect(run.output).toMatch(/WARNING: LOCAL RUN/);
      const issuer = `http://127.0.0.1:${issuerPort}/7c1f4a2e-3b5d-4e6f-9a8b-0c1d2e3f4a5b/oauth2/v2.0/token`;
      const minted = await request(issuer, `127.0.0.1:${issuerPort}`, 'POST', 'username=it%40brightwells.co.uk');
      expect(minted.status).toBe(200);
      expect((await request(issuer, `localhost:${issuerPort}`, 'POST', 'username=it%40brightwells.co.uk')).status).toBe(200);
      expect((await request(issuer, `rebind.attacker.example:${issuerPort}`, 'POST', 'username=it%40brightwells.co.uk')).status).toBe(421);
      const port = new URL(run.url as string).port;
      expect((await request(`${run.url}/api/v1/status`, `localhost:${port}`)).status).toBe(401);
      expect((await request(`${run.url}/api/v1/status`, `rebind.attacker.example:${port}`)).status).toBe(421);

      const mode = (f: string) => fs.statSync(f).mode & 0o777;
      expect(mode(dataDir)).toBe(0o700);
      const db = path.join(dataDir, 'rezi.sqlite');
      for (const f of [db, `${db}-wal`, `${db}-shm`]) expect([f, mode(f).toString(8)]).toEqual([f, '600']);
    } finally {
      await run.stop();
    }
  });
});
