/**
 * Fixing a Failed mail over HTTP with the typed client: search the branch's cards, file onto the ones
 * chosen (exactly once), remember the address so the next mail matches; and undo a filing.
 */
import type { ApiFileMessage } from '../../../src/core/api';
import { createAdapterClient, type AdapterClient } from '../../../src/client/adapter-client';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_GROUP_IDS, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

let adapter: TestAdapter;
let agent: AdapterClient;
let admin: AdapterClient;
let seq = 0;
const clientAs = (email: string) => createAdapterClient({ baseUrl: adapter.url, getToken: () => adapter.mintToken(email) });

beforeAll(async () => {
  adapter = await startTestAdapter();
  agent = clientAs(DEMO_USERS.agent.email);
  admin = clientAs(DEMO_USERS.admin.email);
});
afterAll(() => adapter.close());

const mail = (from: string, to: string = DEMO_USERS.agent.email): ApiFileMessage => ({
  internetMessageId: `<fix-${++seq}@mail.example.com>`,
  from: [{ address: from }],
  to: [{ address: to }],
  date: '2026-11-20T10:00:00Z',
  subject: 'About the flat',
  preview: '',
  direction: 'inbound',
});
const owner = { ownerAddresses: [DEMO_USERS.agent.email] };
const names = (r: { groups: { name: string }[] }) => r.groups.map((g) => g.name);
const audits = (action: string) => adapter.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();

describe('searching the branch’s cards', () => {
  it('finds cards by name, postcode, contact name and address, in the caller’s branch only, bounded', async () => {
    expect(names(await agent.searchGroups({ query: 'elm road' }))).toEqual(['14 Elm Road, Clifton, BS8 1AB — Vendor']);
    expect(names(await agent.searchGroups({ query: 'BS8 4JZ' }))).toEqual(['3 Royal York Crescent, Clifton, BS8 4JZ — Landlord']);
    expect(names(await agent.searchGroups({ query: 'Whitfield' }))).toEqual(['14 Elm Road, Clifton, BS8 1AB — Vendor']);
    const byAddress = await agent.searchGroups({ query: 'sarah.w@example' });
    expect(byAddress.groups[0]).toMatchObject({
      groupId: DEMO_GROUP_IDS.elmRoadVendor,
      link: 'https://app.rezi.example/groups/RZ-CLIFTON-01',
      contacts: [{ contactId: expect.any(String), name: 'Sarah Whitfield', addresses: ['sarah.w@example.co.uk', DEMO_ADDRESSES.cliftonVendor] }],
    });
    // Redland's card is Redland's; a wildcard is a character like any other.
    expect(names(await agent.searchGroups({ query: 'Cotham Hill' }))).toEqual([]);
    expect(names(await agent.searchGroups({ query: '%%' }))).toEqual([]);
    const some = await agent.searchGroups({ query: 'Clifton', limit: 2 });
    expect(some.groups).toHaveLength(2);
    expect(some.truncated).toBe(true);
  });
});

describe('filing a Failed mail onto chosen cards', () => {
  it('files it exactly once, remembers the address (audited), and the next mail from it matches by itself', async () => {
    const failed = mail('new.buyer@example.com');
    expect((await agent.file({ ...owner, messages: [failed] })).outcomes[0]).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });
    const [card] = (await agent.searchGroups({ query: 'Elm Road' })).groups;
    const body = { ...owner, message: failed, groupIds: [card.groupId], remember: { address: 'New.Buyer@example.com', contactId: card.contacts[0].contactId } };
    const first = await agent.fileToGroups(body);
    expect(first).toMatchObject({ moveTo: 'received', remembered: { contactId: card.contacts[0].contactId, address: 'new.buyer@example.com' } });
    expect(first.outcome).toMatchObject({ status: 'filed', groups: [{ groupId: card.groupId, eventId: expect.any(String) }] });
    const eventId = first.outcome.status === 'filed' ? first.outcome.groups[0].eventId : '';
    // Again (a retry), and through the sync now that the address matches: the same event.
    const again = await agent.fileToGroups(body);
    expect(again.outcome).toEqual(first.outcome);
    expect((await agent.file({ ...owner, messages: [failed] })).outcomes[0]).toMatchObject({ status: 'filed', groups: [{ eventId }] });
    // The card is found by the remembered address too.
    expect(names(await agent.searchGroups({ query: 'new.buyer' }))).toEqual([card.name]);
    const next = await agent.file({ ...owner, messages: [mail('new.buyer@example.com')] });
    expect(next.outcomes[0]).toMatchObject({ status: 'filed', groups: [{ groupId: card.groupId }] });
    expect(await adapter.ctx.db.selectFrom('timeline_events').select('id').where('internet_message_id', '=', failed.internetMessageId).execute()).toHaveLength(
      1,
    );
    expect((await audits('contact.address-added')).map((a) => JSON.parse(a.details ?? '{}'))).toContainEqual({
      contactId: card.contacts[0].contactId,
      groupId: card.groupId,
      address: 'new.buyer@example.com',
    });
    expect(await audits('mail.filed-by-hand')).toHaveLength(2);
  });

  it('says Sent for the agent’s own mail, and refuses another branch’s card, a contact off the card and the never-file list', async () => {
    const sent = await agent.fileToGroups({ ...owner, message: mail(DEMO_USERS.agent.email, 'someone@example.com'), groupIds: [DEMO_GROUP_IDS.elmRoadVendor] });
    expect(sent).toMatchObject({ moveTo: 'sent', outcome: { status: 'filed' } });
    const [redland] = (await clientAs(DEMO_USERS.redlandAgent.email).searchGroups({ query: 'Cotham Hill' })).groups;
    await expect(agent.fileToGroups({ ...owner, message: mail('x@example.com'), groupIds: [redland.groupId] })).rejects.toMatchObject({
      detail: { status: 404, providerCode: 'group-not-found' },
    });
    const remember = { address: 'x@example.com', contactId: redland.contacts[0].contactId };
    await expect(agent.fileToGroups({ ...owner, message: mail('x@example.com'), groupIds: [DEMO_GROUP_IDS.elmRoadVendor], remember })).rejects.toMatchObject({
      detail: { status: 404, providerCode: 'contact-not-found' },
    });
    await admin.request('putBranchFilingRules', {
      params: { branchId: DEMO_BRANCHES.clifton.id },
      body: { agencyDomains: [], neverFile: ['blocked.example'] },
    });
    const blocked = await agent.fileToGroups({ ...owner, message: mail('a@blocked.example'), groupIds: [DEMO_GROUP_IDS.elmRoadVendor] });
    expect(blocked).toMatchObject({ moveTo: 'failed', outcome: { status: 'unmatched', reason: 'never-file' } });
    const invalid = await agent.fileToGroups({
      ...owner,
      message: { ...mail('a@example.com'), internetMessageId: '' },
      groupIds: [DEMO_GROUP_IDS.elmRoadVendor],
    });
    expect(invalid).toMatchObject({ moveTo: 'failed', outcome: { status: 'unmatched', reason: 'invalid-message' } });
  });
});

