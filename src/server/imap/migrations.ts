/**
 * The IMAP companion's tables, merged into the store's migrations (names sort after the core ones).
 * Credentials are stored only as AES-256-GCM ciphertext (see crypto.ts); never a plaintext column.
 */
import type { Migration } from 'kysely';
import type { MigrationDb as Db } from '../store/schema';
import { bytesType } from '../store/dialect';

export const imapMigrations: Record<string, Migration> = {
  '1001_imap_settings_and_accounts': {
    async up(db: Db) {
      const bytes = bytesType(db);
      await db.schema
        .createTable('branch_imap_settings')
        .addColumn('branch_id', 'text', (c) => c.primaryKey().references('branches.id'))
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('ssl', 'integer', (c) => c.notNull())
        .addColumn('starttls', 'integer', (c) => c.notNull())
        .addColumn('verify_certificates', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('updated_by', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('imap_accounts')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('iv', bytes, (c) => c.notNull())
        .addColumn('tag', bytes, (c) => c.notNull())
        .addColumn('ciphertext', bytes, (c) => c.notNull())
        .addColumn('folder_delimiter', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('last_error_code', 'text')
        .addColumn('last_error_at', 'text')
        .execute();
      await db.schema.createIndex('imap_accounts_kid').on('imap_accounts').column('kid').execute();
    },
  },
};
