/**
 * The adapter's HTTP API (/api/v1) as TypeScript types: the contract between the task pane (and
 * ribbon command) and the Rezi backend adapter. Types only — the server validates with JSON Schema
 * derived from the same shapes, the client is src/client.
 */
import type { CauseCode } from './causes';
import type { Direction } from './direction';
import type { SyncReport } from './engine';
import type { ConnectionState } from './status';

export const API_PREFIX = '/api/v1';
export const MAX_FILE_BATCH = 100;

export interface ApiAddress {
  address: string;
  name?: string;
}

export interface ApiFileMessage {
  internetMessageId: string;
  from: ApiAddress[];
  to: ApiAddress[];
  cc?: ApiAddress[];
  /** ISO 8601 */
  date: string;
  subject: string;
  preview: string;
  direction: Direction;
}

/** POST /api/v1/mail/file */
export interface ApiFileRequest {
  /** Groups the calls of one pane sync into one sync run in the history (client-made UUID). */
  runId?: string;
  ownerAddresses: string[];
  /** Match Cc addresses too (off by default). */
  includeCc?: boolean;
  messages: ApiFileMessage[];
}

export interface ApiMatchedGroup {
  groupId: string;
  name: string;
  link: string;
  eventId: string;
}

export type ApiFileOutcome =
  /** `message`: a note on how it was filed (e.g. recipients past the cap were ignored). */
  | { internetMessageId: string; status: 'filed'; groups: ApiMatchedGroup[]; message?: string }
  | { internetMessageId: string; status: 'unmatched'; reason: 'no-matching-group' | 'invalid-message'; message?: string }
  | { internetMessageId: string; status: 'error'; cause: CauseCode; message?: string };

export interface ApiFileResponse {
  runId: string;
  outcomes: ApiFileOutcome[];
}

/** POST /api/v1/sync/report — the client's summary when a pane sync ends (moves are client-side). */
export interface ApiSyncReport {
  runId: string;
  source: 'graph' | 'imap';
  total: number;
  sent: number;
  received: number;
  failed: number;
  pending: number;
  startedAt: string;
  finishedAt: string;
  error?: { code: CauseCode; message: string; providerCode?: string };
  client?: { version: string; host?: string; platform?: string };
}

export type AccountKind = 'office365' | 'imap' | 'none';

/** GET /api/v1/status */
export interface ApiStatus {
  user: { id: string; name: string; email: string; branchId: string; branchName: string; role: 'agent' | 'admin' };
  account: {
    kind: AccountKind;
    state: ConnectionState;
    /** The last cause that changed the state, if it is not Connected. */
    cause?: CauseCode;
    /** IMAP: username shown back (never the password). */
    username?: string;
    /** IMAP: whether the branch has server settings. */
    branchConfigured?: boolean;
    /** IMAP: the branch's server is reached without SSL or TLS (set so on purpose by IT): passwords cross the network in clear text. */
    connectionInsecure?: boolean;
  };
  lastSync?: {
    runId: string;
    source: 'graph' | 'imap';
    finishedAt: string;
    total: number;
    sent: number;
    received: number;
    failed: number;
    pending: number;
    error?: { code: CauseCode; message: string };
  };
  recentFailures: { at: string; code: CauseCode; message: string; providerCode?: string }[];
  outage?: { suspected: boolean; provider: 'microsoft365' | 'google' | 'imap'; affectedUsers: number; since: string; message: string };
}

/** Every 4xx/5xx body. */
export interface ApiError {
  code: string;
  message: string;
  requestId?: string;
  cause?: CauseCode;
}

/** The summary of an engine report that the history records, for either path. */
export function toApiReport(
  report: SyncReport,
  runId: string,
  source: ApiSyncReport['source'],
  extra: { client?: ApiSyncReport['client']; providerCode?: string } = {},
): ApiSyncReport {
  const r: ApiSyncReport = {
    runId,
    source,
    total: report.total,
    sent: report.sent,
    received: report.received,
    failed: report.failed,
    pending: report.pending,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
  };
  if (report.error) r.error = { code: report.error.code, message: report.error.message, ...(extra.providerCode ? { providerCode: extra.providerCode } : {}) };
  if (extra.client) r.client = extra.client;
  return r;
}