describe('undo', () => {
  const eventsOf = (id: string) => adapter.ctx.db.selectFrom('timeline_events').select(['id', 'owner_user_id']).where('internet_message_id', '=', id).execute();

  it('removes the only filer’s event; a second undo answers the same; both audited', async () => {
    const m = mail(DEMO_ADDRESSES.cliftonVendor);
    await agent.file({ ...owner, messages: [m] });
    expect(await eventsOf(m.internetMessageId)).toHaveLength(1);
    const first = await agent.unfile({ internetMessageId: m.internetMessageId });
    expect(first).toEqual({ internetMessageId: m.internetMessageId, moveTo: 'inbox' });
    expect(await eventsOf(m.internetMessageId)).toEqual([]);
    expect(await agent.unfile({ internetMessageId: ` ${m.internetMessageId.slice(1, -1)} ` })).toEqual(first);
    const logged = (await audits('mail.unfiled')).map((a) => JSON.parse(a.details ?? '{}')).filter((d) => d.internetMessageId === m.internetMessageId);
    expect(logged.map((d) => d.removed.map((r: { eventDeleted: boolean }) => r.eventDeleted))).toEqual([[true], []]);
  });

  it('undoes only the cards named, leaving the mail on the others', async () => {
    const m = mail(DEMO_ADDRESSES.cliftonTwoGroups);
    const [filed] = (await agent.file({ ...owner, messages: [m] })).outcomes;
    const groupIds = filed.status === 'filed' ? filed.groups.map((g) => g.groupId) : [];
    expect(groupIds).toHaveLength(2);
    await agent.unfile({ internetMessageId: m.internetMessageId, groupIds: [groupIds[0]] });
    const left = await adapter.ctx.db.selectFrom('timeline_events').select('group_id').where('internet_message_id', '=', m.internetMessageId).execute();
    expect(left).toEqual([{ group_id: groupIds[1] }]);
  });

  it('keeps a shared event for the colleagues left, the earliest of them now its first filer', async () => {
    const m = mail(DEMO_ADDRESSES.cliftonVendor);
    await agent.file({ ...owner, messages: [m] });
    await admin.file({ ownerAddresses: [DEMO_USERS.admin.email], messages: [m] });
    await agent.unfile({ internetMessageId: m.internetMessageId });
    const [event] = await eventsOf(m.internetMessageId);
    expect(event.owner_user_id).toBe(DEMO_USERS.admin.id);
    expect(await adapter.ctx.db.selectFrom('timeline_event_filers').select('user_id').where('event_id', '=', event.id).execute()).toEqual([
      { user_id: DEMO_USERS.admin.id },
    ]);
    // Filing it again later joins the colleague's event, told who filed it first.
    const [again] = (await agent.file({ ...owner, messages: [m] })).outcomes;
    expect(again).toMatchObject({ status: 'filed', groups: [{ eventId: event.id, alreadyOnTimeline: { firstFiledBy: DEMO_USERS.admin.name } }] });
    await expect(agent.unfile({ internetMessageId: 'not an id' })).rejects.toMatchObject({ detail: { status: 400, providerCode: 'invalid-message-id' } });
  });
});

describe('with the Rezi API as the directory', () => {
  it('refuses filing by hand and undo in plain words: the events are not in this store', async () => {
    const elsewhere = await startTestAdapter({
      overrides: { directory: () => ({ kind: 'Rezi API', ready: async () => true, fileBatch: async () => [] }) },
    });
    try {
      const c = createAdapterClient({ baseUrl: elsewhere.url, getToken: () => elsewhere.mintToken(DEMO_USERS.agent.email) });
      for (const call of [
        () => c.searchGroups({ query: 'Elm Road' }),
        () => c.fileToGroups({ ...owner, message: mail('a@example.com'), groupIds: [DEMO_GROUP_IDS.elmRoadVendor] }),
        () => c.unfile({ internetMessageId: '<a@x>' }),
      ])
        await expect(call()).rejects.toMatchObject({
          detail: { status: 409, providerCode: 'directory-elsewhere' },
          message: expect.stringMatching(/Rezi API/),
        });
    } finally {
      await elsewhere.close();
    }
  });
});
