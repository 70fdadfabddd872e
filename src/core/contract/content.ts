/** A branch's privacy level: how much of a mail's content leaves the mailbox for the timeline (its admin's choice). */
import { type Static, Type } from '@sinclair/typebox';
import { CauseCodeSchema } from './common';
import { PrivacyLevelSchema } from './filing';

export const BranchPrivacyForm = Type.Object({ level: PrivacyLevelSchema });
export type BranchPrivacyForm = Static<typeof BranchPrivacyForm>;

export const BranchPrivacy = Type.Object({
  branchId: Type.String(),
  level: PrivacyLevelSchema,
  /** True when the admin has not chosen (the level is the default). */
  isDefault: Type.Boolean(),
});
export type BranchPrivacy = Static<typeof BranchPrivacy>;

const CauseText = Type.String({ maxLength: 2000 });
const Address = Type.Object({ address: Type.String({ maxLength: 320 }), name: Type.String({ maxLength: 500 }) });
const Addresses = Type.Array(Address, { maxItems: 2000 });
const Headers = Type.Object({
  from: Addresses,
  to: Addresses,
  cc: Addresses,
  subject: Type.String({ maxLength: 4000 }),
  date: Type.String({ maxLength: 100 }),
});
const LeftOut = Type.Object({
  name: Type.String({ maxLength: 1000 }),
  type: Type.String({ maxLength: 300 }),
  size: Type.Integer({ minimum: 0 }),
  reason: CauseText,
});
const Attachment = Type.Object({
  name: Type.String({ maxLength: 1000 }),
  type: Type.String({ maxLength: 300 }),
  size: Type.Integer({ minimum: 0 }),
  contentId: Type.Optional(Type.String({ maxLength: 1000 })),
  inline: Type.Boolean(),
  /** The bytes, base64. */
  contentBase64: Type.String({ contentEncoding: 'base64' }),
});
const base = {
  internetMessageId: Type.String({ maxLength: 1000 }),
  eventIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 200 }),
  headers: Headers,
};

/** A filed mail's content (or why it could not be read) for its events; the adapter sanitises and applies the branch's level again. */
export const ApiContentItem = Type.Union([
  Type.Object({
    ...base,
    ok: Type.Literal(true),
    content: Type.Object({
      level: PrivacyLevelSchema,
      preview: Type.String({ maxLength: 4000 }),
      text: Type.String(),
      html: Type.Optional(Type.String()),
      attachments: Type.Array(Attachment, { maxItems: 500 }),
      leftOut: Type.Array(LeftOut, { maxItems: 500 }),
    }),
  }),
  Type.Object({ ...base, ok: Type.Literal(false), cause: CauseCodeSchema, message: CauseText }),
]);
export type ApiContentItem = Static<typeof ApiContentItem>;

/** Mails per request (the pane packs them up to a size well under BODY_LIMIT; a large mail goes alone). */
export const MAX_CONTENT_ITEMS = 100;
export const ApiContentRequest = Type.Object({ items: Type.Array(ApiContentItem, { maxItems: MAX_CONTENT_ITEMS }) });
export type ApiContentRequest = Static<typeof ApiContentRequest>;
