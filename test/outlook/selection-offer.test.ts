import { SyncError } from '../../src/core/causes';
import type { OutlookConfig } from '../../src/outlook/config';
import { type LocateMailbox, MAX_LOOKUPS, folderRoleOf, offerFor, selectionOffer } from '../../src/outlook/selection-offer';
import type { SelectedMail } from '../../src/outlook/pane-port';
import { createOutlookServices } from '../../src/outlook/services';
import { type GraphStandin, startGraphStandin } from '../../dev/graph-standin';
import { type TestAdapter, startTestAdapter } from '../support/adapter';
import { fixedAuth, officeStub } from '../support/office-stub';

const SCOPE = 'api://rezi-sync/access_as_user';
const AGENT = 'agent@brightwells.co.uk';
const TREE = { root: 'r', queue: 'q', sent: 's', received: 'rc', failed: 'f' };

const selected = (id: string, folder: SelectedMail['folder']): SelectedMail => ({ id, internetMessageId: `<${id}@x>`, subject: id, from: [], folder });

describe('folderRoleOf: a folder id against the Rezi-Imported folders that exist', () => {
  test('Failed, Sent and Received are named; Queue, the root and any other folder are not', () => {
    expect(['f', 's', 'rc', 'q', 'r', 'inbox'].map((id) => folderRoleOf(id, TREE))).toEqual(['failed', 'sent', 'received', undefined, undefined, undefined]);
  });

  test('a missing folder matches nothing, not even an empty id', () => {
    expect(folderRoleOf('', { root: 'r' })).toBeUndefined();
    expect(folderRoleOf('f', undefined)).toBeUndefined();
    expect(folderRoleOf('f', { root: 'r', sent: 's' })).toBeUndefined();
  });
});

describe('offerFor: what the pane offers', () => {
  test('one mail in Failed: the fix; one in Sent or Received: the undo; elsewhere: nothing', () => {
    expect(offerFor(1, [selected('a', 'failed')])).toEqual({ kind: 'fix', mail: selected('a', 'failed') });
    expect(offerFor(1, [selected('a', 'received')])).toEqual({ kind: 'undo', mail: selected('a', 'received') });
    expect(offerFor(1, [selected('a', 'sent')]).kind).toBe('undo');
    expect(offerFor(1, [])).toEqual({ kind: 'none' });
  });

  test('several selected: counted, to say they are done one at a time', () => {
    expect(offerFor(4, [selected('a', 'failed'), selected('b', 'sent'), selected('c', 'failed')])).toEqual({
      kind: 'several',
      selected: 4,
      failed: 2,
      filed: 1,
    });
    expect(offerFor(3, [])).toEqual({ kind: 'none' });
  });
});

describe('selectionOffer: looks, never creates', () => {
  function fakeMailbox(over: Partial<LocateMailbox> = {}) {
    const asked: string[] = [];
    const mailbox: LocateMailbox = {
      existingFolders: async () => TREE,
      messageAndFolder: async (id) => {
        asked.push(id);
        return {
          message: { id: `immutable-${id}`, internetMessageId: `<${id}@x>`, from: [], to: [], cc: [], date: '', subject: id, preview: '' },
          folderId: 'f',
        };
      },
      ...over,
    };
    return { mailbox, asked };
  }

  test('nothing selected, or no Rezi-Imported folder: no offer and no mail looked up', async () => {
    const { mailbox, asked } = fakeMailbox({ existingFolders: async () => undefined });
    expect(await selectionOffer(mailbox, ['m1'])).toEqual({ kind: 'none' });
    expect(await selectionOffer(fakeMailbox().mailbox, [])).toEqual({ kind: 'none' });
    expect(asked).toEqual([]);
  });

  test('the offer carries the immutable id Graph answered, so the fix still finds the mail after its move', async () => {
    const offer = await selectionOffer(fakeMailbox().mailbox, ['rest-1']);
    expect(offer).toEqual({ kind: 'fix', mail: { id: 'immutable-rest-1', internetMessageId: '<rest-1@x>', subject: 'rest-1', from: [], folder: 'failed' } });
  });

  test('a mail gone since Outlook reported it is left out; another failure is not hidden', async () => {
    const gone = fakeMailbox({
      messageAndFolder: async () => {
        throw new SyncError('message-gone', 'Not there.');
      },
    });
    expect(await selectionOffer(gone.mailbox, ['m1'])).toEqual({ kind: 'none' });
    const refused = fakeMailbox({
      messageAndFolder: async () => {
        throw new SyncError('consent-missing', 'No.');
      },
    });
    await expect(selectionOffer(refused.mailbox, ['m1'])).rejects.toMatchObject({ code: 'consent-missing' });
  });

  test(`a large selection looks up only the first ${MAX_LOOKUPS} mails`, async () => {
    const { mailbox, asked } = fakeMailbox();
    const ids = Array.from({ length: 25 }, (_, i) => `m${i}`);
    expect(await selectionOffer(mailbox, ids)).toEqual({ kind: 'several', selected: 25, failed: MAX_LOOKUPS, filed: 0 });
    expect(asked).toEqual(ids.slice(0, MAX_LOOKUPS));
  });
});

