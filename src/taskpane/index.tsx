/**
 * Task pane entry. Paints the status card skeleton at once; MSAL, Graph and the adapter client load
 * afterwards through a dynamic import, so the first chunk stays small.
 */
import { createRoot } from 'react-dom/client';
import { addinConfig, configProblems } from '../outlook/config';
import { NotInOutlook } from './NotInOutlook';
import { officeIsDark, subscribeOfficeTheme } from './office-theme';
import { PaneRoot } from './PaneRoot';
import type { PaneServices } from '../outlook/pane-port';

declare const process: { env: Record<string, string | undefined> };

function appVersion(): string {
  try {
    return process.env.APP_VERSION || 'development';
  } catch {
    return 'development'; // built without DefinePlugin
  }
}

async function loadServices(): Promise<PaneServices | 'not-in-outlook'> {
  const info = await Office.onReady();
  if (!info.host) return 'not-in-outlook';
  const config = addinConfig();
  const problems = configProblems(config);
  if (problems.length > 0) throw new Error(`The add-in was built without its settings: ${problems.join(' ')}`);
  const { createOutlookServices } = await import(/* webpackChunkName: "outlook" */ '../outlook/services');
  return createOutlookServices(config);
}

const container = document.getElementById('root');
if (container) {
  const root = createRoot(container);
  if (typeof Office === 'undefined') {
    root.render(<NotInOutlook />);
  } else {
    root.render(<PaneRoot load={loadServices} initialDark={officeIsDark()} subscribeTheme={subscribeOfficeTheme} version={appVersion()} />);
  }
}
