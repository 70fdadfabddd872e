/**
 * Ordered schema migrations. Names sort in the order they run (Kysely's Migrator sorts by name), so
 * core migrations are `0001_…`; the IMAP companion's (src/server/imap/migrations.ts) are merged in
 * and should use names that sort after the core ones they depend on (e.g. `1001_imap_…`).
 */
import { type Migration, sql } from 'kysely';
import type { MigrationDb as Db } from './schema';
import { bytesType } from './dialect';
import { imapMigrations } from '../imap/migrations';
import { supportMigrations } from '../support/migrations';
import { coordinationMigrations } from '../coordination/migrations';
import { watchMigrations } from '../watch/migrations';
import { graphMigrations } from '../graph/migrations';
import { directoryMigrations } from '../directory/migrations';

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

/**
 * Mail content on the timeline: the branch's privacy level, the content per (owner, message), and
 * the content store's table (used on PostgreSQL and in-memory SQLite; files beside an SQLite file).
 */
const timelineContent: Record<string, Migration> = {
  '0003_timeline_content': {
    async up(db: Db) {
      await db.schema
        .alterTable('branches')
        .addColumn('privacy_level', 'text', (c) => c.check(sqlIn('privacy_level', ['metadata', 'preview', 'body', 'attachments'])))
        .execute();
      await db.schema
        .createTable('content_blobs')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('bytes', bytesType(db))
        .execute();
      await db.schema
        .createTable('timeline_content')
        .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('internet_message_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sqlIn('status', ['captured', 'not-captured'])))
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('headers', 'text', (c) => c.notNull())
        .addColumn('preview', 'text', (c) => c.notNull())
        .addColumn('text_key', 'text')
        .addColumn('html_key', 'text')
        .addColumn('attachments', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('left_out', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('timeline_content_pk', ['owner_user_id', 'internet_message_id'])
        .execute();
    },
  },
  /** When each blob was last stored: the sweep of unreferenced content leaves young ones alone. */
  '0005_content_blobs_stored_at': {
    async up(db: Db) {
      await db.schema.alterTable('content_blobs').addColumn('stored_at', 'text').execute();
    },
  },
};

/**
 * Account state in one table: a row per user and path (Office 365, IMAP), which also keeps the last
 * error the IMAP panel shows. The IMAP companion's copy (imap_accounts.state, last_error_*) moves in
 * and its columns go. Named to run after the IMAP tables it reads.
 */
const accountStateOneTable: Record<string, Migration> = {
  '1002_account_state_one_table': {
    async up(db: Db) {
      await db.schema
        .createTable('account_state_by_path')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('cause', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_error_code', 'text')
        .addColumn('last_error_at', 'text')
        .addPrimaryKeyConstraint('account_state_pk', ['user_id', 'kind'])
        .execute();
      await sql`insert into account_state_by_path (user_id, kind, state, cause, updated_at)
        select user_id, kind, state, cause, updated_at from account_state`.execute(db);
      // IMAP: what the status card showed stays (the row of account_state, when it was IMAP's);
      // the panel's last error comes along, and an IMAP account the card no longer showed gets its own row.
      await sql`update account_state_by_path set
          last_error_code = (select a.last_error_code from imap_accounts a where a.user_id = account_state_by_path.user_id),
          last_error_at = (select a.last_error_at from imap_accounts a where a.user_id = account_state_by_path.user_id)
        where kind = 'imap'`.execute(db);
      await sql`insert into account_state_by_path (user_id, kind, state, cause, updated_at, last_error_code, last_error_at)
        select a.user_id, 'imap', a.state, case when a.state = 'connected' then null else a.last_error_code end, a.updated_at, a.last_error_code, a.last_error_at
        from imap_accounts a
        where not exists (select 1 from account_state_by_path s where s.user_id = a.user_id and s.kind = 'imap')`.execute(db);
      await db.schema.dropTable('account_state').execute();
      await db.schema.alterTable('account_state_by_path').renameTo('account_state').execute();
      for (const column of ['state', 'last_error_code', 'last_error_at']) await db.schema.alterTable('imap_accounts').dropColumn(column).execute();
    },
  },
};

function sqlIn(column: string, values: string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

export const migrations: Record<string, Migration> = {
  ...core,
  ...directoryMigrations,
  ...timelineContent,
  ...imapMigrations,
  ...accountStateOneTable,
  ...supportMigrations,
  ...coordinationMigrations,
  ...watchMigrations,
  ...graphMigrations,
};
