/** @jest-environment jsdom */
import { screen, waitFor, within } from '@testing-library/react';
import type { FixMailAnswer, FixMailApi, FixMailRequest, GroupCard, SelectedMail, SelectionOffer } from '../../src/outlook/pane-port';
import { offerFor } from '../../src/outlook/selection-offer';
import { allInReziImported, selectedHint } from '../../src/taskpane/SyncPanel';
import { FakeServices, report, result } from './fake-services';
import { renderPane } from './render';

const QUAY: GroupCard = { groupId: 'g1', name: '12 Quay Street, BS1 4DJ', kind: 'property', link: 'https://rezi.example.test/groups/g1', contacts: [] };

const mail = (id: string, subject: string, folder: SelectedMail['folder']): SelectedMail => ({
  id: `immutable-${id}`,
  internetMessageId: `<${id}@example.test>`,
  subject,
  from: [{ address: 'newtenant@mail.example', name: '' }],
  folder,
});

/** Fixing over a mailbox of plain data: where each selectable mail is, and what a fix or an undo changes there. */
class MailboxFixing implements FixMailApi {
  fixes: FixMailRequest[] = [];
  undone: { id: string; internetMessageId: string }[] = [];
  lookUps = 0;
  fixAnswer: FixMailAnswer = { moveTo: 'received', groups: [{ groupId: 'g1', name: QUAY.name, link: QUAY.link, eventId: 'e1' }] };
  constructor(
    private readonly services: FakeServices,
    /** Where each Outlook-selectable mail is, by its selection id (absent: not in Rezi-Imported). */
    readonly where: Record<string, SelectedMail>,
  ) {}
  async searchGroups() {
    return { groups: [QUAY], truncated: false };
  }
  async fixMail(req: FixMailRequest) {
    this.fixes.push(req);
    // The mail has left Failed: the folder counts say so from now on.
    this.services.counts = { queue: 0, failed: 0 };
    return this.fixAnswer;
  }
  async unfileMail(m: { id: string; internetMessageId: string }) {
    this.undone.push({ id: m.id, internetMessageId: m.internetMessageId });
  }
  async selectionOffer(): Promise<SelectionOffer> {
    this.lookUps++;
    const ids = await this.services.selectedItemIds();
    return offerFor(
      ids.length,
      ids.map((id) => this.where[id]).filter((m): m is SelectedMail => m !== undefined),
    );
  }
}

function setUp(selected: string[], where: Record<string, SelectedMail>) {
  const services = new FakeServices({ selected, counts: { queue: 0, failed: 1 } });
  const fixing = new MailboxFixing(services, where);
  Object.assign(services, { fixing });
  return { services, fixing };
}

const selectedSection = () => screen.findByRole('region', { name: 'Selected mail' });

