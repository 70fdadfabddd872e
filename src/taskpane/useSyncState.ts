/**
 * The pane's state: a pure reducer (tested on its own) and a hook that wires it to PaneServices.
 * Everything the components show is derived from this one value; nothing lives in module globals.
 */
import { useEffect, useMemo, useReducer } from 'react';
import type { ApiStatus } from '../core/api';
import type { CauseCode } from '../core/causes';
import type { SyncProgress, SyncReport } from '../core/engine';
import { type ConnectionState, stateAfter } from '../core/status';
import { settle } from '../outlook/pane-error';
import type { ImapConnectRequest, PaneError, PaneServices, SignedInAccount } from '../outlook/pane-port';
import { accountActions, imapActions, runActions } from './pane-actions';
import { usePaneLoad } from './usePaneLoad';
import { useRunner } from './useRunner';

export type View = 'main' | 'troubleshoot' | 'imap';
export type RunSource = 'office365' | 'imap';
/** What a run was asked to do, so "Try again" can repeat it. */
export type RunKind = 'selected' | 'queue' | 'imap';

export type RunState =
  | { phase: 'idle' }
  | { phase: 'running'; kind: RunKind; progress?: SyncProgress; cancelling?: boolean }
  | { phase: 'finished'; kind: RunKind; report: SyncReport }
  | { phase: 'failed'; kind: RunKind; error: PaneError };

export type Busy = 'loading' | 'signing-in' | 'signing-out' | 'clearing' | 'authenticating' | 'stopping';

export interface PaneState {
  view: View;
  busy?: Busy;
  /** undefined: not known yet; null: nobody signed in (Sign in is offered). */
  account: SignedInAccount | null | undefined;
  status?: ApiStatus;
  counts?: { queue: number; failed: number };
  /** Mails selected in Outlook right now. */
  selected: number;
  /** Counts Outlook's selection changes: the same number of mails may be other mails. */
  selectionSeq: number;
  /** The last failure that changed the connection (sign-in, loading the status, a run stopped early). */
  problem?: PaneError;
  run: RunState;
  imap: { connected: boolean; username?: string; error?: PaneError };
  /** A one-line confirmation of something the user just did. */
  notice?: string;
}

export type Action =
  | { type: 'loaded'; account: SignedInAccount | null; status?: ApiStatus; counts?: { queue: number; failed: number }; problem?: PaneError }
  | { type: 'status'; status?: ApiStatus; counts?: { queue: number; failed: number } }
  | { type: 'selection'; count: number }
  | { type: 'view'; view: View }
  | { type: 'busy'; busy?: Busy }
  | { type: 'signed-in'; account: SignedInAccount }
  | { type: 'sign-in-failed'; error: PaneError }
  | { type: 'signed-out' }
  | { type: 'session-cleared'; note?: string }
  | { type: 'run-started'; kind: RunKind }
  | { type: 'run-progress'; progress: SyncProgress }
  | { type: 'run-cancelling' }
  | { type: 'run-finished'; report: SyncReport }
  | { type: 'run-failed'; error: PaneError }
  | { type: 'imap-authenticated'; username: string }
  | { type: 'imap-failed'; error: PaneError }
  | { type: 'imap-stopped' };

export const initialState: PaneState = {
  view: 'main',
  busy: 'loading',
  account: undefined,
  selected: 0,
  selectionSeq: 0,
  run: { phase: 'idle' },
  imap: { connected: false },
};

/** A failure worth showing on the status card: only causes that change the connection. */
function connectionProblem(e: PaneError | undefined): PaneError | undefined {
  return e && stateAfter(e.code) ? e : undefined;
}

function imapFromStatus(status: ApiStatus | undefined, prev: PaneState['imap']): PaneState['imap'] {
  if (!status || status.account.kind !== 'imap') return prev;
  // The adapter may leave username out of /status; the state alone says whether credentials work.
  const { state, username } = status.account;
  return { ...prev, connected: state === 'connected' || state === 'syncing', username: username ?? prev.username };
}

