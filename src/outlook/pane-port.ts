/**
 * What the task pane needs from the outside world. The pane's React code talks only to this
 * interface: src/outlook/services.ts implements it over Office.js, MSAL, Graph and the adapter;
 * component tests implement it with fakes.
 */
import type { ApiStatus, ImapFailedList } from '../core/api';
import type { CauseCode } from '../core/causes';
import type { GroupSearchResult } from '../core/contract/directory';
import type { SyncProgress, SyncReport } from '../core/engine';
import type { EmailAddress } from '../core/addresses';
import type { MatchedGroup } from '../core/ports';
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
  /** Outlook on a phone or tablet (iOS, Android): one open mail, touch-sized targets. */
  touch?: boolean;
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
  /** Fixing and undoing on the IMAP server's folders, through the adapter (absent: the IMAP pane offers neither). */
  fixing?: ImapFixMailApi;
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

/** A group card the search found: its name (the property's address), kind, link and contacts. */
export type GroupCard = GroupSearchResult['groups'][number];

/** Filing a Failed mail by hand: the mail (its mailbox id), the chosen cards, and optionally an address to remember on a contact. */
export interface FixMailRequest {
  id: string;
  groupIds: string[];
  remember?: { address: string; contactId: string };
}

/** Where the mail went (Sent or Received once filed; still Failed when it could not be), and onto which cards. */
export interface FixMailAnswer {
  moveTo: 'sent' | 'received' | 'failed';
  groups: MatchedGroup[];
  remembered?: { contactId: string; address: string };
  /** Why it is still Failed, in the adapter's words. */
  message?: string;
}

/** A mail selected in Outlook that is in one of the Rezi-Imported folders the pane can act on. */
export interface SelectedMail {
  /** Its mailbox id (immutable: it survives the move the fix or undo makes). */
  id: string;
  internetMessageId: string;
  subject: string;
  from: EmailAddress[];
  folder: 'failed' | 'sent' | 'received';
}

/**
 * What the pane offers for the selection: a mail in Failed can be filed to a group, one in Sent or
 * Received undone; several such mails are done one at a time, which the pane says.
 */
export type SelectionOffer =
  | { kind: 'none' }
  | { kind: 'fix'; mail: SelectedMail }
  | { kind: 'undo'; mail: SelectedMail }
  | { kind: 'several'; selected: number; failed: number; filed: number };

/** Fixing and undoing from the pane (Office 365 path): search the branch's cards, file a Failed mail onto them, undo a filing. */
export interface FixMailApi {
  searchGroups(query: string, opts?: { signal?: AbortSignal }): Promise<GroupSearchResult>;
  /** Files the mail in Rezi first, then moves it out of Failed; a failed move is safe to retry (the filing is not repeated). */
  fixMail(req: FixMailRequest): Promise<FixMailAnswer>;
  /** Undoes the agent's filing, then moves the mail back to the Inbox; safe to retry. */
  unfileMail(mail: { id: string; internetMessageId: string }): Promise<void>;
  /**
   * Where the mails selected in Outlook are, and so what the pane can offer for them; looks only,
   * never creates a folder. Absent where the path cannot tell.
   */
  selectionOffer?(opts?: { signal?: AbortSignal }): Promise<SelectionOffer>;
}

/** On the IMAP path the adapter reads the Failed folder too: the mails there now, and the Queue and Failed counts. */
export interface ImapFixMailApi extends FixMailApi {
  failedMails(opts?: { signal?: AbortSignal }): Promise<ImapFailedList>;
}

/**
 * Office 365 automatic filing: the adapter holds a grant on the agent's behalf and files new mail in
 * Queue on its own, with Outlook closed. Turning on answers how often the Queue is checked.
 */
export interface AutomaticFilingApi {
  turnOn(): Promise<{ pollSeconds: number }>;
  /** Deletes the adapter's grant: Queue is no longer checked. */
  turnOff(): Promise<void>;
}

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
  /** Fixing a Failed mail and undoing a filing (absent where the path cannot: the pane then offers neither). */
  fixing?: FixMailApi;
  /** Office 365 automatic filing (absent where the path has none: the pane then offers no switch). */
  automaticFiling?: AutomaticFilingApi;
  supportCase?(report: SupportReport): Promise<{ reference: string; createdAt?: string }>;
}
