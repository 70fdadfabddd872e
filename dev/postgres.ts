/**
 * A real PostgreSQL (Debian's `postgresql` package) for tests and benches: a cluster made by initdb in
 * a temp folder, 127.0.0.1 on a free high port, its unix socket in that folder, trust authentication
 * (loopback only, nothing else listens). The server runs as a foreground child process and is stopped
 * by its pid. PostgreSQL refuses to run as root: as root, the cluster is the `postgres` user's.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './dovecot';
import { supervise } from './server-process';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin folder (POSTGRES_BIN overrides), or undefined. */
export function postgresBinDir(): string | undefined {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(path.join(DEBIAN_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(DEBIAN_ROOT, versions[0], 'bin') : undefined;
}

export function postgresAvailable(): boolean {
  const bin = postgresBinDir();
  return bin !== undefined && existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'postgres'));
}

export interface PostgresInstance {
  /** postgres://rezi@127.0.0.1:PORT/postgres: the maintenance database, for creating others. */
  url: string;
  port: number;
  dir: string;
  /** The server's output, for diagnosing a failing test. */
  log(): string;
  /** Creates an empty database and answers its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const SUPERUSER = 'rezi';

/** As root: the same command as the postgres user (setpriv execs it, so the pid is the server's own). */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]];
}

/** A database URL on this server. */
export function databaseUrl(port: number, database: string): string {
  return `postgres://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function acceptsQueries(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPostgres(): Promise<PostgresInstance> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql).');
  const dir = mkdtempSync(path.join(tmpdir(), 'rezi-postgres-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0)
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  chmodSync(dir, 0o700);
  // C collation: text sorts by code point, as SQLite's does; UTF8 as production should be.
  const [initdb, initArgs] = asServerUser(path.join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  execFileSync(initdb, initArgs, { stdio: 'pipe' });

  const port = await freePort();
  // Throwaway data: no fsync. Enough connections for several adapter instances' pools at once.
  const settings = [
    'listen_addresses=127.0.0.1',
    `port=${port}`,
    `unix_socket_directories=${dir}`,
    'fsync=off',
    'synchronous_commit=off',
    'full_page_writes=off',
    'max_connections=300',
  ];
  const [postgres, args] = asServerUser(path.join(bin, 'postgres'), ['-D', data, ...settings.flatMap((s) => ['-c', s])]);
  const child: ChildProcess = spawn(postgres, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const server = supervise('PostgreSQL', child, dir);
  await server.ready([port], 15_000, () => output);
  const url = databaseUrl(port, 'postgres');
  const deadline = Date.now() + 15_000;
  // The port accepts while the server is still starting up ("the database system is starting up").
  while (!(await acceptsQueries(url))) {
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`PostgreSQL did not accept queries within 15 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const createDatabase = async (name: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // template0: nothing a test created in template1 leaks in; each test file has its own database.
      await client.query(`create database ${pg.escapeIdentifier(name)} template template0`);
    } finally {
      await client.end();
    }
    return databaseUrl(port, name);
  };
  // SIGINT is PostgreSQL's fast shutdown (sessions still open are ended); supervise() follows with
  // SIGTERM and, after 3 s, SIGKILL, then removes the folder.
  const stop = async () => {
    child.kill('SIGINT');
    await server.stop();
  };
  return { url, port, dir, log: () => output, createDatabase, stop };
}
