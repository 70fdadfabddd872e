/** @jest-environment jsdom */
import './setup';
import { act, screen, waitFor, within } from '@testing-library/react';
import { SyncError } from '../../src/core/causes';
import type { SyncReport } from '../../src/core/engine';
import { FakeServices, deferred, report, result, status } from './fake-services';
import { renderPane } from './render';

const imapStatus = (over: Parameters<typeof status>[0] = {}) => status({ kind: 'imap', state: 'disconnected', branchConfigured: true, ...over });

describe('IMAP panel', () => {
  it('explains, in the shared words, that the branch is not set up yet', async () => {
    const services = new FakeServices({ account: undefined, status: imapStatus({ branchConfigured: false, cause: 'not-configured' }) });
    await renderPane(services);
    const panel = await screen.findByRole('region', { name: 'Email sync for other providers (IMAP)' });
    expect(within(panel).getByText(/Your branch is not set up for email sync yet — ask your IT support to send the branch’s IMAP details\./)).toBeTruthy();
    expect(within(panel).getByText(/Once support confirms your branch is set up, you can continue\./)).toBeTruthy();
    expect(within(panel).queryByLabelText(/Email password/)).toBeNull();
  });

  it('warns that the connection is not encrypted when the branch’s server is set up without SSL or TLS', async () => {
    const services = new FakeServices({ account: undefined, status: imapStatus({ connectionInsecure: true }) });
    await renderPane(services);
    const panel = await screen.findByRole('region', { name: 'Email sync for other providers (IMAP)' });
    expect(within(panel).getByText('This connection is not encrypted')).toBeTruthy();
    expect(within(panel).getByText(/your email password crosses the network as plain text/)).toBeTruthy();
    expect(within(panel).getByLabelText(/Email password/)).toBeTruthy();
  });

  it('shows no such warning for an encrypted connection', async () => {
    await renderPane(new FakeServices({ account: undefined, status: imapStatus() }));
    await screen.findByRole('region', { name: 'Email sync for other providers (IMAP)' });
    expect(screen.queryByText('This connection is not encrypted')).toBeNull();
  });

  it('authenticates with the mail account’s own credentials, then Start Sync shows the results', async () => {
    const services = new FakeServices({ account: undefined, status: imapStatus() });
    const sent: { username: string; password: string }[] = [];
    services.imapAuthenticateImpl = async (req) => {
      sent.push(req);
      // As the adapter answers /status: kind and state, no username.
      services.statusValue = imapStatus({ state: 'connected' });
    };
    const gate = deferred<void>();
    services.imapSyncImpl = async (opts) => {
      opts.onProgress?.({ phase: 'filing', done: 1, total: 2 });
      await gate.promise;
      return report([
        result({
          id: '101',
          subject: 'Gas safety certificate',
          status: 'received',
          groups: [{ groupId: 'g7', name: '7 Harbour Row', link: 'https://rezi.example.test/groups/g7', eventId: 'e7' }],
        }),
        result({ id: '102', subject: 'Lunch?', status: 'failed', reason: 'no-matching-group' }),
      ]);
    };
    const { user } = await renderPane(services);

    const password = await screen.findByLabelText(/Email password/);
    expect(password.getAttribute('type')).toBe('password');
    expect(password.getAttribute('autocomplete')).toBe('off');
    expect(screen.getByText('This is your email account password, not your Rezi password.')).toBeTruthy();

    await user.type(screen.getByLabelText(/Email username or address/), 'lettings@harbour.example');
    await user.type(password, 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Authenticate' }));
    expect(sent).toEqual([{ username: 'lettings@harbour.example', password: 'correct horse' }]);
    expect(await screen.findByText(/Connected as lettings@harbour\.example/)).toBeTruthy();
    // The password is gone from the page once it has been used, and stays gone after /status is read again.
    await waitFor(() => expect(services.called('status').length).toBeGreaterThanOrEqual(2));
    expect(screen.getByText(/Connected as lettings@harbour\.example/)).toBeTruthy();
    expect(document.querySelector('input[type="password"]')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Start Sync' }));
    expect(await screen.findByText('Filed 1 of 2')).toBeTruthy();
    await act(async () => gate.resolve());
    expect(await screen.findByText('Filed 2 mails: 0 sent, 1 received, 1 failed')).toBeTruthy();
    const row = screen.getByRole('listitem', { name: 'Gas safety certificate: Received' });
    expect(
      within(row)
        .getByRole('link', { name: /7 Harbour Row/ })
        .getAttribute('href'),
    ).toBe('https://rezi.example.test/groups/g7');
    expect(screen.getByRole('listitem', { name: 'Lunch?: Failed' })).toBeTruthy();
  });

  it('a large Start Sync lists only part of its mails and says so, in counts that still cover every mail', async () => {
    const services = new FakeServices({ account: undefined, status: imapStatus({ state: 'connected' }) });
    services.imapSyncImpl = async () =>
      report(
        [
          result({ id: '1', subject: 'Unknown sender', status: 'failed', reason: 'no-matching-group' }),
          result({ id: '2', subject: 'Offer letter', status: 'sent' }),
        ],
        {
          total: 50000,
          sent: 49990,
          failed: 10,
          resultsOmitted: 49998,
        },
      );
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Start Sync' }));
    expect(await screen.findByText('Filed 50000 mails: 49990 sent, 0 received, 10 failed')).toBeTruthy();
    expect(screen.getAllByRole('listitem', { name: /: (Sent|Failed)$/ })).toHaveLength(2);
    expect(
      screen.getByText(
        'This list shows 2 of the 50,000 mails in this sync: those that failed or are still in Queue first, then the most recent ones, and 49,998 more not listed here. Every mail is counted in the summary above.',
      ),
    ).toBeTruthy();
  });

  it('a refused password asks whether it changed recently and keeps the form', async () => {
    const services = new FakeServices({ account: undefined, status: imapStatus() });
    services.imapAuthenticateImpl = async () => {
      throw new SyncError('password-changed', 'AUTHENTICATIONFAILED', { providerCode: 'AUTHENTICATIONFAILED' });
    };
    const { user } = await renderPane(services);
    await user.type(await screen.findByLabelText(/Email username or address/), 'lettings@harbour.example');
    await user.type(screen.getByLabelText(/Email password/), 'old password');
    await user.click(screen.getByRole('button', { name: 'Authenticate' }));
    expect(await screen.findByText(/Has your email password changed recently\?/)).toBeTruthy();
    expect((screen.getByLabelText(/Email username or address/) as HTMLInputElement).value).toBe('lettings@harbour.example');
    expect((screen.getByLabelText(/Email password/) as HTMLInputElement).value).toBe('');
    expect(screen.queryByRole('button', { name: 'Start Sync' })).toBeNull();
  });

  it('Stop Email Sync (confirmed) deletes the stored credentials and returns to the form', async () => {
    const services = new FakeServices({ account: undefined, status: imapStatus({ state: 'connected', username: 'lettings@harbour.example' }) });
    const { user } = await renderPane(services);
    expect(await screen.findByText(/Connected as lettings@harbour\.example/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Stop Email Sync' }));
    const dialog = await screen.findByRole('dialog', { name: 'Stop Email Sync?' });
    await user.click(within(dialog).getByRole('button', { name: 'Stop Email Sync' }));
    await waitFor(() => expect(services.called('imap.stop')).toHaveLength(1));
    expect(await screen.findByLabelText(/Email password/)).toBeTruthy();
    expect(screen.getByText(/Your stored email password has been deleted\./)).toBeTruthy();
  });

  it('is reachable from the Office 365 pane by the “Use another email provider (IMAP)” link, and back', async () => {
    const services = new FakeServices();
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Use another email provider (IMAP)' }));
    expect(await screen.findByRole('region', { name: 'Email sync for other providers (IMAP)' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Sync Queue folder/ })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Back to Office 365 sync' }));
    expect(await screen.findByRole('button', { name: /Sync Queue folder/ })).toBeTruthy();
  });

  it('cancelling an IMAP sync aborts its signal', async () => {
    const services = new FakeServices({ account: undefined, status: imapStatus({ state: 'connected', username: 'lettings@harbour.example' }) });
    services.imapSyncImpl = (opts) =>
      new Promise<SyncReport>((resolve) =>
        opts.signal?.addEventListener('abort', () => resolve(report([], { cancelled: true, error: { code: 'cancelled', message: 'cancelled' } }))),
      );
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Start Sync' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(services.lastRunOptions?.signal?.aborted).toBe(true);
    expect(await screen.findByText('Sync cancelled')).toBeTruthy();
  });
});
