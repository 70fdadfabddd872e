/**
 * The plan a store chooses for a query, one line per step: SQLite's EXPLAIN QUERY PLAN details
 * ("SEARCH contact_addresses USING COVERING INDEX …"), PostgreSQL's EXPLAIN text ("Index Only Scan
 * using … on …"). Run with the query's own parameters, as the store would plan it when filing.
 */
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import { isPostgres } from '../../src/server/store/dialect';
import type { Database } from '../../src/server/store/schema';

/**
 * SQLite keeps an EXPLAIN's answer in its prepared statement, and the store caches statements by
 * text: after a schema change the same text would answer the old plan. Each EXPLAIN gets its own text.
 */
let explained = 0;

export async function queryPlan(db: Kysely<Database>, query: Compilable): Promise<string[]> {
  const { sql, parameters } = query.compile();
  if (isPostgres(db)) {
    const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${sql}`, [...parameters]));
    return rows.map((r) => r['QUERY PLAN'].trim().replace(/^->\s*/, ''));
  }
  const { rows } = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`/* plan ${++explained} */ explain query plan ${sql}`, [...parameters]));
  return rows.map((r) => r.detail);
}

/** Steps that read the whole of `table` (any table by default): SQLite's "SCAN t" (with or without an index), PostgreSQL's "Seq Scan on t". */
export function fullScans(plan: readonly string[], table = '\\w+'): string[] {
  return plan.filter((step) => new RegExp(`^SCAN ${table}\\b|Seq Scan on ${table}\\b`).test(step));
}

/** Whether a step reads through `index`: SQLite "SEARCH … USING [COVERING] INDEX name", PostgreSQL "Index [Only] Scan using name" or "Bitmap Index Scan on name". */
export function usesIndex(plan: readonly string[], index: string): boolean {
  return plan.some((step) =>
    new RegExp(`^SEARCH \\w+ USING (COVERING )?INDEX ${index} |Index (Only )?Scan using ${index} on |Bitmap Index Scan on ${index}\\b`).test(step),
  );
}
