/** Opens the store (PostgreSQL when DATABASE_URL names one, else the embedded SQLite) and brings its schema up to date. */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { type Compilable, CompiledQuery, Kysely, Migrator, SqliteDialect, type SqliteDatabase, sql } from 'kysely';
import type { Database } from './schema';
import { migrations } from './migrations';
import { isPostgres, openPostgres } from './dialect';

export interface StoreConfig {
  /** postgres://… (DATABASE_URL): the shared PostgreSQL store; unset, the embedded SQLite file. */
  databaseUrl?: string;
  databaseFile: string;
  /** Connections to PostgreSQL per process (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
}

export function openStore(config: StoreConfig): Kysely<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, { poolSize: config.databasePoolSize }) : openDatabase(config.databaseFile);
}

export interface OpenOptions {
  /** How long a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Move WAL checkpoints to a worker thread once the store is busy (default true for files). */
  backgroundCheckpoint?: boolean;
}

/**
 * The store holds subjects, contacts and the audit log: its folder is the service account's alone
 * (0700 when we create it) and the file is 0600 whatever the umask. SQLite gives the -wal and -shm
 * files the database file's mode.
 */
function prepareStoreFile(file: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  }
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  if (process.platform !== 'win32') {
    fs.chmodSync(file, 0o600);
    for (const side of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(side)) fs.chmodSync(side, 0o600);
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): Kysely<Database> {
  if (file !== ':memory:') prepareStoreFile(file);
  const sqlite = new SQLite(file);
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  // The address lookup reads index pages all over a large directory: keep them in memory (64 MB page
  // cache, reads through a memory map) rather than a 2 MB cache and a read() per page.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  const checkpointer = file === ':memory:' || options.backgroundCheckpoint === false ? undefined : new BackgroundCheckpointer(sqlite, file);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, checkpointer) }) });
}

/** Statements run before a busy store moves its WAL checkpoints to a worker (short-lived stores never start one). */
const CHECKPOINT_WORKER_AFTER = 200;
/**
 * Short, so each checkpoint has little to copy and finishes between two commits: the WAL only restarts
 * from its beginning when a commit finds every frame already copied. Every 200 ms, at 50 filing batches
 * a second (~130 WAL pages each), a checkpoint always overlapped a commit, the WAL never restarted, and
 * every ~75 batches the main connection hit FALLBACK_AUTOCHECKPOINT and stalled 10–30 ms copying and
 * syncing on the event loop. Every 50 ms the main connection did not checkpoint once in the bench's
 * open-loop run; the worker's CPU went from ~0.3 to ~0.5 s per 10 s.
 */
const CHECKPOINT_EVERY_MS = 50;
/** Pages; while the worker keeps up the main connection never reaches it; if the worker lags or dies, the WAL stays bounded. */
const FALLBACK_AUTOCHECKPOINT = 10_000;

/** The worker: its own connection copies committed WAL frames into the database file (PASSIVE: never waits for, or blocks, the writer). */
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file, { fileMustExist: true });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;

/**
 * In WAL mode the commit that crosses wal_autocheckpoint copies the WAL into the database and fsyncs,
 * on the event loop (better-sqlite3 is synchronous): every ~10th filing batch paid 5–25 ms for it. A
 * worker thread with its own connection does that work beside the writer instead: in a 300-batch
 * profile the commits' p90 fell from ~12 ms to ~2.5 ms.
 */
class BackgroundCheckpointer {
  private statements = 0;
  private worker?: Worker;
  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly file: string,
  ) {}

  /** Called per statement prepared; starts the worker once the store is busy. */
  tick(): void {
    if (this.worker || ++this.statements < CHECKPOINT_WORKER_AFTER) return;
    try {
      this.worker = new Worker(CHECKPOINT_WORKER, {
        eval: true,
        workerData: { driver: require.resolve('better-sqlite3'), file: path.resolve(this.file), everyMs: CHECKPOINT_EVERY_MS },
      });
      this.worker.unref();
      // A failed worker leaves checkpoints where they were: on the main connection.
      this.worker.on('error', () => this.sqlite.open && this.sqlite.pragma('wal_autocheckpoint = 1000'));
      this.sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
    } catch {
      this.statements = Number.NEGATIVE_INFINITY;
    }
  }

  close(): void {
    this.worker?.postMessage('close');
  }
}

