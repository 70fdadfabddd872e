/** The progress of a running sync, or what the last one did: shared by the Office 365 and IMAP panels. */
import type { RunState } from './useSyncState';
import { Results, RunError } from './Results';
import { SyncProgress } from './SyncProgress';

export interface RunViewProps {
  run: RunState;
  onCancel(): void;
  onRetry(): void;
  onTroubleshoot(): void;
}

export function RunView({ run, onCancel, onRetry, onTroubleshoot }: RunViewProps) {
  switch (run.phase) {
    case 'idle':
      return null;
    case 'running':
      return <SyncProgress progress={run.progress} cancelling={run.cancelling} onCancel={onCancel} />;
    case 'finished':
      return <Results report={run.report} onRetry={onRetry} onTroubleshoot={onTroubleshoot} />;
    case 'failed':
      return <RunError error={run.error} onRetry={onRetry} onTroubleshoot={onTroubleshoot} />;
  }
}
