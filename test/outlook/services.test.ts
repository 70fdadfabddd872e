import { BrowserAuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-browser';
import { SyncError } from '../../src/core/causes';
import type { OutlookConfig } from '../../src/outlook/config';
import { createOutlookServices, hostInfo, isDarkColour } from '../../src/outlook/services';
import { runGraphSync } from '../../src/outlook/sync';
import { createAdapterClient } from '../../src/client/adapter-client';
import { syncSelectedToRezi } from '../../src/commands/commands';
import { type TestAdapter, startTestAdapter } from '../support/adapter';
import { type GraphStandin, startGraphStandin } from '../../dev/graph-standin';
import { authFailingWith, fixedAuth, officeStub } from '../support/office-stub';

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
      touch: false,
    });
    expect(hostInfo(officeStub({ platform: 'iOS', multiSelect: false }).office)).toMatchObject({ platform: 'iOS', touch: true, multiSelect: false });
    expect(hostInfo(officeStub({ platform: 'Android' }).office).touch).toBe(true);
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

describe('checkSignIn: the silent sign-in with its reason (troubleshooter)', () => {
  test('signed in: the account', async () => {
    const services = createOutlookServices(config(), { office: officeStub().office, auth: auth() });
    expect(await services.checkSignIn()).toEqual({ ok: true, account: { name: 'Alex Morgan', email: AGENT } });
  });

  test.each([
    [
      'AADSTS50173 (grant revoked: password changed)',
      new ServerError('invalid_grant', 'corr-50173', 'AADSTS50173: The provided grant has expired due to it being revoked.', '', '50173', 400),
      {
        code: 'password-changed',
        message: 'Microsoft 365 needs you to sign in again, usually because your password has changed.',
        providerCode: 'AADSTS50173',
        requestId: 'corr-50173',
      },
    ],
    [
      'interaction_required (consent)',
      new InteractionRequiredAuthError('interaction_required', 'corr-consent', 'Interaction is required.'),
      {
        code: 'consent-missing',
        message: 'Rezi needs your permission (or your IT administrator’s) to use your mailbox.',
        providerCode: 'interaction_required',
        requestId: 'corr-consent',
      },
    ],
    [
      'AADSTS700082 (refresh token expired)',
      new ServerError('invalid_grant', 'corr-idle', 'AADSTS700082: The refresh token has expired due to inactivity.', '', '700082', 400),
      { code: 'authorisation-expired', message: 'Your Microsoft 365 sign-in has expired.', providerCode: 'AADSTS700082', requestId: 'corr-idle' },
    ],
    [
      'AADSTS50058 (first use: no session yet)',
      new InteractionRequiredAuthError(
        'login_required',
        'corr-first',
        'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
        '',
        '',
        '',
        '',
        '50058',
      ),
      {
        code: 'not-signed-in',
        message: 'Sign in to Rezi Email Sync to start — your Microsoft 365 account is needed once.',
        providerCode: 'AADSTS50058',
        requestId: 'corr-first',
      },
    ],
    [
      'no_tokens_found (stale cache)',
      new BrowserAuthError('no_tokens_found', 'corr-cache'),
      { code: 'session-stale', message: 'The saved sign-in in Outlook is out of date.', providerCode: 'no_tokens_found', requestId: 'corr-cache' },
    ],
  ])('%s: the cause, Entra’s code and the correlation id; the status card stays quiet', async (_label, msalError, error) => {
    const services = createOutlookServices(config(), { office: officeStub().office, auth: await authFailingWith(msalError) });
    expect(await services.checkSignIn()).toEqual({ ok: false, error });
    expect(await services.currentAccount()).toBeUndefined();
  });

  test('a failure that is not about sign-in is reported too (and still thrown by currentAccount)', async () => {
    const services = createOutlookServices(config(), {
      office: officeStub().office,
      auth: await authFailingWith(new BrowserAuthError('no_network_connectivity', 'corr-net')),
    });
    expect(await services.checkSignIn()).toEqual({
      ok: false,
      error: {
        code: 'server-unreachable',
        message: 'The Microsoft sign-in service could not be reached.',
        providerCode: 'no_network_connectivity',
        requestId: 'corr-net',
      },
    });
    await expect(services.currentAccount()).rejects.toMatchObject({ code: 'server-unreachable' });
  });

  test('an Auth that throws MSAL’s raw error is mapped all the same', async () => {
    const raw = fixedAuth({ graph: 'x', adapter: async () => 'y' }, SCOPE);
    raw.getToken = async () =>
      Promise.reject({ name: 'InteractionRequiredAuthError', errorCode: 'invalid_grant', errorNo: '50173', correlationId: 'corr-raw' });
    const services = createOutlookServices(config(), { office: officeStub().office, auth: raw });
    expect(await services.checkSignIn()).toMatchObject({ ok: false, error: { code: 'password-changed', providerCode: 'AADSTS50173', requestId: 'corr-raw' } });
  });

  test('a token but no account: the cached session is out of date', async () => {
    const nameless = auth();
    nameless.account = () => undefined;
    const services = createOutlookServices(config(), { office: officeStub().office, auth: nameless });
    expect(await services.checkSignIn()).toMatchObject({ ok: false, error: { code: 'session-stale' } });
    expect(await services.currentAccount()).toBeUndefined();
  });
});

