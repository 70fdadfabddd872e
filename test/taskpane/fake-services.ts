/** A PaneServices double: records calls, answers from plain data, and lets a test drive a sync step by step. */
import type { ApiStatus } from '../../src/core/api';
import { SyncError } from '../../src/core/causes';
import type { MessageResult, SyncReport } from '../../src/core/engine';
import type {
  GraphPing,
  HostInfo,
  ImapConnectRequest,
  ImapFixMailApi,
  PaneError,
  PaneServices,
  SignInCheck,
  SignedInAccount,
  SyncRunOptions,
} from '../../src/outlook/pane-port';

export const JANE: SignedInAccount = { name: 'Jane Smith', email: 'jane@harbour-lettings.co.uk' };

export function status(over: Partial<ApiStatus['account']> = {}, rest: Partial<ApiStatus> = {}): ApiStatus {
  return {
    user: { id: 'u1', name: 'Jane Smith', email: JANE.email, branchId: 'b1', branchName: 'Harbour Lettings', role: 'agent' },
    account: { kind: 'office365', state: 'connected', ...over },
    recentFailures: [],
    ...rest,
  };
}

export function result(over: Partial<MessageResult> & Pick<MessageResult, 'id' | 'subject' | 'status'>): MessageResult {
  return { internetMessageId: `<${over.id}@example.test>`, from: [], direction: 'inbound', groups: [], ...over };
}

export function report(results: MessageResult[], over: Partial<SyncReport> = {}): SyncReport {
  const count = (s: MessageResult['status']) => results.filter((r) => r.status === s).length;
  return {
    total: results.length,
    sent: count('sent'),
    received: count('received'),
    failed: count('failed'),
    pending: count('pending'),
    results,
    notQueued: [],
    cancelled: false,
    startedAt: '2026-11-23T10:00:00.000Z',
    finishedAt: '2026-11-23T10:00:05.000Z',
    ...over,
  };
}

/** A promise the test settles by hand. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What the real services report when MSAL says the sign-in lapsed (login_required). */
export const SIGN_IN_EXPIRED: PaneError = { code: 'authorisation-expired', message: 'Your Microsoft 365 sign-in has expired.', providerCode: 'login_required' };

export interface FakeOptions {
  account?: SignedInAccount | undefined;
  /** Why the silent sign-in fails (implies no account unless one is given). */
  signInError?: PaneError;
  /** Why the Graph ping fails; by default it answers. */
  pingError?: PaneError;
  status?: ApiStatus | Error;
  counts?: { queue: number; failed: number };
  selected?: string[];
  host?: Partial<HostInfo>;
}

export class FakeServices implements PaneServices {
  account: SignedInAccount | undefined;
  /** checkSignIn's reason when there is no account (default SIGN_IN_EXPIRED). */
  signInError: PaneError | undefined;
  pingError: PaneError | undefined;
  statusValue: ApiStatus | Error;
  counts: { queue: number; failed: number } | undefined;
  selected: string[];
  hostInfo: HostInfo;
  calls: { name: string; args: unknown[] }[] = [];
  private listeners = new Set<(count: number) => void>();
  /** What sync() does; by default files nothing. */
  syncImpl: (ids: string[], opts: SyncRunOptions) => Promise<SyncReport> = async () => report([]);
  signInImpl: () => Promise<SignedInAccount> = async () => JANE;
  imapAuthenticateImpl: (req: ImapConnectRequest) => Promise<void> = async () => undefined;
  imapSyncImpl: (opts: SyncRunOptions) => Promise<SyncReport> = async () => report([]);
  lastRunOptions?: SyncRunOptions;

  constructor(o: FakeOptions = {}) {
    this.account = 'account' in o ? o.account : o.signInError ? undefined : JANE;
    this.signInError = o.signInError;
    this.pingError = o.pingError;
    this.statusValue = o.status ?? status();
    this.counts = o.counts ?? { queue: 0, failed: 0 };
    this.selected = o.selected ?? [];
    this.hostInfo = {
      host: 'Outlook',
      platform: 'OfficeOnline',
      version: '16.0',
      dark: false,
      displayLanguage: 'en-GB',
      multiSelect: true,
      nestedAppAuth: true,
      ...o.host,
    };
  }

  private record(name: string, ...args: unknown[]) {
    this.calls.push({ name, args });
  }
  called(name: string) {
    return this.calls.filter((c) => c.name === name);
  }

  /** Simulates Outlook's SelectedItemsChanged. */
  select(ids: string[]) {
    this.selected = ids;
    for (const l of this.listeners) l(ids.length);
  }

  host() {
    return this.hostInfo;
  }
  async currentAccount() {
    this.record('currentAccount');
    return this.account;
  }
  async checkSignIn(): Promise<SignInCheck> {
    this.record('checkSignIn');
    return this.account ? { ok: true, account: this.account } : { ok: false, error: this.signInError ?? SIGN_IN_EXPIRED };
  }
  async signIn() {
    this.record('signIn');
    const a = await this.signInImpl();
    this.account = a;
    return a;
  }
  async signOut() {
    this.record('signOut');
    this.account = undefined;
  }
  async selectedItemIds() {
    this.record('selectedItemIds');
    return [...this.selected];
  }
  onSelectionChanged(listener: (count: number) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  async status() {
    this.record('status');
    if (this.statusValue instanceof Error) throw this.statusValue;
    return this.statusValue;
  }
  async folderCounts() {
    this.record('folderCounts');
    return this.counts;
  }
  async pingGraph(): Promise<GraphPing> {
    this.record('pingGraph');
    return this.pingError ? { ok: false, error: this.pingError } : { ok: true };
  }
  async sync(itemIds: string[], opts: SyncRunOptions = {}) {
    this.record('sync', itemIds);
    this.lastRunOptions = opts;
    return this.syncImpl(itemIds, opts);
  }
  imap = {
    authenticate: async (req: ImapConnectRequest) => {
      this.record('imap.authenticate', req.username);
      return this.imapAuthenticateImpl(req);
    },
    startSync: async (opts: SyncRunOptions = {}) => {
      this.record('imap.startSync');
      this.lastRunOptions = opts;
      return this.imapSyncImpl(opts);
    },
    stop: async () => {
      this.record('imap.stop');
    },
    /** Fixing on the IMAP path; absent unless a test gives one. */
    fixing: undefined as ImapFixMailApi | undefined,
  };
  /** What clearCachedSession answers (under NAA: what stays with Outlook). */
  clearedNote: string | undefined;
  async clearCachedSession(): Promise<{ msalCacheCleared: boolean; note?: string } | void> {
    this.record('clearCachedSession');
    this.account = undefined;
    if (this.clearedNote) return { msalCacheCleared: false, note: this.clearedNote };
  }
}

export { SyncError };