export function reducer(s: PaneState, a: Action): PaneState {
  switch (a.type) {
    case 'loaded':
      return {
        ...s,
        busy: undefined,
        account: a.account,
        status: a.status,
        counts: a.counts,
        problem: connectionProblem(a.problem),
        imap: imapFromStatus(a.status, s.imap),
        // IMAP accounts get their own panel from the start.
        view: a.status?.account.kind === 'imap' && s.view === 'main' ? 'imap' : s.view,
      };
    case 'status':
      return { ...s, status: a.status ?? s.status, counts: a.counts ?? s.counts, imap: imapFromStatus(a.status, s.imap) };
    case 'selection':
      return { ...s, selected: Math.max(0, a.count), selectionSeq: s.selectionSeq + 1 };
    case 'view':
      return { ...s, view: a.view };
    case 'busy':
      return { ...s, busy: a.busy };
    case 'signed-in':
      return { ...s, busy: undefined, account: a.account, problem: undefined, notice: undefined };
    case 'sign-in-failed':
      return { ...s, busy: undefined, problem: a.error };
    case 'signed-out':
      return {
        ...s,
        busy: undefined,
        account: null,
        problem: undefined,
        counts: undefined,
        run: { phase: 'idle' },
        notice: 'Email sync stopped. Your cached sign-in has been cleared; sign in to start again.',
      };
    case 'session-cleared':
      // Under nested app authentication Outlook keeps its own sign-in: the note says so.
      return {
        ...s,
        busy: undefined,
        account: null,
        problem: undefined,
        notice: `Cached sign-in cleared. ${a.note ? `${a.note} ` : ''}Sign in again to reconnect.`,
      };
    case 'run-started':
      return { ...s, run: { phase: 'running', kind: a.kind }, notice: undefined };
    case 'run-progress':
      return s.run.phase === 'running' ? { ...s, run: { ...s.run, progress: a.progress } } : s;
    case 'run-cancelling':
      return s.run.phase === 'running' ? { ...s, run: { ...s.run, cancelling: true } } : s;
    case 'run-finished': {
      if (s.run.phase !== 'running') return s;
      const error = a.report.error ? { code: a.report.error.code, message: a.report.error.message } : undefined;
      // A clean run proves the connection works again; a run stopped by a connection cause shows it.
      const problem = error ? (connectionProblem(error) ?? s.problem) : undefined;
      return { ...s, run: { phase: 'finished', kind: s.run.kind, report: a.report }, problem };
    }
    case 'run-failed': {
      if (s.run.phase !== 'running') return s;
      return { ...s, run: { phase: 'failed', kind: s.run.kind, error: a.error }, problem: connectionProblem(a.error) ?? s.problem };
    }
    case 'imap-authenticated':
      return { ...s, busy: undefined, imap: { connected: true, username: a.username }, problem: undefined };
    case 'imap-failed':
      return { ...s, busy: undefined, imap: { ...s.imap, error: a.error } };
    case 'imap-stopped':
      return {
        ...s,
        busy: undefined,
        imap: { connected: false },
        run: { phase: 'idle' },
        notice: 'Email sync stopped. Your stored email password has been deleted.',
      };
  }
}

export interface Connection {
  state: ConnectionState;
  /** Why it is not connected, when known. */
  cause?: CauseCode;
  /** Nobody is signed in: offer Sign in rather than Reconnect. */
  needsSignIn: boolean;
}

/** The state the status card shows, derived rather than stored so it can never disagree with the rest. */
export function connectionOf(s: PaneState): Connection {
  if (s.run.phase === 'running') return { state: 'syncing', needsSignIn: false };
  const problemState = s.problem ? stateAfter(s.problem.code) : undefined;
  if (s.problem && problemState) return { state: problemState, cause: s.problem.code, needsSignIn: false };
  const imap = s.status?.account.kind === 'imap';
  if (s.account === null && !imap) return { state: 'disconnected', needsSignIn: true };
  // Signed in to Microsoft 365 but never synced: the adapter has no account state yet, and a working
  // sign-in is what "Connected" means for the Office 365 path.
  if (s.account && (!s.status || s.status.account.kind === 'none')) return { state: 'connected', needsSignIn: false };
  if (s.status) {
    const { state, cause } = s.status.account;
    return { state, cause: state === 'connected' ? undefined : cause, needsSignIn: false };
  }
  return { state: s.account ? 'connected' : 'disconnected', needsSignIn: false };
}

export interface PaneActions {
  refresh(): Promise<void>;
  /** The adapter's status and the folder counts again (after a fix or an undo moved a mail). */
  refreshStatus(): Promise<void>;
  setView(view: View): void;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  clearCachedSession(): Promise<void>;
  syncSelected(): Promise<void>;
  syncQueue(): Promise<void>;
  /** Repeats the last run (selected mails are in Queue by then, so it syncs Queue). */
  retry(): Promise<void>;
  cancel(): void;
  imapAuthenticate(req: ImapConnectRequest): Promise<boolean>;
  imapStartSync(): Promise<void>;
  imapStop(): Promise<void>;
}

export function useSyncState(services: PaneServices): { state: PaneState; connection: Connection; actions: PaneActions } {
  const [state, dispatch] = useReducer(reducer, initialState);
  const { refresh, refreshStatus } = usePaneLoad(services, dispatch);
  const runner = useRunner(dispatch, refreshStatus);

  useEffect(() => {
    void refresh();
    void settle(() => services.selectedItemIds()).then((r) => r.ok && dispatch({ type: 'selection', count: r.value.length }));
    const unsubscribe = services.onSelectionChanged((count) => dispatch({ type: 'selection', count }));
    return () => {
      unsubscribe();
      runner.abort();
    };
  }, [services, refresh, runner]);

  const actions = useMemo<PaneActions>(
    () => ({
      refresh,
      refreshStatus,
      setView: (view) => dispatch({ type: 'view', view }),
      ...accountActions(services, dispatch, refreshStatus, runner),
      ...runActions(services, runner),
      ...imapActions(services, dispatch, refreshStatus, runner),
    }),
    [services, refresh, refreshStatus, runner],
  );

  return { state, connection: connectionOf(state), actions };
}
