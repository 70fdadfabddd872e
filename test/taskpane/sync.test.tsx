/** @jest-environment jsdom */
import './setup';
import { act, screen, waitFor, within } from '@testing-library/react';
import { SyncError } from '../../src/core/causes';
import type { SyncReport } from '../../src/core/engine';
import { FakeServices, deferred, report, result } from './fake-services';
import { renderPane, stateBadge } from './render';

const ROWS = [
  result({
    id: 'm1',
    subject: 'Viewing at 12 Quay Street',
    status: 'sent',
    direction: 'outbound',
    groups: [{ groupId: 'g1', name: '12 Quay Street', link: 'https://rezi.example.test/groups/g1', eventId: 'e1' }],
  }),
  result({
    id: 'm2',
    subject: 'Offer on Flat 3',
    status: 'received',
    groups: [
      { groupId: 'g2', name: 'Flat 3, Mill Lane', link: 'https://rezi.example.test/groups/g2', eventId: 'e2' },
      { groupId: 'g3', name: 'Mr & Mrs Patel', link: 'https://rezi.example.test/groups/g3', eventId: 'e3' },
    ],
  }),
  result({ id: 'm3', subject: 'Newsletter', status: 'failed', reason: 'no-matching-group' }),
  result({ id: 'm4', subject: 'Tenancy renewal', status: 'pending', reason: 'throttled' }),
];

function rowFor(subject: string, label: string) {
  return screen.getByRole('listitem', { name: `${subject}: ${label}` });
}

