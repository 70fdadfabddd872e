/** Office 365: Sync to Rezi for the selected mails, Sync Queue folder for mails moved in by hand. */
import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import { FOLDER_NAMES, FOLDER_ROOT } from '../core/ports';
import type { SelectionOffer } from '../outlook/pane-port';
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
  /** Where the selected mails are, once looked up: mail already in Rezi-Imported is not synced as the main action. */
  offer?: SelectionOffer;
  onSyncSelected(): void;
  onSyncQueue(): void;
}

/** Whether every selected mail is already in Failed, Sent or Received (a large selection is only partly looked up: then not). */
export function allInReziImported(offer: SelectionOffer | undefined): boolean {
  if (!offer || offer.kind === 'none') return false;
  return offer.kind !== 'several' || offer.failed + offer.filed === offer.selected;
}

/** What Sync to Rezi will do for the selection, in a sentence. Syncing filed mail again is harmless (it is never filed twice). */
export function selectedHint(selected: number, offer: SelectionOffer | undefined): string {
  if (selected === 0) return 'Select one or more mails in Outlook to file them in Rezi.';
  if (offer?.kind === 'fix')
    return `This mail is in ${FOLDER_ROOT} › ${FOLDER_NAMES.failed}: Rezi couldn’t match it to a group. File it to a group yourself, or sync it again once its addresses are on a contact in Rezi.`;
  if (offer?.kind === 'undo')
    return `Already filed in Rezi (in ${FOLDER_ROOT} › ${FOLDER_NAMES[offer.mail.folder]}). Syncing it again changes nothing; if it was filed by mistake, use Undo filing….`;
  const each = `${plural(selected, 'mail')} selected. Each is filed against the Rezi groups its To and From addresses belong to.`;
  if (offer?.kind !== 'several') return each;
  if (allInReziImported(offer)) return `All ${plural(selected, 'selected mail')} are already in ${FOLDER_ROOT}. Syncing them again files nothing twice.`;
  return `${each} ${plural(offer.failed + offer.filed, 'of them is', 'of them are')} already in ${FOLDER_ROOT}: syncing those again is harmless.`;
}

export function SyncPanel({ selected, running, disabled, queueCount, offer, onSyncSelected, onSyncQueue }: SyncPanelProps) {
  const styles = useStyles();
  const noSelection = selected === 0;
  return (
    <section className={styles.root} aria-labelledby="sync-heading">
      <h2 id="sync-heading" style={{ margin: 0, fontSize: tokens.fontSizeBase400 }}>
        Sync to Rezi
      </h2>
      <Text id="sync-hint" className={styles.muted}>
        {selectedHint(selected, offer)}
      </Text>
      <div className={styles.buttons}>
        {/* disabledFocusable keeps the button in the tab order so screen readers still hear why it is unavailable. */}
        <Button
          appearance={allInReziImported(offer) ? 'secondary' : 'primary'}
          onClick={onSyncSelected}
          disabledFocusable={noSelection || running || disabled}
          aria-describedby="sync-hint"
        >
          {syncButtonLabel(selected)}
        </Button>
        <Button appearance="secondary" onClick={onSyncQueue} disabledFocusable={running || disabled}>
          {queueCount ? `Sync Queue folder (${plural(queueCount, 'mail')})` : 'Sync Queue folder'}
        </Button>
      </div>
    </section>
  );
}
