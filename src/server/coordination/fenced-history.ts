/**
 * A History whose batch records are written only while the lease is still ours: a holder that
 * stalled past its expiry, and was taken over, has each further record refused (LeaseLost), so its
 * mails stay in Queue for the new holder instead of being recorded twice by two runs at once.
 */
import type { History } from '../../core/ports';
import type { HeldLease } from './lease';

export function fencedHistory(history: History, lease: HeldLease): History {
  return {
    start: (signal) => history.start(signal),
    async record(messages, outcomes, signal) {
      await lease.assertHeld();
      return history.record(messages, outcomes, signal);
    },
    finish: (report, detail) => history.finish(report, detail),
  };
}
