// IMAP companion tables; filled in by the IMAP companion work. Merged into the store's migrations.
import type { Migration } from 'kysely';

export const imapMigrations: Record<string, Migration> = {};
