/** The task pane: status card, then the Office 365 sync (or the IMAP panel, or the troubleshooter), then settings. */
import { Spinner, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { type ComponentType, Suspense } from 'react';
import type { PaneServices } from '../outlook/pane-port';
import { FixingContext } from './fix-context';
import { MainView } from './MainView';
import { type Pane, isImapAccount, lastErrorOf } from './pane-model';
import type { TroubleshootViewProps } from './troubleshoot';
import { LazyTroubleshoot } from './troubleshoot/lazy';
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
  // Outlook on a phone: every control at least 44 × 44 px (Apple's and WCAG 2.5.5's touch target), links too.
  touch: {
    '& button, & [role="button"], & input, & select, & [role="checkbox"], & [role="switch"]': { minHeight: '44px', minWidth: '44px' },
    '& a': { display: 'inline-flex', alignItems: 'center', minHeight: '44px', minWidth: '44px' },
  },
});

export interface AppProps {
  services: PaneServices;
  /** App version shown in the footer. */
  version?: string;
  /** The Troubleshoot view; by default the real one, loaded on first use. */
  Troubleshoot?: ComponentType<TroubleshootViewProps>;
  /** Clock for relative times (tests). */
  now?: () => Date;
}

function TroubleshootSlot({
  pane,
  services,
  version,
  Troubleshoot,
}: {
  pane: Pane;
  services: PaneServices;
  version: string;
  Troubleshoot: ComponentType<TroubleshootViewProps>;
}) {
  const { state, connection, actions } = pane;
  return (
    // The troubleshooter may be lazy-loaded: it is not needed for the first paint.
    <Suspense fallback={<Spinner label="Opening troubleshooting…" />}>
      <Troubleshoot
        services={services}
        connection={connection}
        account={state.account}
        status={state.status}
        lastError={lastErrorOf(pane)}
        onReconnect={actions.signIn}
        onClearCachedSession={actions.clearCachedSession}
        onBack={() => actions.setView(isImapAccount(pane) ? 'imap' : 'main')}
        clientVersion={version}
      />
    </Suspense>
  );
}

export function App({ services, version = '0.0.0', Troubleshoot = LazyTroubleshoot, now = () => new Date() }: AppProps) {
  const styles = useStyles();
  const pane = useSyncState(services);
  const touch = services.host().touch === true;
  return (
    <main className={mergeClasses(styles.root, touch && styles.touch)} aria-label="Rezi Email Sync">
      {pane.state.view === 'troubleshoot' ? (
        <TroubleshootSlot pane={pane} services={services} version={version} Troubleshoot={Troubleshoot} />
      ) : (
        // Fixing and undoing on the account's own path: Microsoft 365 moves the mail, or the adapter on the IMAP server.
        <FixingContext.Provider value={isImapAccount(pane) || pane.state.view === 'imap' ? services.imap.fixing : services.fixing}>
          <MainView
            pane={pane}
            version={version}
            now={now()}
            onTroubleshoot={() => pane.actions.setView('troubleshoot')}
            automaticFiling={services.automaticFiling}
          />
        </FixingContext.Provider>
      )}
    </main>
  );
}
