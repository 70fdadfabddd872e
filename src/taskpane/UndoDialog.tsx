/** "Undo" for a filed mail: confirmed first, then the filing is taken off Rezi and the mail goes back to the Inbox. */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Spinner,
  makeStyles,
} from '@fluentui/react-components';
import { useContext, useState } from 'react';
import type { MessageResult } from '../core/engine';
import { toPaneError } from '../outlook/pane-error';
import type { FixMailApi, PaneError } from '../outlook/pane-port';
import { ActionError } from './ActionError';
import { TouchContext, useFixChanged } from './fix-context';

const useStyles = makeStyles({
  // Outlook on a phone: the dialog is outside the pane's main element, so its buttons get the 44 px targets here.
  touch: { '& button': { minHeight: '44px', minWidth: '44px' } },
});

export interface UndoDialogProps {
  /** The filed mail: a result of a run, or the mail selected in Outlook. */
  result: Pick<MessageResult, 'id' | 'internetMessageId'>;
  api: FixMailApi;
  onUndone(): void;
  /** The button that opens the dialog (default "Undo"). */
  label?: string;
}

export function UndoDialog({ result, api, onUndone, label = 'Undo' }: UndoDialogProps) {
  const styles = useStyles();
  const touch = useContext(TouchContext);
  const changed = useFixChanged();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PaneError>();
  const [done, setDone] = useState(false);
  // The row changes only once the dialog has closed: unmounting an open dialog would leave the pane hidden from assistive technology.
  const onOpenChange = (next: boolean) => {
    setOpen(next);
    if (!next && done) {
      onUndone();
      changed({ id: result.id, moveTo: 'inbox' });
    }
  };
  const undo = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.unfileMail({ id: result.id, internetMessageId: result.internetMessageId });
      setDone(true);
    } catch (e) {
      setError(toPaneError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onOpenChange={(_, d) => onOpenChange(d.open)}>
      <DialogTrigger disableButtonEnhancement>
        <Button size="small">{label}</Button>
      </DialogTrigger>
      <DialogSurface aria-describedby="undo-description" className={touch ? styles.touch : undefined}>
        <DialogBody>
          <DialogTitle>{done ? 'Filing undone' : 'Undo this filing?'}</DialogTitle>
          <DialogContent id="undo-description">
            {done ? (
              <span role="status">Filing undone. The mail is back in your Inbox.</span>
            ) : (
              <>Your filing of this mail is taken off Rezi (a colleague’s filing of it stays), and the mail goes back to your Inbox.</>
            )}
            {busy && <Spinner size="tiny" label="Undoing…" />}
            {error && <ActionError error={error} />}
          </DialogContent>
          <DialogActions>
            {done ? (
              <Button appearance="primary" onClick={() => onOpenChange(false)}>
                Close
              </Button>
            ) : (
              <>
                <Button appearance="primary" disabled={busy} onClick={() => void undo()}>
                  Undo filing
                </Button>
                <DialogTrigger disableButtonEnhancement>
                  <Button appearance="secondary">Keep it filed</Button>
                </DialogTrigger>
              </>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
