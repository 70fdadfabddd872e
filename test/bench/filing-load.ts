/**
 * The adapter filing load the benches share: a bench directory (groups, one contact each, addresses
 * spread 2–3 per contact) seeded straight into the store, 100-mail filing batches that name its
 * addresses, and the load generator (load-worker.mjs, a worker thread so the clients do not share the
 * adapter's event loop).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { migrate, openDatabase } from '../../src/server/store/db';
import { loadDemoData, DEMO_USERS } from '../../src/server/store/demo-data';
import { openPostgres } from '../../src/server/store/dialect';
import type { Database } from '../../src/server/store/schema';

export const AGENT = DEMO_USERS.agent;
export const BATCH = 100;
const KINDS = ['vendor', 'buyer', 'landlord', 'tenant', 'applicant'];

/** Address n; it belongs to contact n mod groups (every group has one contact). */
export const addressOf = (n: number) => `contact${n}@agency${n % 97}.bench.example`;

export interface DirectorySize {
  groups: number;
  addresses: number;
}

/** Ids padded to one width, so they sort as they are made and each insert lands on the last page of its primary key. */
const ID_DIGITS = 8;
const groupId = (g: number) => `bench-g${String(g).padStart(ID_DIGITS, '0')}`;
const contactId = (g: number) => `bench-c${String(g).padStart(ID_DIGITS, '0')}`;

/** The address index as migration 0001 makes it: dropped before the bulk load and built once after it (a sort, not 2.5M random inserts). */
const ADDRESS_INDEX = 'create index contact_addresses_address on contact_addresses (address, contact_id)';

/**
 * A migrated SQLite store with the demo data and the bench directory: prepared inserts in one
 * transaction, addresses in contact order (so the primary key grows at its end) and the address
 * index built after them. Inserted with the index in place and a 2 MB page cache, 500,000 addresses
 * took ~30 s against 250,000 in ~3 s: every insert into the two address indexes read a random page.
 */
export async function seedSqlite(dbFile: string, size: DirectorySize): Promise<void> {
  const db = openDatabase(dbFile);
  await migrate(db);
  await loadDemoData(db);
  await db.destroy();
  const sqlite = new SQLite(dbFile);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('cache_size = -1048576');
  const group = sqlite.prepare('insert into groups (id, branch_id, name, kind, rezi_ref) values (?, ?, ?, ?, ?)');
  const contact = sqlite.prepare('insert into contacts (id, group_id, name) values (?, ?, ?)');
  const address = sqlite.prepare('insert into contact_addresses (contact_id, address) values (?, ?)');
  sqlite.transaction(() => {
    sqlite.exec('drop index contact_addresses_address');
    for (let g = 0; g < size.groups; g++) {
      group.run(groupId(g), AGENT.branch.id, `${g} Bench Street, Bristol — ${KINDS[g % 5]}`, KINDS[g % 5], `RZ-B${g}`);
      contact.run(contactId(g), groupId(g), `Contact ${g}`);
    }
    for (let c = 0; c < size.groups; c++) for (let n = c; n < size.addresses; n += size.groups) address.run(contactId(c), addressOf(n));
    sqlite.exec(ADDRESS_INDEX);
  })();
  sqlite.close();
}

/** Rows per statement when seeding PostgreSQL: each statement makes its rows server-side (generate_series). */
const PG_SEED_CHUNK = 250_000;

/**
 * The same directory on PostgreSQL (migrated, demo data), the same ids, names and addresses as
 * seedSqlite, made server-side by generate_series in one transaction (no row crosses the wire), in
 * the same order, the address index built after the load.
 */
