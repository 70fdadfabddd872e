/** The task pane: status card, then the Office 365 sync (or the IMAP panel, or the troubleshooter), then settings. */
import { MessageBar, MessageBarBody, MessageBarTitle, Spinner, makeStyles, tokens } from '@fluentui/react-components';
import { type ComponentType, Suspense } from 'react';
import { explain } from '../core/explain';
import { Footer } from './Footer';
import { ImapPanel } from './ImapPanel';
import { RunView } from './RunView';
import type { PaneServices } from './services';
import { StatusCard } from './StatusCard';
import { SyncPanel } from './SyncPanel';
import type { TroubleshootViewProps } from './troubleshoot';
import { TroubleshootFallback } from './TroubleshootFallback';
import { useSyncState } from './useSyncState';

const useStyles = makeStyles({
  root: {
    boxSizing: 'border-box',
    display: 'flex',
    flexDirection: 'column',
    rowGap: tokens.spacingVerticalL,
    padding: tokens.spacingHorizontalM,
    minWidth: '280px',
    maxWidth: '100%',
  },
});

export interface AppProps {
  services: PaneServices;
  /** App version shown in the footer. */
  version?: string;
  /** The Troubleshoot view (issue 6), possibly React.lazy; a minimal explanation stands in when none is given. */
  Troubleshoot?: ComponentType<TroubleshootViewProps>;
  /** Clock for relative times (tests). */
  now?: () => Date;
}

export function App({ services, version = '0.0.0', Troubleshoot = TroubleshootFallback, now = () => new Date() }: AppProps) {
  const styles = useStyles();
  const { state, connection, actions } = useSyncState(services);
  const { run, status } = state;
  const isImapAccount = status?.account.kind === 'imap';
  const running = run.phase === 'running';
  const troubleshoot = () => actions.setView('troubleshoot');
  const outage = status?.outage?.suspected ? status.outage : undefined;
  const lastError = state.problem ?? (run.phase === 'failed' ? run.error : run.phase === 'finished' ? run.report.error : undefined);

  return (
    <main className={styles.root} aria-label="Rezi Email Sync">
      {state.view === 'troubleshoot' ? (
        // The troubleshooter may be lazy-loaded: it is not needed for the first paint.
        <Suspense fallback={<Spinner label="Opening troubleshooting…" />}>
          <Troubleshoot
            services={services}
            connection={connection}
            account={state.account}
            status={status}
            lastError={lastError}
            onReconnect={actions.signIn}
            onClearCachedSession={actions.clearCachedSession}
            onBack={() => actions.setView(isImapAccount ? 'imap' : 'main')}
            clientVersion={version}
          />
        </Suspense>
      ) : (
        <>
          <StatusCard
            connection={connection}
            account={state.account}
            status={status}
            counts={isImapAccount ? undefined : state.counts}
            problem={state.problem}
            busy={state.busy === 'signing-in' || state.busy === 'loading'}
            canReconnect={!isImapAccount}
            now={now()}
            onSignIn={() => void actions.signIn()}
            onReconnect={() => void actions.signIn()}
            onTroubleshoot={troubleshoot}
          />
          {outage && (
            <MessageBar intent="warning" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>{explain('outage-suspected').title}</MessageBarTitle> {outage.message} {explain('outage-suspected').nextStep.hint}
              </MessageBarBody>
            </MessageBar>
          )}
          {state.notice && (
            <MessageBar intent="success">
              <MessageBarBody>{state.notice}</MessageBarBody>
            </MessageBar>
          )}
          {state.view === 'imap' ? (
            <ImapPanel
              branchConfigured={status?.account.branchConfigured !== false}
              insecure={status?.account.connectionInsecure === true}
              connected={state.imap.connected}
              username={state.imap.username}
              error={state.imap.error}
              busy={state.busy === 'authenticating' || state.busy === 'stopping'}
              run={run}
              onBack={isImapAccount ? undefined : () => actions.setView('main')}
              onAuthenticate={actions.imapAuthenticate}
              onStartSync={() => void actions.imapStartSync()}
              onStop={() => void actions.imapStop()}
              onCancel={actions.cancel}
              onRetry={() => void actions.retry()}
              onTroubleshoot={troubleshoot}
            />
          ) : (
            <>
              <SyncPanel
                selected={state.selected}
                running={running}
                disabled={connection.needsSignIn || state.account === null || state.busy === 'loading' || state.busy === 'signing-out'}
                queueCount={state.counts?.queue}
                onSyncSelected={() => void actions.syncSelected()}
                onSyncQueue={() => void actions.syncQueue()}
              />
              <RunView run={run} onCancel={actions.cancel} onRetry={() => void actions.retry()} onTroubleshoot={troubleshoot} />
            </>
          )}
          <Footer
            version={version}
            canStop={Boolean(state.account) && state.view !== 'imap'}
            busy={running || state.busy === 'signing-out'}
            onStop={() => void actions.signOut()}
            onHelp={troubleshoot}
            onUseImap={state.view === 'imap' ? undefined : () => actions.setView('imap')}
          />
        </>
      )}
    </main>
  );
}
