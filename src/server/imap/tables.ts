/** The IMAP companion's tables as Kysely types; used with `db.withTables<ImapTables>()`. */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';

export interface BranchImapSettingsTable {
  branch_id: string;
  host: string;
  port: number;
  /** 0/1: implicit TLS. */
  ssl: number;
  /** 0/1: STARTTLS on a plain connection. */
  starttls: number;
  /** 0/1: only valid certificates. */
  verify_certificates: number;
  updated_by: string | null;
  updated_at: string;
}

export interface ImapAccountTable {
  user_id: string;
  username: string;
  kid: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
  folder_delimiter: string | null;
  created_at: string;
  updated_at: string;
}

// A type alias (not an interface) so it satisfies Kysely's Record<string, …> constraint.
export type ImapTables = {
  branch_imap_settings: BranchImapSettingsTable;
  imap_accounts: ImapAccountTable;
};

export type ImapDb = Kysely<Database & ImapTables>;

export function imapDb(db: Kysely<Database>): ImapDb {
  return db.withTables<ImapTables>();
}
