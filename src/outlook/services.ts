/**
 * PaneServices over Office.js, MSAL, Microsoft Graph and the Rezi adapter. The pane loads this
 * module with a dynamic import(), so MSAL and the Graph client stay out of the first paint chunk.
 */
import { type AdapterClient, createAdapterClient } from '../client/adapter-client';
import type { ApiStatus } from '../core/api';
import { SyncError } from '../core/causes';
import type { SyncReport } from '../core/engine';
import type { GraphMailbox } from '../graph/graph-mailbox';
import { toPaneError } from '../taskpane/errors';
import type { HostInfo, ImapApi, PaneServices, SignedInAccount, SyncRunOptions } from '../taskpane/services';
import { type Auth, createAuth } from './auth';
import { mapAuthError } from './auth-errors';
import { GRAPH_SCOPES, type OutlookConfig, configFromEnv } from './config';
import { toRestIds } from './ids';
import { graphMailboxFor, runGraphSync } from './sync';

export { configFromEnv };
export type { OutlookConfig };

export interface OutlookServicesDeps {
  office?: typeof Office;
  /** Injected in tests; by default created lazily with MSAL. */
  auth?: Auth;
  fetch?: typeof fetch;
  appVersion?: string;
}

/** Keys of the pane's own storage (MSAL's are cleared by MSAL). */
const STORAGE_PREFIXES = ['rezi', 'msal.'];

/** Relative luminance of a #rrggbb colour; < 0.5 is a dark background. */
export function isDarkColour(hex: string | undefined): boolean {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex ?? '');
  if (!m) return false;
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

function supported(office: typeof Office | undefined, set: string, version: string): boolean {
  try {
    return Boolean(office?.context?.requirements?.isSetSupported(set, version));
  } catch {
    return false;
  }
}

export function hostInfo(office: typeof Office | undefined = globalThis.Office): HostInfo {
  const d = office?.context?.diagnostics;
  return {
    host: String(d?.host ?? 'Outlook'),
    platform: String(d?.platform ?? 'unknown'),
    version: d?.version ?? '',
    dark: isDarkColour(office?.context?.officeTheme?.bodyBackgroundColor),
    displayLanguage: office?.context?.displayLanguage ?? 'en-GB',
    multiSelect: supported(office, 'Mailbox', '1.13'),
    nestedAppAuth: supported(office, 'NestedAppAuth', '1.1'),
  };
}

/** Office item ids of the selection: multi-select where supported, else the open item. */
export function selectedOfficeIds(office: typeof Office | undefined = globalThis.Office): Promise<string[]> {
  const mailbox = office?.context?.mailbox;
  const current = (): string[] => {
    const id = (mailbox?.item as { itemId?: string } | undefined)?.itemId;
    return id ? [id] : [];
  };
  if (!mailbox) return Promise.resolve([]);
  if (!supported(office, 'Mailbox', '1.13') || typeof mailbox.getSelectedItemsAsync !== 'function') return Promise.resolve(current());
  return new Promise((resolve) => {
    mailbox.getSelectedItemsAsync((result) => {
      if (result.status !== office!.AsyncResultStatus.Succeeded || !result.value || result.value.length === 0) return resolve(current());
      resolve(result.value.map((i) => i.itemId));
    });
  });
}

const AUTH_CAUSES = new Set(['consent-missing', 'authorisation-expired', 'password-changed', 'session-stale', 'cancelled']);

