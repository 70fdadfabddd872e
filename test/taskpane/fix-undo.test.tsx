/** @jest-environment jsdom */
import './setup';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SyncError } from '../../src/core/causes';
import type { FixMailAnswer, FixMailApi, FixMailRequest, GroupCard } from '../../src/outlook/pane-port';
import { FixingContext } from '../../src/taskpane/fix-context';
import { Results } from '../../src/taskpane/Results';
import { report, result } from './fake-services';

const QUAY: GroupCard = {
  groupId: 'g1',
  name: '12 Quay Street, BS1 4DJ',
  kind: 'property',
  link: 'https://rezi.example.test/groups/g1',
  contacts: [
    { contactId: 'c1', name: 'Sam Patel', addresses: ['sam@patel.example'] },
    { contactId: 'c2', name: 'Priya Patel', addresses: [] },
  ],
};
const MILL: GroupCard = { groupId: 'g2', name: 'Flat 3, Mill Lane, BS3 1AA', kind: 'property', link: 'https://rezi.example.test/groups/g2', contacts: [] };

class FakeFixing implements FixMailApi {
  searches: string[] = [];
  fixes: FixMailRequest[] = [];
  undone: { id: string; internetMessageId: string }[] = [];
  fixAnswer: FixMailAnswer | Error = { moveTo: 'received', groups: [{ groupId: 'g1', name: QUAY.name, link: QUAY.link, eventId: 'e1' }] };
  undoError: Error | undefined;
  async searchGroups(query: string) {
    this.searches.push(query);
    const groups = [QUAY, MILL].filter(
      (g) => g.name.toLowerCase().includes(query.toLowerCase()) || g.contacts.some((c) => c.name.toLowerCase().includes(query.toLowerCase())),
    );
    return { groups, truncated: false };
  }
  async fixMail(req: FixMailRequest) {
    this.fixes.push(req);
    if (this.fixAnswer instanceof Error) throw this.fixAnswer;
    return this.fixAnswer;
  }
  async unfileMail(mail: { id: string; internetMessageId: string }) {
    this.undone.push(mail);
    if (this.undoError) throw this.undoError;
  }
}

const FAILED = result({
  id: 'm3',
  subject: 'Rent query',
  status: 'failed',
  reason: 'no-matching-group',
  from: [{ address: 'newtenant@mail.example', name: '' }],
});
const SENT = result({
  id: 'm1',
  subject: 'Viewing at 12 Quay Street',
  status: 'sent',
  direction: 'outbound',
  groups: [{ groupId: 'g1', name: QUAY.name, link: QUAY.link, eventId: 'e1' }],
});

function renderResults(api: FixMailApi | undefined) {
  const user = userEvent.setup({ delay: null });
  render(
    <FluentProvider theme={webLightTheme}>
      <FixingContext.Provider value={api}>
        <Results report={report([SENT, FAILED])} />
      </FixingContext.Provider>
    </FluentProvider>,
  );
  return user;
}

async function openAndSearch(user: ReturnType<typeof userEvent.setup>, query: string) {
  await user.click(within(screen.getByRole('listitem', { name: 'Rent query: Failed' })).getByRole('button', { name: 'File to a group…' }));
  const dialog = await screen.findByRole('dialog', { name: 'File to a group' });
  await user.type(within(dialog).getByRole('searchbox'), query);
  return dialog;
}

