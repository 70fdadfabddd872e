/** @jest-environment jsdom */
import './setup';
import { act, screen, waitFor, within } from '@testing-library/react';
import type { ImapFailedList, ImapFailedMail } from '../../src/core/api';
import { SyncError } from '../../src/core/causes';
import type { FixMailAnswer, FixMailRequest, GroupCard, ImapFixMailApi } from '../../src/outlook/pane-port';
import { FakeServices, deferred, report, result, status } from './fake-services';
import { renderPane } from './render';

const QUAY: GroupCard = {
  groupId: 'g1',
  name: '12 Quay Street, BS1 4DJ',
  kind: 'property',
  link: 'https://rezi.example.test/groups/g1',
  contacts: [{ contactId: 'c1', name: 'Sam Patel', addresses: ['sam@patel.example'] }],
};

const mail = (n: number, subject: string): ImapFailedMail => ({
  internetMessageId: `<failed-${n}@mail.example>`,
  subject,
  from: [{ address: `sender${n}@mail.example`, name: n === 1 ? 'Dana Reeve' : '' }],
  date: '2026-11-20T10:00:00.000Z',
  direction: 'inbound',
});

/** The adapter's IMAP fixing as the pane sees it: a Failed folder a fix takes mail out of, and a Queue count. */
class FakeImapFixing implements ImapFixMailApi {
  failed: ImapFailedMail[] = [mail(1, 'Rent query'), mail(2, 'Boiler')];
  queue = 2;
  reads = 0;
  fixes: FixMailRequest[] = [];
  undone: string[] = [];
  readError: Error | undefined;
  async searchGroups(query: string) {
    return { groups: [QUAY].filter((g) => g.name.toLowerCase().includes(query.toLowerCase())), truncated: false };
  }
  async failedMails(): Promise<ImapFailedList> {
    this.reads++;
    if (this.readError) throw this.readError;
    return { mails: [...this.failed], counts: { queue: this.queue, failed: this.failed.length } };
  }
  async fixMail(req: FixMailRequest): Promise<FixMailAnswer> {
    this.fixes.push(req);
    this.failed = this.failed.filter((m) => m.internetMessageId !== req.id);
    return { moveTo: 'received', groups: [{ groupId: 'g1', name: QUAY.name, link: QUAY.link, eventId: 'e1' }] };
  }
  async unfileMail(m: { id: string; internetMessageId: string }) {
    this.undone.push(m.internetMessageId);
  }
}

function connectedImap(fixing: FakeImapFixing | undefined) {
  const services = new FakeServices({ account: undefined, status: status({ kind: 'imap', state: 'connected', branchConfigured: true }) });
  services.imap.fixing = fixing;
  return services;
}

describe('IMAP: the Failed mails the adapter sees, with Fix', () => {
  it('lists the Failed mails and the counts; a filed one says where it went, and the counts are read again', async () => {
    const fixing = new FakeImapFixing();
    const { user } = await renderPane(connectedImap(fixing));
    const list = await screen.findByRole('list', { name: 'Mails in Failed' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.getAttribute('aria-label')),
    ).toEqual(['Rent query', 'Boiler']);
    expect(within(list).getByText(/From Dana Reeve · 20 Nov 2026/)).toBeTruthy();
    expect(screen.getByText('2 mails waiting in Queue, 2 mails in Failed.')).toBeTruthy();

    await user.click(within(within(list).getByRole('listitem', { name: 'Rent query' })).getByRole('button', { name: 'File to a group…' }));
    const dialog = await screen.findByRole('dialog', { name: 'File to a group' });
    await user.type(within(dialog).getByRole('searchbox'), 'quay');
    await user.click(await within(dialog).findByRole('checkbox', { name: /12 Quay Street/ }));
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // The adapter finds the mail on the server by its Message-ID.
    expect(fixing.fixes).toEqual([{ id: '<failed-1@mail.example>', groupIds: ['g1'] }]);
    expect(await screen.findByText('2 mails waiting in Queue, 1 mail in Failed.')).toBeTruthy();
    // Once the closing dialog has given the pane back to assistive technology.
    const list2 = await screen.findByRole('list', { name: 'Mails in Failed' });
    expect(
      within(list2)
        .getAllByRole('listitem')
        .map((li) => li.getAttribute('aria-label')),
    ).toEqual(['Rent query: filed', 'Boiler']);
    expect(within(list2).getByText('Filed. The mail is now in Rezi-Imported › Received.')).toBeTruthy();
    expect(fixing.reads).toBe(2);
  });

  it('an undo from the results list reads the Failed folder and the counts again', async () => {
    const fixing = new FakeImapFixing();
    const services = connectedImap(fixing);
    services.imapSyncImpl = async () =>
      report([result({ id: '7:41', subject: 'Viewing', status: 'received', groups: [{ groupId: 'g1', name: QUAY.name, link: QUAY.link, eventId: 'e1' }] })]);
    const { user } = await renderPane(services);
    await screen.findByRole('list', { name: 'Mails in Failed' });
    const readsBefore = fixing.reads;
    await user.click(screen.getByRole('button', { name: 'Start Sync' }));
    const row = await screen.findByRole('listitem', { name: 'Viewing: Received' });
    // Read again once the sync ended…
    await waitFor(() => expect(fixing.reads).toBe(readsBefore + 1));
    await user.click(within(row).getByRole('button', { name: 'Undo' }));
    const dialog = await screen.findByRole('dialog', { name: 'Undo this filing?' });
    await user.click(within(dialog).getByRole('button', { name: /Undo/ }));
    await waitFor(() => expect(fixing.undone).toEqual(['<7:41@example.test>']));
    // …and once more after the undo.
    await waitFor(() => expect(fixing.reads).toBe(readsBefore + 2));
  });

  it('waits for a running sync before reading Failed again', async () => {
    const fixing = new FakeImapFixing();
    const services = connectedImap(fixing);
    const gate = deferred<void>();
    services.imapSyncImpl = async () => {
      await gate.promise;
      return report([]);
    };
    const { user } = await renderPane(services);
    await screen.findByRole('list', { name: 'Mails in Failed' });
    expect(fixing.reads).toBe(1);
    await user.click(screen.getByRole('button', { name: 'Start Sync' }));
    fixing.queue = 0;
    expect(fixing.reads).toBe(1);
    await act(async () => gate.resolve());
    expect(await screen.findByText('0 mails waiting in Queue, 2 mails in Failed.')).toBeTruthy();
    expect(fixing.reads).toBe(2);
  });

  it('a Failed folder that cannot be read says why, and Try again reads it', async () => {
    const fixing = new FakeImapFixing();
    fixing.readError = new SyncError('server-unreachable', 'Your mail server did not answer.');
    const { user } = await renderPane(connectedImap(fixing));
    expect(await screen.findByText(/Your mail server did not answer\./)).toBeTruthy();
    fixing.readError = undefined;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('list', { name: 'Mails in Failed' })).toBeTruthy();
  });

  it('without IMAP fixing there is no Failed list and no Fix or Undo in the results', async () => {
    const services = connectedImap(undefined);
    services.imapSyncImpl = async () => report([result({ id: '1', subject: 'Lunch?', status: 'failed', reason: 'no-matching-group' })]);
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Start Sync' }));
    await screen.findByRole('listitem', { name: 'Lunch?: Failed' });
    expect(screen.queryByRole('list', { name: 'Mails in Failed' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'File to a group…' })).toBeNull();
  });
});
