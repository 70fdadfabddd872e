/**
 * Fixing a Failed mail and undoing a filing through the Rezi API, with the embedded store's rules
 * (manual-filing.ts): the chosen cards must be in the caller's branch, the never-file list holds,
 * the address is remembered before the mail is filed, each step is audited and the run recorded in
 * the adapter's own history. A Rezi that does not serve these endpoints yet answers a plain cause,
 * `fixing-unsupported`, rather than an error the agent cannot act on.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { SyncError } from '../../core/causes';
import type { FileToGroupsBody, FileToGroupsResult, GroupSearchBody, GroupSearchResult, UnfileBody, UnfileResult } from '../../core/api';
import type { FilingOutcome } from '../../core/ports';
import type { AuthUser } from '../context';
import { ApiHttpError } from '../errors';
import { audit, StoreHistory } from '../history';
import type { Database } from '../store/schema';
import { fromApiMessage, toApiOutcome } from './file-request';
import { loadFilingRules, SCREEN_MESSAGES, screen } from './filing-rules';
import { assembleOutcomes, BatchAddresses, canonicalMessageId, type FoundGroup, groupLink, ownerAddressSet, prepareMessage } from './matching';
import { postEvents } from './rezi-events';
import type { ReziApiClient } from './rezi-http';
import type { DirectoryFixing } from './types';

export interface ReziFixingOptions {
  client: ReziApiClient;
  db: Kysely<Database>;
  webUrl: string;
  clock: () => Date;
  log?: Logger;
}

const DEFAULT_LIMIT = 20;

/**
 * The Rezi API's error as the pane's: a path Rezi does not serve (404 without its own `not-found`
 * code, 405, 501) is `fixing-unsupported`; Rezi's `not-found` is `notFound`; anything else, unavailable.
 */
export function fixingError(e: unknown, notFound?: ApiHttpError): ApiHttpError {
  const err = e instanceof SyncError ? e : new SyncError('server-unreachable', String(e));
  const status = err.detail.status ?? 0;
  if (status === 404 && err.detail.providerCode === 'not-found' && notFound) return notFound;
  if (status === 404 || status === 405 || status === 501)
    return new ApiHttpError(
      409,
      'fixing-unsupported',
      'This Rezi does not support fixing or undoing from Outlook yet: file or remove the mail in Rezi itself.',
      {
        cause: 'fixing-unsupported',
      },
    );
  return new ApiHttpError(503, 'directory-unavailable', 'Rezi could not be reached just now. Nothing was changed; try again shortly.', { cause: err.code });
}

async function viaRezi<T>(run: () => Promise<T>, notFound?: ApiHttpError): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ApiHttpError) throw e;
    throw fixingError(e, notFound);
  }
}

const groupNotFound = () =>
  new ApiHttpError(404, 'group-not-found', 'One of the chosen group cards is not in your branch (or no longer exists). Search again and choose another.');
const contactNotFound = () =>
  new ApiHttpError(404, 'contact-not-found', 'That contact is not on the chosen group cards. Choose a contact from the card you are filing onto.');

export class ReziFixing implements DirectoryFixing {
  constructor(private readonly o: ReziFixingOptions) {}

  async searchGroups(user: AuthUser, body: GroupSearchBody): Promise<GroupSearchResult> {
    const limit = body.limit ?? DEFAULT_LIMIT;
    const { cards, truncated } = await viaRezi(() => this.o.client.findCards(user.branchId, { q: body.query, limit }));
    return {
      groups: cards.slice(0, limit).map((c) => ({
        groupId: c.id,
        name: c.name,
        kind: c.kind,
        link: groupLink(this.o.webUrl, c.ref ?? c.id),
        contacts: c.contacts.map((k) => ({ contactId: k.id, name: k.name, addresses: k.emails })),
      })),
      truncated: truncated || cards.length > limit,
    };
  }

  /** The chosen cards, every one in the caller's branch (another branch's card answers like a missing one). */
  private async chosen(user: AuthUser, groupIds: readonly string[]) {
    const { cards } = await viaRezi(() => this.o.client.findCards(user.branchId, { ids: groupIds }));
    const found = cards.filter((c) => groupIds.includes(c.id));
    if (new Set(found.map((c) => c.id)).size !== new Set(groupIds).size) throw groupNotFound();
    return found;
  }