export async function seedPostgres(url: string, size: DirectorySize, options: { analyze?: boolean } = {}): Promise<void> {
  const db = openPostgres(url, { poolSize: 1 });
  const kinds = sql`(array[${sql.join(KINDS)}])[g % 5 + 1]`;
  const padded = (column: string) => sql`lpad(${sql.ref(column)}::text, ${ID_DIGITS}, '0')`;
  try {
    await migrate(db);
    await loadDemoData(db);
    await db.transaction().execute(async (trx) => {
      await sql`set local maintenance_work_mem = '512MB'`.execute(trx);
      await sql`drop index contact_addresses_address`.execute(trx);
      for (let from = 0; from < size.groups; from += PG_SEED_CHUNK) {
        const to = Math.min(size.groups, from + PG_SEED_CHUNK) - 1;
        await sql`insert into groups (id, branch_id, name, kind, rezi_ref)
          select 'bench-g' || ${padded('g')}, ${AGENT.branch.id}, g || ' Bench Street, Bristol — ' || ${kinds}, ${kinds}, 'RZ-B' || g
          from generate_series(${from}::int, ${to}::int) g`.execute(trx);
        await sql`insert into contacts (id, group_id, name)
          select 'bench-c' || ${padded('g')}, 'bench-g' || ${padded('g')}, 'Contact ' || g from generate_series(${from}::int, ${to}::int) g`.execute(trx);
      }
      const perContact = Math.ceil(size.addresses / size.groups);
      for (let from = 0; from < size.groups; from += PG_SEED_CHUNK) {
        const to = Math.min(size.groups, from + PG_SEED_CHUNK) - 1;
        await sql`insert into contact_addresses (contact_id, address)
          select 'bench-c' || ${padded('c')}, 'contact' || n || '@agency' || (n % 97) || '.bench.example'
          from generate_series(${from}::int, ${to}::int) c, generate_series(0, ${perContact - 1}::int) j, lateral (select c + j * ${size.groups}::int as n) a
          where n < ${size.addresses}::int
          order by c, j`.execute(trx);
      }
      await sql.raw(ADDRESS_INDEX).execute(trx);
    });
    // Statistics for the planner, as autovacuum gathers them on a live server (a minute or so later).
    if (options.analyze !== false) await sql`analyze`.execute(db);
  } finally {
    await db.destroy();
  }
}

/** `count` mails in 100-mail batches (JSON request bodies); one in five names a stranger, the rest spread over the directory's addresses. */
export function filingBatches(count: number, tag: string, addresses: number): string[] {
  const out: string[] = [];
  let k = 0;
  for (let b = 0; b < count / BATCH; b++) {
    const messages = Array.from({ length: BATCH }, () => {
      const i = k++;
      const contact = i % 5 === 4 ? `stranger${i}@nowhere.bench.example` : addressOf((i * 7919) % addresses);
      const outbound = i % 2 === 0;
      return {
        internetMessageId: `<bench-${tag}-${i}@rezi-bench.test>`,
        from: [{ address: outbound ? AGENT.email : contact }],
        to: [{ address: outbound ? contact : AGENT.email }],
        cc: [],
        date: '2026-11-20T10:00:00.000Z',
        subject: `Viewing ${i}`,
        preview: 'Could we arrange a viewing on Saturday morning?',
        direction: outbound ? 'outbound' : 'inbound',
      };
    });
    out.push(JSON.stringify({ ownerAddresses: [AGENT.email], messages }));
  }
  return out;
}

export interface LoadResult {
  latencies: number[];
  wallMs: number;
  failures: number;
  firstError?: string;
}

/** Runs load-worker.mjs: closed loop by default, open loop with `openLoop`. */
export function load(url: string, tokens: string[], bodies: (string | null)[], concurrency: number, openLoop?: { intervalMs: number }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'load-worker.mjs'), { workerData: { url, tokens, bodies, concurrency, openLoop } });
    worker.once('message', (m: LoadResult) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

/** Timeline events recorded for mails whose ids start with `<bench-${tag}-`. */
export async function eventsFiled(db: Kysely<Database>, tag: string): Promise<number> {
  const row = await db
    .selectFrom('timeline_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('internet_message_id', 'like', `<bench-${tag}-%`)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
