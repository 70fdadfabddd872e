/** What the pane's buttons do: each calls one service and tells the pane state how it went. */
import type { Dispatch } from 'react';
import { settle } from '../outlook/pane-error';
import type { PaneServices } from '../outlook/pane-port';
import type { Runner } from './useRunner';
import type { Action, PaneActions } from './useSyncState';

type Refresh = () => Promise<void>;

/** Signing in and out of Microsoft 365, and clearing the cached sign-in. */
export function accountActions(
  services: PaneServices,
  dispatch: Dispatch<Action>,
  refreshStatus: Refresh,
  runner: Runner,
): Pick<PaneActions, 'signIn' | 'signOut' | 'clearCachedSession'> {
  return {
    async signIn() {
      dispatch({ type: 'busy', busy: 'signing-in' });
      const r = await settle(() => services.signIn());
      if (!r.ok) return dispatch({ type: 'sign-in-failed', error: r.error });
      dispatch({ type: 'signed-in', account: r.value });
      await refreshStatus();
    },
    async signOut() {
      runner.abort();
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
  };
}

/** The Office 365 runs: the selected mails, Queue, and "Try again". */
export function runActions(services: PaneServices, runner: Runner): Pick<PaneActions, 'syncSelected' | 'syncQueue' | 'retry' | 'cancel'> {
  const syncQueue = () => runner.run('queue', (opts) => services.sync([], opts));
  return {
    syncSelected: () =>
      runner.run('selected', async (opts) => {
        const ids = await services.selectedItemIds();
        return services.sync(ids, opts);
      }),
    syncQueue,
    retry: () => (runner.lastKind() === 'imap' ? runner.run('imap', (opts) => services.imap.startSync(opts)) : syncQueue()),
    cancel: runner.cancel,
  };
}

/** The IMAP path: connecting with a password, syncing on the server, and Stop Email Sync. */
export function imapActions(
  services: PaneServices,
  dispatch: Dispatch<Action>,
  refreshStatus: Refresh,
  runner: Runner,
): Pick<PaneActions, 'imapAuthenticate' | 'imapStartSync' | 'imapStop'> {
  return {
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
    imapStartSync: () => runner.run('imap', (opts) => services.imap.startSync(opts)),
    async imapStop() {
      runner.abort();
      dispatch({ type: 'busy', busy: 'stopping' });
      const r = await settle(() => services.imap.stop());
      if (!r.ok) return dispatch({ type: 'imap-failed', error: r.error });
      dispatch({ type: 'imap-stopped' });
    },
  };
}
