/**
 * The embedded store's tables as Kysely types. Ids are text (UUIDs or stable demo ids) and times are
 * ISO 8601 text, so the same queries run on SQLite and, later, PostgreSQL.
 */
import type { Kysely } from 'kysely';
import type { CauseCode } from '../../core/causes';
import type { Direction } from '../../core/direction';
import type { ConnectionState } from '../../core/status';
import type { AccountKind } from '../../core/api';
import type { PrivacyLevel } from '../../core/content';

/** Kysely<any> is the documented type for migrations: they must not depend on today's schema types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MigrationDb = Kysely<any>;

export type Role = 'agent' | 'admin';
export type GroupKind = 'vendor' | 'buyer' | 'landlord' | 'tenant' | 'applicant';
export const GROUP_KINDS: readonly GroupKind[] = ['vendor', 'buyer', 'landlord', 'tenant', 'applicant'];
export type SyncSource = 'graph' | 'imap';

export interface BranchTable {
  id: string;
  name: string;
  tenant_id: string;
  /** How much of a mail's content leaves the mailbox (core/content PrivacyLevel); null: the default. */
  privacy_level: PrivacyLevel | null;
}

export interface UserTable {
  id: string;
  /** Entra object id; null until first sign-in maps it (then matched by email). */
  oid: string | null;
  tenant_id: string;
  /** Normalised address; unique per tenant. */
  email: string;
  name: string;
  branch_id: string;
  role: Role;
}

export interface GroupTable {
  id: string;
  branch_id: string;
  name: string;
  kind: GroupKind;
  /** The group's reference in Rezi (used in links). */
  rezi_ref: string | null;
}

export interface ContactTable {
  id: string;
  group_id: string;
  name: string;
}

export interface ContactAddressTable {
  contact_id: string;
  /** Normalised (src/core/addresses normaliseAddress). */
  address: string;
}

/** One per (group, message), whoever files it: the colleagues who did are its filers. */
export interface TimelineEventTable {
  id: string;
  /** Who filed it first (the timeline shows them); after they undo, the earliest filer left. */
  owner_user_id: string;
  internet_message_id: string;
  group_id: string;
  direction: Direction;
  subject: string;
  occurred_at: string;
  created_at: string;
}

/** Who filed an event, from which mailbox: one row per (event, user). */
export interface TimelineEventFilerTable {
  event_id: string;
  user_id: string;
  /** The mailbox's address it was filed from. */
  mailbox: string;
  filed_at: string;
}

export type FilingRuleKind = 'agency-domain' | 'never-file';

/** A branch's filing rules: its agency's own domains, and addresses or domains never filed. */
export interface BranchFilingRuleTable {
  branch_id: string;
  kind: FilingRuleKind;
  /** Normalised: a domain (`agency.co.uk`) or an address (`someone@example.com`). */
  value: string;
  added_by: string | null;
  added_at: string;
}

/** A word a group card is found by (directory/search-terms.ts). */
export interface GroupSearchTermTable {
  branch_id: string;
  term: string;
  group_id: string;
}

export interface SyncRunTable {
  id: string;
  user_id: string;
  source: SyncSource;
  started_at: string;
  finished_at: string | null;
  total: number;
  sent: number;
  received: number;
  failed: number;
  pending: number;
  error_code: CauseCode | null;
  error_message: string | null;
  client_version: string | null;
  host: string | null;
}

export interface SyncOutcomeTable {
  run_id: string;
  internet_message_id: string;
  /** filed | unmatched | error */
  status: string;
  reason: string | null;
  /** JSON array of group ids. */
  group_ids: string;
}

/** One row per user and path (office365, imap): the status card shows the one updated last. */
export interface AccountStateTable {
  user_id: string;
  kind: AccountKind;
  state: ConnectionState;
  /** Why the state is not Connected (null when it is). */
  cause: CauseCode | null;
  updated_at: string;
  /** The last error on this path, kept after it recovers (the IMAP panel shows it); cleared by a new login. */
  last_error_code: CauseCode | null;
  last_error_at: string | null;
}

export interface FailureTable {
  id: string;
  at: string;
  user_id: string;
  tenant_id: string;
  branch_id: string;
  code: CauseCode;
  provider_code: string | null;
  message: string | null;
  source: SyncSource | null;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor_user_id: string | null;
  branch_id: string | null;
  action: string;
  /** JSON. */
  details: string | null;
}

/** Bytes by their SHA-256 (hex): the content store's table, where it keeps them in the database. */
export interface ContentBlobTable {
  key: string;
  size: number;
  bytes: Buffer | null;
  /** When the bytes were last stored (ISO); null for blobs stored before this was recorded. */
  stored_at: string | null;
}

/**
 * A filed mail's content, once per (owner, message): every event of the mail (one per matched group)
 * shows it. Bodies and attachments are content-store keys; JSON columns hold the lists.
 */
export interface TimelineContentTable {
  owner_user_id: string;
  /** Canonical Message-ID, as timeline_events has it. */
  internet_message_id: string;
  /** captured | not-captured */
  status: string;
  /** The privacy level it was read at. */
  level: PrivacyLevel;
  /** Why it was not captured, or what was cut or left out. */
  reason: string | null;
  /** JSON: { from, to, cc, subject, date }. */
  headers: string;
  preview: string;
  text_key: string | null;
  html_key: string | null;
  /** JSON: [{ name, type, size, contentId?, inline, key }]. */
  attachments: string;
  /** JSON: [{ name, type, size, reason }]. */
  left_out: string;
  updated_at: string;
}

export interface Database {
  branches: BranchTable;
  users: UserTable;
  groups: GroupTable;
  contacts: ContactTable;
  contact_addresses: ContactAddressTable;
  timeline_events: TimelineEventTable;
  timeline_event_filers: TimelineEventFilerTable;
  branch_filing_rules: BranchFilingRuleTable;
  group_search_terms: GroupSearchTermTable;
  sync_runs: SyncRunTable;
  sync_outcomes: SyncOutcomeTable;
  account_state: AccountStateTable;
  failures: FailureTable;
  audit_log: AuditLogTable;
  content_blobs: ContentBlobTable;
  timeline_content: TimelineContentTable;
}
