/**
 * The pane's state: a pure reducer (tested on its own) and a hook that wires it to PaneServices.
 * Everything the components show is derived from this one value; nothing lives in module globals.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { ApiStatus } from '../core/api';
import type { CauseCode } from '../core/causes';
import type { SyncProgress, SyncReport } from '../core/engine';
import { type ConnectionState, stateAfter } from '../core/status';
import { toPaneError } from './errors';
import type { ImapConnectRequest, PaneError, PaneServices, SignedInAccount, SyncRunOptions } from './services';

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

export const initialState: PaneState = { view: 'main', busy: 'loading', account: undefined, selected: 0, run: { phase: 'idle' }, imap: { connected: false } };

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
      return { ...s, selected: Math.max(0, a.count) };
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

function saysWhySignInLapsed(e: PaneError): boolean {
  return e.code === 'password-changed' || (e.code === 'authorisation-expired' && Boolean(e.providerCode));
}

async function settle<T>(p: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: PaneError }> {
  try {
    return { ok: true, value: await p() };
  } catch (e) {
    return { ok: false, error: toPaneError(e) };
  }
}

export function useSyncState(services: PaneServices): { state: PaneState; connection: Connection; actions: PaneActions } {
  const [state, dispatch] = useReducer(reducer, initialState);
  const controller = useRef<AbortController | undefined>(undefined);
  const running = useRef(false);
  const lastKind = useRef<RunKind>('queue');

  const loadStatus = useCallback(async () => {
    const [status, counts] = await Promise.all([settle(() => services.status()), settle(() => services.folderCounts())]);
    return { status, counts };
  }, [services]);

  const refresh = useCallback(async () => {
    const account = await settle(() => services.currentAccount());
    const { status, counts } = await loadStatus();
    // With nobody signed in, a status call failing for want of a token is expected (first run: Sign in) —
    // unless Entra said why an earlier sign-in no longer works, which the card must show (seed 000).
    const problem = !account.ok ? account.error : !status.ok && (account.value || saysWhySignInLapsed(status.error)) ? status.error : undefined;
    dispatch({
      type: 'loaded',
      account: account.ok ? (account.value ?? null) : null,
      status: status.ok ? status.value : undefined,
      counts: counts.ok ? counts.value : undefined,
      problem,
    });
  }, [services, loadStatus]);

  useEffect(() => {
    void refresh();
    void settle(() => services.selectedItemIds()).then((r) => r.ok && dispatch({ type: 'selection', count: r.value.length }));
    const unsubscribe = services.onSelectionChanged((count) => dispatch({ type: 'selection', count }));
    return () => {
      unsubscribe();
      controller.current?.abort();
    };
  }, [services, refresh]);

  const refreshStatus = useCallback(async () => {
    const { status, counts } = await loadStatus();
    dispatch({ type: 'status', status: status.ok ? status.value : undefined, counts: counts.ok ? counts.value : undefined });
  }, [loadStatus]);

  const run = useCallback(
    async (kind: RunKind, start: (opts: SyncRunOptions) => Promise<SyncReport>) => {
      // One run at a time per pane: a second press while running is ignored rather than racing the first.
      if (running.current) return;
      running.current = true;
      lastKind.current = kind;
      const abort = new AbortController();
      controller.current = abort;
      dispatch({ type: 'run-started', kind });
      try {
        const report = await start({ signal: abort.signal, onProgress: (progress) => dispatch({ type: 'run-progress', progress }) });
        dispatch({ type: 'run-finished', report });
      } catch (e) {
        dispatch({ type: 'run-failed', error: toPaneError(e) });
      } finally {
        running.current = false;
        if (controller.current === abort) controller.current = undefined;
      }
      void refreshStatus();
    },
    [refreshStatus],
  );

  const actions = useMemo<PaneActions>(
    () => ({
      refresh,
      setView: (view) => dispatch({ type: 'view', view }),
      async signIn() {
        dispatch({ type: 'busy', busy: 'signing-in' });
        const r = await settle(() => services.signIn());
        if (!r.ok) return dispatch({ type: 'sign-in-failed', error: r.error });
        dispatch({ type: 'signed-in', account: r.value });
        await refreshStatus();
      },
      async signOut() {
        controller.current?.abort();
        dispatch({ type: 'busy', busy: 'signing-out' });
        const r = await settle(() => services.signOut());
        if (!r.ok) return dispatch({ type: 'sign-in-failed', error: r.error });
        dispatch({ type: 'signed-out' });
      },
      async clearCachedSession() {
        dispatch({ type: 'busy', busy: 'clearing' });
        const r = await settle(() => services.clearCachedSession());
        if (!r.ok) return dispatch({ type: 'sign-in-failed', error: r.error });
        dispatch({ type: 'session-cleared', note: r.value ? r.value.note : undefined });
      },
      syncSelected: () =>
        run('selected', async (opts) => {
          const ids = await services.selectedItemIds();
          return services.sync(ids, opts);
        }),
      syncQueue: () => run('queue', (opts) => services.sync([], opts)),
      retry: () => (lastKind.current === 'imap' ? run('imap', (opts) => services.imap.startSync(opts)) : run('queue', (opts) => services.sync([], opts))),
      cancel() {
        if (!controller.current) return;
        dispatch({ type: 'run-cancelling' });
        controller.current.abort();
      },
      async imapAuthenticate(req) {
        dispatch({ type: 'busy', busy: 'authenticating' });
        const r = await settle(() => services.imap.authenticate(req));
        if (!r.ok) {
          dispatch({ type: 'imap-failed', error: r.error });
          return false;
        }
        dispatch({ type: 'imap-authenticated', username: req.username });
        void refreshStatus();
        return true;
      },
      imapStartSync: () => run('imap', (opts) => services.imap.startSync(opts)),
      async imapStop() {
        controller.current?.abort();
        dispatch({ type: 'busy', busy: 'stopping' });
        const r = await settle(() => services.imap.stop());
        if (!r.ok) return dispatch({ type: 'imap-failed', error: r.error });
        dispatch({ type: 'imap-stopped' });
      },
    }),
    [services, refresh, refreshStatus, run],
  );

  return { state, connection: connectionOf(state), actions };
}