describe('Sync to Rezi', () => {
  it('says how many mails are selected, singular and plural, and follows the selection', async () => {
    const services = new FakeServices({ selected: ['a', 'b', 'c'] });
    await renderPane(services);
    expect(await screen.findByRole('button', { name: 'Sync 3 selected mails to Rezi' })).toBeTruthy();
    act(() => services.select(['a']));
    expect(screen.getByRole('button', { name: 'Sync 1 selected mail to Rezi' })).toBeTruthy();
    act(() => services.select([]));
    const none = screen.getByRole('button', { name: 'Sync to Rezi' });
    expect(none.getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByText('Select one or more mails in Outlook to file them in Rezi.')).toBeTruthy();
  });

  it('shows progress while filing, then a row per mail with its folder, group links and failure reason', async () => {
    const services = new FakeServices({ selected: ['m1', 'm2', 'm3', 'm4', 'm5'] });
    const gate = deferred<void>();
    const progressed = deferred<void>();
    services.syncImpl = async (_ids, opts) => {
      opts.onProgress?.({ phase: 'preparing', done: 0, total: 0 });
      opts.onProgress?.({ phase: 'filing', done: 2, total: 5 });
      progressed.resolve();
      await gate.promise;
      return report(ROWS);
    };
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 5 selected mails to Rezi' }));
    await act(() => progressed.promise);

    expect(services.called('sync')[0].args[0]).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(screen.getByText('Filed 2 of 5').getAttribute('aria-live')).toBe('polite');
    const bar = screen.getByRole('progressbar', { name: 'Sync progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('2');
    expect(bar.getAttribute('aria-valuemax')).toBe('5');
    // The pane stays usable while it runs: a second press is not possible, Help still is.
    expect(screen.getByRole('button', { name: 'Sync 5 selected mails to Rezi' }).getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByRole('button', { name: 'Help' })).toBeTruthy();

    await act(async () => gate.resolve());
    expect(await screen.findByText('Filed 3 mails: 1 sent, 1 received, 1 failed; 1 still in Queue')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();

    const list = screen.getByRole('list', { name: 'Mails in this sync' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(4);

    const sent = rowFor('Viewing at 12 Quay Street', 'Sent');
    const link = within(sent).getByRole('link', { name: '12 Quay Street (opens Rezi in a new window)' });
    expect(link.getAttribute('href')).toBe('https://rezi.example.test/groups/g1');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');

    const received = rowFor('Offer on Flat 3', 'Received');
    expect(
      within(received)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Flat 3, Mill Lane', 'Mr & Mrs Patel']);

    const failed = rowFor('Newsletter', 'Failed');
    expect(within(failed).getByText(/Neither the To nor the From address is linked to a group card in Rezi/)).toBeTruthy();
    expect(within(failed).getByText(/What to do: Add the address to the right contact on a group card/)).toBeTruthy();

    const pending = rowFor('Tenancy renewal', 'Still in Queue');
    expect(within(pending).getByText(/Microsoft asked us to slow down/)).toBeTruthy();

    // Counts are read again after the run.
    await waitFor(() => expect(services.called('folderCounts').length).toBeGreaterThanOrEqual(2));
  });

  it('Sync Queue folder syncs what is in Queue (an empty selection)', async () => {
    const services = new FakeServices({ counts: { queue: 4, failed: 0 } });
    services.syncImpl = async () => report(ROWS.slice(0, 2));
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync Queue folder (4 mails)' }));
    expect(await screen.findByText('Filed 2 mails: 1 sent, 1 received, 0 failed')).toBeTruthy();
    expect(services.called('sync')[0].args[0]).toEqual([]);
  });

  it('Cancel aborts the run and says the sync was cancelled', async () => {
    const services = new FakeServices({ selected: ['m1', 'm2'] });
    let signal: AbortSignal | undefined;
    services.syncImpl = (_ids, opts) =>
      new Promise<SyncReport>((resolve) => {
        signal = opts.signal;
        opts.onProgress?.({ phase: 'filing', done: 1, total: 2 });
        opts.signal?.addEventListener('abort', () =>
          resolve(
            report([ROWS[0], result({ id: 'm9', subject: 'Keys returned', status: 'pending', reason: 'cancelled' })], {
              cancelled: true,
              error: { code: 'cancelled', message: 'The sync was cancelled.' },
            }),
          ),
        );
      });
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 2 selected mails to Rezi' }));
    await screen.findByText('Filed 1 of 2');
    expect(signal?.aborted).toBe(false);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(signal?.aborted).toBe(true);
    expect(await screen.findByText('Sync cancelled')).toBeTruthy();
    expect(screen.getByText(/Nothing is lost: mails still in Queue will be filed on the next sync\./)).toBeTruthy();
    expect(rowFor('Keys returned', 'Still in Queue')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sync again' })).toBeTruthy();
    // Cancelling is not a connection problem.
    expect(stateBadge().textContent).toBe('Connected');
  });

  it('explains a throttled run and offers Try again, which syncs Queue', async () => {
    const services = new FakeServices({ selected: ['m1'] });
    services.syncImpl = async () => report([ROWS[3]], { error: { code: 'throttled', message: '429 ApplicationThrottled' } });
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 1 selected mail to Rezi' }));
    expect(await screen.findByText('Wait a minute, then sync again.', { exact: false })).toBeTruthy();
    expect(screen.getAllByText(/Microsoft asked us to slow down/).length).toBeGreaterThan(0);
    services.syncImpl = async () => report([]);
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(services.called('sync')).toHaveLength(2));
    expect(services.called('sync')[1].args[0]).toEqual([]);
  });

  it('a run stopped by expired authorisation turns the card to Authorisation failed and offers Reconnect', async () => {
    const services = new FakeServices({ selected: ['m1'] });
    services.syncImpl = async () => {
      throw new SyncError('authorisation-expired', 'AADSTS700082: refresh token expired', { providerCode: 'AADSTS700082', requestId: 'req-42' });
    };
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 1 selected mail to Rezi' }));
    await waitFor(() => expect(stateBadge().textContent).toBe('Authorisation failed'));
    expect(screen.getAllByText('Your email authorisation has expired').length).toBeGreaterThan(0);
    expect(screen.getByText('Reference for support: req-42')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Reconnect account' }));
    expect(services.called('signIn')).toHaveLength(1);
    await waitFor(() => expect(stateBadge().textContent).toBe('Connected'));
  });

  it('reports selected mails that could not be moved into Queue', async () => {
    const services = new FakeServices({ selected: ['m1', 'x1', 'x2'] });
    services.syncImpl = async () =>
      report([ROWS[0]], {
        notQueued: [
          { id: 'x1', cause: 'server-unreachable' },
          { id: 'x2', cause: 'server-unreachable' },
        ],
      });
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 3 selected mails to Rezi' }));
    expect(await screen.findByText('2 selected mails couldn’t be moved into Queue')).toBeTruthy();
    expect(screen.getByText(/2 mails: The mail server can’t be reached\./)).toBeTruthy();
  });

  it('keyboard: Tab reaches Sync to Rezi and Enter starts it', async () => {
    const services = new FakeServices({ selected: ['m1', 'm2'] });
    services.syncImpl = async () => report(ROWS.slice(0, 2));
    const { user } = await renderPane(services);
    const button = await screen.findByRole('button', { name: 'Sync 2 selected mails to Rezi' });
    // Connected, so the status card has no buttons: the first Tab stop is the main action.
    await user.tab();
    expect(document.activeElement).toBe(button);
    await user.keyboard('{Enter}');
    expect(await screen.findByText('Filed 2 mails: 1 sent, 1 received, 0 failed')).toBeTruthy();
    expect(services.called('sync')).toHaveLength(1);
  });
});
