/** One sync run at a time: starting, progress, cancelling, and what "Try again" repeats. */
import { type Dispatch, useCallback, useMemo, useRef } from 'react';
import type { SyncReport } from '../core/engine';
import { toPaneError } from '../outlook/pane-error';
import type { SyncRunOptions } from '../outlook/pane-port';
import type { Action, RunKind } from './useSyncState';

export interface Runner {
  run(kind: RunKind, start: (opts: SyncRunOptions) => Promise<SyncReport>): Promise<void>;
  /** The kind of the last run started. */
  lastKind(): RunKind;
  /** The user pressed Cancel: the run says it is cancelling, then stops. */
  cancel(): void;
  /** Stops any run without a word (signing out, the pane closing). */
  abort(): void;
}

export function useRunner(dispatch: Dispatch<Action>, refreshStatus: () => Promise<void>): Runner {
  const controller = useRef<AbortController | undefined>(undefined);
  const running = useRef(false);
  const lastKind = useRef<RunKind>('queue');

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
    [dispatch, refreshStatus],
  );

  return useMemo(
    () => ({
      run,
      lastKind: () => lastKind.current,
      cancel() {
        if (!controller.current) return;
        dispatch({ type: 'run-cancelling' });
        controller.current.abort();
      },
      abort: () => controller.current?.abort(),
    }),
    [run, dispatch],
  );
}
