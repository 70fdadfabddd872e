/** BatchInsert: the filing path's inserts compiled once per row count, still by Kysely, so still per dialect. */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { BatchInsert, openDatabase } from '../../../src/server/store/db';
import type { Database } from '../../../src/server/store/schema';

type Outcome = Database['sync_outcomes'];
const COLUMNS = ['run_id', 'internet_message_id', 'status', 'reason', 'group_ids'] as const;
const insert = new BatchInsert<Outcome>([...COLUMNS], (db, rows) =>
  db
    .insertInto('sync_outcomes')
    .values(rows)
    .onConflict((oc) => oc.columns(['run_id', 'internet_message_id']).doUpdateSet((eb) => ({ status: eb.ref('excluded.status') }))),
);
const row = (i: number): Outcome => ({ run_id: 'r1', internet_message_id: `<m${i}@x>`, status: 'filed', reason: i % 2 ? null : 'why', group_ids: '[]' });

test('the SQL is what the builder makes for these rows, with the parameters in column order', () => {
  const db = openDatabase(':memory:');
  const rows = [row(1), row(2), row(3)];
  const built = db
    .insertInto('sync_outcomes')
    .values(rows)
    .onConflict((oc) => oc.columns(['run_id', 'internet_message_id']).doUpdateSet((eb) => ({ status: eb.ref('excluded.status') })))
    .compile();
  const q = insert.query(db, rows);
  expect(q.sql).toBe(built.sql);
  expect(q.parameters).toEqual(built.parameters);
  expect(insert.query(db, [row(7)]).parameters).toEqual(['r1', '<m7@x>', 'filed', null, '[]']);
  void db.destroy();
});

test('PostgreSQL gets its own placeholders: the same code would serve a PostgreSQL store', () => {
  const pg = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const sqlite = openDatabase(':memory:');
  const q = insert.query(pg, [row(1), row(2)]);
  expect(q.sql).toContain('values ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)');
  expect(insert.query(sqlite, [row(1), row(2)]).sql).toContain('values (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)');
  expect(q.parameters).toHaveLength(10);
  void sqlite.destroy();
});
