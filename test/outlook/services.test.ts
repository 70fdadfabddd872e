import { SyncError } from '../../src/core/causes';
import type { OutlookConfig } from '../../src/outlook/config';
import { createOutlookServices, hostInfo, isDarkColour } from '../../src/outlook/services';
import { syncSelectedToRezi } from '../../src/commands/commands';
import { type TestAdapter, startTestAdapter } from '../support/adapter';
import { type GraphStandin, startGraphStandin } from '../support/graph-standin';
import { fixedAuth, officeStub } from './office-stub';

const SCOPE = 'api://rezi-sync/access_as_user';
const AGENT = 'agent@brightwells.co.uk';

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
const auth = () => fixedAuth({ graph: graph.token, adapter: () => adapter.mintToken(AGENT) }, SCOPE);

/** Seeds four mails: two from a Clifton vendor, one from a stranger, one sent by the agent to a landlord. */
function seedMails() {
  return [
    graph.addMessage('inbox', {
      from: 'sarah.whitfield@example.com',
      to: [AGENT],
      subject: 'Offer on Elm Road',
      internetMessageId: `<v1-${Date.now()}@example.com>`,
    }),
    graph.addMessage('inbox', {
      from: 'sarah.whitfield@example.com',
      to: [AGENT],
      subject: 'Viewing times',
      internetMessageId: `<v2-${Date.now()}@example.com>`,
    }),
    graph.addMessage('inbox', { from: 'nobody@example.invalid', to: [AGENT], subject: 'Hello', internetMessageId: `<n-${Date.now()}@example.invalid>` }),
    graph.addMessage('sentitems', {
      from: AGENT,
      to: ['h.pemberton@example.net'],
      subject: 'Rent review',
      internetMessageId: `<s-${Date.now()}@brightwells.co.uk>`,
    }),
  ];
}

