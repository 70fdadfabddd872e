/**
 * The embedded store's tables as Kysely types. Ids are text (UUIDs or stable demo ids) and times are
 * ISO 8601 text, so the same queries run on SQLite and, later, PostgreSQL.
 */
import type { Kysely } from 'kysely';
import type { CauseCode } from '../../core/causes';
import type { Direction } from '../../core/direction';
import type { ConnectionState } from '../../core/status';
import type { AccountKind } from '../../core/api';

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

export interface TimelineEventTable {
  id: string;
  owner_user_id: string;
  internet_message_id: string;
  group_id: string;
  direction: Direction;
  subject: string;
  occurred_at: string;
  created_at: string;
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

export interface AccountStateTable {
  user_id: string;
  kind: AccountKind;
  state: ConnectionState;
  cause: CauseCode | null;
  updated_at: string;
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

export interface Database {
  branches: BranchTable;
  users: UserTable;
  groups: GroupTable;
  contacts: ContactTable;
  contact_addresses: ContactAddressTable;
  timeline_events: TimelineEventTable;
  sync_runs: SyncRunTable;
  sync_outcomes: SyncOutcomeTable;
  account_state: AccountStateTable;
  failures: FailureTable;
  audit_log: AuditLogTable;
}