/** Most distinct SQL texts kept prepared (Kysely asks to prepare every query it runs). */
const STATEMENT_CACHE = 500;

/**
 * Reuses prepared statements for repeated SQL (the same query shape with new parameters), so hot
 * queries skip SQLite's parse and plan: the token user lookup (users ⋈ branches by tenant and oid)
 * took 80–105 µs prepared afresh against 14–23 µs from the cache (20,000 runs each, better-sqlite3).
 * Kysely runs one query at a time on this connection, so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database, checkpointer?: BackgroundCheckpointer): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      checkpointer?.close();
      sqlite.close();
    },
    prepare(text: string) {
      checkpointer?.tick();
      let stmt = cache.get(text);
      if (stmt) {
        // Refresh its place in the LRU order.
        cache.delete(text);
      } else {
        stmt = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

/**
 * A batch insert compiled by Kysely once per row count and then reused with new parameters. Kysely's
 * builder spends ~0.4 ms and thousands of frozen nodes on an 80-row insert before the database sees
 * it; the filing path runs two of those per request. The SQL still comes from Kysely, so each dialect
 * gets its own text and placeholders (SQLite `?`, PostgreSQL `$1`), and the statement cache prepares
 * it once per row count.
 */
export class BatchInsert<Row extends object> {
  private readonly texts = new WeakMap<object, Map<number, string>>();

  constructor(
    private readonly columns: readonly (keyof Row & string)[],
    /** Builds the insert for these rows (values in `columns` order) on this connection or transaction. */
    private readonly build: (db: Kysely<Database>, rows: Row[]) => Compilable,
  ) {}

  query(db: Kysely<Database>, rows: readonly Row[]): CompiledQuery {
    // One text per dialect: connections and transactions of one database share their executor's adapter.
    const key = db.getExecutor().adapter;
    let texts = this.texts.get(key);
    if (!texts) this.texts.set(key, (texts = new Map()));
    let sql = texts.get(rows.length);
    if (sql === undefined) {
      // Placeholder rows: Kysely binds every value, null included, as a parameter in column order.
      const blank = Object.fromEntries(this.columns.map((c) => [c, null])) as Row;
      const compiled = this.build(db, new Array<Row>(rows.length).fill(blank)).compile();
      if (compiled.parameters.length !== rows.length * this.columns.length) {
        throw new Error(`BatchInsert: expected ${rows.length * this.columns.length} parameters, Kysely compiled ${compiled.parameters.length}.`);
      }
      sql = compiled.sql;
      if (texts.size >= STATEMENT_CACHE) texts.clear();
      texts.set(rows.length, sql);
    }
    const params: unknown[] = [];
    for (const r of rows) for (const c of this.columns) params.push(r[c]);
    return CompiledQuery.raw(sql, params);
  }
}

/**
 * A key only Rezi's migrations take ('rezi' in ASCII). Several instances starting at once on one
 * PostgreSQL: the first migrates, the others wait here and then find nothing to do. Kysely's Migrator
 * takes its own lock too, but only per run of its transaction, after creating its bookkeeping tables;
 * this one is held around the whole run.
 */
export const MIGRATION_LOCK = 0x72657a69;

export async function migrate(db: Kysely<Database>): Promise<string[]> {
  if (!isPostgres(db)) return migrateToLatest(db);
  // Session-level advisory lock: held by this one connection, released by it (or by its end).
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      return await migrateToLatest(conn);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}

async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // The IMAP companion's migrations are merged in from another module: tolerate interleaved names.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when the store answers a trivial query (readiness). */
export async function ping(db: Kysely<Database>): Promise<boolean> {
  try {
    await db.selectFrom('branches').select('id').limit(1).execute();
    return true;
  } catch {
    return false;
  }
}
