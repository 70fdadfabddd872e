/**
 * Automatic filing's tables, merged into the store's migrations (the name sorts after the IMAP and
 * coordination ones). Which instance watches an account is not stored here: that is a lease
 * (`imap-watch:<user id>` in `leases`), so a dead instance's watches free themselves.
 */
import type { Migration } from 'kysely';
import type { MigrationDb as Db } from '../store/schema';

export const watchMigrations: Record<string, Migration> = {
  '1201_queue_watch': {
    async up(db: Db) {
      // A branch without a row files automatically (the default); a row says what its IT chose.
      await db.schema
        .createTable('branch_watch_settings')
        .addColumn('branch_id', 'text', (c) => c.primaryKey().references('branches.id'))
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // The last automatic run per account, for the status card ("when it last ran").
      await db.schema
        .createTable('queue_watch_runs')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('last_run_id', 'text', (c) => c.notNull())
        .addColumn('last_run_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
