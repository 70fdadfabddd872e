/** What the view can do about a cause: reconnect, clear the cached sign-in, check again; one at a time. */
import { useState } from 'react';
import { signInWindowHelps } from '../../core/causes';
import type { Checks } from './useChecks';

export type Busy = 'reconnect' | 'clear-cache' | 'check' | 'escalate';

export interface Fixes {
  /** What is under way, if anything. */
  busy?: Busy;
  act(label: Busy, work: () => Promise<void>): Promise<void>;
  reconnect(): Promise<void>;
  clearCache(): Promise<void>;
  checkAgain(): Promise<void>;
}

export function useFixes(checks: Checks): Fixes {
  const [busy, setBusy] = useState<Busy>();
  const { latest, mounted, runChecks } = checks;

  const act = async (label: Busy, work: () => Promise<void>) => {
    setBusy(label);
    try {
      await work();
    } finally {
      if (mounted.current) setBusy(undefined);
    }
  };

  return {
    busy,
    act,
    reconnect: () =>
      act('reconnect', async () => {
        const before = checks.diagnosis?.cause;
        await latest.current.onReconnect();
        // If reconnecting fails the same way, the diagnosis moves on to the cached sign-in (the guide's next step).
        await runChecks(before && signInWindowHelps(before) ? { failedWith: before } : undefined);
      }),
    clearCache: () =>
      act('clear-cache', async () => {
        await latest.current.onClearCachedSession();
        await latest.current.onReconnect();
        await runChecks();
      }),
    checkAgain: () => act('check', () => runChecks()),
  };
}
