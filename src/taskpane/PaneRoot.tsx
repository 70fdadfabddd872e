/**
 * The pane's outer shell: Fluent theme (following Office's light/dark theme), the status card
 * skeleton at first paint, then the App once the services (MSAL, Graph) have loaded.
 */
import { FluentProvider, MessageBar, MessageBarBody, MessageBarTitle, makeStyles, tokens, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { type ComponentType, useEffect, useState } from 'react';
import { App } from './App';
import { TouchContext } from './fix-context';
import { NotInOutlook } from './NotInOutlook';
import type { PaneServices } from '../outlook/pane-port';
import { StatusCardSkeleton } from './StatusCard';
import type { TroubleshootViewProps } from './troubleshoot';

const useStyles = makeStyles({
  provider: { minHeight: '100%', backgroundColor: tokens.colorNeutralBackground1 },
  waiting: { padding: tokens.spacingHorizontalM, display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalM },
});

export interface PaneRootProps {
  /** Loads the services (a dynamic import, so MSAL and Graph arrive after first paint); 'not-in-outlook' outside Outlook. */
  load(): Promise<PaneServices | 'not-in-outlook'>;
  /** The theme to paint before the services can say. */
  initialDark?: boolean;
  /** Office's theme-changed event, when the host has it. */
  subscribeTheme?(listener: (dark: boolean) => void): () => void;
  version?: string;
  Troubleshoot?: ComponentType<TroubleshootViewProps>;
}

export function PaneRoot({ load, initialDark = false, subscribeTheme, version, Troubleshoot }: PaneRootProps) {
  const styles = useStyles();
  const [services, setServices] = useState<PaneServices | 'not-in-outlook'>();
  const [failed, setFailed] = useState<string>();
  const [dark, setDark] = useState(initialDark);

  useEffect(() => {
    let live = true;
    load().then(
      (s) => {
        if (!live) return;
        if (s !== 'not-in-outlook') setDark(s.host().dark);
        setServices(s);
      },
      (e: unknown) => live && setFailed(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [load]);

  useEffect(() => subscribeTheme?.(setDark), [subscribeTheme]);

  if (services === 'not-in-outlook') return <NotInOutlook />;
  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} className={styles.provider}>
      {services ? (
        // The pane's dialogs render outside its main element: on a phone they size their controls for touch themselves.
        <TouchContext.Provider value={services.host().touch === true}>
          <App services={services} version={version} Troubleshoot={Troubleshoot} />
        </TouchContext.Provider>
      ) : (
        <main className={styles.waiting} aria-label="Rezi Email Sync" aria-busy={!failed}>
          {failed ? (
            <MessageBar intent="error" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>Rezi Email Sync couldn’t start</MessageBarTitle> {failed} Close and reopen the pane; if it keeps happening, ask your IT support
                to check the add-in’s set-up.
              </MessageBarBody>
            </MessageBar>
          ) : (
            <StatusCardSkeleton />
          )}
        </main>
      )}
    </FluentProvider>
  );
}
