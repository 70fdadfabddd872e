/**
 * The IMAP companion: branch server settings (admin), the agent's view, Authenticate, Stop Email
 * Sync (forget the credentials), Start Sync, and fixing and undoing on the server's folders.
 * Passwords are accepted, never answered.
 */
import { type Static, Type } from '@sinclair/typebox';
import { CAUSE_CODES } from '../causes';
import type { SyncReport } from '../engine';
import { CauseCodeSchema, ConnectionStateSchema, DirectionSchema, IntegerOrString, StringEnum } from './common';
import { FileToGroupsBody, UnfileBody } from './directory';
import { ApiMatchedGroup } from './filing';

export const BranchParams = Type.Object({ branchId: Type.String({ maxLength: 200 }) });

/** The form's fields; checked in plain words by the use case (every problem at once), so all are optional here. */
export const ImapSettingsForm = Type.Object({
  host: Type.Optional(Type.String({ maxLength: 300 })),
  port: Type.Optional(IntegerOrString()),
  ssl: Type.Optional(Type.Boolean()),
  tls: Type.Optional(Type.Boolean()),
  starttls: Type.Optional(Type.Boolean()),
  insecure: Type.Optional(Type.Boolean()),
  allowInvalidCertificates: Type.Optional(Type.Boolean()),
  verifyCertificates: Type.Optional(Type.Boolean()),
});
export type ImapSettingsForm = Static<typeof ImapSettingsForm>;

const settingsFields = {
  branchId: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  ssl: Type.Boolean(),
  tls: Type.Boolean(),
  insecure: Type.Boolean(),
  allowInvalidCertificates: Type.Boolean(),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String(),
};

/** A branch's settings in the form's names. */
export const ImapBranchSettings = Type.Object(settingsFields);
export type ImapBranchSettings = Static<typeof ImapBranchSettings>;

export const ImapSettingsMessage = Type.Object({ field: Type.String(), level: StringEnum(['error', 'warning'] as const), message: Type.String() });

export const ImapSettingsSaved = Type.Object({ ...settingsFields, warnings: Type.Array(ImapSettingsMessage), credentialsRevoked: Type.Integer() });
export type ImapSettingsSaved = Static<typeof ImapSettingsSaved>;

/** 400 of a settings form that does not hold: an ApiError with every problem, each in plain words. */
export const ImapSettingsInvalid = Type.Object({
  code: Type.String(),
  message: Type.String(),
  requestId: Type.Optional(Type.String()),
  problems: Type.Array(ImapSettingsMessage),
  warnings: Type.Array(ImapSettingsMessage),
});

/** GET /imap: the agent's view (never the password). */
export const ImapView = Type.Object({
  branchConfigured: Type.Boolean(),
  server: Type.Optional(Type.Object({ host: Type.String(), port: Type.Integer(), ssl: Type.Boolean(), tls: Type.Boolean(), insecure: Type.Boolean() })),
  account: Type.Union([
    Type.Object({
      username: Type.String(),
      state: ConnectionStateSchema,
      lastErrorCode: Type.Optional(CauseCodeSchema),
      lastErrorAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      connectedAt: Type.String(),
    }),
    Type.Null(),
  ]),
  syncing: Type.Boolean(),
});
export type ImapView = Static<typeof ImapView>;

export const ImapCredentials = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 320 }),
  password: Type.String({ minLength: 1, maxLength: 1000 }),
});
export type ImapCredentials = Static<typeof ImapCredentials>;

export const FolderTreeSchema = Type.Object({ root: Type.String(), queue: Type.String(), sent: Type.String(), received: Type.String(), failed: Type.String() });

export const ImapConnected = Type.Object({ username: Type.String(), state: ConnectionStateSchema, folders: FolderTreeSchema, delimiter: Type.String() });
export type ImapConnected = Static<typeof ImapConnected>;

export const ImapForgotten = Type.Object({ deleted: Type.Boolean() });
export type ImapForgotten = Static<typeof ImapForgotten>;

