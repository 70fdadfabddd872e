import './setup';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App, type AppProps } from '../../src/taskpane/App';

export const NOW = new Date('2026-11-23T10:30:00.000Z');

/** Renders the pane as Outlook would, and waits for the first status load to finish. */
export async function renderPane(services: AppProps['services'], props: Partial<AppProps> = {}) {
  const user = userEvent.setup({ delay: null });
  const utils = render(
    <FluentProvider theme={webLightTheme}>
      <App services={services} version="1.2.3" now={() => NOW} {...props} />
    </FluentProvider>,
  );
  await screen.findByText(/Version 1\.2\.3/);
  return { user, ...utils };
}

/** The status card's live region (the state badge). */
export function stateBadge() {
  const card = screen.getByRole('heading', { name: 'Email sync status' }).closest('[aria-labelledby="status-heading"]') as HTMLElement;
  return card.querySelector('[role="status"]') as HTMLElement;
}
