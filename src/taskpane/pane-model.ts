/** What the pane's views read from the pane state, derived in one place. */
import type { PaneError } from '../outlook/pane-port';
import type { useSyncState } from './useSyncState';

export type Pane = ReturnType<typeof useSyncState>;

export const isImapAccount = ({ state }: Pane): boolean => state.status?.account.kind === 'imap';

/** The last failure the pane saw: sign-in or status, else a run that failed or stopped early. */
export function lastErrorOf({ state }: Pane): PaneError | undefined {
  const { run } = state;
  return state.problem ?? (run.phase === 'failed' ? run.error : run.phase === 'finished' ? run.report.error : undefined);
}
