/**
 * Opens the store a test run is on (REZI_TEST_STORE): the SQLite file given, or on PostgreSQL a
 * database standing for that file (the same file, the same database; see ./postgres.ts).
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import { openDatabase, type OpenOptions } from '../../src/server/store/db';
import { openPostgres } from '../../src/server/store/dialect';
import type { Database } from '../../src/server/store/schema';
import { testDatabaseUrl, testStoreKind } from './postgres';

export async function openTestStore(file: string, options: OpenOptions = {}): Promise<Kysely<Database>> {
  if (testStoreKind() === 'sqlite') return openDatabase(file, options);
  return openPostgres(await testDatabaseUrl(file === ':memory:' ? undefined : path.resolve(file)), { poolSize: 5 });
}
