/**
 * The IMAP companion end to end: the real adapter over HTTP (temp SQLite file, demo data, real tokens)
 * against real Dovecot instances (`.` and `/` delimiters, plain, STARTTLS and implicit TLS).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { ImapFlow } from 'imapflow';
import type { ApiStatus } from '../../../src/core/api';
import type { AuthUser } from '../../../src/server/context';
import { imapServiceFor, type ImapSyncResult } from '../../../src/server/imap/service';
import { imapDb } from '../../../src/server/imap/tables';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_TENANT, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { appendMessages, dovecotAvailable, freePort, startDovecot, testClient, type DovecotInstance, type SeedMail } from '../../support/dovecot';
import { countImapCommands } from '../../support/imap-commands';

const run = dovecotAvailable() ? describe : describe.skip;

const PASSWORD = 'Imap-Secret-Pa55-7Hq2';
const agent = { user: DEMO_USERS.agent.email, password: PASSWORD };
const redland = { user: DEMO_USERS.redlandAgent.email, password: `${PASSWORD}-r` };
const southville = { user: DEMO_USERS.southvilleAgent.email, password: `${PASSWORD}-s` };
const BRANCH_WORDS = 'Your branch is not set up for email sync yet — ask your IT support to send the branch’s IMAP details.';

function authUser(u: (typeof DEMO_USERS)[keyof typeof DEMO_USERS]): AuthUser {
  return { id: u.id, tenantId: DEMO_TENANT, oid: null, email: u.email, name: u.name, branchId: u.branch.id, branchName: u.branch.name, role: u.role };
}

run('IMAP companion over HTTP on real Dovecot', () => {
  let adapter: TestAdapter;
  let dot: DovecotInstance;
  let slash: DovecotInstance;
  const tokens: Record<'agent' | 'admin' | 'redland' | 'southville' | 'redlandAdmin' | 'southvilleAdmin', string> = {
    agent: '',
    admin: '',
    redland: '',
    southville: '',
    redlandAdmin: '',
    southvilleAdmin: '',
  };

  beforeAll(async () => {
    [dot, slash] = await Promise.all([startDovecot({ delimiter: '.', users: [agent, southville] }), startDovecot({ delimiter: '/', users: [redland] })]);
    // This file asserts the reports Start Sync answers, so it waits for the run however slow the
    // machine (a 5,000-mail run under coverage on a shared runner passed the 20 s default); the 202
    // path is tested in test/server/jobs/imap-sync.test.ts.
    adapter = await startTestAdapter({ env: { IMAP_KEY: `t1:${randomBytes(32).toString('base64')}`, SYNC_WAIT_SECONDS: '600' }, logLevel: 'debug' });
    tokens.agent = await adapter.mintToken(DEMO_USERS.agent.email);
    tokens.admin = await adapter.mintToken(DEMO_USERS.admin.email);
    tokens.redland = await adapter.mintToken(DEMO_USERS.redlandAgent.email);
    tokens.southville = await adapter.mintToken(DEMO_USERS.southvilleAgent.email);
    // Branch admins act on their own branch only: Redland's and Southville's IT set their own settings.
    for (const [key, branch] of [
      ['redlandAdmin', DEMO_BRANCHES.redland],
      ['southvilleAdmin', DEMO_BRANCHES.southville],
    ] as const) {
      const email = `it-${branch.id}@brightwells.co.uk`;
      await adapter.ctx.db
        .insertInto('users')
        .values({ id: `user-it-${branch.id}`, oid: null, tenant_id: DEMO_TENANT, email, name: 'Branch IT', branch_id: branch.id, role: 'admin' })
        .execute();
      tokens[key] = await adapter.mintToken(email);
    }
  });
  afterAll(async () => {
    await adapter?.close();
    await Promise.all([dot?.stop(), slash?.stop()]);
  });

  async function call(method: string, p: string, token: string, body?: unknown) {
    const res = await fetch(`${adapter.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  }

  const putSettings = (branchId: string, body: unknown, token = tokens.admin) => call('PUT', `/admin/branches/${branchId}/imap`, token, body);
  const plainTo = (d: DovecotInstance) => ({ host: d.host, port: d.port, ssl: false, tls: false, insecure: true });

  async function withClient<T>(d: DovecotInstance, u: { user: string; password: string }, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
    const c = testClient(d, u);
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => undefined);
    }
  }

  /** Message-IDs per folder, straight from the server. */
  async function folderContents(d: DovecotInstance, u: { user: string; password: string }, delimiter: string) {
    const names = ['Queue', 'Sent', 'Received', 'Failed'];
    return withClient(d, u, async (c) => {
      const out: Record<string, string[]> = {};
      for (const n of names) {
        const lock = await c.getMailboxLock(`Rezi-Imported${delimiter}${n}`);
        try {
          const ids: string[] = [];
          if (c.mailbox && c.mailbox.exists > 0) for await (const m of c.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
          out[n] = ids;
        } finally {
          lock.release();
        }
      }
      return out;
    });
  }

  const status = async (token: string) => (await call('GET', '/status', token)).json as ApiStatus;
  const eventsFor = async (ids: string[]) => {
    const rows = await adapter.ctx.db
      .selectFrom('timeline_events')
      .select(['internet_message_id', 'group_id'])
      .where('internet_message_id', 'in', ids)
      .execute();
    return rows;
  };

  it('an unconfigured branch gets the plain answer, and nothing is stored', async () => {
    const view = await call('GET', '/imap', tokens.agent);
    expect(view.json).toMatchObject({ branchConfigured: false, account: null });
    const res = await call('POST', '/imap/authenticate', tokens.agent, { username: agent.user, password: agent.password });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ code: 'branch-not-configured', message: BRANCH_WORDS, cause: 'not-configured' });
  });

  it('branch settings are admin-only, validated in plain words, scoped to the organisation and audited', async () => {
    expect((await putSettings(DEMO_BRANCHES.clifton.id, plainTo(dot), tokens.agent)).status).toBe(403);
    expect((await putSettings('branch-of-someone-else', plainTo(dot))).status).toBe(404);
    const bad = await putSettings(DEMO_BRANCHES.clifton.id, { host: 'imap.example.com', port: 99999, ssl: true, tls: true });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('invalid-imap-settings');
    expect(bad.json.problems.map((p: { field: string }) => p.field).sort()).toEqual(['port', 'tls']);

    const ok = await putSettings(DEMO_BRANCHES.clifton.id, plainTo(dot));
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      branchId: DEMO_BRANCHES.clifton.id,
      host: '127.0.0.1',
      port: dot.port,
      ssl: false,
      tls: false,
      allowInvalidCertificates: false,
      updatedBy: DEMO_USERS.admin.id,
    });
    expect((await call('GET', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, tokens.admin)).json).toMatchObject({ port: dot.port, insecure: true });
    // No SSL/TLS needs insecure: true, and the agents' pane is told (it shows a warning).
    const refused = await putSettings(DEMO_BRANCHES.clifton.id, { ...plainTo(dot), insecure: undefined });
    expect(refused.json.problems).toEqual([expect.objectContaining({ field: 'tls', message: expect.stringMatching(/insecure: true/) })]);
    expect((await status(tokens.agent)).account).toMatchObject({ branchConfigured: true, connectionInsecure: true });
    expect((await call('GET', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, tokens.agent)).status).toBe(403);
    const audit = await adapter.ctx.db.selectFrom('audit_log').selectAll().where('action', 'like', 'imap-settings.%').execute();
    expect(audit.map((a) => [a.action, a.actor_user_id, a.branch_id])).toEqual([['imap-settings.create', DEMO_USERS.admin.id, DEMO_BRANCHES.clifton.id]]);
  });

  it('an admin of one branch can neither read nor change another branch’s settings', async () => {
    const before = await call('GET', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, tokens.admin);
    for (const other of [DEMO_BRANCHES.redland.id, DEMO_BRANCHES.southville.id]) {
      const put = await putSettings(other, plainTo(dot), tokens.admin);
      expect(put.status).toBe(403);
      expect(put.json).toMatchObject({ code: 'other-branch', message: expect.stringMatching(/You administer .*Clifton only/) });
      expect((await call('GET', `/admin/branches/${other}/imap`, tokens.admin)).status).toBe(403);
    }
    // Nor the other way round.
    expect((await putSettings(DEMO_BRANCHES.clifton.id, plainTo(slash), tokens.redlandAdmin)).status).toBe(403);
    expect((await call('GET', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, tokens.admin)).json).toEqual(before.json);
    const rows = await imapDb(adapter.ctx.db).selectFrom('branch_imap_settings').select('branch_id').execute();
    expect(rows.map((r) => r.branch_id)).toEqual([DEMO_BRANCHES.clifton.id]);
  });

  it('a wrong password answers Authorisation failed, stores nothing, and shows on /status', async () => {
    const res = await call('POST', '/imap/authenticate', tokens.agent, { username: agent.user, password: 'Wrong-Guess-991' });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'imap-auth-failed', cause: 'password-changed' });
    expect(res.json.message).toMatch(/^Authorisation failed.*Has your email password changed recently\?$/);
    expect(res.text).not.toContain('Wrong-Guess-991');
    const rows = await adapter.ctx.db.withTables<{ imap_accounts: { user_id: string } }>().selectFrom('imap_accounts').select('user_id').execute();
    expect(rows).toEqual([]);
    const s = await status(tokens.agent);
    expect(s.account).toMatchObject({ kind: 'imap', state: 'authorisation-failed', cause: 'password-changed' });
    expect(adapter.logs().join('\n')).not.toContain('Wrong-Guess-991');
  });

  it('a line break or other control character in the username or password is a 400 in plain words, and nothing reaches the server', async () => {
    const before = (await call('GET', '/imap', tokens.agent)).json;
    const failures = (await status(tokens.agent)).recentFailures.length;
    for (const [field, value] of [
      ['username', `${agent.user}\r\nA1 LOGOUT`],
      ['username', `${agent.user}\u0000`],
      ['password', `${agent.password}\r\n`],
    ] as const) {
      const body = { username: agent.user, password: agent.password, [field]: value };
      const res = await call('POST', '/imap/authenticate', tokens.agent, body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ code: `invalid-imap-${field}`, message: expect.stringMatching(/cannot contain line breaks/) });
    }
    expect((await call('GET', '/imap', tokens.agent)).json).toEqual(before);
    expect((await status(tokens.agent)).recentFailures).toHaveLength(failures);
  });

  it('first-time Authenticate creates and subscribes the four folders (delimiter .) and stores only ciphertext', async () => {
    const res = await call('POST', '/imap/authenticate', tokens.agent, { username: agent.user, password: agent.password });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ username: agent.user, state: 'connected', delimiter: '.', folders: { queue: 'Rezi-Imported.Queue' } });
    expect(res.text).not.toContain(PASSWORD);
    const listed = await withClient(dot, agent, (c) => c.list());
    const ours = listed.filter((f) => f.path.startsWith('Rezi-Imported'));
    expect(ours.map((f) => f.path).sort()).toEqual([
      'Rezi-Imported',
      'Rezi-Imported.Failed',
      'Rezi-Imported.Queue',
      'Rezi-Imported.Received',
      'Rezi-Imported.Sent',
    ]);
    expect(ours.every((f) => f.subscribed)).toBe(true);

    expect((await call('GET', '/imap', tokens.agent)).json).toMatchObject({ branchConfigured: true, account: { username: agent.user, state: 'connected' } });
    expect((await status(tokens.agent)).account).toMatchObject({ kind: 'imap', state: 'connected' });

    // The store never holds the password, in any column; the SQLite file (and its WAL) in no page either.
    const row: Record<string, unknown> = await imapDb(adapter.ctx.db)
      .selectFrom('imap_accounts')
      .selectAll()
      .where('user_id', '=', DEMO_USERS.agent.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ username: agent.user, kid: 't1' });
    expect(Buffer.isBuffer(row.ciphertext)).toBe(true);
    for (const v of Object.values(row)) expect(Buffer.isBuffer(v) ? v.includes(PASSWORD) : String(v).includes(PASSWORD)).toBe(false);
    if (!adapter.databaseUrl) {
      const raw = new SQLite(adapter.dbFile, { readonly: true });
      const rawRow = raw.prepare('select * from imap_accounts where user_id = ?').get(DEMO_USERS.agent.id) as Record<string, unknown>;
      raw.close();
      for (const v of Object.values(rawRow)) expect(Buffer.isBuffer(v) ? v.includes(PASSWORD) : String(v).includes(PASSWORD)).toBe(false);
      const dir = path.dirname(adapter.dbFile);
      for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(adapter.dbFile)))) {
        expect([f, fs.readFileSync(path.join(dir, f)).includes(Buffer.from(PASSWORD))]).toEqual([f, false]);
      }
    }
    expect(adapter.logs().join('\n')).not.toContain(PASSWORD);
  });

  it('first-time Authenticate uses the server’s own delimiter (/)', async () => {
    expect((await putSettings(DEMO_BRANCHES.redland.id, plainTo(slash), tokens.redlandAdmin)).status).toBe(200);
    const res = await call('POST', '/imap/authenticate', tokens.redland, { username: redland.user, password: redland.password });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ delimiter: '/', folders: { root: 'Rezi-Imported', sent: 'Rezi-Imported/Sent' } });
    const listed = await withClient(slash, redland, (c) => c.list());
    expect(
      listed
        .filter((f) => f.path.startsWith('Rezi-Imported'))
        .map((f) => f.path)
        .sort(),
    ).toEqual(['Rezi-Imported', 'Rezi-Imported/Failed', 'Rezi-Imported/Queue', 'Rezi-Imported/Received', 'Rezi-Imported/Sent']);
  });

  it('a self-signed certificate is refused (implicit TLS and STARTTLS) unless the branch allows it', async () => {
    const auth = () => call('POST', '/imap/authenticate', tokens.southville, { username: southville.user, password: southville.password });
    for (const settings of [
      { host: dot.host, port: dot.tlsPort, ssl: true, tls: false },
      { host: dot.host, port: dot.port, ssl: false, tls: true },
    ]) {
      expect((await putSettings(DEMO_BRANCHES.southville.id, settings, tokens.southvilleAdmin)).status).toBe(200);
      const refused = await auth();
      expect(refused.status).toBe(502);
      expect(refused.json).toMatchObject({ code: 'imap-certificate-invalid', cause: 'certificate-invalid' });
      expect(refused.json.message).toMatch(/self-signed/);
      expect((await status(tokens.southville)).account).toMatchObject({ state: 'disconnected', cause: 'certificate-invalid' });

      expect(
        (await putSettings(DEMO_BRANCHES.southville.id, { ...settings, allowInvalidCertificates: true }, tokens.southvilleAdmin)).json.warnings,
      ).toHaveLength(1);
      const accepted = await auth();
      expect(accepted.status).toBe(200);
      expect(accepted.json.state).toBe('connected');
    }
  });

  it('changing the server forgets the branch’s stored passwords (audited, agents told why); a server that is down or not IMAP gets one plain answer', async () => {
    const lowLevel = /ECONNREFUSED|GREETING_TIMEOUT|ERR_SSL|EPROTO|ECONNRESET|ClosedAfterConnect/;
    const put = await putSettings(
      DEMO_BRANCHES.southville.id,
      { host: '127.0.0.1', port: await freePort(), ssl: false, tls: false, insecure: true },
      tokens.southvilleAdmin,
    );
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ credentialsRevoked: 1, insecure: true });
    const [audit] = await adapter.ctx.db
      .selectFrom('audit_log')
      .select(['details'])
      .where('action', '=', 'imap-settings.update')
      .where('branch_id', '=', DEMO_BRANCHES.southville.id)
      .orderBy('at', 'desc')
      .limit(1)
      .execute();
    expect(JSON.parse(audit.details ?? '{}')).toMatchObject({ credentialsRevoked: 1, after: { port: put.json.port } });
    const notConnected = await call('POST', '/imap/sync', tokens.southville);
    expect(notConnected.status).toBe(409);
    expect(notConnected.json).toMatchObject({
      code: 'imap-not-connected',
      cause: 'server-settings-changed',
      message: expect.stringMatching(/changed the mail server settings/),
    });
    expect((await status(tokens.southville)).account).toMatchObject({ kind: 'imap', state: 'authorisation-failed', cause: 'server-settings-changed' });
    expect(await imapDb(adapter.ctx.db).selectFrom('imap_accounts').select('user_id').where('user_id', '=', DEMO_USERS.southvilleAgent.id).execute()).toEqual(
      [],
    );

    // Nothing listening, a listener that answers HTTP, and TLS to it: the same words, no low-level code.
    const sockets = new Set<import('node:net').Socket>();
    const http = await new Promise<import('node:net').Server>((resolve) => {
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      });
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const httpPort = (http.address() as import('node:net').AddressInfo).port;
    try {
      for (const settings of [
        { host: '127.0.0.1', port: put.json.port, ssl: false, tls: false, insecure: true },
        { host: '127.0.0.1', port: httpPort, ssl: false, tls: false, insecure: true },
        { host: '127.0.0.1', port: httpPort, ssl: true, tls: false },
      ]) {
        expect((await putSettings(DEMO_BRANCHES.southville.id, settings, tokens.southvilleAdmin)).status).toBe(200);
        const res = await call('POST', '/imap/authenticate', tokens.southville, { username: southville.user, password: southville.password });
        expect(res.status).toBe(502);
        expect(res.json).toMatchObject({
          code: 'imap-server-unreachable',
          cause: 'server-unreachable',
          message: expect.stringMatching(/^No IMAP server answered/),
        });
        expect(res.text).not.toMatch(lowLevel);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => http.close(resolve));
    }
    const shown = await call('GET', '/status', tokens.southville);
    expect(shown.json.account).toMatchObject({ kind: 'imap', state: 'disconnected', cause: 'server-unreachable' });
    expect(shown.text).not.toMatch(lowLevel);
    const unreachable = shown.json.recentFailures.filter((f: { code: string }) => f.code === 'server-unreachable');
    expect(unreachable.length).toBeGreaterThanOrEqual(3);
    for (const f of unreachable)
      expect(f).toEqual({ at: expect.any(String), code: 'server-unreachable', message: expect.stringMatching(/^No IMAP server answered/) });
  });

  it('files 1,000 queued mails (outbound, inbound, unmatched) with one UID FETCH and at most three UID MOVEs (metadata only)', async () => {
    // The listing's own cost: a branch that keeps bodies reads them too (test/server/imap/content.test.ts).
    await adapter.ctx.db.updateTable('branches').set({ privacy_level: 'metadata' }).where('id', '=', DEMO_USERS.agent.branch.id).execute();
    const seed: SeedMail[] = [];
    for (let i = 0; i < 400; i++) seed.push({ from: agent.user, to: DEMO_ADDRESSES.cliftonVendor, subject: `Out ${i}`, messageId: `<out-${i}@bulk.test>` });
    for (let i = 0; i < 300; i++)
      seed.push({ from: `"James" <${DEMO_ADDRESSES.cliftonTwoGroups}>`, to: agent.user, subject: `In ${i}`, messageId: `<in-${i}@bulk.test>` });
    for (let i = 0; i < 300; i++) seed.push({ from: DEMO_ADDRESSES.unknown, to: agent.user, subject: `Nobody ${i}`, messageId: `<none-${i}@bulk.test>` });
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', seed);

    const imap = countImapCommands();
    const started = Date.now();
    const res = await call('POST', '/imap/sync', tokens.agent);
    const elapsed = Date.now() - started;
    const commands = imap.lastMailbox();
    imap.restore();
    await adapter.ctx.db.updateTable('branches').set({ privacy_level: null }).where('id', '=', DEMO_USERS.agent.branch.id).execute();
    expect(res.status).toBe(200);
    const report = res.json as ImapSyncResult;
    expect(report).toMatchObject({ total: 1000, sent: 400, received: 300, failed: 300, pending: 0, cancelled: false });
    expect(report.error).toBeUndefined();
    // Command counts are the tests' own measurement, never part of the answer.
    expect(report).not.toHaveProperty('commands');
    expect(commands['UID FETCH']).toBe(1);
    expect(commands['UID MOVE']).toBeLessThanOrEqual(3);
    expect(commands.FETCH ?? 0).toBe(0);
    console.log(`IMAP sync of 1,000 queued mails: ${elapsed} ms over HTTP; commands ${JSON.stringify(commands)}`);

    const contents = await folderContents(dot, agent, '.');
    expect(contents.Queue).toEqual([]);
    expect(contents.Sent.filter((id) => id.startsWith('<out-'))).toHaveLength(400);
    expect(contents.Received.filter((id) => id.startsWith('<in-'))).toHaveLength(300);
    expect(contents.Failed.filter((id) => id.startsWith('<none-'))).toHaveLength(300);

    const events = await eventsFor(seed.map((m) => m.messageId!));
    expect(events).toHaveLength(400 + 300 * 2);
    const s = await status(tokens.agent);
    expect(s.lastSync).toMatchObject({ runId: report.runId, source: 'imap', total: 1000, sent: 400, received: 300, failed: 300 });
    expect(s.account).toMatchObject({ kind: 'imap', state: 'connected' });
  });

  it('a Start Sync of 5,000 mails answers exact counts with at most 1,000 per-mail results (every failure listed), and the history holds all 5,000', async () => {
    const seed: SeedMail[] = [];
    for (let i = 0; i < 5000; i++)
      seed.push(
        i % 1000 === 500
          ? { from: DEMO_ADDRESSES.unknown, to: agent.user, subject: `Many-none ${i}`, messageId: `<many-none-${i}@bulk.test>` }
          : { from: agent.user, to: DEMO_ADDRESSES.cliftonVendor, subject: `Many-out ${i}`, messageId: `<many-out-${i}@bulk.test>` },
      );
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', seed);

    const res = await call('POST', '/imap/sync', tokens.agent);
    expect(res.status).toBe(200);
    const report = res.json as ImapSyncResult;
    expect(report).toMatchObject({ total: 5000, sent: 4995, failed: 5, received: 0, pending: 0, resultsOmitted: 4000 });
    expect(report.results).toHaveLength(1000);
    expect(report.results.filter((r) => r.status === 'failed').map((r) => r.internetMessageId)).toEqual(
      expect.arrayContaining(seed.filter((m) => m.messageId!.startsWith('<many-none-')).map((m) => m.messageId)),
    );
    // Nothing lost from the record: every mail's outcome is in the run's history, once.
    const outcomes = await adapter.ctx.db.selectFrom('sync_outcomes').select('internet_message_id').where('run_id', '=', report.runId).execute();
    expect(outcomes).toHaveLength(5000);
    const contents = await folderContents(dot, agent, '.');
    expect(contents.Queue).toEqual([]);
    expect(contents.Sent.filter((id) => id.startsWith('<many-out-'))).toHaveLength(4995);
  }, 180_000);

  it('a sync stopped half-way and re-run leaves every mail in exactly one folder and no duplicate event; syncs never overlap', async () => {
    const seed: SeedMail[] = [];
    for (let i = 0; i < 100; i++)
      seed.push({ from: agent.user, to: DEMO_ADDRESSES.cliftonLandlord, subject: `K-out ${i}`, messageId: `<k-out-${i}@kill.test>` });
    for (let i = 0; i < 100; i++)
      seed.push({ from: DEMO_ADDRESSES.cliftonTwoGroups, to: agent.user, subject: `K-in ${i}`, messageId: `<k-in-${i}@kill.test>` });
    for (let i = 0; i < 100; i++) seed.push({ from: DEMO_ADDRESSES.redlandOnly, to: agent.user, subject: `K-none ${i}`, messageId: `<k-none-${i}@kill.test>` });
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', seed);

    const service = await imapServiceFor(adapter.ctx);
    const controller = new AbortController();
    const first = await service.sync(authUser(DEMO_USERS.agent), {
      signal: controller.signal,
      // Kill the run as soon as the first destination's UID MOVE has landed.
      onProgress: (p) => {
        if (p.result && p.result.status !== 'pending') controller.abort();
      },
    });
    expect(first.cancelled).toBe(true);
    // The engine starts the three destinations' moves at once; imapflow sends them one after the
    // other, and closing the connection after the first leaves the rest unfinished.
    expect(first.pending).toBeGreaterThanOrEqual(100);
    expect(first.sent + first.received + first.failed).toBeGreaterThanOrEqual(100);
    const midway = await folderContents(dot, agent, '.');
    expect(midway.Queue.length).toBeGreaterThan(0);
    expect(midway.Queue.length).toBeLessThanOrEqual(first.pending);

    // The re-run, and a second Start Sync while it runs: refused, never run twice at once.
    const rerun = service.sync(authUser(DEMO_USERS.agent));
    const overlap = await call('POST', '/imap/sync', tokens.agent);
    expect(overlap.status).toBe(409);
    expect(overlap.json.code).toBe('sync-in-progress');
    const second = await rerun;
    expect(second).toMatchObject({ total: midway.Queue.length, pending: 0 });
    expect(second.error).toBeUndefined();

    const after = await folderContents(dot, agent, '.');
    expect(after.Queue).toEqual([]);
    const everywhere = [...after.Sent, ...after.Received, ...after.Failed].filter((id) => id.endsWith('@kill.test>'));
    expect(everywhere).toHaveLength(300);
    expect(new Set(everywhere).size).toBe(300);
    expect(after.Sent.filter((id) => id.startsWith('<k-out-'))).toHaveLength(100);
    expect(after.Received.filter((id) => id.startsWith('<k-in-'))).toHaveLength(100);
    expect(after.Failed.filter((id) => id.startsWith('<k-none-'))).toHaveLength(100);
    const events = await eventsFor(seed.map((m) => m.messageId!));
    expect(events).toHaveLength(100 + 100 * 2);
    expect(new Set(events.map((e) => `${e.internet_message_id}|${e.group_id}`)).size).toBe(events.length);
  });

  it('a password changed on the mail server makes Start Sync answer Authorisation failed until the agent authenticates again', async () => {
    const newPassword = 'Changed-Pa55-Later-8';
    dot.setPassword(agent.user, newPassword);
    const sync = await call('POST', '/imap/sync', tokens.agent);
    expect(sync.status).toBe(200);
    expect(sync.json.error).toMatchObject({ code: 'password-changed', message: expect.stringMatching(/has your email password changed recently\?/i) });
    expect((await status(tokens.agent)).account).toMatchObject({ kind: 'imap', state: 'authorisation-failed', cause: 'password-changed' });
    const reconnect = await call('POST', '/imap/authenticate', tokens.agent, { username: agent.user, password: newPassword });
    expect(reconnect.status).toBe(200);
    const again = await call('POST', '/imap/sync', tokens.agent);
    expect(again.json).toMatchObject({ total: 0 });
    expect(again.json.error).toBeUndefined();
    expect((await status(tokens.agent)).account).toMatchObject({ state: 'connected' });
    expect(adapter.logs().join('\n')).not.toContain(newPassword);
  });

  it('a sync against a stopped server ends Disconnected, and Stop Email Sync forgets the credentials', async () => {
    await slash.stop();
    const res = await call('POST', '/imap/sync', tokens.redland);
    expect(res.status).toBe(200);
    expect(res.json.error).toMatchObject({ code: 'server-unreachable' });
    expect((await status(tokens.redland)).account).toMatchObject({ state: 'disconnected', cause: 'server-unreachable' });

    const stop = await call('DELETE', '/imap/credentials', tokens.redland);
    expect(stop.json).toEqual({ deleted: true });
    expect((await call('GET', '/imap', tokens.redland)).json.account).toBeNull();
    const again = await call('POST', '/imap/sync', tokens.redland);
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('imap-not-connected');
  });
});
