/**
 * Fixing a Failed mail: the agent files it onto group cards they chose (the same shared, exactly-once
 * events as a sync), optionally remembering its address on a contact of one of those cards so the next
 * mail from it matches by itself; and undoing a filing. Each is audited. The never-file list still
 * holds (it is the branch administrator's); internal mail may be filed by hand.
 */
import type { Kysely } from 'kysely';
import type { FileToGroupsBody, FileToGroupsResult, UnfileBody, UnfileResult } from '../../core/api';
import type { FilingOutcome } from '../../core/ports';
import type { AuthUser, ServerContext } from '../context';
import { forgetUnfiledContent } from '../content/sweep';
import { ApiHttpError } from '../errors';
import { audit, StoreHistory } from '../history';
import { isPostgres } from '../store/dialect';
import type { Database, SyncSource } from '../store/schema';
import { fromApiMessage, toApiOutcome } from './file-request';
import { loadFilingRules, SCREEN_MESSAGES, screen } from './filing-rules';
import { assembleOutcomes, BatchAddresses, canonicalMessageId, type FoundGroup, groupLink, ownerAddressSet, prepareMessage } from './matching';
import { indexGroupTerms } from './search-terms';
import { recordSharedEvents } from './shared-events';
import { timeOrderedId } from './sqlite';

type Ctx = Pick<ServerContext, 'db' | 'clock' | 'config'>;

/** The chosen cards, every one in the caller's branch (another branch's card answers like a missing one). */
async function chosenGroups(ctx: Ctx, user: AuthUser, groupIds: readonly string[]): Promise<FoundGroup[]> {
  const rows = await ctx.db
    .selectFrom('groups')
    .select(['id', 'name', 'rezi_ref'])
    .where('id', 'in', groupIds)
    .where('branch_id', '=', user.branchId)
    .execute();
  if (rows.length !== new Set(groupIds).size)
    throw new ApiHttpError(
      404,
      'group-not-found',
      'One of the chosen group cards is not in your branch (or no longer exists). Search again and choose another.',
    );
  return rows
    .map((g) => ({ groupId: g.id, name: g.name, link: groupLink(ctx.config.rezi.webUrl, g.rezi_ref ?? g.id) }))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}

/** Adds the address to the contact (on one of the chosen cards); audited. */
async function remember(ctx: Ctx, user: AuthUser, groupIds: readonly string[], wanted: NonNullable<FileToGroupsBody['remember']>) {
  const address = new BatchAddresses().normalise(wanted.address);
  if (!address) throw new ApiHttpError(400, 'invalid-address', `“${wanted.address}” is not an email address. Check it and try again.`);
  const contact = await ctx.db.selectFrom('contacts').select(['id', 'group_id']).where('id', '=', wanted.contactId).executeTakeFirst();
  if (!contact || !groupIds.includes(contact.group_id))
    throw new ApiHttpError(404, 'contact-not-found', 'That contact is not on the chosen group cards. Choose a contact from the card you are filing onto.');
  await ctx.db
    .insertInto('contact_addresses')
    .values({ contact_id: contact.id, address })
    .onConflict((oc) => oc.columns(['contact_id', 'address']).doNothing())
    .execute();
  await indexGroupTerms(ctx.db, [contact.group_id]);
  await audit(ctx.db, user, 'contact.address-added', { contactId: contact.id, groupId: contact.group_id, address }, ctx.clock());
  return { contactId: contact.id, address };
}

