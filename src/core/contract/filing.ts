/**
 * Filing mail and recording runs: POST /mail/file (a batch of mails) and POST /sync/report (the
 * client's summary when a pane sync ends). Every limit the adapter enforces on input is here.
 */
import { type Static, Type } from '@sinclair/typebox';
import { UNMATCHED_REASONS } from '../ports';
import { PRIVACY_LEVELS } from '../content';
import { CauseCodeSchema, DirectionSchema, SourceSchema, StringEnum } from './common';

export const MAX_FILE_BATCH = 100;
/**
 * Recipients (To, then Cc) a mail is matched by: more is a mass mailing (or an attack). Such a mail is
 * still filed, by its first MAX_RECIPIENTS, and its outcome says the rest were ignored.
 */
export const MAX_RECIPIENTS = 500;
/** Entries accepted per list; the body limit bounds the request anyway. */
const MAX_LIST_ENTRIES = 20_000;
const ADDRESS_MAX = 320;

export const ApiAddress = Type.Object({
  address: Type.String({ maxLength: ADDRESS_MAX }),
  name: Type.Optional(Type.String({ maxLength: 500 })),
});
export type ApiAddress = Static<typeof ApiAddress>;

const addressList = (maxItems: number) => Type.Array(ApiAddress, { maxItems });

export const ApiFileMessage = Type.Object({
  internetMessageId: Type.String({ maxLength: 1000 }),
  from: addressList(20),
  to: addressList(MAX_LIST_ENTRIES),
  cc: Type.Optional(addressList(MAX_LIST_ENTRIES)),
  /** ISO 8601 */
  date: Type.String({ maxLength: 100 }),
  subject: Type.String({ maxLength: 4000 }),
  preview: Type.String({ maxLength: 4000 }),
  direction: DirectionSchema,
});
export type ApiFileMessage = Static<typeof ApiFileMessage>;

/** Groups the calls of one pane sync into one sync run in the history (client-made UUID). */
const RunId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });

export const ApiFileRequest = Type.Object({
  runId: Type.Optional(RunId),
  ownerAddresses: Type.Array(Type.String({ maxLength: ADDRESS_MAX }), { maxItems: 100 }),
  /** Match Cc addresses too (off by default). */
  includeCc: Type.Optional(Type.Boolean()),
  /**
   * The mailbox the mails were filed from when it is not the signed-in user's own (a shared mailbox
   * or another person's delegated folder): its SMTP address, so each event can say who filed it from where.
   */
  mailbox: Type.Optional(Type.String({ minLength: 3, maxLength: ADDRESS_MAX, pattern: '^[^@\\s]+@[^@\\s]+$' })),
  messages: Type.Array(ApiFileMessage, { maxItems: MAX_FILE_BATCH }),
});
export type ApiFileRequest = Static<typeof ApiFileRequest>;

/** `alreadyOnTimeline`: a colleague had filed this mail onto this group first; the caller joined their event. */
export const ApiMatchedGroup = Type.Object({
  groupId: Type.String(),
  name: Type.String(),
  link: Type.String(),
  eventId: Type.String(),
  alreadyOnTimeline: Type.Optional(Type.Object({ firstFiledBy: Type.String(), firstFiledAt: Type.String() })),
});
export type ApiMatchedGroup = Static<typeof ApiMatchedGroup>;

/** `message`: a note on how it was filed (e.g. recipients past the cap were ignored). */
const note = Type.Optional(Type.String());
export const PrivacyLevelSchema = StringEnum(PRIVACY_LEVELS);
export const ApiFileOutcome = Type.Union([
  Type.Object({
    internetMessageId: Type.String(),
    status: Type.Literal('filed'),
    groups: Type.Array(ApiMatchedGroup),
    message: note,
    /** The owner's branch's privacy level: how much of the mail's content the client may send for its events. */
    privacy: Type.Optional(PrivacyLevelSchema),
  }),
  Type.Object({
    internetMessageId: Type.String(),
    status: Type.Literal('unmatched'),
    reason: StringEnum(UNMATCHED_REASONS),
    message: note,
  }),
  Type.Object({ internetMessageId: Type.String(), status: Type.Literal('error'), cause: CauseCodeSchema, message: note }),
]);
export type ApiFileOutcome = Static<typeof ApiFileOutcome>;

export const ApiFileResponse = Type.Object({ runId: Type.String(), outcomes: Type.Array(ApiFileOutcome) });
export type ApiFileResponse = Static<typeof ApiFileResponse>;

const count = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const isoTime = Type.String({ maxLength: 100, format: 'date-time' });

export const ApiSyncReport = Type.Object({
  runId: RunId,
  source: SourceSchema,
  total: count,
  sent: count,
  received: count,
  failed: count,
  pending: count,
  startedAt: isoTime,
  finishedAt: isoTime,
  error: Type.Optional(
    Type.Object({ code: CauseCodeSchema, message: Type.String({ maxLength: 2000 }), providerCode: Type.Optional(Type.String({ maxLength: 200 })) }),
  ),
  client: Type.Optional(
    Type.Object({
      version: Type.String({ maxLength: 100 }),
      host: Type.Optional(Type.String({ maxLength: 100 })),
      platform: Type.Optional(Type.String({ maxLength: 100 })),
    }),
  ),
});
export type ApiSyncReport = Static<typeof ApiSyncReport>;
