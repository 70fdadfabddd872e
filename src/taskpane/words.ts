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

/** What the status card says of automatic filing (IMAP and Office 365 alike), line by line; nothing while it is neither on nor turned off. */
export function watchWords(
  watch: { watched: boolean; enabled: boolean; lastRunAt?: string } | undefined,
  now: Date,
  /** The button that files Queue by hand on this path. */
  syncButton = 'Start Sync',
): string[] {
  if (!watch) return [];
  if (!watch.enabled) return [`Automatic filing is off for your branch: press ${syncButton} to file the mail in Queue.`];
  if (!watch.watched) return [];
  return ['Queue is watched: new mail is filed automatically', ...(watch.lastRunAt ? [`Last filed automatically ${relativeTime(watch.lastRunAt, now)}`] : [])];
}

/** "every minute", "every 2 minutes", "every 30 seconds": how often the adapter checks Queue. */
export function pollInterval(seconds: number): string {
  if (seconds < 60) return `every ${plural(seconds, 'second')}`;
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? 'every minute' : `every ${minutes} minutes`;
}

/** Under the Office 365 switch: what turning it on does (the interval once the adapter has said it), or why it rests. */
export function automaticFilingHint(o: { branchOff?: boolean; unavailable?: boolean; pollSeconds?: number }): string {
  if (o.branchOff) return 'Your branch’s IT administrator has turned automatic filing off.';
  if (o.unavailable)
    return 'Automatic filing isn’t set up on Rezi’s adapter yet: your IT administrator can set it up. Until then, Sync Queue folder files the mail in Queue.';
  const when = o.pollSeconds ? pollInterval(o.pollSeconds) : 'every minute or so';
  return `Rezi checks your Queue folder ${when}, even with Outlook closed, and files new mail for you.`;
}

/** Why the switch could not be turned on or off, and what to do next; undefined where the cause's own words fit. */
export function automaticFilingProblem(e: { code: string; providerCode?: string }): { title: string; text: string } | undefined {
  if (e.providerCode === 'graph-automatic-filing-off' || e.code === 'not-configured')
    return {
      title: 'Automatic filing isn’t set up yet',
      text: 'Your IT administrator needs to set up automatic filing for Office 365 on the Rezi adapter. Until then, Sync Queue folder files the mail in Queue as usual.',
    };
  if (e.providerCode === 'automatic-filing-off')
    return {
      title: 'Automatic filing is off for your branch',
      text: 'Your branch’s IT administrator has turned automatic filing off. Sync Queue folder still files the mail in Queue when you press it.',
    };
  if (e.code === 'consent-missing')
    return {
      title: 'An administrator’s approval is needed',
      text: 'Microsoft needs your IT administrator to approve Rezi filing mail while Outlook is closed (admin consent). Ask your IT support; Sync Queue folder works meanwhile.',
    };
  if (e.code === 'server-unreachable')
    return { title: 'Rezi couldn’t be reached', text: 'Nothing has changed. Check your internet connection and try again in a minute or two.' };
  return undefined;
}
