/** Office 365: Sync to Rezi for the selected mails, Sync Queue folder for mails moved in by hand. */
import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import { plural, syncButtonLabel } from './words';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  buttons: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  muted: { color: tokens.colorNeutralForeground2 },
});

export interface SyncPanelProps {
  selected: number;
  running: boolean;
  /** Sign-in or reconnection is needed first. */
  disabled: boolean;
  queueCount?: number;
  onSyncSelected(): void;
  onSyncQueue(): void;
}

export function SyncPanel({ selected, running, disabled, queueCount, onSyncSelected, onSyncQueue }: SyncPanelProps) {
  const styles = useStyles();
  const noSelection = selected === 0;
  return (
    <section className={styles.root} aria-labelledby="sync-heading">
      <h2 id="sync-heading" style={{ margin: 0, fontSize: tokens.fontSizeBase400 }}>
        Sync to Rezi
      </h2>
      <Text id="sync-hint" className={styles.muted}>
        {noSelection
          ? 'Select one or more mails in Outlook to file them in Rezi.'
          : `${plural(selected, 'mail')} selected. Each is filed against the Rezi groups its To and From addresses belong to.`}
      </Text>
      <div className={styles.buttons}>
        {/* disabledFocusable keeps the button in the tab order so screen readers still hear why it is unavailable. */}
        <Button appearance="primary" onClick={onSyncSelected} disabledFocusable={noSelection || running || disabled} aria-describedby="sync-hint">
          {syncButtonLabel(selected)}
        </Button>
        <Button appearance="secondary" onClick={onSyncQueue} disabledFocusable={running || disabled}>
          {queueCount ? `Sync Queue folder (${plural(queueCount, 'mail')})` : 'Sync Queue folder'}
        </Button>
      </div>
    </section>
  );
}
