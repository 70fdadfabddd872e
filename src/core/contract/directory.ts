/**
 * The directory's own routes beyond filing: a branch's filing rules (admin), searching the branch's
 * group cards, filing a Failed mail onto chosen cards, and undoing a filing.
 */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from './common';
import { ApiFileMessage, ApiFileOutcome } from './filing';

const MAX_AGENCY_DOMAINS = 100;
const MAX_NEVER_FILE = 5000;

/** A branch's filing rules: its agency's own domains (mail among staff only is not filed) and the never-file list. */
export const FilingRulesBody = Type.Object({
  agencyDomains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: MAX_AGENCY_DOMAINS }),
  /** Addresses (`someone@example.com`) and whole domains (`example.com`). */
  neverFile: Type.Array(Type.String({ maxLength: 320 }), { maxItems: MAX_NEVER_FILE }),
});
export type FilingRulesBody = Static<typeof FilingRulesBody>;

export const FilingRules = Type.Object({ branchId: Type.String(), ...FilingRulesBody.properties });
export type FilingRules = Static<typeof FilingRules>;

/** Searching the caller's branch's group cards: by card name (the property's address, its postcode), a contact's name or address. */
export const GroupSearchBody = Type.Object({
  query: Type.String({ minLength: 2, maxLength: 200 }),
  /** At most this many cards (default 20). */
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
});
export type GroupSearchBody = Static<typeof GroupSearchBody>;

export const GroupSearchResult = Type.Object({
  groups: Type.Array(
    Type.Object({
      groupId: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      link: Type.String(),
      contacts: Type.Array(Type.Object({ contactId: Type.String(), name: Type.String(), addresses: Type.Array(Type.String()) })),
    }),
  ),
  /** More cards matched than were answered: the pane asks for a narrower search. */
  truncated: Type.Boolean(),
});
export type GroupSearchResult = Static<typeof GroupSearchResult>;

const RunId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });
/** Where the pane moves the mail after the answer. */
const MoveTo = StringEnum(['sent', 'received', 'failed', 'inbox'] as const);

/** Filing a Failed mail onto cards the agent chose; optionally remembering its address on a contact of one of them. */
export const FileToGroupsBody = Type.Object({
  runId: Type.Optional(RunId),
  ownerAddresses: Type.Array(Type.String({ maxLength: 320 }), { maxItems: 100 }),
  message: ApiFileMessage,
  groupIds: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 20, uniqueItems: true }),
  /** Add this address to this contact (on one of the chosen cards), so the next mail from it matches. */
  remember: Type.Optional(Type.Object({ address: Type.String({ maxLength: 320 }), contactId: Type.String({ maxLength: 200 }) })),
});
export type FileToGroupsBody = Static<typeof FileToGroupsBody>;

export const FileToGroupsResult = Type.Object({
  runId: Type.String(),
  outcome: ApiFileOutcome,
  /** `sent` or `received` once filed (by the mail's direction); `failed` when it still cannot be filed. */
  moveTo: MoveTo,
  remembered: Type.Optional(Type.Object({ contactId: Type.String(), address: Type.String() })),
});
export type FileToGroupsResult = Static<typeof FileToGroupsResult>;

/** Undoing the caller's filing of a mail (onto every card, or the ones named). */
export const UnfileBody = Type.Object({
  internetMessageId: Type.String({ maxLength: 1000 }),
  groupIds: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 20 })),
});
export type UnfileBody = Static<typeof UnfileBody>;

/** The same answer however often it is asked: the mail goes back to the Inbox. */
export const UnfileResult = Type.Object({ internetMessageId: Type.String(), moveTo: MoveTo });
export type UnfileResult = Static<typeof UnfileResult>;
