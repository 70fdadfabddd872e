/** What happened to each mail, the summary line, mails that never reached Queue, and a run-level error. */
import { Badge, Button, Link, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactElement } from 'react';
import type { CauseCode } from '../core/causes';
import { type MessageResult, type MessageStatus, type SyncReport } from '../core/engine';
import { explain } from '../core/explain';
import { Clock20Regular, ErrorCircle20Filled, MailInbox20Regular, Send20Regular } from './icons';
import type { PaneError } from './services';
import { plural, resultSummary, shortenedListNote } from './words';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  item: {
    display: 'flex',
    flexDirection: 'column',
    rowGap: tokens.spacingVerticalXXS,
    padding: tokens.spacingVerticalS,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    overflowWrap: 'anywhere',
  },
  head: { display: 'flex', columnGap: tokens.spacingHorizontalS, alignItems: 'flex-start', justifyContent: 'space-between' },
  subject: { fontWeight: tokens.fontWeightSemibold, minWidth: 0, flexGrow: 1 },
  // The folder badge keeps its words on one line; the subject wraps instead.
  badge: { flexShrink: 0, whiteSpace: 'nowrap' },
  muted: { color: tokens.colorNeutralForeground2 },
  groups: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: tokens.spacingHorizontalM },
  // WCAG 2.2 target size: at least 24 px tall, so stacked group links are easy to hit on touch screens.
  groupLink: { display: 'inline-flex', alignItems: 'center', minHeight: '24px' },
});

export const RESULT_LABEL: Record<MessageStatus, string> = { sent: 'Sent', received: 'Received', failed: 'Failed', pending: 'Still in Queue' };

const RESULT_BADGE: Record<MessageStatus, { color: 'success' | 'danger' | 'informative' | 'warning'; icon: ReactElement }> = {
  sent: { color: 'success', icon: <Send20Regular /> },
  received: { color: 'success', icon: <MailInbox20Regular /> },
  failed: { color: 'danger', icon: <ErrorCircle20Filled /> },
  pending: { color: 'warning', icon: <Clock20Regular /> },
};

function subjectOf(r: MessageResult): string {
  return r.subject.trim() || '(no subject)';
}

function ResultRow({ result }: { result: MessageResult }) {
  const styles = useStyles();
  const badge = RESULT_BADGE[result.status];
  const why = result.reason ? explain(result.reason) : undefined;
  return (
    <li className={styles.item} aria-label={`${subjectOf(result)}: ${RESULT_LABEL[result.status]}`}>
      <div className={styles.head}>
        <Text className={styles.subject}>{subjectOf(result)}</Text>
        <Badge className={styles.badge} appearance="tint" color={badge.color} icon={badge.icon}>
          {RESULT_LABEL[result.status]}
        </Badge>
      </div>
      {result.groups.length > 0 && (
        <div className={styles.groups}>
          <Text className={styles.muted}>{result.groups.length === 1 ? 'Group:' : 'Groups:'}</Text>
          {result.groups.map((g) => (
            <Link
              key={g.groupId}
              className={styles.groupLink}
              href={g.link}
              target="_blank"
              rel="noopener noreferrer"
              aria-label={`${g.name} (opens Rezi in a new window)`}
            >
              {g.name}
            </Link>
          ))}
        </div>
      )}
      {why && result.status === 'failed' && (
        <>
          <Text>{why.explanation}</Text>
          <Text className={styles.muted}>What to do: {why.nextStep.hint}</Text>
        </>
      )}
      {why && result.status === 'pending' && <Text className={styles.muted}>{why.title}. It stays in Queue and will be filed on the next sync.</Text>}
    </li>
  );
}

/** A run-level error, explained in the same words as everywhere else. */
export function RunError({
  error,
  onRetry,
  onTroubleshoot,
}: {
  error: Pick<PaneError, 'code' | 'message' | 'requestId'>;
  onRetry?(): void;
  onTroubleshoot?(): void;
}) {
  const why = explain(error.code);
  const action = why.nextStep.action;
  const intent = error.code === 'cancelled' ? 'info' : error.code === 'throttled' || error.code === 'outage-suspected' ? 'warning' : 'error';
  return (
    <MessageBar intent={intent} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{why.title}</MessageBarTitle> {why.explanation} {why.nextStep.hint}
        {error.requestId && (
          <Text block size={200}>
            Reference for support: {error.requestId}
          </Text>
        )}
      </MessageBarBody>
      {(onRetry || onTroubleshoot) && (
        <MessageBarActions>
          {onRetry && (action === 'retry' || action === 'retry-later' || action === 'escalate') && (
            <Button onClick={onRetry}>{action === 'retry' && error.code === 'cancelled' ? 'Sync again' : 'Try again'}</Button>
          )}
          {onTroubleshoot && action !== 'retry' && <Button onClick={onTroubleshoot}>Troubleshoot</Button>}
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

function NotQueued({ items }: { items: SyncReport['notQueued'] }) {
  const byCause = new Map<CauseCode, number>();
  for (const n of items) byCause.set(n.cause, (byCause.get(n.cause) ?? 0) + 1);
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{plural(items.length, 'selected mail')} couldn’t be moved into Queue</MessageBarTitle> {items.length === 1 ? 'It stays' : 'They stay'}{' '}
        where {items.length === 1 ? 'it was' : 'they were'} and nothing was filed for {items.length === 1 ? 'it' : 'them'}.
        <ul>
          {[...byCause].map(([cause, n]) => (
            <li key={cause}>
              {plural(n, 'mail')}: {explain(cause).title}. {explain(cause).nextStep.hint}
            </li>
          ))}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}

export interface ResultsProps {
  report: SyncReport;
  onRetry?(): void;
  onTroubleshoot?(): void;
}

export function Results({ report, onRetry, onTroubleshoot }: ResultsProps) {
  const styles = useStyles();
  return (
    <section className={styles.root} aria-labelledby="results-heading">
      <h2 id="results-heading" style={{ margin: 0, fontSize: tokens.fontSizeBase400 }}>
        Sync results
      </h2>
      <Text role="status">{resultSummary(report)}</Text>
      {report.error && <RunError error={report.error} onRetry={onRetry} onTroubleshoot={onTroubleshoot} />}
      {report.notQueued.length > 0 && <NotQueued items={report.notQueued} />}
      {report.results.length > 0 && (
        <ul className={styles.list} aria-label="Mails in this sync">
          {report.results.map((r) => (
            <ResultRow key={r.id} result={r} />
          ))}
        </ul>
      )}
      {(report.resultsOmitted ?? 0) > 0 && <Text className={styles.muted}>{shortenedListNote(report.results.length, report.resultsOmitted!)}</Text>}
    </section>
  );
}