describe('pingGraph: the folder check once, with the reason (troubleshooter)', () => {
  test('Microsoft 365 answers', async () => {
    const services = createOutlookServices(config(), { office: officeStub().office, auth: auth() });
    expect(await services.pingGraph()).toEqual({ ok: true });
  });

  test('429: throttled at once, with Graph’s code and request id, without waiting out Retry-After', async () => {
    graph.fault({ kind: 'throttle', retryAfter: 30 });
    const services = createOutlookServices(config(), { office: officeStub().office, auth: auth() });
    const started = Date.now();
    const ping = await services.pingGraph();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ping).toEqual({
      ok: false,
      error: {
        code: 'throttled',
        message: 'Microsoft 365 is limiting requests to your mailbox; try again in a few minutes.',
        providerCode: 'ApplicationThrottled',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
    expect(graph.log.filter((r) => r.status === 429)).toHaveLength(1);
  });

  test('401: Microsoft 365 no longer accepts the sign-in; folderCounts stays quiet for the status card', async () => {
    const services = createOutlookServices(config(), { office: officeStub().office, auth: auth() });
    graph.setToken('rotated-token'); // the token the pane holds is no longer accepted
    expect(await services.pingGraph()).toMatchObject({
      ok: false,
      error: { code: 'authorisation-expired', message: 'Microsoft 365 no longer accepts the sign-in.' },
    });
    expect(await services.folderCounts()).toBeUndefined();
  });

  test('nothing listening: unreachable', async () => {
    const services = createOutlookServices({ ...config(), graphBaseUrl: 'http://127.0.0.1:1/v1.0' }, { office: officeStub().office, auth: auth() });
    expect(await services.pingGraph()).toMatchObject({ ok: false, error: { code: 'server-unreachable' } });
  });

  test('the Graph token refused on the way: the sign-in’s own cause, not a bare failure', async () => {
    const services = createOutlookServices(config(), {
      office: officeStub().office,
      auth: await authFailingWith(new ServerError('invalid_grant', 'corr-50173', 'AADSTS50173: revoked', '', '50173', 400)),
    });
    expect(await services.pingGraph()).toMatchObject({ ok: false, error: { code: 'password-changed', providerCode: 'AADSTS50173' } });
  });
});

describe('ribbon command syncSelectedToRezi', () => {
  test('files the open mail (a function command never sees a multi-selection) and ends with a notification and event.completed()', async () => {
    const ids = seedMails();
    const stub = officeStub({ selected: ids, itemId: ids[0] });
    let completed = 0;
    const report = await syncSelectedToRezi({ completed: () => void completed++ } as Office.AddinCommands.Event, {
      office: stub.office,
      config: config(),
      auth: auth(),
    });
    expect(report).toMatchObject({ total: 1, received: 1 });
    expect(graph.messagesIn('inbox')).toHaveLength(2);
    expect(completed).toBe(1);
    const last = stub.notifications.at(-1)!;
    expect(last.key).toBe('rezi-sync');
    expect(last.details).toMatchObject({ type: 'informationalMessage', message: 'Filed in Rezi: 1 received', persistent: false });
  });

  test('stops within its time budget (Outlook ends function commands after 5 minutes) and hands the rest to the pane', async () => {
    // 60 leftovers in Queue, and a mailbox slow enough that they cannot all be filed within the budget.
    graph.createFolderPath('Rezi-Imported/Queue');
    for (let i = 0; i < 60; i++)
      graph.addMessage('Rezi-Imported/Queue', {
        from: 'sarah.whitfield@example.com',
        to: [AGENT],
        subject: `Left ${i}`,
        internetMessageId: `<left-${i}-${Date.now()}@example.com>`,
      });
    graph.fault({ kind: 'slow', delayMs: 150, probability: 1, match: (r) => r.sub });
    const stub = officeStub({ itemId: 'none' });
    let completed = 0;
    const started = Date.now();
    const report = await syncSelectedToRezi({ completed: () => void completed++ } as Office.AddinCommands.Event, {
      office: stub.office,
      config: config(),
      auth: auth(),
      budgetMs: 400,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(completed).toBe(1);
    expect(report.cancelled).toBe(true);
    expect(graph.messagesIn('Rezi-Imported/Queue').length).toBeGreaterThan(0);
    expect(stub.notifications.at(-1)!.details).toMatchObject({ type: 'informationalMessage', message: expect.stringMatching(/Open Sync to Rezi to finish/) });
  });

  test('the function is associated when the function file runs, not only once Office.onReady resolves', () => {
    const associated: string[] = [];
    const office = { actions: { associate: (name: string) => void associated.push(name) }, onReady: () => new Promise(() => undefined) };
    Object.assign(globalThis, { Office: office });
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module must run afresh with this Office global
        require('../../src/commands/commands');
      });
    } finally {
      delete (globalThis as { Office?: unknown }).Office;
    }
    expect(associated).toEqual(['syncSelectedToRezi']);
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

describe('runGraphSync: the Office 365 run shared by the pane and the ribbon command', () => {
  test('asks who the owner is while it finds the folders, not one after the other', async () => {
    const id = graph.addMessage('inbox', {
      from: 'sarah.whitfield@example.com',
      to: [AGENT],
      subject: 'Offer',
      internetMessageId: `<o-${Date.now()}@example.com>`,
    });
    // GET /me answers slowly: run in sequence, it would finish before the folder lookup started.
    graph.fault({ kind: 'slow', delayMs: 300, times: 1, match: (r) => r.method === 'GET' && r.path === '/me' });
    const report = await runGraphSync({
      config: config(),
      auth: auth(),
      adapter: createAdapterClient({ baseUrl: adapter.url, getToken: () => adapter.mintToken(AGENT) }),
      itemIds: [id],
      office: officeStub().office,
    });
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ total: 1, received: 1 });
    const answered = graph.log.filter((e) => !e.sub).map((e) => `${e.method} ${e.path}`);
    expect(answered.indexOf('GET /me/mailFolders')).toBeGreaterThanOrEqual(0);
    expect(answered.indexOf('GET /me/mailFolders')).toBeLessThan(answered.indexOf('GET /me'));
    // The tree found alongside is the one the engine used: no second lookup.
    expect(answered.filter((a) => a === 'GET /me/mailFolders')).toHaveLength(1);
  });
});

describe('the token’s account must be the mailbox’s', () => {
  test('a token for another account: nothing is filed or moved, and the message says whose mailbox this is', async () => {
    const ids = seedMails();
    // Graph's /me (the token's account) is the agent; the pane is in another mailbox open in the same Outlook.
    const stub = officeStub({ selected: ids, mailbox: 'lettings@harbourestates.co.uk' });
    const report = await runGraphSync({
      config: config(),
      auth: auth(),
      adapter: createAdapterClient({ baseUrl: adapter.url, getToken: () => adapter.mintToken(AGENT) }),
      itemIds: ids,
      office: stub.office,
    });
    expect(report.error).toMatchObject({ code: 'session-stale', message: expect.stringMatching(/this mailbox is lettings@harbourestates\.co\.uk/) });
    expect(report.sent + report.received + report.failed).toBe(0);
    expect(graph.log.filter((e) => e.path.endsWith('/move'))).toHaveLength(0);
    expect(graph.messagesIn('inbox')).toHaveLength(3);
  });
});

describe('clear cached session under nested app authentication', () => {
  test('MSAL cannot clear the host’s sign-in: the pane’s storage is cleared anyway and the answer says what stays with Outlook', async () => {
    const stub = officeStub({ naa: true });
    const { AuthError } = await import('@azure/msal-browser');
    const pca = {
      getActiveAccount: () => null,
      getAllAccounts: () => [],
      getAccount: () => null,
      setActiveAccount: () => undefined,
      // NestedAppAuthController.clearCache: always NestedAppAuthError unsupported_method.
      clearCache: async () => Promise.reject(Object.assign(new AuthError('unsupported_method', ''), { name: 'NestedAppAuthError' })),
    };
    const { createAuth } = await import('../../src/outlook/auth');
    const real = await createAuth(
      { clientId: 'cid' },
      { office: stub.office, factories: { createNestable: async () => pca as never, createStandard: async () => pca as never } },
    );
    const services = createOutlookServices(config(), { office: stub.office, auth: real });
    const store = new Map<string, string>([
      ['rezi.lastRun', '1'],
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
    let answer: unknown;
    try {
      answer = await services.clearCachedSession();
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
      delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
    }
    expect(answer).toMatchObject({ msalCacheCleared: false, note: expect.stringMatching(/Outlook keeps/) });
    expect([...store.keys()]).toEqual(['other-app']);
  });
});

describe('Stop Email Sync on Office 365', () => {
  test('deletes the refresh token the adapter holds for automatic filing, then signs out', async () => {
    const { CredentialCipher, parseKeys } = await import('../../src/server/imap/crypto');
    const { saveRefreshToken, graphDb } = await import('../../src/server/graph/accounts');
    const { DEMO_USERS } = await import('../../src/server/store/demo-data');
    const cipher = new CredentialCipher(parseKeys(Buffer.alloc(32, 7).toString('base64')));
    await saveRefreshToken(adapter.ctx.db, cipher, DEMO_USERS.agent.id, 'rt.held-for-the-agent', new Date());
    const a = auth();
    await createOutlookServices(config(), { office: officeStub({ naa: true }).office, auth: a }).signOut();
    expect(await graphDb(adapter.ctx.db).selectFrom('graph_accounts').select('user_id').execute()).toEqual([]);
    expect(a.signedOut).toBe(1);
  });

  test('signs out even when the adapter cannot be reached, and says the deletion failed', async () => {
    const a = auth();
    const services = createOutlookServices({ ...config(), adapterUrl: 'http://127.0.0.1:9' }, { office: officeStub({ naa: true }).office, auth: a });
    await expect(services.signOut()).rejects.toBeInstanceOf(SyncError);
    expect(a.signedOut).toBe(1);
  });
});
