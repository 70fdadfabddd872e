/** Loading what the pane shows: who is signed in, the adapter's status and the folder counts. */
import { type Dispatch, useCallback } from 'react';
import { settle } from '../outlook/pane-error';
import type { PaneError, PaneServices } from '../outlook/pane-port';
import type { Action } from './useSyncState';

/** An error that says why an earlier sign-in no longer works (Entra named the reason). */
function saysWhySignInLapsed(e: PaneError): boolean {
  return e.code === 'password-changed' || (e.code === 'authorisation-expired' && Boolean(e.providerCode));
}

export function usePaneLoad(services: PaneServices, dispatch: Dispatch<Action>) {
  const loadStatus = useCallback(async () => {
    const [status, counts] = await Promise.all([settle(() => services.status()), settle(() => services.folderCounts())]);
    return { status, counts };
  }, [services]);

  /** Everything, as when the pane opens. */
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
  }, [services, loadStatus, dispatch]);

  /** The status and counts only, after something changed them (a run, a sign-in). */
  const refreshStatus = useCallback(async () => {
    const { status, counts } = await loadStatus();
    dispatch({ type: 'status', status: status.ok ? status.value : undefined, counts: counts.ok ? counts.value : undefined });
  }, [loadStatus, dispatch]);

  return { refresh, refreshStatus };
}