describe('the mail selected in Outlook', () => {
  it('in Failed: offers File to a group…, files it, says where it went, and the Failed count on the status card drops', async () => {
    const { services, fixing } = setUp(['sel-1'], { 'sel-1': mail('sel-1', 'Rent query', 'failed') });
    const { user } = await renderPane(services);
    expect(await screen.findByText('1 mail in Failed')).toBeTruthy();
    const section = await selectedSection();
    expect(within(section).getByText(/“Rent query” is in Rezi-Imported › Failed/)).toBeTruthy();

    await user.click(within(section).getByRole('button', { name: 'File to a group…' }));
    const dialog = await screen.findByRole('dialog', { name: 'File to a group' });
    await user.type(within(dialog).getByRole('searchbox'), 'quay');
    await user.click(await within(dialog).findByRole('checkbox', { name: /12 Quay Street/ }));
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    // The fix names the mail by the immutable id Graph answered, not Outlook's selection id.
    expect(fixing.fixes).toEqual([{ id: 'immutable-sel-1', groupIds: ['g1'] }]);
    expect(await within(section).findByText('Filed in Rezi. The mail is now in Rezi-Imported › Received.')).toBeTruthy();
    expect(await within(section).findByRole('link', { name: /12 Quay Street.*opens Rezi/ })).toBeTruthy();
    expect(await screen.findByText('0 mails in Failed')).toBeTruthy();
  });

  it('looked up again when the selection changes: a mail in Received offers Undo filing…; one in the Inbox, nothing', async () => {
    const { services, fixing } = setUp(['sel-1'], {
      'sel-1': mail('sel-1', 'Rent query', 'failed'),
      'sel-2': mail('sel-2', 'Viewing at 12 Quay Street', 'received'),
    });
    const { user } = await renderPane(services);
    await selectedSection();

    services.select(['sel-2']);
    // Nothing is offered for the new selection until it has been looked up: then what is true of it.
    expect(await screen.findByText(/“Viewing at 12 Quay Street” is filed in Rezi and is in Rezi-Imported › Received/)).toBeTruthy();
    const section = await selectedSection();
    expect(within(section).queryByRole('button', { name: 'File to a group…' })).toBeNull();
    await user.click(within(section).getByRole('button', { name: 'Undo filing…' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Undo this filing?' })).getByRole('button', { name: 'Undo filing' }));
    const done = await screen.findByRole('dialog', { name: 'Filing undone' });
    await user.click(within(done).getByRole('button', { name: 'Close' }));
    expect(await within(section).findByText('Filing undone. The mail is back in your Inbox.')).toBeTruthy();
    expect(fixing.undone).toEqual([{ id: 'immutable-sel-2', internetMessageId: '<sel-2@example.test>' }]);

    const before = fixing.lookUps;
    services.select(['in-inbox']);
    await waitFor(() => expect(fixing.lookUps).toBe(before + 1));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Selected mail' })).toBeNull());
  });

  it('several selected: says they are done one at a time, and offers no button for them', async () => {
    const { services } = setUp(['a', 'b', 'c'], { a: mail('a', 'One', 'failed'), b: mail('b', 'Two', 'failed') });
    await renderPane(services);
    const section = await selectedSection();
    expect(
      within(section).getByText(
        '3 mails are selected. Select just one mail to file it to a group (from Rezi-Imported › Failed): it is done one mail at a time.',
      ),
    ).toBeTruthy();
    expect(within(section).queryByRole('button')).toBeNull();
  });

  it('nothing is looked up, or offered, while nobody is signed in', async () => {
    const { services, fixing } = setUp(['sel-1'], { 'sel-1': mail('sel-1', 'Rent query', 'failed') });
    services.account = undefined;
    await renderPane(services);
    await screen.findByRole('button', { name: 'Sign in' });
    expect(screen.queryByRole('region', { name: 'Selected mail' })).toBeNull();
    expect(fixing.lookUps).toBe(0);
  });
});

describe('Sync to Rezi for mail already in Rezi-Imported: the filing or its undo is the main action', () => {
  const syncButton = () => screen.getByRole('button', { name: 'Sync 1 selected mail to Rezi' });
  /** Whether `a` comes before `b` in the pane (what is read, and tabbed to, first). */
  const before = (a: Element, b: Element) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);

  it('in Failed: File to a group… comes first, and Sync says what syncing again would do', async () => {
    const { services } = setUp(['sel-1'], { 'sel-1': mail('sel-1', 'Rent query', 'failed') });
    await renderPane(services);
    const file = await within(await selectedSection()).findByRole('button', { name: 'File to a group…' });
    expect(before(file, syncButton())).toBe(true);
    expect(screen.getByText(/This mail is in Rezi-Imported › Failed: Rezi couldn’t match it to a group/)).toBeTruthy();
    expect(syncButton().getAttribute('aria-describedby')).toBe('sync-hint');
  });

  it('in Sent: “Already filed in Rezi”, Undo filing… comes first, and syncing again stays possible', async () => {
    const { services } = setUp(['sel-1'], { 'sel-1': mail('sel-1', 'Offer letter', 'sent') });
    const { user } = await renderPane(services);
    const undo = await within(await selectedSection()).findByRole('button', { name: 'Undo filing…' });
    expect(before(undo, syncButton())).toBe(true);
    expect(
      screen.getByText('Already filed in Rezi (in Rezi-Imported › Sent). Syncing it again changes nothing; if it was filed by mistake, use Undo filing….'),
    ).toBeTruthy();
    await user.click(syncButton());
    await waitFor(() => expect(services.called('sync').map((c) => c.args[0])).toEqual([['sel-1']]));
  });

  it('in the Inbox or the Queue (nothing offered): Sync comes first, as for any new mail', async () => {
    const { services } = setUp(['in-queue'], {});
    await renderPane(services);
    const sync = await screen.findByRole('button', { name: 'Sync 1 selected mail to Rezi' });
    expect(screen.getByText('1 mail selected. Each is filed against the Rezi groups its To and From addresses belong to.')).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Selected mail' })).toBeNull();
    expect(sync.getAttribute('aria-describedby')).toBe('sync-hint');
  });

  it('the words and the emphasis for each offer', () => {
    const failed = mail('a', 'A', 'failed');
    expect(allInReziImported({ kind: 'none' })).toBe(false);
    expect(allInReziImported(undefined)).toBe(false);
    expect(allInReziImported({ kind: 'fix', mail: failed })).toBe(true);
    expect(allInReziImported({ kind: 'undo', mail: mail('b', 'B', 'received') })).toBe(true);
    expect(allInReziImported({ kind: 'several', selected: 3, failed: 1, filed: 2 })).toBe(true);
    // A large selection is only partly looked up: the rest may be new mail.
    expect(allInReziImported({ kind: 'several', selected: 25, failed: 10, filed: 0 })).toBe(false);
    expect(selectedHint(3, { kind: 'several', selected: 3, failed: 1, filed: 2 })).toBe(
      'All 3 selected mails are already in Rezi-Imported. Syncing them again files nothing twice.',
    );
    expect(selectedHint(4, { kind: 'several', selected: 4, failed: 0, filed: 1 })).toBe(
      '4 mails selected. Each is filed against the Rezi groups its To and From addresses belong to. 1 of them is already in Rezi-Imported: syncing those again is harmless.',
    );
    expect(selectedHint(0, { kind: 'none' })).toBe('Select one or more mails in Outlook to file them in Rezi.');
  });
});

describe('counts after a fix from the results list', () => {
  it('the Failed count on the status card drops once a Failed row is filed', async () => {
    const { services } = setUp(['m3'], {});
    services.syncImpl = async () => report([result({ id: 'm3', subject: 'Rent query', status: 'failed', reason: 'no-matching-group' })]);
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 1 selected mail to Rezi' }));
    const row = await screen.findByRole('listitem', { name: 'Rent query: Failed' });
    expect(await screen.findByText('1 mail in Failed')).toBeTruthy();
    await user.click(within(row).getByRole('button', { name: 'File to a group…' }));
    const dialog = await screen.findByRole('dialog', { name: 'File to a group' });
    await user.type(within(dialog).getByRole('searchbox'), 'quay');
    await user.click(await within(dialog).findByRole('checkbox', { name: /12 Quay Street/ }));
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    expect(await screen.findByRole('listitem', { name: 'Rent query: Received' })).toBeTruthy();
    expect(await screen.findByText('0 mails in Failed')).toBeTruthy();
  });
});

describe('the results list and the selection agree', () => {
  it('a mail fixed from the selection shows as Received in the results too; the next run lists its mails afresh', async () => {
    const { services } = setUp(['sel-1'], { 'sel-1': mail('sel-1', 'Rent query', 'failed') });
    const failedRow = result({ id: 'immutable-sel-1', subject: 'Rent query', status: 'failed', reason: 'no-matching-group' });
    services.syncImpl = async () => report([failedRow]);
    const { user } = await renderPane(services);
    await user.click(await screen.findByRole('button', { name: 'Sync 1 selected mail to Rezi' }));
    await screen.findByRole('listitem', { name: 'Rent query: Failed' });

    const section = await selectedSection();
    await user.click(within(section).getByRole('button', { name: 'File to a group…' }));
    const dialog = await screen.findByRole('dialog', { name: 'File to a group' });
    await user.type(within(dialog).getByRole('searchbox'), 'quay');
    await user.click(await within(dialog).findByRole('checkbox', { name: /12 Quay Street/ }));
    await user.click(within(dialog).getByRole('button', { name: 'File' }));
    // No second "File to a group…" on a row whose mail is already filed.
    const row = await screen.findByRole('listitem', { name: 'Rent query: Received' });
    expect(within(row).queryByRole('button', { name: 'File to a group…' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Sync Queue folder' }));
    expect(await screen.findByRole('listitem', { name: 'Rent query: Failed' })).toBeTruthy();
  });
});
