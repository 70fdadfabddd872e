/**
 * The tables several adapter instances share through the store, merged into the store's migrations
 * (the name sorts after the core ones). Times are ISO-8601 UTC text, as everywhere in the store, so
 * the same comparisons run on SQLite and PostgreSQL.
 */
import type { Migration } from 'kysely';
import type { MigrationDb as Db } from '../store/schema';

export const coordinationMigrations: Record<string, Migration> = {
  '1101_leases_and_rate_counters': {
    async up(db: Db) {
      // One row per lease key, kept after release so the fencing token only ever rises.
      await db.schema
        .createTable('leases')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('token', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      // Fixed-window counters: one row per limited subject, reset when its window has ended.
      await db.schema
        .createTable('rate_counters')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addColumn('window_ends', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rate_counters_window_ends').on('rate_counters').column('window_ends').execute();
    },
  },
};
