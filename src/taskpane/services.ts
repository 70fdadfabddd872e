/**
 * What the task pane needs from the outside world. The pane's React code talks only to this
 * interface: src/outlook/services.ts implements it over Office.js, MSAL, Graph and the adapter;
 * component tests implement it with fakes.
 */
import type { ApiStatus } from '../core/api';
import type { CauseCode } from '../core/causes';
import type { SyncProgress, SyncReport } from '../core/engine';
import type { SupportReport } from '../core/support-report';

export interface HostInfo {
  /** e.g. "Outlook", "OutlookWebApp" */
  host: string;
  platform: string;
  version: string;
  /** Office theme: true when the body background is dark. */
  dark: boolean;
  displayLanguage: string;
  /** Whether the host supports Mailbox 1.13 multi-select. */
  multiSelect: boolean;
  /** Whether nested app authentication is available. */
  nestedAppAuth: boolean;
}

export interface SignedInAccount {
  name: string;
  email: string;
}

export interface SyncRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
}

export interface ImapConnectRequest {
  username: string;
  password: string;
}

export interface ImapApi {
  /** Tests the credentials against the branch's server, creates the folders, stores them encrypted. */
  authenticate(req: ImapConnectRequest): Promise<void>;
  /** Starts a server-side sync of the IMAP Queue; resolves with the report. */
  startSync(opts?: SyncRunOptions): Promise<SyncReport>;
  /** Deletes the stored credentials ("Stop Email Sync"). */
  stop(): Promise<void>;
}

/** A failure the pane can explain: a core cause plus what the provider said. */
export interface PaneError {
  code: CauseCode;
  message: string;
  providerCode?: string;
  requestId?: string;
}

/** The silent token attempt as the troubleshooter sees it: the account, or why a sign-in is needed. */
export type SignInCheck = { ok: true; account: SignedInAccount } | { ok: false; error: PaneError };

/** One light Microsoft 365 request: answered, or why not (throttled, sign-in refused, unreachable…). */
export type GraphPing = { ok: true } | { ok: false; error: PaneError };

export interface PaneServices {
  host(): HostInfo;
  /** Signed-in account if a token can be had silently; undefined when sign-in is needed. */
  currentAccount(): Promise<SignedInAccount | undefined>;
  /**
   * The same silent attempt, with the reason when it fails (Entra's AADSTS code, MSAL's correlation
   * id): the troubleshooter needs why, where the status card needs only whether. Never throws.
   */
  checkSignIn(): Promise<SignInCheck>;
  /** Interactive sign-in (NAA or dialog fallback). Throws a PaneError-shaped SyncError on failure. */
  signIn(): Promise<SignedInAccount>;
  /** Signs out and clears cached tokens (Stop Email Sync / clear cached session). */
  signOut(): Promise<void>;
  /** REST ids of the selected mails (multi-select), or the open item. */
  selectedItemIds(): Promise<string[]>;
  onSelectionChanged(listener: (count: number) => void): () => void;
  status(): Promise<ApiStatus>;
  /** Counts of mails waiting in Queue and Failed (Office 365 path). */
  folderCounts(): Promise<{ queue: number; failed: number } | undefined>;
  /** The folder check once, without retries, with the reason when it fails (troubleshooter). Never throws. */
  pingGraph(): Promise<GraphPing>;
  /** Sync to Rezi: the selected mails (or, with an empty list, whatever is in Queue). */
  sync(itemIds: string[], opts?: SyncRunOptions): Promise<SyncReport>;
  imap: ImapApi;
  /**
   * Clears MSAL's cache (where MSAL can: under nested app authentication the sign-in is Outlook's)
   * and the pane's storage; says what stayed with Outlook.
   */
  clearCachedSession(): Promise<{ msalCacheCleared: boolean; note?: string } | void>;
  /** POST /api/v1/support/cases: escalates to Rezi support with a (redacted) diagnostics report. */
  supportCase?(report: SupportReport): Promise<{ reference: string; createdAt?: string }>;
}
