/**
 * The add-in runtime: one MSAL sign-in (with the mailbox's account chosen once), one adapter client
 * that takes its tokens from that sign-in, and the Office 365 run over both. The task pane's services
 * and the ribbon command are built on it; the sign-in dialog page shares its configuration and MSAL
 * settings (config.ts, msal-config.ts), as Microsoft's NAA sample shares one auth module between
 * its pane and its fallback dialog.
 */
import { type AdapterClient, createAdapterClient } from '../client/adapter-client';
import type { ApiSyncReport } from '../core/api';
import { SyncError } from '../core/causes';
import type { SyncReport } from '../core/engine';
import { type Auth, type MsalFactories, createAuth } from './auth';
import { type OutlookConfig, addinConfig } from './config';
import { hostInfo } from './office-host';
import type { SignedInAccount, SyncRunOptions } from './pane-port';
import { runGraphSync } from './sync';

export interface RuntimeDeps {
  office?: typeof Office;
  /** Injected in tests; by default created on first use with MSAL. */
  auth?: Auth;
  factories?: MsalFactories;
  fetch?: typeof fetch;
}

export interface RuntimeRun extends SyncRunOptions {
  /** Office item ids (EWS or REST); empty: whatever is in Queue. */
  itemIds: readonly string[];
  /** Who started it, for the run's summary: the pane's version, or 'ribbon'. */
  version: string;
  /** A sign-in window may open (pane: the user pressed a button; ribbon command: never). */
  interactive?: boolean;
  /** A token the sign-in dialog handed over may be renewed through it (the user started this run). */
  renewThroughDialog?: boolean;
}

export interface AddinRuntime {
  readonly config: OutlookConfig;
  readonly office: typeof Office | undefined;
  /** The sign-in, created once on first use and shared by every caller. */
  auth(): Promise<Auth>;
  /** The adapter; its calls never open a sign-in window by themselves. */
  readonly adapter: AdapterClient;
  /** The account tokens come for; a sign-in that names none is a stale session. */
  account(): Promise<SignedInAccount>;
  /** One Office 365 run, its summary sent to the adapter. */
  sync(run: RuntimeRun): Promise<SyncReport>;
}

/** Who is filing, for the run's summary: the caller's version and the host Outlook says it is. */
export function clientOf(office: typeof Office | undefined, version: string): ApiSyncReport['client'] {
  const h = hostInfo(office);
  return { version, host: h.host, platform: h.platform };
}

export function createAddinRuntime(config: OutlookConfig = addinConfig(), deps: RuntimeDeps = {}): AddinRuntime {
  const office = deps.office ?? globalThis.Office;
  let authPromise: Promise<Auth> | undefined = deps.auth ? Promise.resolve(deps.auth) : undefined;
  const auth = () => (authPromise ??= createAuth(config, { office, factories: deps.factories }));
  const adapter = createAdapterClient({
    baseUrl: config.adapterUrl,
    getToken: async () => (await auth()).getToken([config.adapterScope]),
    fetch: deps.fetch,
  });
  return {
    config,
    office,
    auth,
    adapter,
    async account() {
      const acc = (await auth()).account();
      if (!acc) throw new SyncError('session-stale', 'Signed in, but Outlook did not say which account.');
      return acc;
    },
    async sync(run) {
      return runGraphSync({
        config,
        auth: await auth(),
        adapter,
        itemIds: run.itemIds,
        signal: run.signal,
        onProgress: run.onProgress,
        interactive: run.interactive,
        renewThroughDialog: run.renewThroughDialog,
        client: clientOf(office, run.version),
        office,
      });
    },
  };
}