describe('Fixing a Failed mail from the results', () => {
  it('searches once typing pauses, files onto the chosen card remembering the sender, and shows the row as Received', async () => {
    const api = new FakeFixing();
    const user = renderResults(api);
    const dialog = await openAndSearch(user, 'quay');
    await user.click(await within(dialog).findByRole('checkbox', { name: '12 Quay Street, BS1 4DJ (property)' }));
    // Debounced: one search for the whole word, not one per letter.
    expect(api.searches).toEqual(['quay']);
    await user.click(within(dialog).getByRole('checkbox', { name: 'Remember newtenant@mail.example on Sam Patel' }));
    await user.selectOptions(within(dialog).getByRole('combobox', { name: 'Contact to add the address to' }), 'c2');
    expect(within(dialog).getByRole('checkbox', { name: 'Remember newtenant@mail.example on Priya Patel' })).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.fixes).toEqual([{ id: 'm3', groupIds: ['g1'], remember: { address: 'newtenant@mail.example', contactId: 'c2' } }]);
    const row = await screen.findByRole('listitem', { name: 'Rent query: Received' });
    expect(within(row).getByText('Moved to Rezi-Imported › Received')).toBeTruthy();
    expect(within(row).getByRole('link', { name: /12 Quay Street/ })).toBeTruthy();
  });

  it('files without remembering unless asked, and says so when nothing matches', async () => {
    const api = new FakeFixing();
    const user = renderResults(api);
    const dialog = await openAndSearch(user, 'zzz');
    expect(await within(dialog).findByText(/No groups match/)).toBeTruthy();
    expect((within(dialog).getByRole('button', { name: 'File' }) as HTMLButtonElement).disabled).toBe(true);
    await user.clear(within(dialog).getByRole('searchbox'));
    await user.type(within(dialog).getByRole('searchbox'), 'mill');
    await user.click(await within(dialog).findByRole('checkbox', { name: /Mill Lane/ }));
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    await waitFor(() => expect(api.fixes).toEqual([{ id: 'm3', groupIds: ['g2'] }]));
  });

  it('keeps the dialog open with plain words when the move fails, and a second try files again safely', async () => {
    const api = new FakeFixing();
    api.fixAnswer = new SyncError(
      'throttled',
      'Filed in Rezi, but the mail couldn’t be moved to Rezi-Imported › Received. Try again: nothing will be filed or undone twice.',
    );
    const user = renderResults(api);
    const dialog = await openAndSearch(user, 'quay');
    await user.click(await within(dialog).findByRole('checkbox', { name: /Quay Street/ }));
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    expect(await within(dialog).findByText(/couldn’t be moved to Rezi-Imported › Received/)).toBeTruthy();
    expect(screen.getByRole('listitem', { name: 'Rent query: Failed', hidden: true })).toBeTruthy();
    api.fixAnswer = { moveTo: 'received', groups: [] };
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    await waitFor(() => expect(screen.getByRole('listitem', { name: 'Rent query: Received' })).toBeTruthy());
    expect(api.fixes).toHaveLength(2);
  });

  it('a mail the adapter still could not file stays Failed with its reason', async () => {
    const api = new FakeFixing();
    api.fixAnswer = { moveTo: 'failed', groups: [], message: 'That group is not in your branch.' };
    const user = renderResults(api);
    const dialog = await openAndSearch(user, 'quay');
    await user.click(await within(dialog).findByRole('checkbox', { name: /Quay Street/ }));
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    expect(await within(dialog).findByText(/That group is not in your branch\./)).toBeTruthy();
  });
});

describe('Undoing a filing from the results', () => {
  it('asks first, then says the mail is back in the Inbox', async () => {
    const api = new FakeFixing();
    const user = renderResults(api);
    await user.click(within(screen.getByRole('listitem', { name: 'Viewing at 12 Quay Street: Sent' })).getByRole('button', { name: 'Undo' }));
    const dialog = await screen.findByRole('dialog', { name: 'Undo this filing?' });
    await user.click(within(dialog).getByRole('button', { name: 'Keep it filed' }));
    expect(api.undone).toEqual([]);
    await user.click(within(screen.getByRole('listitem', { name: 'Viewing at 12 Quay Street: Sent' })).getByRole('button', { name: 'Undo' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Undo filing' }));
    const done = await screen.findByRole('dialog', { name: 'Filing undone' });
    expect(within(done).getByText('Filing undone. The mail is back in your Inbox.')).toBeTruthy();
    await user.click(within(done).getByRole('button', { name: 'Close' }));
    expect(await screen.findByRole('listitem', { name: 'Viewing at 12 Quay Street: back in the Inbox' })).toBeTruthy();
    expect(api.undone).toEqual([{ id: 'm1', internetMessageId: '<m1@example.test>' }]);
  });

  it('shows why an undo did not finish and keeps the row as it was', async () => {
    const api = new FakeFixing();
    api.undoError = new SyncError('server-unreachable', 'Rezi could not be reached.');
    const user = renderResults(api);
    await user.click(within(screen.getByRole('listitem', { name: 'Viewing at 12 Quay Street: Sent' })).getByRole('button', { name: 'Undo' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Undo filing' }));
    expect(await within(dialog).findByText(/Rezi could not be reached\./)).toBeTruthy();
    expect(screen.getByRole('listitem', { name: 'Viewing at 12 Quay Street: Sent', hidden: true })).toBeTruthy();
  });

  it('offers neither action where the path cannot fix or undo', () => {
    renderResults(undefined);
    expect(screen.queryByRole('button', { name: 'Undo' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'File to a group…' })).toBeNull();
  });
});
