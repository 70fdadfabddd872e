/**
 * A shared mailbox synced from Outlook by its delegates: Office says the open mail is in a shared
 * mailbox (getSharedPropertiesAsync), the pane works on that mailbox through Graph's /users/{address},
 * judges direction by the mailbox's address as well as the agent's, and tells the adapter which
 * mailbox each filing came from. Graph stand-in mailboxes, the real adapter.
 */
import type { ApiFileRequest } from '../../src/core/api';
import { type AdapterClient, createAdapterClient } from '../../src/client/adapter-client';
import type { OutlookConfig } from '../../src/outlook/config';
import { sharedMailboxOf } from '../../src/outlook/office-host';
import { createOutlookServices } from '../../src/outlook/services';
import { runGraphSync } from '../../src/outlook/sync';
import { type GraphStandin, type SharedAccess, startGraphStandin } from '../../dev/graph-standin';
import { type TestAdapter, startTestAdapter } from '../support/adapter';
import { fixedAuth, officeStub } from '../support/office-stub';

const SCOPE = 'api://rezi-sync/access_as_user';
const AGENT = 'agent@brightwells.co.uk';
const ADMIN = 'it@brightwells.co.uk';
const LETTINGS = 'lettings@brightwells.co.uk';
/** Outlook's DelegatePermissions bits: Read 1, Write 2, DeleteOwn 4, DeleteAll 8, EditOwn 16, EditAll 32. */
const FULL_ACCESS = 63 as Office.MailboxEnums.DelegatePermissions;

let adapter: TestAdapter;
let lettings: GraphStandin;
const opened: GraphStandin[] = [];

beforeAll(async () => {
  adapter = await startTestAdapter({ logLevel: 'silent' });
});
afterAll(() => adapter.close());

beforeEach(async () => {
  lettings = await startGraphStandin({ token: 'lettings-own-token', user: { mail: LETTINGS, userPrincipalName: LETTINGS } });
  opened.push(lettings);
});
afterEach(async () => {
  for (const g of opened.splice(0)) await g.close();
});

/** A delegate's own Graph (their /me), able to open the shared mailbox as `access` says. */
async function delegateGraph(email: string, access: SharedAccess['access'] = 'full', extra: { sharedScope?: boolean } = {}): Promise<GraphStandin> {
  const g = await startGraphStandin({
    token: `token-of-${email}`,
    user: { mail: email, userPrincipalName: email, proxyAddresses: [`SMTP:${email}`] },
    shared: [{ mailbox: lettings, access }],
    ...extra,
  });
  opened.push(g);
  return g;
}

interface Delegate {
  email: string;
  graph: GraphStandin;
  requests: ApiFileRequest[];
  sync(itemIds: string[], office?: typeof Office): ReturnType<typeof runGraphSync>;
  office(itemIds: string[]): typeof Office;
}

function delegate(email: string, graph: GraphStandin): Delegate {
  const config: OutlookConfig = { clientId: 'cid', adapterUrl: adapter.url, adapterScope: SCOPE, graphBaseUrl: graph.url };
  const auth = fixedAuth({ graph: graph.token, adapter: () => adapter.mintToken(email) }, SCOPE);
  const client = createAdapterClient({ baseUrl: adapter.url, getToken: () => adapter.mintToken(email) });
  const requests: ApiFileRequest[] = [];
  const recording: AdapterClient = { ...client, file: (req, opts) => (requests.push(req), client.file(req, opts)) };
  const office = (itemIds: string[]) =>
    officeStub({
      mailbox: email,
      selected: itemIds,
      itemId: itemIds[0],
      shared: { owner: LETTINGS, targetMailbox: LETTINGS, delegatePermissions: FULL_ACCESS },
    }).office;
  return {
    email,
    graph,
    requests,
    office,
    sync: (itemIds, o = office(itemIds)) => runGraphSync({ config, auth, adapter: recording, itemIds, office: o }),
  };
}

