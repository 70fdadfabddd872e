/** The tests' PostgreSQL: a real server started from a temp folder, one database per caller, stopped by its pid. */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { postgresAvailable, startPostgres, type PostgresInstance } from '../../dev/postgres';

const available = postgresAvailable();
if (!available) console.warn('\n  ⚠ PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL helper tests are SKIPPED.\n');
const maybe = available ? describe : describe.skip;

maybe('startPostgres', () => {
  let server: PostgresInstance;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => server?.stop());

  it('listens on loopback, makes databases that are empty and apart, and stops by pid taking its folder', async () => {
    expect(server.url).toMatch(/^postgres:\/\/rezi@127\.0\.0\.1:\d+\/postgres$/);
    const a = await server.createDatabase('a_file');
    const b = await server.createDatabase('b_file');
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    await client.query('create table only_in_a (x int)');
    const { rows } = await client.query<{ db: string; count: string }>(
      "select current_database() as db, count(*) as count from pg_tables where schemaname = 'public'",
    );
    await client.end();
    expect(rows).toEqual([{ db: 'a_file', count: '1' }]);
    const other = new pg.Client({ connectionString: b });
    await other.connect();
    const inB = await other.query("select count(*)::int as n from pg_tables where schemaname = 'public'");
    await other.end();
    expect(inB.rows).toEqual([{ n: 0 }]);

    const { dir } = server;
    await server.stop();
    expect(existsSync(dir)).toBe(false);
    const late = new pg.Client({ connectionString: a, connectionTimeoutMillis: 2000 });
    late.on('error', () => undefined);
    await expect(late.connect()).rejects.toThrow();
  }, 60_000);
});
