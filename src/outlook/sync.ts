/**
 * One Office 365 sync, shared by the task pane and the ribbon command: GraphMailbox and the adapter's
 * HTTP directory and history through the core engine, which also finishes the run with its report.
 */
import type { AdapterClient } from '../client/adapter-client';
import { adapterRun } from '../client/http-history';
import type { ApiSyncReport } from '../core/api';
import { finishNotStarted, notStartedReport, type SyncProgress, type SyncReport, syncQueue } from '../core/engine';
import { GraphMailbox, type GraphMailboxOptions } from '../graph/graph-mailbox';
import { SyncError } from '../core/causes';
import type { Auth } from './auth';
import { GRAPH_SCOPES, SHARED_GRAPH_SCOPES, type OutlookConfig } from './config';
import { toRestIds } from './ids';
import { type SharedMailbox, sharedMailboxOf } from './office-host';

export interface RunSyncInput {
  config: OutlookConfig;
  auth: Auth;
  adapter: AdapterClient;
  /** Office item ids (EWS or REST); empty: sync whatever is in Queue. */
  itemIds: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Interactive sign-in allowed (pane: yes after the user pressed a button; ribbon command: no). */
  interactive?: boolean;
  client?: ApiSyncReport['client'];
  office?: typeof Office;
  /** A token handed over by the sign-in dialog may be renewed through it when it lapses (the user started this run). */
  renewThroughDialog?: boolean;
}

export function graphMailboxFor(
  config: OutlookConfig,
  auth: Auth,
  interactive = false,
  retries: Pick<GraphMailboxOptions, 'maxAttempts'> = {},
  renewThroughDialog = false,
  sharedMailbox?: string,
): GraphMailbox {
  // Another person's or a shared mailbox needs Mail.ReadWrite.Shared; the user's own never asks for it.
  const scopes = sharedMailbox ? SHARED_GRAPH_SCOPES : GRAPH_SCOPES;
  return new GraphMailbox({
    ...retries,
    sharedMailbox,
    baseUrl: config.graphBaseUrl,
    getToken: () => auth.getToken(scopes, { interactive, renewThroughDialog }),
  });
}

/** The address of the mailbox the pane is in, as Outlook reports it. */
export function mailboxAddress(office: typeof Office | undefined = globalThis.Office): string | undefined {
  try {
    return office?.context?.mailbox?.userProfile?.emailAddress || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A token for another account than the mailbox's would file and move another mailbox's mail (and
 * read its own mails' ids as "gone"): refuse before anything moves. The token's account is who
 * Graph's /me says it is; the mailbox's is Outlook's userProfile.
 */
export function checkSameAccount(owner: { addresses: string[]; mail: string }, mailbox: string | undefined): void {
  if (!mailbox) return;
  const want = mailbox.toLowerCase();
  if (owner.addresses.some((a) => a.toLowerCase() === want)) return;
  throw new SyncError(
    'session-stale',
    `Rezi is signed in to Microsoft 365 as ${owner.mail || 'another account'}, but this mailbox is ${mailbox}. Nothing was filed or moved. Clear the cached sign-in, then reconnect as ${mailbox}.`,
    { providerCode: 'account-mismatch' },
  );
}

/**
 * Outlook names a mailbox that is not the token's account. Where that account can open the mailbox
 * as a shared one, the mailbox is a shared mailbox added to Outlook as an account of its own (where
 * getSharedPropertiesAsync fails, so Outlook cannot say it is shared): say so, in place of the
 * mismatch, whose advice (sign in as the mailbox) would mean signing in to a shared mailbox.
 */
async function checkNotSeparateAccount(input: RunSyncInput, owner: { addresses: string[]; mail: string }, signal?: AbortSignal): Promise<void> {
  try {
    checkSameAccount(owner, mailboxAddress(input.office));
  } catch (mismatch) {
    const address = mailboxAddress(input.office)!;
    const probe = graphMailboxFor(input.config, input.auth, false, { maxAttempts: 1 }, false, address);
    if (!(await probe.reachable(signal))) throw mismatch;
    throw new SyncError(
      'shared-mailbox-separate-account',
      `${address} is open in Outlook as a separate account, so Outlook cannot tell Rezi it is a shared mailbox. Nothing was filed or moved. Remove that account from Outlook and open ${address} through your own account (${owner.mail}), then sync again.`,
      { providerCode: 'shared-mailbox-as-account' },
    );
  }
}

/** Whose addresses decide direction: the signed-in agent's, and in a shared mailbox the mailbox's own too. */
function ownerFor(agent: { addresses: string[]; mail: string; name?: string }, shared: SharedMailbox | undefined) {
  return shared ? { ...agent, addresses: [...agent.addresses, shared.address] } : agent;
}

// The ribbon command reports a run that could not start the same way.
export { notStartedReport };

export async function runGraphSync(input: RunSyncInput): Promise<SyncReport> {
  // A shared or delegated mailbox: its folders and mail through /users/{address}, its address with the filing.
  const shared = await sharedMailboxOf(input.office);
  const mailbox = graphMailboxFor(input.config, input.auth, input.interactive, {}, input.renewThroughDialog, shared?.address);
  const { directory, history } = adapterRun(input.adapter, { client: input.client, mailbox: shared?.address });
  let owner;
  let selection;
  try {
    // Who the owner is and where the folders are are independent lookups: one round trip, not two
    // (the mailbox keeps the tree, so the engine's own ensureFolders answers at once). Whose token it
    // is is checked before any mail moves.
    const [agent] = await Promise.all([mailbox.owner(input.signal), mailbox.ensureFolders(input.signal)]);
    await checkNotSeparateAccount(input, agent, input.signal);
    owner = ownerFor(agent, shared);
    selection = toRestIds(input.itemIds, input.office);
  } catch (e) {
    return finishNotStarted(history, e);
  }
  // The engine opens, records and finishes the run in the adapter's history (HttpHistory).
  return syncQueue(mailbox, directory, { owner, selection, batchSize: 100, concurrency: 2, signal: input.signal, onProgress: input.onProgress, history });
}
