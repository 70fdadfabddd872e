/**
 * The adapter as a real child process (`node` with the swc hook the bench uses, on src/server/main.ts),
 * for tests that kill an instance with SIGKILL and start it again on the same port. Tokens come from
 * one local issuer in the test process, which every instance trusts as a real deployment trusts Entra
 * (AUTH_ISSUERS, AUTH_AUDIENCE, AUTH_JWKS_URL), so a token is good on all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalIssuer } from '../../src/server/auth/local-issuer';

const root = path.resolve(__dirname, '../..');

export interface AdapterProcess {
  readonly url: string;
  readonly port: number;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL: no graceful shutdown, nothing released. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** The environment of an instance trusting `issuer`, on the given store; `env` adds or overrides. */
export function instanceEnv(issuer: LocalIssuer, databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    DEMO_DATA: '1',
    AUTH_ISSUERS: issuer.issuerFor(),
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: issuer.jwksUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_FAILURES_PER_MINUTE: '1000000',
    IMAP_ALLOWED_HOSTS: '127.0.0.1',
    IMAP_ALLOWED_PORTS: '1024-65535',
    // Automatic filing off, as in test/support/adapter.ts: a test that presses Start Sync must not race the Queue's watcher.
    WATCH_MAX_ACCOUNTS: '0',
    ...env,
  };
}

const exitOf = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

/** Starts an instance on `port` and resolves once it listens (rejects with its output if it exits or takes over `timeoutMs`). */
export async function startAdapterProcess(port: number, env: Record<string, string>, timeoutMs = 40_000): Promise<AdapterProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-instance-'));
  const child = spawn(process.execPath, ['-r', path.join(root, 'test/bench/ts-hook.cjs'), path.join(root, 'src/server/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If the test process ends first, the instance goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let text = '';
  const exited = exitOf(child).then(() => {
    process.removeListener('exit', killOnExit);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The adapter on port ${port} did not start within ${timeoutMs / 1000} s:\n${text}`)), timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`The adapter on port ${port} exited while starting:\n${text}`));
    });
  });
  return {
    url,
    port,
    output: () => text,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
