/** The sync itself, for the account's path: the IMAP panel, or the Office 365 buttons and the run. */
import { useFixing } from './fix-context';
import { ImapPanel } from './ImapPanel';
import { type Pane, isImapAccount } from './pane-model';
import { RunView } from './RunView';
import { SelectedMailActions } from './SelectedMailActions';
import { SyncPanel } from './SyncPanel';
import { useSelectionOffer } from './useSelectionOffer';

export function ImapPath({ pane, onTroubleshoot }: { pane: Pane; onTroubleshoot(): void }) {
  const { state, actions } = pane;
  return (
    <ImapPanel
      branchConfigured={state.status?.account.branchConfigured !== false}
      insecure={state.status?.account.connectionInsecure === true}
      connected={state.imap.connected}
      username={state.imap.username}
      error={state.imap.error}
      busy={state.busy === 'authenticating' || state.busy === 'stopping'}
      run={state.run}
      onBack={isImapAccount(pane) ? undefined : () => actions.setView('main')}
      onAuthenticate={actions.imapAuthenticate}
      onStartSync={() => void actions.imapStartSync()}
      onStop={() => void actions.imapStop()}
      onCancel={actions.cancel}
      onRetry={() => void actions.retry()}
      onTroubleshoot={onTroubleshoot}
    />
  );
}

export function Office365Path({ pane, onTroubleshoot }: { pane: Pane; onTroubleshoot(): void }) {
  const { state, connection, actions } = pane;
  const api = useFixing();
  // Looked up again when Outlook's selection changes, and once a run has moved the selected mails.
  const offer = useSelectionOffer(api, `${state.selectionSeq}/${state.run.phase}`, Boolean(state.account) && !connection.needsSignIn);
  // For mail already in Rezi-Imported, filing it to a group or undoing the filing is the main action: it comes first.
  const selectedActions = api && <SelectedMailActions offer={offer} api={api} />;
  const filedFirst = offer.kind === 'fix' || offer.kind === 'undo';
  return (
    <>
      {filedFirst && selectedActions}
      <SyncPanel
        selected={state.selected}
        offer={offer}
        running={state.run.phase === 'running'}
        disabled={connection.needsSignIn || state.account === null || state.busy === 'loading' || state.busy === 'signing-out'}
        queueCount={state.counts?.queue}
        onSyncSelected={() => void actions.syncSelected()}
        onSyncQueue={() => void actions.syncQueue()}
      />
      {!filedFirst && selectedActions}
      <RunView run={state.run} onCancel={actions.cancel} onRetry={() => void actions.retry()} onTroubleshoot={onTroubleshoot} />
    </>
  );
}
