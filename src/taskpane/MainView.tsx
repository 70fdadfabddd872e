/** The pane's main view: the status card and its notices, the sync for the account's path, then settings. */
import { useCallback } from 'react';
import { FixChangedContext, useFixChanges } from './fix-context';
import type { AutomaticFilingApi } from '../outlook/pane-port';
import { AutomaticFilingSwitch } from './AutomaticFilingSwitch';
import { Footer } from './Footer';
import { PaneNotices } from './PaneNotices';
import { type Pane, isImapAccount } from './pane-model';
import { StatusCard } from './StatusCard';
import { ImapPath, Office365Path } from './SyncPaths';

export interface MainViewProps {
  pane: Pane;
  version: string;
  now: Date;
  onTroubleshoot(): void;
  /** Office 365 automatic filing, where the services offer it. */
  automaticFiling?: AutomaticFilingApi;
}

export function MainView({ pane, version, now, onTroubleshoot, automaticFiling }: MainViewProps) {
  const { state, connection, actions } = pane;
  const imapAccount = isImapAccount(pane);
  const { refreshStatus } = actions;
  const changes = useFixChanges(
    state.run,
    useCallback(() => void refreshStatus(), [refreshStatus]),
  );
  return (
    // A fix or an undo anywhere in the pane moves a mail: the status card's counts follow.
    <FixChangedContext.Provider value={changes}>
      <StatusCard
        connection={connection}
        account={state.account}
        status={state.status}
        counts={imapAccount ? undefined : state.counts}
        problem={state.problem}
        busy={state.busy === 'signing-in' || state.busy === 'loading'}
        canReconnect={!imapAccount}
        now={now}
        onSignIn={() => void actions.signIn()}
        onReconnect={() => void actions.signIn()}
        onTroubleshoot={onTroubleshoot}
      />
      <PaneNotices status={state.status} notice={state.notice} />
      {/* Office 365 only: an IMAP Queue is watched by default, as its branch decides. */}
      {automaticFiling && state.view !== 'imap' && !imapAccount && state.account && (
        <AutomaticFilingSwitch
          api={automaticFiling}
          watch={state.status?.account.watch}
          configured={state.status?.account.graphAutomaticFiling}
          disabled={state.busy !== undefined || connection.state === 'authorisation-failed'}
          onChanged={actions.refresh}
        />
      )}
      {state.view === 'imap' ? <ImapPath pane={pane} onTroubleshoot={onTroubleshoot} /> : <Office365Path pane={pane} onTroubleshoot={onTroubleshoot} />}
      <Footer
        version={version}
        canStop={Boolean(state.account) && state.view !== 'imap'}
        busy={state.run.phase === 'running' || state.busy === 'signing-out'}
        onStop={() => void actions.signOut()}
        onHelp={onTroubleshoot}
        onUseImap={state.view === 'imap' ? undefined : () => actions.setView('imap')}
      />
    </FixChangedContext.Provider>
  );
}
