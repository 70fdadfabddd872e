/**
 * Office 365 automatic filing's table, merged into the store's migrations (the name sorts after the
 * IMAP watch ones). The refresh token is stored only as AES-256-GCM ciphertext under the IMAP key
 * (imap/crypto.ts), as IMAP passwords are; never a plaintext column.
 */
import type { Migration } from 'kysely';
import { bytesType } from '../store/dialect';
import type { MigrationDb as Db } from '../store/schema';

export const graphMigrations: Record<string, Migration> = {
  '1301_graph_automatic_filing': {
    async up(db: Db) {
      const bytes = bytesType(db);
      await db.schema
        .createTable('graph_accounts')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('iv', bytes, (c) => c.notNull())
        .addColumn('tag', bytes, (c) => c.notNull())
        .addColumn('ciphertext', bytes, (c) => c.notNull())
        // Where the next delta query starts (null: a first round, which files whatever is in Queue).
        .addColumn('delta_link', 'text')
        // Why polling stopped (consent missing, a sign-in needed, a revoked grant); null while polled.
        .addColumn('stopped_cause', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
