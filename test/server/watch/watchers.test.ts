/**
 * Automatic filing on real Dovecot: the real adapter (HTTP, store, engine, lease) watches each
 * connected account's Queue and files new mail with no request from the pane; a changed password
 * stops the watch with Authorisation failed; the branch's switch turns it off; another instance takes
 * the watch over once the first lets it go; an instance watches no more accounts than it may.
 */
import { randomBytes } from 'node:crypto';
import type { ApiStatus } from '../../../src/core/api';
import { ImapService, imapServiceFor } from '../../../src/server/imap/service';
import { queueWatchersOf, QueueWatchers } from '../../../src/server/watch/watchers';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { appendMessages, dovecotAvailable, messageIdsOf, startDovecot, type DovecotInstance, type DovecotUser } from '../../support/dovecot';

const run = dovecotAvailable() ? describe : describe.skip;
jest.setTimeout(60_000);

const agent: DovecotUser = { user: DEMO_USERS.agent.email, password: 'Watch-Pa55-agent-9Kq' };
const admin: DovecotUser = { user: DEMO_USERS.admin.email, password: 'Watch-Pa55-admin-3Zt' };
/** The goal the product states: new mail filed within 10 s of arriving in Queue. */
const FILED_WITHIN_MS = 10_000;

async function until<T>(what: string, test: () => Promise<T | undefined | false>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Rig {
  adapter: TestAdapter;
  dovecot: DovecotInstance;
  token: { agent: string; admin: string };
  call(method: string, p: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | undefined }>;
  status(token?: string): Promise<ApiStatus>;
  /** Message-IDs in a folder of the agent's mailbox, straight from the server. */
  folder(name: 'Queue' | 'Received' | 'Sent' | 'Failed', user?: DovecotUser): Promise<string[]>;
  close(): Promise<void>;
}

async function rig(options: { withoutIdle?: boolean; env?: Record<string, string> } = {}): Promise<Rig> {
  const dovecot = await startDovecot({ delimiter: '.', users: [agent, admin], tls: false, ...(options.withoutIdle ? { withoutCapabilities: ['IDLE'] } : {}) });
  const adapter = await startTestAdapter({
    env: { IMAP_KEY: `t1:${randomBytes(32).toString('base64')}`, WATCH_MAX_ACCOUNTS: '5', LEASE_TTL_SECONDS: '10', ...options.env },
  });
  const token = { agent: await adapter.mintToken(agent.user), admin: await adapter.mintToken(admin.user) };
  const call = async (method: string, p: string, bearer: string, body?: unknown) => {
    const res = await fetch(`${adapter.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const settings = await call('PUT', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, token.admin, {
    host: dovecot.host,
    port: dovecot.port,
    ssl: false,
    tls: false,
    insecure: true,
  });
  expect(settings.status).toBe(200);
  const folder = (name: string, user: DovecotUser = agent) => messageIdsOf(dovecot, user, name);
  return {
    adapter,
    dovecot,
    token,
    call,
    status: async (bearer = token.agent) => (await call('GET', '/status', bearer)).json as ApiStatus,
    folder,
    async close() {
      await adapter.close();
      await dovecot.stop();
    },
  };
}

const authenticate = (r: Rig, user: DovecotUser, bearer: string) =>
  r.call('POST', '/imap/authenticate', bearer, { username: user.user, password: user.password });
const mailFrom = (from: string, tag: string) => ({ from: `"Sarah" <${from}>`, to: agent.user, subject: `Watched ${tag}`, messageId: `<${tag}@watch.test>` });

run('Queue watching on real Dovecot (IDLE)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig();
  });
  afterAll(async () => {
    await r?.close();
  });

  it('files mail appended to Queue within 10 s, with no request from the pane, and the status card says so', async () => {
    expect((await authenticate(r, agent, r.token.agent)).status).toBe(200);
    const watchers = queueWatchersOf(r.adapter.ctx)!;
    await until('the agent is watched in IDLE', async () => watchers.watcherOf(DEMO_USERS.agent.id)?.mode === 'idle', 15_000);
    const before = await r.adapter.ctx.db.selectFrom('sync_runs').select('id').where('user_id', '=', DEMO_USERS.agent.id).execute();

    await appendMessages(r.dovecot, agent, 'Rezi-Imported.Queue', [mailFrom(DEMO_ADDRESSES.cliftonVendor, 'idle-1')]);
    const arrived = Date.now();
    await until('the mail is filed into Received', async () => (await r.folder('Received')).includes('<idle-1@watch.test>'), FILED_WITHIN_MS);
    expect(Date.now() - arrived).toBeLessThanOrEqual(FILED_WITHIN_MS);
    expect(await r.folder('Queue')).toEqual([]);
    // Filed through the engine: the timeline has it and the run is in the history, as a Start Sync's would be.
    const events = await r.adapter.ctx.db
      .selectFrom('timeline_events')
      .select('internet_message_id')
      .where('internet_message_id', '=', '<idle-1@watch.test>')
      .execute();
    expect(events).toHaveLength(1);
    const runs = await r.adapter.ctx.db.selectFrom('sync_runs').select(['id', 'source', 'received']).where('user_id', '=', DEMO_USERS.agent.id).execute();
    expect(runs.length).toBe(before.length + 1);
    expect(runs.find((x) => !before.some((b) => b.id === x.id))).toMatchObject({ source: 'imap', received: 1 });

    const status = await r.status();
    expect(status.account).toMatchObject({ kind: 'imap', state: 'connected', watch: { watched: true, enabled: true } });
    expect(status.account.watch?.lastRunAt).toBe(status.lastSync?.finishedAt);
  });

  it('mail that arrives while a sync runs is filed by another run after it', async () => {
    const service = await imapServiceFor(r.adapter.ctx);
    // A Start Sync from the pane holds the account's lock: the watcher's run waits for it, then files.
    const lease = await service.leases.acquire(`imap-sync:${DEMO_USERS.agent.id}`);
    expect(lease).toBeDefined();
    await appendMessages(r.dovecot, agent, 'Rezi-Imported.Queue', [mailFrom(DEMO_ADDRESSES.cliftonLandlord, 'busy-1')]);
    await new Promise((res) => setTimeout(res, 1500));
    expect(await r.folder('Queue')).toEqual(['<busy-1@watch.test>']);
    await lease!.release();
    await until('the mail is filed once the lock is free', async () => (await r.folder('Received')).includes('<busy-1@watch.test>'), FILED_WITHIN_MS);
  });

  it('a changed password stops the watch with Authorisation failed, until the agent authenticates again', async () => {
    const watchers = queueWatchersOf(r.adapter.ctx)!;
    r.dovecot.setPassword(agent.user, 'Changed-Pa55-7Yw');
    await appendMessages(r.dovecot, { ...agent, password: 'Changed-Pa55-7Yw' }, 'Rezi-Imported.Queue', [mailFrom(DEMO_ADDRESSES.cliftonVendor, 'pw-1')]);
    await until('the watch stops', async () => !watchers.watching().includes(DEMO_USERS.agent.id), FILED_WITHIN_MS);
    const status = await r.status();
    expect(status.account).toMatchObject({ kind: 'imap', state: 'authorisation-failed', cause: 'password-changed', watch: { watched: false } });
    // Not watched again at the next scans: the mail waits in Queue.
    await new Promise((res) => setTimeout(res, watchers.scanMs * 2 + 500));
    expect(watchers.watching()).not.toContain(DEMO_USERS.agent.id);
    expect(await r.folder('Queue', { ...agent, password: 'Changed-Pa55-7Yw' })).toEqual(['<pw-1@watch.test>']);

    const again = await r.call('POST', '/imap/authenticate', r.token.agent, { username: agent.user, password: 'Changed-Pa55-7Yw' });
    expect(again.status).toBe(200);
    await until(
      'watched again, and the waiting mail filed',
      async () => (await r.folder('Received', { ...agent, password: 'Changed-Pa55-7Yw' })).includes('<pw-1@watch.test>'),
      watchers.scanMs + FILED_WITHIN_MS,
    );
    r.dovecot.setPassword(agent.user, agent.password);
    expect((await authenticate(r, agent, r.token.agent)).status).toBe(200);
  });

  it('the branch’s IT turns automatic filing off (and on); a password changed meanwhile is found at the next connect', async () => {
    const watchers = queueWatchersOf(r.adapter.ctx)!;
    const url = `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap/automatic-filing`;
    expect((await r.call('GET', url, r.token.admin)).json).toMatchObject({ branchId: DEMO_BRANCHES.clifton.id, enabled: true, updatedBy: null });
    expect((await r.call('PUT', url, r.token.agent, { enabled: false })).status).toBe(403);
    expect((await r.call('PUT', `/admin/branches/${DEMO_BRANCHES.redland.id}/imap/automatic-filing`, r.token.admin, { enabled: false })).status).toBe(403);
    await until('watched', async () => watchers.watching().includes(DEMO_USERS.agent.id), watchers.scanMs + 5000);

    const off = await r.call('PUT', url, r.token.admin, { enabled: false });
    expect(off).toMatchObject({ status: 200, json: { enabled: false, updatedBy: DEMO_USERS.admin.id } });
    await until('the watch stops', async () => !watchers.watching().includes(DEMO_USERS.agent.id), watchers.scanMs + 5000);
    expect((await r.status()).account.watch).toMatchObject({ watched: false, enabled: false });

    // While unwatched, the password changes: turning filing on again connects, and that login finds it.
    r.dovecot.setPassword(agent.user, 'Changed-Again-4Rt');
    expect((await r.call('PUT', url, r.token.admin, { enabled: true })).json).toMatchObject({ enabled: true });
    await until('Authorisation failed', async () => (await r.status()).account.state === 'authorisation-failed', watchers.scanMs + 5000);
    expect((await r.status()).account).toMatchObject({ cause: 'password-changed', watch: { watched: false, enabled: true } });
    expect(watchers.watching()).not.toContain(DEMO_USERS.agent.id);
    r.dovecot.setPassword(agent.user, agent.password);
    expect((await authenticate(r, agent, r.token.agent)).status).toBe(200);
  });

  it('Stop Email Sync ends the watch', async () => {
    const watchers = queueWatchersOf(r.adapter.ctx)!;
    await until('watched', async () => watchers.watching().includes(DEMO_USERS.agent.id), watchers.scanMs + 5000);
    expect((await r.call('DELETE', '/imap/credentials', r.token.agent)).status).toBe(200);
    await until('the watch stops', async () => !watchers.watching().includes(DEMO_USERS.agent.id), watchers.scanMs + 5000);
    await appendMessages(r.dovecot, agent, 'Rezi-Imported.Queue', [mailFrom(DEMO_ADDRESSES.cliftonVendor, 'stopped-1')]);
    await new Promise((res) => setTimeout(res, 1500));
    expect(await r.folder('Queue')).toEqual(['<stopped-1@watch.test>']);
    expect((await authenticate(r, agent, r.token.agent)).status).toBe(200);
    await until(
      'watched again, the waiting mail filed',
      async () => (await r.folder('Received')).includes('<stopped-1@watch.test>'),
      watchers.scanMs + FILED_WITHIN_MS,
    );
  });

  it('another instance takes the watch over when the first lets it go, and an instance watches no more accounts than it may', async () => {
    const watchers = queueWatchersOf(r.adapter.ctx)!;
    expect((await authenticate(r, admin, r.token.admin)).status).toBe(200);
    await until('both accounts watched here', async () => watchers.watching().length === 2, watchers.scanMs + 5000);

    // A second instance on the same store: its own lease holder, at most one account.
    const first = await imapServiceFor(r.adapter.ctx);
    const second = new QueueWatchers(r.adapter.ctx, new ImapService(r.adapter.ctx, first.cipher), { maxAccounts: 1, pollMs: 1000, scanMs: 500 });
    try {
      await second.scan();
      expect(second.watching()).toEqual([]);
      await watchers.stop();
      await second.scan();
      expect(second.watching()).toHaveLength(1);
      const taken = second.watching()[0];
      const user = taken === DEMO_USERS.agent.id ? agent : admin;
      await until('connected in IDLE', async () => second.watcherOf(taken)?.mode === 'idle', 5000);
      await appendMessages(r.dovecot, user, 'Rezi-Imported.Queue', [mailFrom(DEMO_ADDRESSES.cliftonVendor, 'takeover-1')]);
      await until('filed by the second instance', async () => (await r.folder('Received', user)).includes('<takeover-1@watch.test>'), FILED_WITHIN_MS);
    } finally {
      await second.stop();
    }
  });
});

run('Queue watching on a server without IDLE (NOOP polling)', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ withoutIdle: true, env: { WATCH_POLL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await r?.close();
  });

  it('polls Queue with NOOP and files new mail within 10 s', async () => {
    expect((await authenticate(r, agent, r.token.agent)).status).toBe(200);
    const watchers = queueWatchersOf(r.adapter.ctx)!;
    await until('the agent is watched by polling', async () => watchers.watcherOf(DEMO_USERS.agent.id)?.mode === 'noop', 15_000);
    await appendMessages(r.dovecot, agent, 'Rezi-Imported.Queue', [mailFrom(DEMO_ADDRESSES.cliftonVendor, 'noop-1')]);
    await until('the mail is filed into Received', async () => (await r.folder('Received')).includes('<noop-1@watch.test>'), FILED_WITHIN_MS);
  });
});

run('Queue watching turned off on an instance', () => {
  it('WATCH_MAX_ACCOUNTS=0 watches nothing: mail waits in Queue for Start Sync', async () => {
    const r = await rig({ env: { WATCH_MAX_ACCOUNTS: '0' } });
    try {
      expect((await authenticate(r, agent, r.token.agent)).status).toBe(200);
      await appendMessages(r.dovecot, agent, 'Rezi-Imported.Queue', [mailFrom(DEMO_ADDRESSES.cliftonVendor, 'off-1')]);
      expect(queueWatchersOf(r.adapter.ctx)!.watching()).toEqual([]);
      expect((await r.status()).account.watch).toMatchObject({ watched: false });
      expect(await r.folder('Queue')).toEqual(['<off-1@watch.test>']);

      // Watchers whose scan is far off still look at once at an account connected or forgotten on their instance.
      expect((await r.call('DELETE', '/imap/credentials', r.token.agent)).status).toBe(200);
      const service = await imapServiceFor(r.adapter.ctx);
      const watchers = new QueueWatchers(r.adapter.ctx, service, { maxAccounts: 5, pollMs: 1000, scanMs: 600_000 }).start();
      try {
        await new Promise((res) => setTimeout(res, 500));
        expect(watchers.watching()).toEqual([]);
        expect((await authenticate(r, agent, r.token.agent)).status).toBe(200);
        await until('filed without waiting for the scan', async () => (await r.folder('Received')).includes('<off-1@watch.test>'), FILED_WITHIN_MS);
        expect((await r.call('DELETE', '/imap/credentials', r.token.agent)).status).toBe(200);
        await until('the watch ends without waiting for the scan', async () => watchers.watching().length === 0, 5000);
      } finally {
        await watchers.stop();
      }
    } finally {
      await r.close();
    }
  });
});
