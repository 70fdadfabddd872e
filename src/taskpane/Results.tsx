/** What happened to each mail, the summary line, mails that never reached Queue, and a run-level error. */
import { Badge, Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from '@fluentui/react-components';
import { type ReactElement, useState } from 'react';
import { type CauseCode, severityOf } from '../core/causes';
import { type MessageResult, type MessageStatus, type SyncReport } from '../core/engine';
import { explain } from '../core/explain';
import { FOLDER_ROOT } from '../core/ports';
import { Clock20Regular, ErrorCircle20Filled, MailInbox20Regular, Send20Regular } from './icons';
import type { PaneError } from '../outlook/pane-port';
import { useFixing, useMailChange } from './fix-context';
import { FixMailDialog } from './FixMailDialog';
import { GroupLinks, useMailListStyles } from './GroupLinks';
import { UndoDialog } from './UndoDialog';
import { plural, resultSummary, shortenedListNote } from './words';

const useStyles = makeStyles({
  head: { display: 'flex', columnGap: tokens.spacingHorizontalS, alignItems: 'flex-start', justifyContent: 'space-between' },
  subject: { fontWeight: tokens.fontWeightSemibold, minWidth: 0, flexGrow: 1 },
  // The folder badge keeps its words on one line; the subject wraps instead.
  badge: { flexShrink: 0, whiteSpace: 'nowrap' },
  muted: { color: tokens.colorNeutralForeground2 },
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

/** A Failed row can be filed by hand, a filed row undone; the row then shows where the mail went. */
function RowActions({ result, onChange }: { result: MessageResult; onChange(next: MessageResult | 'inbox'): void }) {
  const api = useFixing();
  if (!api) return null;
  if (result.status === 'failed')
    return (
      <FixMailDialog
        result={result}
        api={api}
        onFixed={(a) => a.moveTo !== 'failed' && onChange({ ...result, status: a.moveTo, groups: a.groups, reason: undefined })}
      />
    );
  if (result.status === 'sent' || result.status === 'received') return <UndoDialog result={result} api={api} onUndone={() => onChange('inbox')} />;
  return null;
}

function ResultRow({ result: first }: { result: MessageResult }) {
  const [mine, setNow] = useState<MessageResult | 'inbox'>(first);
  // The same mail fixed or undone elsewhere in the pane (selected in Outlook): the row shows where it is now.
  const change = useMailChange(first.id);
  const now = !change ? mine : change.moveTo === 'inbox' ? 'inbox' : { ...first, status: change.moveTo, groups: change.groups, reason: undefined };
  if (now === 'inbox') return <UndoneRow result={first} />;
  return <FiledRow result={now} onChange={setNow} />;
}

function UndoneRow({ result }: { result: MessageResult }) {
  const styles = { ...useMailListStyles(), ...useStyles() };
  return (
    <li className={styles.item} aria-label={`${subjectOf(result)}: back in the Inbox`}>
      <Text className={styles.subject}>{subjectOf(result)}</Text>
      <Text role="status">Filing undone. The mail is back in your Inbox.</Text>
    </li>
  );
}

function FiledRow({ result, onChange }: { result: MessageResult; onChange(next: MessageResult | 'inbox'): void }) {
  const styles = { ...useMailListStyles(), ...useStyles() };
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
      {result.status !== 'pending' && (
        <Text className={styles.muted}>
          Moved to {FOLDER_ROOT} › {RESULT_LABEL[result.status]}
        </Text>
      )}
      <GroupLinks groups={result.groups} mutedLabel />
      {why && result.status === 'failed' && (
        <>
          <Text>{why.explanation}</Text>
          <Text className={styles.muted}>What to do: {why.nextStep.hint}</Text>
        </>
      )}
      {why && result.status === 'pending' && <Text className={styles.muted}>{why.title}. It stays in Queue and will be filed on the next sync.</Text>}
      <div>
        <RowActions result={result} onChange={onChange} />
      </div>
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
  const intent = severityOf(error.code);
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
  const styles = { ...useMailListStyles(), ...useStyles() };
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
