/**
 * What the pane can offer for the mails selected in Outlook: Graph says which folder each is in
 * (parentFolderId), and that is matched against the Rezi-Imported folders as they exist. A mail in
 * Failed can be filed to a group, one in Sent or Received undone; the pane does one at a time.
 */
import { SyncError } from '../core/causes';
import type { FolderTree, QueuedMessage } from '../core/ports';
import type { SelectedMail, SelectionOffer } from './pane-port';

type Located = { message: QueuedMessage; folderId: string };

/** What the look-up needs of the mailbox (GraphMailbox has it). */
export interface LocateMailbox {
  existingFolders(signal?: AbortSignal): Promise<Partial<FolderTree> | undefined>;
  messageAndFolder(id: string, signal?: AbortSignal): Promise<Located>;
  /** The folders and the mails in one request, given the root's id as last found (see GraphMailbox). */
  locateSelection?(
    ids: readonly string[],
    knownRoot: string,
    signal?: AbortSignal,
  ): Promise<{ tree: Partial<FolderTree>; mails: (Located | 'gone' | undefined)[] } | undefined>;
}

/**
 * The Rezi-Imported folder's id as last found, for one mailbox, kept for the pane's life. A
 * mailFolder's id stays the same while the folder exists (and, with immutable ids, when it is moved:
 * "Obtain immutable identifiers for Outlook resources", learn.microsoft.com/graph/outlook-immutable-id);
 * locateSelection checks it on every look-up all the same, so a tree deleted and made anew is found.
 */
export interface KnownRoot {
  get(): string | undefined;
  set(rootId: string | undefined): void;
}

/** Selected mails looked up: enough to say what a few are, without one Graph request per mail of a large selection. */
export const MAX_LOOKUPS = 10;

const ACTIONABLE = ['failed', 'sent', 'received'] as const;

/** The Rezi-Imported folder (of those the pane acts on) a folder id is, if any. */
export function folderRoleOf(folderId: string, tree: Partial<FolderTree> | undefined): SelectedMail['folder'] | undefined {
  if (!tree || !folderId) return undefined;
  return ACTIONABLE.find((role) => tree[role] === folderId);
}

/** The offer for `selected` mails, of which `found` are in Failed, Sent or Received. */
export function offerFor(selected: number, found: readonly SelectedMail[]): SelectionOffer {
  if (found.length === 0) return { kind: 'none' };
  if (selected === 1) {
    const [mail] = found;
    return mail.folder === 'failed' ? { kind: 'fix', mail } : { kind: 'undo', mail };
  }
  const failed = found.filter((m) => m.folder === 'failed').length;
  return { kind: 'several', selected, failed, filed: found.length - failed };
}

function selectedMail({ message, folderId }: Located, tree: Partial<FolderTree>): SelectedMail | undefined {
  const folder = folderRoleOf(folderId, tree);
  if (!folder) return undefined;
  return { id: message.id, internetMessageId: message.internetMessageId, subject: message.subject, from: message.from, folder };
}

async function locate(mailbox: LocateMailbox, id: string, tree: Partial<FolderTree>, signal?: AbortSignal): Promise<SelectedMail | undefined> {
  try {
    return selectedMail(await mailbox.messageAndFolder(id, signal), tree);
  } catch (e) {
    // Moved or deleted since Outlook reported the selection: nothing to offer for it.
    if (e instanceof SyncError && e.code === 'message-gone') return undefined;
    throw e;
  }
}

/** With the root's id known: one request for folders and mails; a mail the batch could not answer is asked alone. Undefined: look the long way. */
async function quickLook(
  mailbox: LocateMailbox,
  ids: readonly string[],
  known: KnownRoot,
  signal?: AbortSignal,
): Promise<(SelectedMail | undefined)[] | undefined> {
  const root = known.get();
  if (!root || !mailbox.locateSelection) return undefined;
  const found = await mailbox.locateSelection(ids, root, signal);
  if (!found) {
    known.set(undefined);
    return undefined;
  }
  return Promise.all(found.mails.map((m, i) => (m === 'gone' ? undefined : m ? selectedMail(m, found.tree) : locate(mailbox, ids[i], found.tree, signal))));
}

/** Looks the selection up (REST ids); never creates a folder: without Rezi-Imported nothing selected is in it. */
export async function selectionOffer(mailbox: LocateMailbox, ids: readonly string[], signal?: AbortSignal, known?: KnownRoot): Promise<SelectionOffer> {
  if (ids.length === 0) return { kind: 'none' };
  const asked = ids.slice(0, MAX_LOOKUPS);
  let found = known ? await quickLook(mailbox, asked, known, signal) : undefined;
  if (!found) {
    const tree = await mailbox.existingFolders(signal);
    known?.set(tree?.root);
    if (!tree) return { kind: 'none' };
    found = await Promise.all(asked.map((id) => locate(mailbox, id, tree, signal)));
  }
  return offerFor(
    ids.length,
    found.filter((m): m is SelectedMail => m !== undefined),
  );
}
