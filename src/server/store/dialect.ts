/**
 * Which SQL engine a store runs on, and the few things that differ between them. Everything else is
 * one query for both, written with Kysely.
 */
import { Kysely, PostgresAdapter, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database, MigrationDb } from './schema';

/** True when this connection (or transaction) talks to PostgreSQL rather than the embedded SQLite. */
export function isPostgres(db: MigrationDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The column type for raw bytes: SQLite's BLOB is PostgreSQL's BYTEA. */
export function bytesType(db: MigrationDb): 'blob' | 'bytea' {
  return isPostgres(db) ? 'bytea' : 'blob';
}

/**
 * pg returns BIGINT as a string (it may not fit a JS number), and COUNT(*) is a BIGINT: "2" where
 * SQLite gives 2. The store's BIGINTs are counts and row totals, far below 2^53, so they are read as
 * numbers here, once, rather than at each query.
 */
function parseBigint(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`A BIGINT from PostgreSQL does not fit a JavaScript number: ${text}`);
  return n;
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? parseBigint : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  /** Connections kept open to the server (DATABASE_POOL_SIZE). */
  poolSize: number;
}

export function openPostgres(url: string, options: PostgresOptions): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize, types });
  // An idle connection the server dropped (restart, failover) is discarded by the pool; without a
  // listener its 'error' would end the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
