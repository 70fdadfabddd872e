/**
 * The directory's migrations after the first two, merged into the store's (src/server/store/migrations.ts).
 * Each runs on SQLite and PostgreSQL alike.
 */
import { type Migration, sql } from 'kysely';
import { isPostgres } from '../store/dialect';
import type { MigrationDb as Db } from '../store/schema';
import { indexGroupTerms } from './search-terms';

/**
 * One timeline event per (group, message) whoever files it, with the colleagues who filed it in
 * timeline_event_filers. Events that were one per mailbox owner are merged: the earliest stays (its
 * owner is the one who filed it first) and every owner of a merged one becomes a filer of it.
 * SQLite cannot drop a table's unique constraint, so the table is rebuilt (the same steps on both).
 */
const sharedEvents: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('timeline_events_shared')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // Who filed it first (the timeline shows them); the filers table lists everyone.
      .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('internet_message_id', 'text', (c) => c.notNull())
      .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      // Message first: a batch looks its messages' events up by Message-ID.
      .addUniqueConstraint('timeline_events_one_per_group', ['internet_message_id', 'group_id'])
      .execute();
    await sql`insert into timeline_events_shared (id, owner_user_id, internet_message_id, group_id, direction, subject, occurred_at, created_at)
      select e.id, e.owner_user_id, e.internet_message_id, e.group_id, e.direction, e.subject, e.occurred_at, e.created_at
      from timeline_events e
      where not exists (
        select 1 from timeline_events o
        where o.group_id = e.group_id and o.internet_message_id = e.internet_message_id
          and (o.created_at < e.created_at or (o.created_at = e.created_at and o.id < e.id)))`.execute(db);
    await db.schema
      .createTable('timeline_event_filers')
      .addColumn('event_id', 'text', (c) => c.notNull().references('timeline_events_shared.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      /** The mailbox it was filed from (the filer's address). */
      .addColumn('mailbox', 'text', (c) => c.notNull())
      .addColumn('filed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('timeline_event_filers_pk', ['event_id', 'user_id'])
      .execute();
    await sql`insert into timeline_event_filers (event_id, user_id, mailbox, filed_at)
      select s.id, e.owner_user_id, u.email, e.created_at
      from timeline_events e
      join timeline_events_shared s on s.group_id = e.group_id and s.internet_message_id = e.internet_message_id
      join users u on u.id = e.owner_user_id`.execute(db);
    await db.schema.dropTable('timeline_events').execute();
    await db.schema.alterTable('timeline_events_shared').renameTo('timeline_events').execute();
    await db.schema.createIndex('timeline_events_group').on('timeline_events').columns(['group_id', 'occurred_at']).execute();
    // Undo: the caller's filings of one message.
    await db.schema.createIndex('timeline_event_filers_user').on('timeline_event_filers').columns(['user_id', 'event_id']).execute();
  },
};

/** Per branch: the agency's own mail domains (internal mail) and the never-file list (addresses and domains). */
const filingRules: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('branch_filing_rules')
      .addColumn('branch_id', 'text', (c) => c.notNull().references('branches.id'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('agency-domain', 'never-file')`))
      /** Normalised: a domain, or an address. */
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text')
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('branch_filing_rules_pk', ['branch_id', 'kind', 'value'])
      .execute();
  },
};

/**
 * The words group cards are found by (search-terms.ts), for filing a Failed mail by hand; filled here
 * for the cards already in the store. On PostgreSQL the words compare byte by byte (collation "C", as
 * SQLite's BINARY does), so a prefix is one range of the index on both.
 */
const groupSearch: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('group_search_terms')
      .addColumn('branch_id', 'text', (c) => c.notNull())
      .addColumn('term', isPostgres(db) ? sql`text collate "C"` : 'text', (c) => c.notNull())
      .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('group_search_terms_pk', ['branch_id', 'term', 'group_id'])
      .execute();
    await db.schema.createIndex('group_search_terms_group').on('group_search_terms').column('group_id').execute();
    const groups = await db.selectFrom('groups').select('id').execute();
    await indexGroupTerms(
      db,
      groups.map((g: { id: string }) => g.id),
    );
  },
};

export const directoryMigrations: Record<string, Migration> = {
  '0004_filing_rules': filingRules,
  '0004_group_search': groupSearch,
  '0004_shared_events': sharedEvents,
};
