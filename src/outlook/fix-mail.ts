/**
 * Fixing a Failed mail and undoing a filing, Office 365 path: the adapter files (or unfiles) first,
 * then Graph moves the mail. Both adapter calls answer the same when asked again, so a move that
 * fails leaves a plain message and pressing the button again finishes the job without filing twice.
 */
import type { AdapterClient } from '../client/adapter-client';
import { toApiMessage } from '../client/http-directory';
import { SyncError } from '../core/causes';
import { directionOf } from '../core/direction';
import { FOLDER_NAMES, FOLDER_ROOT, type FolderTree, type MoveResult, type QueuedMessage } from '../core/ports';
import type { FixMailAnswer, FixMailApi, FixMailRequest } from './pane-port';
import { type KnownRoot, type LocateMailbox, selectionOffer } from './selection-offer';

/** What fixing needs of the mailbox, and finding where a selected mail is (GraphMailbox has it all). */
export interface FixMailbox extends LocateMailbox {
  owner(signal?: AbortSignal): Promise<{ addresses: string[] }>;
  ensureFolders(signal?: AbortSignal): Promise<FolderTree>;
  message(id: string, signal?: AbortSignal): Promise<QueuedMessage>;
  move(ids: readonly string[], to: 'sent' | 'received', folders: FolderTree, signal?: AbortSignal): Promise<MoveResult[]>;
  moveToInbox(ids: readonly string[], signal?: AbortSignal): Promise<MoveResult[]>;
}

export interface FixMailDeps {
  adapter: Pick<AdapterClient, 'searchGroups' | 'fileToGroups' | 'unfile'>;
  /** The pane's mailbox, and the shared mailbox's address when it is one (its address is the owner's too). */
  mailbox(): Promise<{ mailbox: FixMailbox; shared?: string }>;
  /** REST ids of the mails selected in Outlook (the open mail on a phone); without it nothing is offered for the selection. */
  selectedIds?(): Promise<string[]>;
  /** The Rezi-Imported folder's id as last found in this mailbox (own: undefined), so a selection costs one request. */
  knownRoot?(shared: string | undefined): KnownRoot;
}

function checkMoved(result: MoveResult | undefined, done: string, where: string): void {
  if (result?.ok) return;
  const why = result && !result.ok && result.message ? ` Microsoft 365 said: ${result.message}` : '';
  throw new SyncError(
    result && !result.ok ? result.cause : 'unknown',
    `${done}, but the mail couldn’t be moved to ${where}.${why} Try again: nothing will be filed or undone twice.`,
  );
}

async function fixOne(deps: FixMailDeps, req: FixMailRequest): Promise<FixMailAnswer> {
  const { mailbox, shared } = await deps.mailbox();
  const [agent, folders, mail] = await Promise.all([mailbox.owner(), mailbox.ensureFolders(), mailbox.message(req.id)]);
  const ownerAddresses = shared ? [...agent.addresses, shared] : agent.addresses;
  const message = toApiMessage({ ...mail, direction: directionOf(mail.from, { addresses: ownerAddresses }) });
  const answer = await deps.adapter.fileToGroups({ ownerAddresses, message, groupIds: req.groupIds, ...(req.remember ? { remember: req.remember } : {}) });
  const outcome = answer.outcome;
  if (answer.moveTo !== 'sent' && answer.moveTo !== 'received') {
    // Still not filed: the mail stays in Failed, with the adapter's reason.
    return { moveTo: 'failed', groups: [], message: outcome.message ?? 'Rezi could not file this mail onto those groups.' };
  }
  const [moved] = await mailbox.move([req.id], answer.moveTo, folders);
  checkMoved(moved, 'Filed in Rezi', `${FOLDER_ROOT} › ${FOLDER_NAMES[answer.moveTo]}`);
  const groups = outcome.status === 'filed' ? outcome.groups.map((g) => ({ groupId: g.groupId, name: g.name, link: g.link, eventId: g.eventId })) : [];
  return { moveTo: answer.moveTo, groups, ...(answer.remembered ? { remembered: answer.remembered } : {}) };
}

export function fixMailApi(deps: FixMailDeps): FixMailApi {
  return {
    searchGroups: (query, opts) => deps.adapter.searchGroups({ query, limit: 20 }, { signal: opts?.signal }),
    fixMail: (req) => fixOne(deps, req),
    async unfileMail({ id, internetMessageId }) {
      // Unfile first: a mail back in the Inbox is never still on a timeline.
      await deps.adapter.unfile({ internetMessageId });
      const { mailbox } = await deps.mailbox();
      const [moved] = await mailbox.moveToInbox([id]);
      checkMoved(moved, 'Taken off the timeline in Rezi', 'the Inbox');
    },
    async selectionOffer(opts) {
      const ids = (await deps.selectedIds?.()) ?? [];
      if (ids.length === 0) return { kind: 'none' };
      const { mailbox, shared } = await deps.mailbox();
      return selectionOffer(mailbox, ids, opts?.signal, deps.knownRoot?.(shared));
    },
  };
}