const MessageResultSchema = Type.Object({
  id: Type.String(),
  internetMessageId: Type.String(),
  subject: Type.String(),
  from: Type.Array(Type.Object({ address: Type.String(), name: Type.String() })),
  direction: DirectionSchema,
  status: StringEnum(['sent', 'received', 'failed', 'pending'] as const),
  groups: Type.Array(ApiMatchedGroup),
  reason: Type.Optional(StringEnum(['no-matching-group', 'invalid-message', ...CAUSE_CODES] as const)),
  message: Type.Optional(Type.String()),
});

/** The engine's SyncReport (core/engine.ts) on the wire, in the order the engine builds it. */
export const SyncReportSchema = Type.Object({
  total: Type.Integer(),
  sent: Type.Integer(),
  received: Type.Integer(),
  failed: Type.Integer(),
  pending: Type.Integer(),
  results: Type.Array(MessageResultSchema),
  notQueued: Type.Array(Type.Object({ id: Type.String(), cause: CauseCodeSchema, message: Type.Optional(Type.String()) })),
  cancelled: Type.Boolean(),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  resultsOmitted: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.Object({ code: CauseCodeSchema, message: Type.String() })),
});

/** POST /imap/sync: the run's report and its id. */
export const ImapSyncResult = Type.Object({
  ...SyncReportSchema.properties,
  runId: Type.String(),
});
export type ImapSyncResult = Static<typeof ImapSyncResult>;

/**
 * POST /imap/sync, 202: the sync started but was still running when the adapter stopped waiting
 * (SYNC_WAIT_SECONDS). It carries on without the caller; GET /imap answers `syncing` while it runs,
 * and the run's report is in sync history when it ends.
 */
export const ImapSyncStarted = Type.Object({
  state: Type.Literal('running'),
  jobId: Type.String(),
  message: Type.String(),
});
export type ImapSyncStarted = Static<typeof ImapSyncStarted>;

// The engine's type and its wire schema must not drift apart: each is assignable to the other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameReport: Same<Static<typeof SyncReportSchema>, SyncReport> = true;
void sameReport;

/** GET /imap/failed: at most this many of the mails in Rezi-Imported/Failed, the newest first. */
export const MAX_FAILED_LISTED = 50;

/** A mail in Failed, as the IMAP server has it now (identified by Message-ID: its UID changes with the folder). */
export const ImapFailedMail = Type.Object({
  internetMessageId: Type.String(),
  subject: Type.String(),
  from: Type.Array(Type.Object({ address: Type.String(), name: Type.String() })),
  date: Type.String(),
  direction: DirectionSchema,
});
export type ImapFailedMail = Static<typeof ImapFailedMail>;

/** GET /imap/failed: the newest Failed mails and how many mails Queue and Failed hold. */
export const ImapFailedList = Type.Object({
  mails: Type.Array(ImapFailedMail, { maxItems: MAX_FAILED_LISTED }),
  counts: Type.Object({ queue: Type.Integer(), failed: Type.Integer() }),
});
export type ImapFailedList = Static<typeof ImapFailedList>;

const MessageId = Type.String({ minLength: 1, maxLength: 1000 });

/** POST /imap/fix: file the Failed mail with this Message-ID onto the chosen cards, then move it to Sent or Received. */
export const ImapFixBody = Type.Object({
  internetMessageId: MessageId,
  groupIds: FileToGroupsBody.properties.groupIds,
  remember: FileToGroupsBody.properties.remember,
});
export type ImapFixBody = Static<typeof ImapFixBody>;

/** POST /imap/unfile: undo the caller's filing of the mail with this Message-ID, then move it back to INBOX. */
export const ImapUnfileBody = Type.Object({ internetMessageId: MessageId, groupIds: UnfileBody.properties.groupIds });
export type ImapUnfileBody = Static<typeof ImapUnfileBody>;
