/**
 * Ordered schema migrations. Names sort in the order they run (Kysely's Migrator sorts by name), so
 * core migrations are `0001_…`; the IMAP companion's (src/server/imap/migrations.ts) are merged in
 * and should use names that sort after the core ones they depend on (e.g. `1001_imap_…`).
 */
import { type Migration, sql } from 'kysely';
import type { MigrationDb as Db } from './schema';
import { imapMigrations } from '../imap/migrations';
import { supportMigrations } from '../support/migrations';

const core: Record<string, Migration> = {
  '0001_directory': {
    async up(db: Db) {
      await db.schema
        .createTable('branches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('oid', 'text')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('branch_id', 'text', (c) => c.notNull().references('branches.id'))
        .addColumn('role', 'text', (c) => c.notNull().check(sqlIn('role', ['agent', 'admin'])))
        .addUniqueConstraint('users_tenant_email', ['tenant_id', 'email'])
        .execute();
      await db.schema.createIndex('users_tenant_oid').on('users').columns(['tenant_id', 'oid']).execute();
      await db.schema
        .createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('branch_id', 'text', (c) => c.notNull().references('branches.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sqlIn('kind', ['vendor', 'buyer', 'landlord', 'tenant', 'applicant'])))
        .addColumn('rezi_ref', 'text')
        .execute();
      await db.schema.createIndex('groups_branch').on('groups').column('branch_id').execute();
      await db.schema
        .createTable('contacts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('contacts_group').on('contacts').column('group_id').execute();
      await db.schema
        .createTable('contact_addresses')
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
        .addColumn('address', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_addresses_pk', ['contact_id', 'address'])
        .execute();
      // The lookup every batch does: address -> contact (-> group).
      await db.schema.createIndex('contact_addresses_address').on('contact_addresses').columns(['address', 'contact_id']).execute();
    },
  },
  '0002_timeline_and_history': {
    async up(db: Db) {
      await db.schema
        .createTable('timeline_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('internet_message_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        // Exactly once per (mailbox owner, message, group): the store enforces it, not memory.
        .addUniqueConstraint('timeline_events_once', ['owner_user_id', 'internet_message_id', 'group_id'])
        .execute();
      await db.schema.createIndex('timeline_events_group').on('timeline_events').columns(['group_id', 'occurred_at']).execute();
      await db.schema
        .createTable('sync_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('received', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('client_version', 'text')
        .addColumn('host', 'text')
        .execute();
      await db.schema.createIndex('sync_runs_user_finished').on('sync_runs').columns(['user_id', 'finished_at']).execute();
      await db.schema
        .createTable('sync_outcomes')
        .addColumn('run_id', 'text', (c) => c.notNull().references('sync_runs.id').onDelete('cascade'))
        .addColumn('internet_message_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('group_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addPrimaryKeyConstraint('sync_outcomes_pk', ['run_id', 'internet_message_id'])
        .execute();
      await db.schema
        .createTable('account_state')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('cause', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('failures')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('branch_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('provider_code', 'text')
        .addColumn('message', 'text')
        .addColumn('source', 'text')
        .execute();
      await db.schema.createIndex('failures_at').on('failures').column('at').execute();
      await db.schema.createIndex('failures_user_at').on('failures').columns(['user_id', 'at']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'text')
        .addColumn('branch_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },
  },
};

function sqlIn(column: string, values: string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

export const migrations: Record<string, Migration> = { ...core, ...imapMigrations, ...supportMigrations };