  private async remember(user: AuthUser, cards: Awaited<ReturnType<ReziFixing['chosen']>>, wanted: NonNullable<FileToGroupsBody['remember']>) {
    const address = new BatchAddresses().normalise(wanted.address);
    if (!address) throw new ApiHttpError(400, 'invalid-address', `“${wanted.address}” is not an email address. Check it and try again.`);
    const card = cards.find((c) => c.contacts.some((k) => k.id === wanted.contactId));
    if (!card) throw contactNotFound();
    const key = createHash('sha256').update(`${user.tenantId}\n${card.id}\n${wanted.contactId}\n${address}`).digest('hex');
    await viaRezi(() => this.o.client.addContactEmail(card.id, wanted.contactId, address, key), contactNotFound());
    await audit(this.o.db, user, 'contact.address-added', { contactId: wanted.contactId, groupId: card.id, address }, this.o.clock());
    return { contactId: wanted.contactId, address };
  }

  async fileToGroups(user: AuthUser, body: FileToGroupsBody): Promise<FileToGroupsResult> {
    const message = fromApiMessage(body.message);
    const book = new BatchAddresses();
    const prepared = prepareMessage(message, 0, ownerAddressSet(body.ownerAddresses, user.email, book), true, book);
    const run = new StoreHistory(this.o.db, user, 'graph', { runId: body.runId, clock: this.o.clock });
    const answer = (outcome: FilingOutcome, moveTo: FileToGroupsResult['moveTo']) => ({
      runId: run.runId,
      outcome: toApiOutcome(body.message.internetMessageId, outcome),
      moveTo,
    });
    if (!prepared.ok) return answer(assembleOutcomes([prepared], new Map(), new Map())[0], 'failed');
    const why = screen(prepared.candidates, await loadFilingRules(this.o.db, user, prepared.candidates));
    if (why === 'never-file') return answer({ status: 'unmatched', reason: why, message: SCREEN_MESSAGES[why] }, 'failed');

    const cards = await this.chosen(user, body.groupIds);
    // Remembered first: a filing that then fails is retried as a whole, and adding the address again changes nothing.
    const remembered = body.remember ? await this.remember(user, cards, body.remember) : undefined;
    const groups: FoundGroup[] = cards
      .map((c) => ({ groupId: c.id, name: c.name, link: groupLink(this.o.webUrl, c.ref ?? c.id) }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
    const events = await postEvents(
      this.o.client,
      user,
      groups.map((g) => ({ m: prepared, groupId: g.groupId })),
      { log: this.o.log },
    );
    if (events.failed && events.ids.size === 0) throw fixingError(events.failed);
    const [outcome] = assembleOutcomes([prepared], new Map([[0, groups]]), events.ids, { already: events.already }).map((o) =>
      o.status === 'error' ? { ...o, cause: 'server-unreachable' as const, message: 'Rezi could not record every timeline event; try again.' } : o,
    );
    await run.start();
    await run.record([message], [outcome]);
    await audit(this.o.db, user, 'mail.filed-by-hand', { internetMessageId: prepared.key, groupIds: groups.map((g) => g.groupId) }, this.o.clock());
    return {
      ...answer(outcome, outcome.status === 'filed' ? (prepared.direction === 'outbound' ? 'sent' : 'received') : 'failed'),
      ...(remembered ? { remembered } : {}),
    };
  }

  async unfile(user: AuthUser, body: UnfileBody): Promise<UnfileResult> {
    const key = canonicalMessageId(body.internetMessageId);
    if (!key) throw new ApiHttpError(400, 'invalid-message-id', 'That is not a Message-ID, so there is no filing to undo.');
    const removed = await viaRezi(() => this.o.client.removeFiler(user.branchId, key, user.email, body.groupIds));
    await audit(this.o.db, user, 'mail.unfiled', { internetMessageId: key, removed }, this.o.clock());
    return { internetMessageId: key, moveTo: 'inbox' };
  }
}
