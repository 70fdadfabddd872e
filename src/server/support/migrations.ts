/**
 * The support cases table, merged into the store's migrations (the name sorts after the core ones:
 * it only needs `users` to exist for the foreign key).
 */
import type { Migration } from 'kysely';
import type { MigrationDb as Db } from '../store/schema';

export const supportMigrations: Record<string, Migration> = {
  '2001_support_cases': {
    async up(db: Db) {
      await db.schema
        .createTable('support_cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reference', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('branch_id', 'text', (c) => c.notNull())
        .addColumn('cause', 'text')
        .addColumn('client_version', 'text')
        // The diagnostics report as JSON, redacted on the way in (src/core/support-report.ts).
        .addColumn('report', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('support_cases_user_created').on('support_cases').columns(['user_id', 'created_at']).execute();
    },
  },
};

export interface SupportCaseTable {
  id: string;
  reference: string;
  created_at: string;
  user_id: string;
  tenant_id: string;
  branch_id: string;
  cause: string | null;
  client_version: string | null;
  report: string;
}