export function createOutlookServices(config: OutlookConfig = configFromEnv(), deps: OutlookServicesDeps = {}): PaneServices {
  const office = deps.office ?? globalThis.Office;
  let authPromise: Promise<Auth> | undefined = deps.auth ? Promise.resolve(deps.auth) : undefined;
  const auth = () => (authPromise ??= createAuth({ clientId: config.clientId, tenantId: config.tenantId, authority: config.authority }, { office }));
  // Adapter calls never open a sign-in window by themselves: the user signs in through signIn().
  const adapter: AdapterClient = createAdapterClient({
    baseUrl: config.adapterUrl,
    getToken: async () => (await auth()).getToken([config.adapterScope]),
    fetch: deps.fetch,
  });
  const client = () => {
    const h = hostInfo(office);
    return { version: deps.appVersion ?? 'development', host: h.host, platform: h.platform };
  };

  const account = (a: Auth): SignedInAccount => {
    const acc = a.account();
    if (!acc) throw new SyncError('session-stale', 'Signed in, but Outlook did not say which account.');
    return acc;
  };

  /** The silent token attempt; a failure comes back as its typed cause (mapAuthError keeps Auth's own SyncErrors as they are). */
  const silentSignIn = async (): Promise<SignedInAccount | SyncError> => {
    try {
      const a = await auth();
      await a.getToken(GRAPH_SCOPES);
      return account(a);
    } catch (e) {
      return mapAuthError(e);
    }
  };

  const countFolders = async (mailbox: GraphMailbox) => mailbox.counts(await mailbox.ensureFolders());

  const imap: ImapApi = {
    async authenticate(req) {
      await adapter.imapAuthenticate(req);
    },
    async startSync(opts?: SyncRunOptions) {
      const res = (await adapter.imapSync({ signal: opts?.signal })) as SyncReport | { report: SyncReport };
      return 'report' in res ? res.report : res;
    },
    async stop() {
      await adapter.imapForget();
    },
  };

  return {
    host: () => hostInfo(office),

    async currentAccount() {
      const signedIn = await silentSignIn();
      if (!(signedIn instanceof SyncError)) return signedIn;
      if (AUTH_CAUSES.has(signedIn.code)) return undefined;
      throw signedIn;
    },

    async checkSignIn() {
      const signedIn = await silentSignIn();
      return signedIn instanceof SyncError ? { ok: false, error: toPaneError(signedIn) } : { ok: true, account: signedIn };
    },

    async signIn() {
      const a = await auth();
      await a.getToken(GRAPH_SCOPES, { interactive: true });
      // Consent for the adapter too, while the user is at the sign-in window.
      await a.getToken([config.adapterScope], { interactive: true });
      return account(a);
    },

    async signOut() {
      // The pane's storage goes whatever MSAL says; a real failure is still reported.
      try {
        await (await auth()).signOut();
      } finally {
        clearPaneStorage();
      }
    },

    async selectedItemIds() {
      return toRestIds(await selectedOfficeIds(office), office);
    },

    onSelectionChanged(listener) {
      const mailbox = office?.context?.mailbox;
      if (!mailbox || typeof mailbox.addHandlerAsync !== 'function') return () => undefined;
      const events = [office.EventType.ItemChanged, ...(supported(office, 'Mailbox', '1.13') ? [office.EventType.SelectedItemsChanged] : [])];
      const handler = () => void selectedOfficeIds(office).then((ids) => listener(ids.length));
      for (const type of events) mailbox.addHandlerAsync(type, handler);
      return () => {
        for (const type of events) mailbox.removeHandlerAsync(type);
      };
    },

    status: (): Promise<ApiStatus> => adapter.status(),

    async folderCounts() {
      try {
        return await countFolders(graphMailboxFor(config, await auth()));
      } catch {
        return undefined; // the status card shows counts when it can; a failure here is reported by sync/status
      }
    },

    async pingGraph() {
      try {
        const a = await auth();
        // One attempt: the troubleshooter must answer in seconds, and a first 429 already says Microsoft is throttling.
        await countFolders(graphMailboxFor(config, a, false, { maxAttempts: 1 }));
        return { ok: true };
      } catch (e) {
        return { ok: false, error: toPaneError(e) };
      }
    },

    async sync(itemIds, opts = {}) {
      return runGraphSync({
        config,
        auth: await auth(),
        adapter,
        itemIds,
        signal: opts.signal,
        onProgress: opts.onProgress,
        client: client(),
        office,
        // The user pressed Sync: a token the sign-in dialog handed over may be renewed through it.
        renewThroughDialog: true,
      });
    },

    imap,

    async clearCachedSession() {
      // Under nested app authentication MSAL cannot clear the host's sign-in (clearCache is
      // unsupported): the pane's storage and the dialog's token are cleared, and the answer says so.
      try {
        return await (await auth()).clearCache();
      } finally {
        clearPaneStorage();
      }
    },

    supportCase: (report) => adapter.supportCase(report),
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
