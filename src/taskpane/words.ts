/** The pane's sentences, built once so every component says things the same way (British English). */
import type { SyncReport } from '../core/engine';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const rtf = new Intl.RelativeTimeFormat('en-GB', { numeric: 'auto' });

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** "5 minutes ago", "yesterday"; "just now" under a minute (Intl's "now" reads oddly after "Last sync"). */
export function relativeTime(iso: string, now: Date): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return 'at an unknown time';
  let value = (then - now.getTime()) / 1000;
  if (Math.abs(value) < 60) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return rtf.format(Math.round(value), 'year');
}

type Counts = Pick<SyncReport, 'sent' | 'received' | 'failed' | 'pending'>;

/** "3 received, 1 sent, 1 failed" (order as the status card reads it). */
export function lastSyncCounts(c: Counts): string {
  const parts = [`${c.received} received`, `${c.sent} sent`, `${c.failed} failed`];
  if (c.pending > 0) parts.push(`${c.pending} still in Queue`);
  return parts.join(', ');
}

/** "Filed 5 mails: 2 sent, 2 received, 1 failed" (+ "; 1 still in Queue"). */
export function resultSummary(r: Counts & { total: number }): string {
  const filed = r.sent + r.received + r.failed;
  if (r.total === 0) return 'Queue was empty: nothing to file.';
  let line = `Filed ${plural(filed, 'mail')}: ${r.sent} sent, ${r.received} received, ${r.failed} failed`;
  if (r.pending > 0) line += `; ${r.pending} still in Queue`;
  return line;
}

export function syncButtonLabel(selected: number): string {
  return selected > 0 ? `Sync ${plural(selected, 'selected mail')} to Rezi` : 'Sync to Rezi';
}

const count = (n: number) => n.toLocaleString('en-GB');

/** Said under the results when a large run listed only some of its mails (every mail is still in the counts). */
export function shortenedListNote(shown: number, omitted: number): string {
  return `This list shows ${count(shown)} of the ${count(shown + omitted)} mails in this sync: those that failed or are still in Queue first, then the most recent ones, and ${count(omitted)} more not listed here. Every mail is counted in the summary above.`;
}
