/**
 * Starts the real adapter for integration tests: loopback, a random port, a temp SQLite file (demo
 * data loaded) or, with REZI_TEST_STORE=postgres, a fresh PostgreSQL database standing for that file,
 * the local issuer on a random port. Tokens are real signed tokens for demo users.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { LocalIssuer, MintOptions, LocalTokenClaims } from '../../src/server/auth/local-issuer';
import type { ServerContext } from '../../src/server/context';
import { startServer, type StartOverrides } from '../../src/server/main';
import { isPostgres } from '../../src/server/store/dialect';
import { testDatabaseUrl, testStoreKind } from './postgres';

export interface TestAdapter {
  /** http://127.0.0.1:PORT */
  url: string;
  issuer: LocalIssuer;
  /** A valid access token for a user of the store (by email), with optional extra claims/options. */
  mintToken(userEmail: string, claims?: LocalTokenClaims, opts?: MintOptions): Promise<string>;
  /** Everything the service logged, as lines (JSON). */
  logs(): string[];
  /** The store's file; on PostgreSQL the name of its database (the same file, the same database). */
  dbFile: string;
  /** postgres://… when the run is on PostgreSQL. */
  databaseUrl?: string;
  ctx: ServerContext;
  close(): Promise<void>;
}

export interface TestAdapterOptions {
  /** Reuse a store file (e.g. to test restarts); default a new temp file. */
  dbFile?: string;
  demoData?: boolean;
  env?: Record<string, string | undefined>;
  overrides?: Omit<StartOverrides, 'env' | 'logStream'>;
  logLevel?: 'info' | 'debug' | 'warn' | 'error' | 'silent';
  /** A PostgreSQL database to run on whatever the run's store is (a bench's own server). */
  databaseUrl?: string;
}

export async function startTestAdapter(options: TestAdapterOptions = {}): Promise<TestAdapter> {
  const tempDir = options.dbFile ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-adapter-'));
  const dbFile = options.dbFile ?? path.join(tempDir as string, 'rezi.sqlite');
  const databaseUrl = options.databaseUrl ?? (testStoreKind() === 'postgres' ? await testDatabaseUrl(path.resolve(dbFile)) : undefined);
  const lines: string[] = [];
  let partial = '';
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
      cb();
    },
  });
  const server = await startServer({
    ...options.overrides,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_FILE: dbFile,
      DATABASE_URL: databaseUrl,
      AUTH_LOCAL_ISSUER: '1',
      AUTH_LOCAL_ISSUER_PORT: '0',
      DEMO_DATA: options.demoData === false ? '0' : '1',
      LOG_LEVEL: options.logLevel ?? 'info',
      // The tests' Dovecot listens on loopback at random ports: allowed as an operator would allow a
      // private server, through the allow-lists (tests of the policy itself override these).
      IMAP_ALLOWED_HOSTS: '127.0.0.1',
      IMAP_ALLOWED_PORTS: '1024-65535',
      // Automatic filing would race the tests that put mail in Queue and then press Start Sync:
      // off unless a test turns it on (test/server/watch/).
      WATCH_MAX_ACCOUNTS: '0',
      ...options.env,
    },
    logStream,
  });
  // The run is on the store it says it is on.
  if (isPostgres(server.ctx.db) !== (databaseUrl !== undefined)) {
    // Closed first, so the failing test file ends instead of waiting on the open server.
    await server.close();
    throw new Error(`The adapter did not open the ${databaseUrl ? 'PostgreSQL' : 'SQLite'} store asked for.`);
  }
  const issuer = server.issuer as LocalIssuer;
  return {
    url: server.url,
    issuer,
    dbFile,
    databaseUrl,
    ctx: server.ctx,
    logs: () => [...lines, ...(partial ? [partial] : [])],
    mintToken: (userEmail, claims = {}, opts = {}) => issuer.mintToken({ preferred_username: userEmail, ...claims }, opts),
    async close() {
      await server.close();
      if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