describe('createOutlookServices', () => {
  test('host() reads Office: theme, language, multi-select and nested app auth', () => {
    const { office } = officeStub({ background: '#1f1f1f', naa: false });
    expect(hostInfo(office)).toEqual({
      host: 'Outlook',
      platform: 'PC',
      version: '16.0.18000',
      dark: true,
      displayLanguage: 'en-GB',
      multiSelect: true,
      nestedAppAuth: false,
    });
    expect(isDarkColour('#ffffff')).toBe(false);
    expect(isDarkColour('garbage')).toBe(false);
  });

  test('selectedItemIds: multi-select converted to REST ids, else the open item', async () => {
    const multi = officeStub({ selected: ['AAMk/1+a', 'AAMk/2'], itemId: 'AAMk/open' });
    expect(await createOutlookServices(config(), { office: multi.office, auth: auth() }).selectedItemIds()).toEqual(['AAMk-1_a', 'AAMk-2']);
    const single = officeStub({ selected: [], itemId: 'AAMk/open' });
    expect(await createOutlookServices(config(), { office: single.office, auth: auth() }).selectedItemIds()).toEqual(['AAMk-open']);
    const old = officeStub({ multiSelect: false, selected: ['x'], itemId: 'AAMk/open' });
    expect(await createOutlookServices(config(), { office: old.office, auth: auth() }).selectedItemIds()).toEqual(['AAMk-open']);
  });

  test('onSelectionChanged reports the count and unsubscribes', async () => {
    const stub = officeStub({ selected: ['a'] });
    const services = createOutlookServices(config(), { office: stub.office, auth: auth() });
    const counts: number[] = [];
    const off = services.onSelectionChanged((n) => counts.push(n));
    stub.setSelection(['a', 'b', 'c']);
    stub.handlers.get('olkSelectedItemsChanged')!();
    await new Promise((r) => setTimeout(r, 0));
    expect(counts).toEqual([3]);
    off();
    expect(stub.removed).toContain('olkSelectedItemsChanged');
  });

  test('sync files the selected mails through Graph and the real adapter, and reports the run', async () => {
    const ids = seedMails();
    const stub = officeStub({ selected: ids });
    const services = createOutlookServices(config(), { office: stub.office, auth: auth() });
    const progress: string[] = [];
    const report = await services.sync(await services.selectedItemIds(), { onProgress: (p) => progress.push(p.phase) });
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ total: 4, sent: 1, received: 2, failed: 1, pending: 0 });
    expect(report.results.find((r) => r.subject === 'Offer on Elm Road')?.groups[0].name).toContain('14 Elm Road');
    expect(graph.messagesIn('Rezi-Imported/Received')).toHaveLength(2);
    expect(graph.messagesIn('Rezi-Imported/Sent')).toHaveLength(1);
    expect(graph.messagesIn('Rezi-Imported/Failed')).toHaveLength(1);
    expect(progress).toContain('filing');
    const status = await services.status();
    expect(status.lastSync).toMatchObject({ source: 'graph', total: 4, sent: 1, received: 2, failed: 1 });
    expect(await services.folderCounts()).toEqual({ queue: 0, failed: 1 });
  });

  test('an adapter token failure ends the run with its cause and leaves the mails in Queue', async () => {
    const ids = seedMails();
    const failing = fixedAuth({ graph: graph.token, adapter: () => Promise.reject(new SyncError('consent-missing', 'consent needed')) }, SCOPE);
    const services = createOutlookServices(config(), { office: officeStub().office, auth: failing });
    const report = await services.sync(ids);
    expect(report.error?.code).toBe('consent-missing');
    expect(report.pending).toBe(4);
    expect(graph.messagesIn('Rezi-Imported/Queue')).toHaveLength(4);
  });

  test('a Graph sign-in that no longer works is reported, not thrown', async () => {
    const services = createOutlookServices(config(), { office: officeStub().office, auth: auth() });
    graph.setToken('rotated-token'); // the token the pane holds is no longer accepted
    const report = await services.sync([]);
    expect(report.error?.code).toBe('authorisation-expired');
  });

  test('currentAccount is undefined when sign-in is needed; clearCachedSession clears MSAL and the pane’s storage', async () => {
    const needsSignIn = fixedAuth({ graph: 'x', adapter: async () => 'y' }, SCOPE);
    needsSignIn.getToken = async () => Promise.reject(new SyncError('consent-missing', 'consent'));
    const services = createOutlookServices(config(), { office: officeStub().office, auth: needsSignIn });
    expect(await services.currentAccount()).toBeUndefined();

    const store = new Map<string, string>([
      ['rezi.lastRun', '1'],
      ['msal.token.keys.cid', 'x'],
      ['other-app', 'keep'],
    ]);
    const storage = {
      get length() {
        return store.size;
      },
      key: (i: number) => [...store.keys()][i] ?? null,
      removeItem: (k: string) => void store.delete(k),
    };
    Object.assign(globalThis, { localStorage: storage, sessionStorage: storage });
    try {
      await services.clearCachedSession();
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
      delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
    }
    expect(needsSignIn.cleared).toBe(1);
    expect([...store.keys()]).toEqual(['other-app']);
  });
});

describe('ribbon command syncSelectedToRezi', () => {
  test('files the selection and ends with a notification and event.completed()', async () => {
    const ids = seedMails();
    const stub = officeStub({ selected: ids, itemId: 'x' });
    let completed = 0;
    const report = await syncSelectedToRezi({ completed: () => void completed++ } as Office.AddinCommands.Event, {
      office: stub.office,
      config: config(),
      auth: auth(),
    });
    expect(report).toMatchObject({ sent: 1, received: 2, failed: 1 });
    expect(completed).toBe(1);
    const last = stub.notifications.at(-1)!;
    expect(last.key).toBe('rezi-sync');
    expect(last.details).toMatchObject({ type: 'informationalMessage', message: 'Filed in Rezi: 1 sent, 2 received, 1 failed', persistent: false });
  });

  test('a run that cannot start says why in plain words', async () => {
    const stub = officeStub({ selected: ['a'] });
    let completed = 0;
    await syncSelectedToRezi({ completed: () => void completed++ } as Office.AddinCommands.Event, {
      office: stub.office,
      config: { ...config(), clientId: '' },
      auth: auth(),
    });
    expect(completed).toBe(1);
    expect(stub.notifications.at(-1)!.details).toMatchObject({
      type: 'errorMessage',
      message: expect.stringMatching(/^Couldn't file in Rezi: Your branch is not set up/),
    });
  });
});
