/**
 * PaneServices over the add-in runtime (Office.js, MSAL, Microsoft Graph and the Rezi adapter). The
 * pane loads this module with a dynamic import(), so MSAL and the Graph client stay out of the first
 * paint chunk.
 */
import type { ApiStatus } from '../core/api';
import { SyncError, needsSignIn } from '../core/causes';
import type { GraphMailbox } from '../graph/graph-mailbox';
import { mapAuthError } from './auth-errors';
import { fixMailApi } from './fix-mail';
import { imapFixing } from './imap-fix-mail';
import { GRAPH_SCOPES, type OutlookConfig, configFromEnv } from './config';
import { toRestIds } from './ids';
import { awaitLongSync, isStillRunning } from './imap-long-sync';
import { hostInfo, selectedOfficeIds, sharedMailboxOf, watchSelection } from './office-host';
import { toPaneError } from './pane-error';
import type { ImapApi, PaneServices, SignedInAccount, SyncRunOptions } from './pane-port';
import { type AddinRuntime, type RuntimeDeps, createAddinRuntime } from './runtime';
import type { KnownRoot } from './selection-offer';
import { graphMailboxFor } from './sync';

export { configFromEnv, hostInfo };
export { isDarkColour, selectedOfficeIds } from './office-host';
export type { OutlookConfig };

export interface OutlookServicesDeps extends RuntimeDeps {
  appVersion?: string;
}

/** Keys of the pane's own storage (MSAL's are cleared by MSAL). */
const STORAGE_PREFIXES = ['rezi', 'msal.'];

/** The silent token attempt; a failure comes back as its typed cause (mapAuthError keeps Auth's own SyncErrors as they are). */
async function silentSignIn(rt: AddinRuntime): Promise<SignedInAccount | SyncError> {
  try {
    await (await rt.auth()).getToken(GRAPH_SCOPES);
    return await rt.account();
  } catch (e) {
    return mapAuthError(e);
  }
}

const countFolders = async (mailbox: GraphMailbox) => mailbox.counts(await mailbox.ensureFolders());

/** The open mail's mailbox as Graph reaches it: a shared or delegated one where Outlook says so, else the user's own. */
async function paneMailbox(rt: AddinRuntime, retries: { maxAttempts?: number } = {}): Promise<GraphMailbox> {
  const shared = await sharedMailboxOf(rt.office);
  return graphMailboxFor(rt.config, await rt.auth(), false, retries, false, shared?.address);
}

/** The Rezi-Imported folder's id per mailbox ('' for the user's own), for the pane's life (see KnownRoot). */
function knownRoots(): { of(shared: string | undefined): KnownRoot; forget(): void } {
  const roots = new Map<string, string>();
  return {
    of: (shared) => ({
      get: () => roots.get(shared?.toLowerCase() ?? ''),
      set: (id) => (id ? roots.set(shared?.toLowerCase() ?? '', id) : roots.delete(shared?.toLowerCase() ?? '')),
    }),
    forget: () => roots.clear(),
  };
}

/** Sign-in as the pane sees it: whether a token comes silently, and why not; the interactive sign-in and signing out. */
function signInServices(rt: AddinRuntime): Pick<PaneServices, 'currentAccount' | 'checkSignIn' | 'signIn' | 'signOut' | 'clearCachedSession'> {
  return {
    async currentAccount() {
      const signedIn = await silentSignIn(rt);
      if (!(signedIn instanceof SyncError)) return signedIn;
      if (needsSignIn(signedIn.code)) return undefined;
      throw signedIn;
    },
    async checkSignIn() {
      const signedIn = await silentSignIn(rt);
      return signedIn instanceof SyncError ? { ok: false, error: toPaneError(signedIn) } : { ok: true, account: signedIn };
    },
    async signIn() {
      const a = await rt.auth();
      await a.getToken(GRAPH_SCOPES, { interactive: true });
      // Consent for the adapter too, while the user is at the sign-in window.
      await a.getToken([rt.config.adapterScope], { interactive: true });
      return rt.account();
    },
    async signOut() {
      // Stop Email Sync: first the adapter deletes its grant for automatic filing (the refresh token
      // it holds on the agent's behalf), while the pane's token still works; then the sign-in goes.
      let failed: unknown;
      try {
        await rt.adapter.graphAutomaticFilingOff();
      } catch (e) {
        failed = e;
      }
      // The pane's storage goes whatever MSAL says; a real failure is still reported.
      try {
        await (await rt.auth()).signOut();
      } finally {
        clearPaneStorage();
      }
      if (failed) throw failed;
    },
    async clearCachedSession() {
      // Under nested app authentication MSAL cannot clear the host's sign-in (clearCache is
      // unsupported): the pane's storage and the dialog's token are cleared, and the answer says so.
      try {
        return await (await rt.auth()).clearCache();
      } finally {
        clearPaneStorage();
      }
    },
  };
}