const stamp = Date.now();
const seed = {
  vendorIn: () =>
    lettings.addMessage('inbox', {
      from: 'sarah.whitfield@example.com',
      to: [LETTINGS],
      subject: 'Viewing feedback',
      internetMessageId: `<sh-1-${stamp}@example.com>`,
    }),
  // Sent from the shared mailbox itself: outbound only if its own address counts as the owner's.
  lettingsOut: () =>
    lettings.addMessage('sentitems', {
      from: LETTINGS,
      to: ['h.pemberton@example.net'],
      subject: 'Rent review',
      internetMessageId: `<sh-2-${stamp}@brightwells.co.uk>`,
    }),
  strangerIn: () =>
    lettings.addMessage('inbox', { from: 'nobody@example.invalid', to: [LETTINGS], subject: 'Hello', internetMessageId: `<sh-3-${stamp}@example.invalid>` }),
};

const subjects = (g: GraphStandin, path: string) =>
  g
    .messagesIn(path)
    .map((m) => m.subject)
    .sort();

async function eventsFor(messageIds: string[]) {
  return adapter.ctx.db.selectFrom('timeline_events').select(['internet_message_id', 'group_id']).where('internet_message_id', 'in', messageIds).execute();
}

describe('a shared mailbox synced by two delegates', () => {
  test('Outlook names the shared mailbox; the user’s own mailbox (the call fails) and a host without Mailbox 1.8 have none', async () => {
    const shared = officeStub({ shared: { owner: 'Lettings', targetMailbox: 'Lettings@Brightwells.co.uk', delegatePermissions: FULL_ACCESS } }).office;
    expect(await sharedMailboxOf(shared)).toEqual({ address: LETTINGS, owner: 'Lettings', permissions: FULL_ACCESS });
    // targetMailbox "may differ based on the Outlook client": an owner address stands in for one that is not an address.
    const opaque = officeStub({
      shared: { owner: LETTINGS, targetMailbox: '/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=lettings', delegatePermissions: 1 },
    }).office;
    expect((await sharedMailboxOf(opaque))?.address).toBe(LETTINGS);
    expect(await sharedMailboxOf(officeStub({ shared: 'fails' }).office)).toBeUndefined();
    expect(await sharedMailboxOf(officeStub({ shared: { owner: LETTINGS, targetMailbox: LETTINGS }, mailboxVersion: '1.5' }).office)).toBeUndefined();
    expect(await sharedMailboxOf(officeStub().office)).toBeUndefined();
  });

  test('each delegate files into the shared mailbox’s own Rezi-Imported tree; direction counts the mailbox’s address; every filing names the mailbox; one event per group', async () => {
    const alex = delegate(AGENT, await delegateGraph(AGENT));
    const priya = delegate(ADMIN, await delegateGraph(ADMIN));
    const first = [seed.vendorIn(), seed.lettingsOut()];
    const a = await alex.sync(first);
    expect(a.error).toBeUndefined();
    expect(a).toMatchObject({ total: 2, sent: 1, received: 1, failed: 0 });

    const later = [seed.strangerIn()];
    const b = await priya.sync(later);
    expect(b.error).toBeUndefined();
    expect(b).toMatchObject({ total: 1, failed: 1 });

    // The tree is the shared mailbox's; the delegates' own mailboxes are untouched.
    expect(subjects(lettings, 'Rezi-Imported/Received')).toEqual(['Viewing feedback']);
    expect(subjects(lettings, 'Rezi-Imported/Sent')).toEqual(['Rent review']);
    expect(subjects(lettings, 'Rezi-Imported/Failed')).toEqual(['Hello']);
    expect(subjects(lettings, 'Rezi-Imported/Queue')).toEqual([]);
    expect([alex.graph.folderId('Rezi-Imported'), priya.graph.folderId('Rezi-Imported')]).toEqual([undefined, undefined]);

    // The adapter hears which mailbox each batch came from, and the shared address as an owner address.
    const sent = [...alex.requests, ...priya.requests];
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.map((r) => r.mailbox)).toEqual(sent.map(() => LETTINGS));
    expect(sent.every((r) => r.ownerAddresses.includes(LETTINGS))).toBe(true);
    expect(alex.requests[0].ownerAddresses).toContain(AGENT);
    expect(priya.requests[0].ownerAddresses).toContain(ADMIN);

    const events = await eventsFor([`<sh-1-${stamp}@example.com>`, `<sh-2-${stamp}@brightwells.co.uk>`]);
    const perGroup = new Map<string, number>();
    for (const e of events) perGroup.set(`${e.internet_message_id} ${e.group_id}`, (perGroup.get(`${e.internet_message_id} ${e.group_id}`) ?? 0) + 1);
    expect(events.length).toBeGreaterThan(1);
    expect([...perGroup.values()].every((n) => n === 1)).toBe(true);
  });

  test('the pane’s folder counts are the shared mailbox’s', async () => {
    const alex = delegate(AGENT, await delegateGraph(AGENT));
    const ids = [seed.strangerIn()];
    await alex.sync(ids);
    const config: OutlookConfig = { clientId: 'cid', adapterUrl: adapter.url, adapterScope: SCOPE, graphBaseUrl: alex.graph.url };
    const auth = fixedAuth({ graph: alex.graph.token, adapter: () => adapter.mintToken(AGENT) }, SCOPE);
    const services = createOutlookServices(config, { office: alex.office(ids), auth });
    expect(await services.folderCounts()).toEqual({ queue: 0, failed: 1 });
    expect(await services.pingGraph()).toEqual({ ok: true });
  });

  test('a delegate without permission gets the plain error, and nothing moves', async () => {
    const tom = delegate(AGENT, await delegateGraph(AGENT, 'none'));
    const ids = [seed.vendorIn()];
    const report = await tom.sync(ids);
    expect(report.error).toMatchObject({ code: 'shared-mailbox-denied' });
    expect(report.error?.message).toMatch(/no permission to it.*lettings@brightwells\.co\.uk|lettings@brightwells\.co\.uk.*no permission to it/);
    expect(report.error?.message).toMatch(/Ask its owner or your IT support for Full Access/);
    expect(subjects(lettings, 'inbox')).toEqual(['Viewing feedback']);
    expect(lettings.folderId('Rezi-Imported')).toBeUndefined();
    expect(tom.requests).toEqual([]);
  });

  test('read-only permission (Reviewer) and a token without Mail.ReadWrite.Shared are refused the same way', async () => {
    for (const graph of [await delegateGraph(AGENT, 'read'), await delegateGraph(AGENT, 'full', { sharedScope: false })]) {
      const report = await delegate(AGENT, graph).sync([seed.vendorIn()]);
      expect(report.error?.code).toBe('shared-mailbox-denied');
    }
    expect(lettings.folderId('Rezi-Imported')).toBeUndefined();
  });

  test('a shared mailbox added to Outlook as a separate account: the plain words, not “sign in as the mailbox”', async () => {
    const alex = delegate(AGENT, await delegateGraph(AGENT));
    const ids = [seed.vendorIn()];
    // Outlook names the shared mailbox as the account, and cannot say it is shared.
    const asAccount = officeStub({ mailbox: LETTINGS, selected: ids, itemId: ids[0], shared: 'fails' }).office;
    const report = await alex.sync(ids, asAccount);
    expect(report.error).toMatchObject({ code: 'shared-mailbox-separate-account' });
    expect(report.error?.message).toMatch(/lettings@brightwells\.co\.uk is open in Outlook as a separate account/);
    expect(subjects(lettings, 'inbox')).toEqual(['Viewing feedback']);
    expect(alex.requests).toEqual([]);

    // Another person's mailbox the token cannot open is still the account mismatch.
    const stranger = delegate(AGENT, await delegateGraph(AGENT, 'none'));
    const other = await stranger.sync(ids, asAccount);
    expect(other.error).toMatchObject({ code: 'session-stale' });
  });
});