describe('the selection offer over Graph (stand-in) and the adapter', () => {
  let graph: GraphStandin;
  let adapter: TestAdapter;
  beforeAll(async () => {
    adapter = await startTestAdapter({ logLevel: 'silent' });
  });
  afterAll(() => adapter.close());
  beforeEach(async () => {
    graph = await startGraphStandin({ user: { mail: AGENT, userPrincipalName: AGENT, proxyAddresses: [`SMTP:${AGENT}`] } });
  });
  afterEach(() => graph.close());

  const config = (): OutlookConfig => ({ clientId: 'cid', adapterUrl: adapter.url, adapterScope: SCOPE, graphBaseUrl: graph.url });
  /** The services with these mails selected in Outlook (their REST ids, which the stub's convertToRestId keeps as they are). */
  const services = (selected: string[] = []) =>
    createOutlookServices(config(), {
      office: officeStub({ selected }).office,
      auth: fixedAuth({ graph: graph.token, adapter: () => adapter.mintToken(AGENT) }, SCOPE),
    });
  const seed = (from: string, subject: string) =>
    graph.addMessage('inbox', { from, to: [AGENT], subject, internetMessageId: `<${subject.replace(/\W/g, '')}-${Date.now()}@example.org>` });

  test('a mailbox without Rezi-Imported: nothing offered, and no folder made to find that out', async () => {
    const id = seed('sarah.whitfield@example.com', 'Just looking');
    expect(await services([id]).fixing!.selectionOffer!()).toEqual({ kind: 'none' });
    expect(graph.foldersNamed('Rezi-Imported')).toEqual([]);
  });

  test('a partly made tree is read as it is: a mail in its Sent is offered the undo, and the missing folders stay missing', async () => {
    graph.createFolderPath('Rezi-Imported/Sent');
    const id = graph.addMessage('Rezi-Imported/Sent', {
      from: AGENT,
      to: ['james.okoro@example.org'],
      subject: 'Offer letter',
      internetMessageId: '<offer@x>',
    });
    expect(await services([id]).fixing!.selectionOffer!()).toMatchObject({ kind: 'undo', mail: { subject: 'Offer letter', folder: 'sent' } });
    expect(['Queue', 'Received', 'Failed'].map((name) => graph.foldersNamed(name))).toEqual([[], [], []]);
  });

  test('a mail selected in Failed is offered the fix; once filed, selected in Received, the undo; in the Inbox, nothing', async () => {
    const s = services();
    const report = await s.sync([seed('new.tenant@example.org', 'About Elm Road')]);
    expect(report.failed).toBe(1);
    // Outlook reports the mail's current (REST) id in Failed.
    const [inFailed] = graph.messagesIn('Rezi-Imported/Failed');
    const offer = await services([inFailed.id]).fixing!.selectionOffer!();
    expect(offer).toMatchObject({ kind: 'fix', mail: { subject: 'About Elm Road', folder: 'failed', from: [{ address: 'new.tenant@example.org' }] } });
    if (offer.kind !== 'fix') throw new Error('no fix offered');

    const [card] = (await s.fixing!.searchGroups('Elm Road')).groups;
    expect((await s.fixing!.fixMail({ id: offer.mail.id, groupIds: [card.groupId] })).moveTo).toBe('received');
    const [inReceived] = graph.messagesIn('Rezi-Imported/Received');
    const undo = await services([inReceived.id]).fixing!.selectionOffer!();
    expect(undo).toMatchObject({ kind: 'undo', mail: { subject: 'About Elm Road', folder: 'received' } });
    if (undo.kind !== 'undo') throw new Error('no undo offered');

    await s.fixing!.unfileMail(undo.mail);
    const [inInbox] = graph.messagesIn('inbox');
    expect(inInbox.subject).toBe('About Elm Road');
    expect(await services([inInbox.id]).fixing!.selectionOffer!()).toEqual({ kind: 'none' });
    expect(await services([]).fixing!.selectionOffer!()).toEqual({ kind: 'none' });
  });
});

