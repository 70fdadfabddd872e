/**
 * PostgreSQL for the tests (moved to dev/ so benches can start one too), and which store a test run
 * uses: REZI_TEST_STORE=sqlite (the default) or postgres. On PostgreSQL one server serves the whole
 * run (started by test/support/postgres-global.ts) and every store a test opens is a fresh database
 * on it, so test files run in parallel.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl } from '../../dev/postgres';

export * from '../../dev/postgres';

export type TestStoreKind = 'sqlite' | 'postgres';

export function testStoreKind(): TestStoreKind {
  const kind = process.env.REZI_TEST_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`REZI_TEST_STORE must be sqlite or postgres (it is "${kind}").`);
  return kind;
}

/** Set by the global setup: the run's server, its maintenance database. */
export const SERVER_URL_VARIABLE = 'REZI_TEST_POSTGRES_URL';

function serverUrl(): string {
  const url = process.env[SERVER_URL_VARIABLE];
  if (!url)
    throw new Error(
      `REZI_TEST_STORE=postgres but no PostgreSQL was started for this run (${SERVER_URL_VARIABLE} is unset): run jest with jest.config.js or jest.postgres.config.js.`,
    );
  return url;
}

/** duplicate_database, or the catalogue's unique index when both got past the check. */
function alreadyMade(e: unknown): void {
  const code = (e as { code?: string }).code;
  if (code !== '42P04' && code !== '23505') throw e;
}

/**
 * The URL of a database on the run's server, created empty the first time it is asked for. The same
 * key gives the same database (a test that restarts the adapter on "the same store"); no key, a new one.
 */
export async function testDatabaseUrl(key?: string): Promise<string> {
  const server = serverUrl();
  const name = `rezi_${key === undefined ? randomBytes(8).toString('hex') : createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    // template0: nothing in template1 leaks in. Two callers creating one at once: the second finds it made.
    if (exists.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)} template template0`).catch(alreadyMade);
  } finally {
    await client.end();
  }
  return databaseUrl(Number(new URL(server).port), name);
}
