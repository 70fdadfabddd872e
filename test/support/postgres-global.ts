/**
 * Jest global setup and teardown: with REZI_TEST_STORE=postgres, one PostgreSQL for the run (each test
 * file then makes its own databases on it); otherwise nothing.
 */
import { postgresAvailable, SERVER_URL_VARIABLE, startPostgres, testStoreKind, type PostgresInstance } from './postgres';

const RUNNING = Symbol.for('rezi.test.postgres');
type WithServer = typeof globalThis & { [RUNNING]?: PostgresInstance };

export async function setup(): Promise<void> {
  if (testStoreKind() !== 'postgres') return;
  if (!postgresAvailable()) {
    throw new Error('REZI_TEST_STORE=postgres but PostgreSQL is not installed (apt-get install postgresql).');
  }
  const server = await startPostgres();
  (globalThis as WithServer)[RUNNING] = server;
  // Workers start after this and inherit the environment.
  process.env[SERVER_URL_VARIABLE] = server.url;
}

export async function teardown(): Promise<void> {
  const server = (globalThis as WithServer)[RUNNING];
  delete (globalThis as WithServer)[RUNNING];
  await server?.stop();
}
