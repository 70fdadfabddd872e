/** The words of the ribbon command's notification on the item, from a sync report. */
import { explain } from '../core/explain';
import type { SyncReport } from '../core/engine';

export const NOTIFICATION_KEY = 'rezi-sync';
/** Outlook caps a notification message at 150 characters. */
const MAX_LENGTH = 150;

export interface Notification {
  kind: 'informational' | 'error';
  message: string;
}

function clip(text: string): string {
  return text.length <= MAX_LENGTH ? text : `${text.slice(0, MAX_LENGTH - 1).trimEnd()}…`;
}

/**
 * `handOver`: the command stopped at its time budget (Outlook ends a function command after five
 * minutes), so what is left is the pane's to finish.
 */
export function notificationFor(report: SyncReport, options: { handOver?: boolean } = {}): Notification {
  if (options.handOver) {
    const filed = report.sent + report.received + report.failed;
    const head = filed > 0 ? `Filed ${filed} in Rezi` : 'Nothing filed yet';
    return { kind: 'informational', message: clip(`${head}; more is waiting in Queue. Open Sync to Rezi to finish filing it.`) };
  }
  const parts: string[] = [];
  if (report.sent) parts.push(`${report.sent} sent`);
  if (report.received) parts.push(`${report.received} received`);
  if (report.failed) parts.push(`${report.failed} failed`);
  const waiting = report.pending + report.notQueued.length;
  if (waiting) parts.push(`${waiting} waiting`);

  const filedAny = report.sent + report.received + report.failed > 0;
  if (report.error && !filedAny) {
    return { kind: 'error', message: clip(`Couldn't file in Rezi: ${explain(report.error.code).title}. ${explain(report.error.code).nextStep.label}.`) };
  }
  if (parts.length === 0) return { kind: 'informational', message: 'Nothing to file in Rezi: the Queue folder is empty.' };
  const summary = `Filed in Rezi: ${parts.join(', ')}`;
  if (report.error) return { kind: 'error', message: clip(`${summary}. Stopped: ${explain(report.error.code).title}.`) };
  return { kind: 'informational', message: clip(summary) };
}
