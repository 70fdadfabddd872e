/** The running sync: a progress bar with its words announced politely, and Cancel. */
import { Button, ProgressBar, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { SyncProgress as Progress } from '../core/engine';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  row: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', columnGap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

export function progressText(p: Progress | undefined): string {
  if (!p || p.phase === 'preparing') return 'Getting the Rezi-Imported folders ready…';
  if (p.phase === 'queueing') return 'Moving the selected mails into Queue…';
  return `Filed ${p.done} of ${p.total}`;
}

export interface SyncProgressProps {
  progress?: Progress;
  cancelling?: boolean;
  onCancel(): void;
}

export function SyncProgress({ progress, cancelling, onCancel }: SyncProgressProps) {
  const styles = useStyles();
  const text = cancelling ? 'Cancelling… mails already filed stay filed.' : progressText(progress);
  const determinate = progress?.phase === 'filing' && progress.total > 0;
  return (
    <div className={styles.root}>
      <ProgressBar
        aria-label="Sync progress"
        aria-valuetext={text}
        thickness="large"
        value={determinate ? progress.done : undefined}
        max={determinate ? progress.total : undefined}
      />
      <div className={styles.row}>
        <Text aria-live="polite" aria-atomic="true" data-testid="sync-progress-text">
          {text}
        </Text>
        <Button appearance="secondary" onClick={onCancel} disabled={cancelling}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