/** `source`: the path the mail was fixed from (its run is recorded under it: Office 365 by default, or IMAP). */
export async function fileToGroups(ctx: Ctx, user: AuthUser, body: FileToGroupsBody, source: SyncSource = 'graph'): Promise<FileToGroupsResult> {
  const message = fromApiMessage(body.message);
  const book = new BatchAddresses();
  const prepared = prepareMessage(message, 0, ownerAddressSet(body.ownerAddresses, user.email, book), true, book);
  const run = new StoreHistory(ctx.db, user, source, { runId: body.runId, clock: ctx.clock });
  const answer = (outcome: FilingOutcome, moveTo: FileToGroupsResult['moveTo']) => ({
    runId: run.runId,
    outcome: toApiOutcome(body.message.internetMessageId, outcome),
    moveTo,
  });
  if (!prepared.ok) return answer(assembleOutcomes([prepared], new Map(), new Map())[0], 'failed');
  const why = screen(prepared.candidates, await loadFilingRules(ctx.db, user, prepared.candidates));
  if (why === 'never-file') return answer({ status: 'unmatched', reason: why, message: SCREEN_MESSAGES[why] }, 'failed');

  const groups = await chosenGroups(ctx, user, body.groupIds);
  const createdAt = ctx.clock().toISOString();
  const rows = groups.map((g) => ({
    id: timeOrderedId(),
    owner_user_id: user.id,
    internet_message_id: prepared.key,
    group_id: g.groupId,
    direction: prepared.direction,
    subject: prepared.subject,
    occurred_at: prepared.occurredAt,
    created_at: createdAt,
  }));
  // The address remembered with the filing, or neither: one transaction.
  const { outcome, remembered } = await ctx.db.transaction().execute(async (trx) => {
    const remembered = body.remember ? await remember({ ...ctx, db: trx }, user, body.groupIds, body.remember) : undefined;
    const events = await recordSharedEvents(trx, user, rows);
    const [o] = assembleOutcomes([prepared], new Map([[0, groups]]), events.ids, { already: events.already });
    const within = run.within(trx);
    await within.start();
    await within.record([message], [o]);
    return { outcome: o, remembered };
  });
  await audit(ctx.db, user, 'mail.filed-by-hand', { internetMessageId: prepared.key, groupIds: groups.map((g) => g.groupId) }, ctx.clock());
  return {
    ...answer(outcome, outcome.status === 'filed' ? (prepared.direction === 'outbound' ? 'sent' : 'received') : 'failed'),
    ...(remembered ? { remembered } : {}),
  };
}

/**
 * Removes the caller's filing of a mail: their filer row goes; the event too when they were its only
 * filer, else its first filer becomes the earliest one left. On PostgreSQL each event is locked first,
 * so a colleague joining it at the same moment is either counted or refused (their mail stays in Queue).
 */
export async function unfile(ctx: Pick<ServerContext, 'db' | 'clock'>, user: AuthUser, body: UnfileBody): Promise<UnfileResult> {
  const key = canonicalMessageId(body.internetMessageId);
  if (!key) throw new ApiHttpError(400, 'invalid-message-id', 'That is not a Message-ID, so there is no filing to undo.');
  const removed = await ctx.db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('timeline_events')
      .innerJoin('timeline_event_filers', 'timeline_event_filers.event_id', 'timeline_events.id')
      .select(['timeline_events.id', 'timeline_events.group_id', 'timeline_events.owner_user_id'])
      .where('timeline_events.internet_message_id', '=', key)
      .where('timeline_event_filers.user_id', '=', user.id);
    if (body.groupIds) q = q.where('timeline_events.group_id', 'in', body.groupIds);
    const mine = await q.orderBy('timeline_events.id').execute();
    const out: { eventId: string; groupId: string; eventDeleted: boolean }[] = [];
    for (const e of mine) out.push({ eventId: e.id, groupId: e.group_id, eventDeleted: await removeFiler(trx, e.id, user.id, e.owner_user_id) });
    // Their copy of the mail's content goes with their last filing of it (its bytes are swept later).
    await forgetUnfiledContent(trx, user.id, key);
    return out;
  });
  await audit(ctx.db, user, 'mail.unfiled', { internetMessageId: key, removed }, ctx.clock());
  return { internetMessageId: key, moveTo: 'inbox' };
}

async function removeFiler(trx: Kysely<Database>, eventId: string, userId: string, ownerId: string): Promise<boolean> {
  if (isPostgres(trx)) await trx.selectFrom('timeline_events').select('id').where('id', '=', eventId).forUpdate().execute();
  await trx.deleteFrom('timeline_event_filers').where('event_id', '=', eventId).where('user_id', '=', userId).execute();
  const next = await trx
    .selectFrom('timeline_event_filers')
    .select('user_id')
    .where('event_id', '=', eventId)
    .orderBy('filed_at')
    .orderBy('user_id')
    .limit(1)
    .executeTakeFirst();
  if (!next) {
    await trx.deleteFrom('timeline_events').where('id', '=', eventId).execute();
    return true;
  }
  if (ownerId === userId) await trx.updateTable('timeline_events').set({ owner_user_id: next.user_id }).where('id', '=', eventId).execute();
  return false;
}
