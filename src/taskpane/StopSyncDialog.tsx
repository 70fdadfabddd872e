/** "Stop Email Sync", confirmed first: it signs out / forgets credentials, as the seed's re-authentication step. */
import { Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, DialogTrigger } from '@fluentui/react-components';
import { useState } from 'react';

export interface StopSyncDialogProps {
  /** What stopping does, in one or two sentences. */
  description: string;
  disabled?: boolean;
  onConfirm(): void;
}

export function StopSyncDialog({ description, disabled, onConfirm }: StopSyncDialogProps) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={(_, d) => setOpen(d.open)}>
      <DialogTrigger disableButtonEnhancement>
        <Button appearance="secondary" disabled={disabled}>
          Stop Email Sync
        </Button>
      </DialogTrigger>
      <DialogSurface aria-describedby="stop-sync-description">
        <DialogBody>
          <DialogTitle>Stop Email Sync?</DialogTitle>
          <DialogContent id="stop-sync-description">{description} Mails already filed stay in Rezi.</DialogContent>
          <DialogActions>
            <Button
              appearance="primary"
              onClick={() => {
                setOpen(false);
                onConfirm();
              }}
            >
              Stop Email Sync
            </Button>
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="secondary">Keep syncing</Button>
            </DialogTrigger>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