describe('the selection offer costs one Graph request once the folder is known (stand-in request log)', () => {
  let graph: GraphStandin;
  let adapter: TestAdapter;
  beforeAll(async () => {
    adapter = await startTestAdapter({ logLevel: 'silent' });
  });
  afterAll(() => adapter.close());
  beforeEach(async () => {
    graph = await startGraphStandin({ user: { mail: AGENT, userPrincipalName: AGENT, proxyAddresses: [`SMTP:${AGENT}`] } });
  });
  afterEach(() => graph.close());

  /** One pane (its services live as long as it does) and a way to change what Outlook has selected. */
  const pane = () => {
    const stub = officeStub({ selected: [] });
    const s = createOutlookServices(
      { clientId: 'cid', adapterUrl: adapter.url, adapterScope: SCOPE, graphBaseUrl: graph.url },
      { office: stub.office, auth: fixedAuth({ graph: graph.token, adapter: () => adapter.mintToken(AGENT) }, SCOPE) },
    );
    return {
      /** The offer for `ids`, and the HTTP requests Graph received for it (sub-requests of a $batch are not HTTP requests). */
      async select(ids: string[]) {
        stub.setSelection(ids);
        const from = graph.log.length;
        const offer = await s.fixing!.selectionOffer!();
        return { offer, requests: graph.log.slice(from).filter((e) => !e.sub).length };
      },
    };
  };
  const file = (path: string, subject: string) =>
    graph.addMessage(path, { from: 'tenant@example.org', to: [AGENT], subject, internetMessageId: `<${subject.replace(/\W/g, '')}@example.org>` });

  test('warm: a selection of one mail, and of ten, each costs 1 request; cold it costs more', async () => {
    graph.createFolderPath('Rezi-Imported/Failed');
    graph.createFolderPath('Rezi-Imported/Sent');
    const failed = Array.from({ length: 10 }, (_, i) => file('Rezi-Imported/Failed', `Unknown ${i}`));
    const sent = file('Rezi-Imported/Sent', 'Offer letter');
    const p = pane();
    const cold = await p.select([failed[0]]);
    expect(cold.offer).toMatchObject({ kind: 'fix', mail: { subject: 'Unknown 0' } });
    expect(cold.requests).toBe(3); // the root by name, its children, the mail
    const one = await p.select([sent]);
    expect(one.offer).toMatchObject({ kind: 'undo', mail: { subject: 'Offer letter', folder: 'sent' } });
    expect(one.requests).toBe(1);
    const ten = await p.select(failed);
    expect(ten.offer).toEqual({ kind: 'several', selected: 10, failed: 10, filed: 0 });
    expect(ten.requests).toBe(1);
  });

  test('a Rezi-Imported tree deleted and made anew is found again: the known id is dropped, the new tree read', async () => {
    graph.createFolderPath('Rezi-Imported/Failed');
    const p = pane();
    expect((await p.select([file('Rezi-Imported/Failed', 'First')])).offer.kind).toBe('fix');
    graph.deleteFolderPath('Rezi-Imported');
    graph.createFolderPath('Rezi-Imported/Sent');
    const again = await p.select([file('Rezi-Imported/Sent', 'Second')]);
    expect(again.offer).toMatchObject({ kind: 'undo', mail: { subject: 'Second', folder: 'sent' } });
    expect(again.requests).toBe(4); // the batch that found a new root, then the long way
    expect((await p.select([file('Rezi-Imported/Sent', 'Third')])).requests).toBe(1);
  });

  test('a mail moved away since it was selected is left out; one the batch could not answer is asked alone', async () => {
    graph.createFolderPath('Rezi-Imported/Received');
    const p = pane();
    const a = file('Rezi-Imported/Received', 'Kept');
    const b = file('Rezi-Imported/Received', 'Moved');
    await p.select([a]);
    graph.moveMessage(b, 'inbox');
    // Microsoft throttles the batch's look-up of the kept mail once.
    graph.fault({ kind: 'throttle', times: 1, match: (r) => r.sub && r.path.endsWith(`/messages/${a}`) });
    const both = await p.select([b, a]);
    expect(both.offer).toEqual({ kind: 'several', selected: 2, failed: 0, filed: 1 });
    expect(both.requests).toBe(2);
  });
});
