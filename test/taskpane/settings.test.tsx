/** @jest-environment jsdom */
import './setup';
import { lazy } from 'react';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { PaneRoot } from '../../src/taskpane/PaneRoot';
import type { PaneServices } from '../../src/outlook/pane-port';
import type { TroubleshootViewProps } from '../../src/taskpane/troubleshoot';
import { FakeServices, SyncError, deferred, status } from './fake-services';
import { renderPane, stateBadge } from './render';

describe('settings and help', () => {
  it('Stop Email Sync asks first; Keep syncing does nothing, confirming signs out and clears cached tokens', async () => {
    const services = new FakeServices();
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Stop Email Sync' }));
    let dialog = await screen.findByRole('dialog', { name: 'Stop Email Sync?' });
    expect(within(dialog).getByText(/signs you out of Rezi Email Sync and clears the cached sign-in tokens on this device/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Keep syncing' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(services.called('signOut')).toHaveLength(0);

    // Fluent un-hides the rest of the pane once the dialog has closed.
    await user.click(await screen.findByRole('button', { name: 'Stop Email Sync' }));
    dialog = await screen.findByRole('dialog', { name: 'Stop Email Sync?' });
    await user.click(within(dialog).getByRole('button', { name: 'Stop Email Sync' }));
    await waitFor(() => expect(services.called('signOut')).toHaveLength(1));
    expect(await screen.findByText(/Email sync stopped\./)).toBeTruthy();
    expect(screen.getByText('Not signed in')).toBeTruthy();
    // The closing dialog keeps the pane aria-hidden for a moment: wait for Fluent to un-hide it.
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Stop Email Sync' })).toBeNull();
  });

  it('Help opens the troubleshoot view in the slot, with the pane’s state, and Back returns', async () => {
    const services = new FakeServices({ status: status({ state: 'authorisation-failed', cause: 'session-stale' }) });
    const seen: TroubleshootViewProps[] = [];
    const View = (props: TroubleshootViewProps) => {
      seen.push(props);
      return (
        <section aria-label="Troubleshooter">
          <button onClick={props.onBack}>Done</button>
        </section>
      );
    };
    // Lazy, as index.tsx loads the real one.
    const Troubleshoot = lazy(async () => ({ default: View }));
    const { user } = await renderPane(services, { Troubleshoot });
    await user.click(await screen.findByRole('button', { name: 'Help' }));
    expect(await screen.findByRole('region', { name: 'Troubleshooter' })).toBeTruthy();
    const last = seen[seen.length - 1];
    expect(last.connection).toEqual({ state: 'authorisation-failed', cause: 'session-stale', needsSignIn: false });
    expect(last.services).toBe(services);
    expect(last.clientVersion).toBe('1.2.3');
    await user.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(stateBadge().textContent).toBe('Authorisation failed'));
  });

  // The troubleshooter clears, then opens the sign-in again; here the user closes that window, so the
  // pane is left signed out and says what was cleared.
  const closesSignIn = (services: FakeServices) => {
    services.signInImpl = async () => {
      throw new SyncError('cancelled', 'The sign-in window was closed before sign-in finished.');
    };
  };

  it('the troubleshoot view explains the cause and can clear the cached sign-in', async () => {
    const services = new FakeServices({ status: status({ state: 'authorisation-failed', cause: 'session-stale' }) });
    closesSignIn(services);
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Troubleshoot' }));
    expect(await screen.findByRole('heading', { name: 'Troubleshoot email sync' })).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'Likely cause: A cached sign-in is out of date' })).toBeTruthy();
    await user.click(screen.getAllByRole('button', { name: 'Clear cached sign-in' })[0]);
    await waitFor(() => expect(services.called('clearCachedSession')).toHaveLength(1));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Back' }).hasAttribute('disabled')).toBe(false));
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByText(/Cached sign-in cleared\./)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
  });

  it('clearing under nested app authentication says what stays with Outlook', async () => {
    const services = new FakeServices({ status: status({ state: 'authorisation-failed', cause: 'session-stale' }) });
    const note = 'Rezi’s own saved sign-in was cleared. Outlook keeps your Microsoft 365 sign-in itself; to change account, sign out of Outlook.';
    services.clearedNote = note;
    closesSignIn(services);
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Troubleshoot' }));
    await screen.findByRole('heading', { name: 'Likely cause: A cached sign-in is out of date' });
    await user.click(screen.getAllByRole('button', { name: 'Clear cached sign-in' })[0]);
    await waitFor(() => expect(services.called('clearCachedSession')).toHaveLength(1));
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByText(/Outlook keeps your Microsoft 365 sign-in itself/)).toBeTruthy();
  });

  it('shows the app version', async () => {
    await renderPane(new FakeServices());
    expect(screen.getByText('Version 1.2.3')).toBeTruthy();
  });
});

describe('pane shell', () => {
  it('paints the status card skeleton first, then the pane once the services load, in the Office theme', async () => {
    const loaded = deferred<PaneServices>();
    render(<PaneRoot load={() => loaded.promise} version="9.9.9" />);
    expect(screen.getByLabelText('Loading email sync status')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Email sync status' })).toBeNull();
    const services = new FakeServices({ host: { dark: true } });
    await act(async () => loaded.resolve(services));
    expect(await screen.findByRole('heading', { name: 'Email sync status' })).toBeTruthy();
    // webDarkTheme's neutral background is #292929; the provider carries it as a CSS variable.
    expect(providerCss()).toMatch(/--colorNeutralBackground1:\s*#292929/);
  });

  it('follows Office’s theme when it changes', async () => {
    let listener: ((dark: boolean) => void) | undefined;
    const services = new FakeServices({ host: { dark: false } });
    render(<PaneRoot load={async () => services} subscribeTheme={(l) => ((listener = l), () => (listener = undefined))} />);
    await screen.findByRole('heading', { name: 'Email sync status' });
    expect(providerCss()).toMatch(/--colorNeutralBackground1:\s*#ffffff/);
    act(() => listener?.(true));
    expect(providerCss()).toMatch(/--colorNeutralBackground1:\s*#292929/);
  });

  it('outside Outlook it says to open it from Outlook', async () => {
    render(<PaneRoot load={async () => 'not-in-outlook'} />);
    expect(await screen.findByText('Open this from Outlook')).toBeTruthy();
  });

  it('when the services cannot load it says so plainly', async () => {
    render(<PaneRoot load={async () => Promise.reject(new Error('The add-in was built without its settings.'))} />);
    expect(await screen.findByText('Rezi Email Sync couldn’t start')).toBeTruthy();
    expect(screen.getByText(/The add-in was built without its settings\./)).toBeTruthy();
  });
});

/** The theme variables Fluent inserted for the current provider (a <style> whose id is one of its classes). */
function providerCss(): string {
  const provider = document.querySelector('.fui-FluentProvider') as HTMLElement;
  return [...provider.classList]
    .map((c) => document.getElementById(c))
    .filter((el): el is HTMLStyleElement => el instanceof HTMLStyleElement)
    .flatMap((el) => [...(el.sheet?.cssRules ?? [])].map((r) => r.cssText))
    .join('\n');
}
