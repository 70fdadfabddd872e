/** @jest-environment jsdom */
import './setup';
import { screen, waitFor, within } from '@testing-library/react';
import { SyncError } from '../../src/core/causes';
import { FakeServices, deferred, report, status } from './fake-services';
import { renderPane, stateBadge } from './render';

describe('status card', () => {
  it('shows Connected with the account, last sync in en-GB relative words and the folder counts', async () => {
    const services = new FakeServices({
      counts: { queue: 2, failed: 1 },
      status: status(
        {},
        { lastSync: { runId: 'r1', source: 'graph', finishedAt: '2026-11-23T10:25:00.000Z', total: 5, sent: 1, received: 3, failed: 1, pending: 0 } },
      ),
    });
    await renderPane(services);
    await waitFor(() => expect(stateBadge().textContent).toBe('Connected'));
    expect(screen.getByText('Signed in as Jane Smith (jane@harbour-lettings.co.uk)')).toBeTruthy();
    expect(screen.getByText('Last sync 5 minutes ago: 3 received, 1 sent, 1 failed')).toBeTruthy();
    expect(screen.getByText('2 mails waiting in Queue')).toBeTruthy();
    expect(screen.getByText('1 mail in Failed')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Reconnect account' })).toBeNull();
    // The state is said in words and carries an icon, not colour alone.
    expect(stateBadge().querySelector('svg')).not.toBeNull();
  });

  it('says an IMAP Queue is watched, and when it last filed automatically', async () => {
    const watch = { watched: true, enabled: true, lastRunAt: '2026-11-23T10:28:00.000Z' };
    const services = new FakeServices({ status: status({ kind: 'imap', username: 'jane@mail.example', watch }) });
    await renderPane(services);
    expect(await screen.findByText('Queue is watched: new mail is filed automatically')).toBeTruthy();
    expect(screen.getByText('Last filed automatically 2 minutes ago')).toBeTruthy();
  });

  it('says when the branch turned automatic filing off, and nothing of it once the password is refused', async () => {
    const off = new FakeServices({ status: status({ kind: 'imap', username: 'jane@mail.example', watch: { watched: false, enabled: false } }) });
    const { unmount } = await renderPane(off);
    expect(await screen.findByText('Automatic filing is off for your branch: press Start Sync to file the mail in Queue.')).toBeTruthy();
    unmount();
    const refused = new FakeServices({
      status: status({
        kind: 'imap',
        username: 'jane@mail.example',
        state: 'authorisation-failed',
        cause: 'password-changed',
        watch: { watched: true, enabled: true },
      }),
    });
    await renderPane(refused);
    await waitFor(() => expect(stateBadge().textContent).toBe('Authorisation failed'));
    expect(screen.queryByText('Queue is watched: new mail is filed automatically')).toBeNull();
  });

  it('shows Disconnected with the cause in plain words, Reconnect and Troubleshoot', async () => {
    const services = new FakeServices({ status: status({ state: 'disconnected', cause: 'server-unreachable' }) });
    await renderPane(services);
    await waitFor(() => expect(stateBadge().textContent).toBe('Disconnected'));
    expect(screen.getByText('The mail server can’t be reached')).toBeTruthy();
    expect(screen.getByText('Check your internet connection and try again in a minute or two.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reconnect account' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Troubleshoot' })).toBeTruthy();
  });

  it('shows Authorisation failed after a password change, and Reconnect signs in again', async () => {
    const services = new FakeServices({ status: status({ state: 'authorisation-failed', cause: 'password-changed' }) });
    const { user } = await renderPane(services);
    await waitFor(() => expect(stateBadge().textContent).toBe('Authorisation failed'));
    expect(screen.getByText('Your email password has changed')).toBeTruthy();
    expect(screen.getByText(/Has your email password changed recently\?/)).toBeTruthy();
    expect(screen.getByText(/Reconnecting usually fixes most sync issues within a few minutes\./)).toBeTruthy();

    services.statusValue = status();
    await user.click(screen.getByRole('button', { name: 'Reconnect account' }));
    expect(services.called('signIn')).toHaveLength(1);
    await waitFor(() => expect(stateBadge().textContent).toBe('Connected'));
    expect(screen.queryByText('Your email password has changed')).toBeNull();
  });

  it('shows a failed reconnect as Authorisation failed with the cause the sign-in gave', async () => {
    const services = new FakeServices({ status: status({ state: 'authorisation-failed', cause: 'authorisation-expired' }) });
    services.signInImpl = async () => {
      throw new SyncError('consent-missing', 'AADSTS65001: consent required', { providerCode: 'AADSTS65001' });
    };
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Reconnect account' }));
    await screen.findByText('Permission is needed');
    expect(stateBadge().textContent).toBe('Authorisation failed');
  });

  it('shows Syncing while a sync runs', async () => {
    const services = new FakeServices({ selected: ['a'] });
    const pending = deferred<ReturnType<typeof report>>();
    services.syncImpl = () => pending.promise;
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 1 selected mail to Rezi' }));
    await waitFor(() => expect(stateBadge().textContent).toBe('Syncing'));
    pending.resolve(report([]));
    await waitFor(() => expect(stateBadge().textContent).toBe('Connected'));
  });

  it('offers Sign in when nobody is signed in, and shows the account afterwards', async () => {
    const services = new FakeServices({ account: undefined, status: new SyncError('authorisation-expired', 'no token') });
    const { user } = await renderPane(services);
    expect(await screen.findByText('Not signed in')).toBeTruthy();
    expect(stateBadge().textContent).toBe('Disconnected');
    expect(screen.queryByRole('button', { name: 'Reconnect account' })).toBeNull();
    // Sync needs a signed-in account.
    expect(screen.getByRole('button', { name: 'Sync Queue folder' }).getAttribute('aria-disabled')).toBe('true');

    services.statusValue = status();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Signed in as Jane Smith (jane@harbour-lettings.co.uk)')).toBeTruthy();
    await waitFor(() => expect(stateBadge().textContent).toBe('Connected'));
  });

  it('on first use (Entra AADSTS50058: no session yet) offers a plain Sign in and says nothing has expired', async () => {
    const services = new FakeServices({
      account: undefined,
      status: new SyncError('not-signed-in', 'Sign in to Rezi Email Sync to start — your Microsoft 365 account is needed once.', {
        providerCode: 'AADSTS50058',
      }),
    });
    await renderPane(services);
    expect(await screen.findByText('Not signed in')).toBeTruthy();
    expect(stateBadge().textContent).toBe('Disconnected');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Reconnect account' })).toBeNull();
    expect(screen.queryByText(/expired|Authorisation failed/i)).toBeNull();
  });

  it('with no usable sign-in because the password changed (AADSTS50173), shows Authorisation failed rather than a plain Sign in', async () => {
    const services = new FakeServices({
      account: undefined,
      status: new SyncError('password-changed', 'Microsoft 365 needs you to sign in again.', { providerCode: 'AADSTS50173' }),
    });
    await renderPane(services);
    await waitFor(() => expect(stateBadge().textContent).toBe('Authorisation failed'));
    expect(screen.getByText('Your email password has changed')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reconnect account' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sign in' })).toBeNull();
    // Nothing can sync until the account is reconnected.
    expect(screen.getByRole('button', { name: 'Sync Queue folder' }).getAttribute('aria-disabled')).toBe('true');
  });

  it('says Disconnected when the adapter cannot be reached', async () => {
    const services = new FakeServices({ status: new SyncError('server-unreachable', 'fetch failed') });
    await renderPane(services);
    await waitFor(() => expect(stateBadge().textContent).toBe('Disconnected'));
    const card = screen.getByRole('heading', { name: 'Email sync status' }).parentElement as HTMLElement;
    expect(within(card).getByText('The mail server can’t be reached')).toBeTruthy();
  });

  it('warns of a suspected provider outage in the guide’s words', async () => {
    const services = new FakeServices({
      status: status(
        {},
        {
          outage: {
            suspected: true,
            provider: 'microsoft365',
            affectedUsers: 3,
            since: '2026-11-23T10:20:00Z',
            message: '3 people in your branch are affected.',
          },
        },
      ),
    });
    await renderPane(services);
    expect(await screen.findByText('Possible Microsoft 365 / Google service issue')).toBeTruthy();
    expect(screen.getByText(/Microsoft 365 Service Status/)).toBeTruthy();
  });
});