/** The mailbox's Rezi folders: counts for the status card, and the troubleshooter's one-attempt ping. */
function folderServices(rt: AddinRuntime): Pick<PaneServices, 'folderCounts' | 'pingGraph'> {
  return {
    async folderCounts() {
      try {
        return await countFolders(await paneMailbox(rt));
      } catch {
        return undefined; // the status card shows counts when it can; a failure here is reported by sync/status
      }
    },
    async pingGraph() {
      try {
        // One attempt: the troubleshooter must answer in seconds, and a first 429 already says Microsoft is throttling.
        await countFolders(await paneMailbox(rt, { maxAttempts: 1 }));
        return { ok: true };
      } catch (e) {
        return { ok: false, error: toPaneError(e) };
      }
    },
  };
}

/** The IMAP path: the adapter signs in and syncs on the server. */
function imapApi(rt: AddinRuntime): ImapApi {
  const fixing = imapFixing(rt.adapter);
  return {
    fixing: fixing.api,
    async authenticate(req) {
      await rt.adapter.imapAuthenticate(req);
    },
    async startSync(opts?: SyncRunOptions) {
      const answer = await rt.adapter.imapSync({ signal: opts?.signal });
      return fixing.learn(isStillRunning(answer) ? await awaitLongSync(rt.adapter, { signal: opts?.signal }) : answer);
    },
    async stop() {
      await rt.adapter.imapForget();
    },
  };
}

export function createOutlookServices(config: OutlookConfig = configFromEnv(), deps: OutlookServicesDeps = {}): PaneServices {
  const rt = createAddinRuntime(config, deps);
  const version = deps.appVersion ?? 'development';
  const selectedItemIds = async () => toRestIds(await selectedOfficeIds(rt.office), rt.office);
  const roots = knownRoots();
  return {
    host: () => hostInfo(rt.office),
    ...signInServices(rt),
    selectedItemIds,
    onSelectionChanged: (listener) => watchSelection(rt.office, listener),
    status: (): Promise<ApiStatus> => rt.adapter.status(),
    ...folderServices(rt),
    // The user pressed Sync: a token the sign-in dialog handed over may be renewed through it.
    sync: async (itemIds, opts = {}) => {
      try {
        return await rt.sync({ itemIds, signal: opts.signal, onProgress: opts.onProgress, version, renewThroughDialog: true });
      } finally {
        // The run may have made the tree (ensureFolders): the next look-up finds it afresh.
        roots.forget();
      }
    },
    imap: imapApi(rt),
    fixing: fixMailApi({
      adapter: rt.adapter,
      mailbox: async () => ({ mailbox: await paneMailbox(rt), shared: (await sharedMailboxOf(rt.office))?.address }),
      selectedIds: selectedItemIds,
      knownRoot: roots.of,
    }),
    automaticFiling: {
      turnOn: async () => ({ pollSeconds: (await rt.adapter.graphAutomaticFilingOn()).pollSeconds }),
      turnOff: async () => void (await rt.adapter.graphAutomaticFilingOff()),
    },
    supportCase: (report) => rt.adapter.supportCase(report),
  };
}

function clearPaneStorage(): void {
  for (const storage of [globalThis.localStorage, globalThis.sessionStorage]) {
    if (!storage) continue;
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      if (k && STORAGE_PREFIXES.some((p) => k.toLowerCase().startsWith(p))) keys.push(k);
    }
    for (const k of keys) storage.removeItem(k);
  }
}
