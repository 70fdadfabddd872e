/**
 * Fixing and undoing over IMAP, end to end: the real adapter over HTTP against real Dovecot — one
 * with MOVE and `.` as its delimiter, one without MOVE (the COPY fallback) and with `/`. Where each
 * mail is is read straight from the server by Message-ID.
 */
import { randomBytes } from 'node:crypto';
import type { AuthUser } from '../../../src/server/context';
import { ApiHttpError } from '../../../src/server/errors';
import { fixImapMail } from '../../../src/server/imap/fixing';
import { ImapService, imapServiceFor, syncLeaseKey } from '../../../src/server/imap/service';
import { DEMO_BRANCHES, DEMO_GROUP_IDS, DEMO_TENANT, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { appendMessages, dovecotAvailable, startDovecot, testClient, type DovecotInstance, type DovecotUser } from '../../support/dovecot';

const run = dovecotAvailable() ? describe : describe.skip;
if (!dovecotAvailable()) console.warn('*** SKIPPED test/server/imap/fixing.test.ts: no Dovecot binary ***');

const agent = { user: DEMO_USERS.agent.email, password: 'Fix-Pa55-agent-7Hq2' };
const redland = { user: DEMO_USERS.redlandAgent.email, password: 'Fix-Pa55-redland-7Hq2' };

function authUser(u: (typeof DEMO_USERS)[keyof typeof DEMO_USERS]): AuthUser {
  return { id: u.id, tenantId: DEMO_TENANT, oid: null, email: u.email, name: u.name, branchId: u.branch.id, branchName: u.branch.name, role: u.role };
}

/** Every Message-ID in a folder (duplicates kept: a second copy must show), on a connection of its own. */
async function idsIn(d: DovecotInstance, u: DovecotUser, folder: string): Promise<string[]> {
  const c = testClient(d, u);
  await c.connect();
  try {
    const lock = await c.getMailboxLock(folder);
    try {
      const ids: string[] = [];
      if (c.mailbox && c.mailbox.exists > 0)
        for await (const m of c.fetch('1:*', { envelope: true, flags: true })) if (!m.flags?.has('\\Deleted')) ids.push(m.envelope?.messageId ?? '');
      return ids.sort();
    } finally {
      lock.release();
    }
  } finally {
    await c.logout().catch(() => undefined);
  }
}

run('fixing and undoing over IMAP on real Dovecot', () => {
  let adapter: TestAdapter;
  let dot: DovecotInstance;
  let slashNoMove: DovecotInstance;
  const tokens = { agent: '', admin: '', redland: '', redlandAdmin: '' };

  beforeAll(async () => {
    [dot, slashNoMove] = await Promise.all([
      startDovecot({ delimiter: '.', users: [agent], tls: false }),
      startDovecot({ delimiter: '/', users: [redland], tls: false, withoutCapabilities: ['MOVE'] }),
    ]);
    // No Queue watcher: the counts stay as the tests put them.
    adapter = await startTestAdapter({ env: { IMAP_KEY: `t1:${randomBytes(32).toString('base64')}`, WATCH_MAX_ACCOUNTS: '0' } });
    const itEmail = `it-${DEMO_BRANCHES.redland.id}@brightwells.co.uk`;
    await adapter.ctx.db
      .insertInto('users')
      .values({
        id: 'user-it-redland',
        oid: null,
        tenant_id: DEMO_TENANT,
        email: itEmail,
        name: 'Branch IT',
        branch_id: DEMO_BRANCHES.redland.id,
        role: 'admin',
      })
      .execute();
    tokens.agent = await adapter.mintToken(agent.user);
    tokens.admin = await adapter.mintToken(DEMO_USERS.admin.email);
    tokens.redland = await adapter.mintToken(redland.user);
    tokens.redlandAdmin = await adapter.mintToken(itEmail);
    const plain = (d: DovecotInstance) => ({ host: d.host, port: d.port, ssl: false, tls: false, insecure: true });
    expect((await call('PUT', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, tokens.admin, plain(dot))).status).toBe(200);
    expect((await call('PUT', `/admin/branches/${DEMO_BRANCHES.redland.id}/imap`, tokens.redlandAdmin, plain(slashNoMove))).status).toBe(200);
    expect((await call('POST', '/imap/authenticate', tokens.agent, { username: agent.user, password: agent.password })).status).toBe(200);
    expect((await call('POST', '/imap/authenticate', tokens.redland, { username: redland.user, password: redland.password })).status).toBe(200);
  });
  afterAll(async () => {
    await adapter?.close();
    await Promise.all([dot?.stop(), slashNoMove?.stop()]);
  });

  async function call(method: string, p: string, token: string, body?: unknown) {
    const res = await fetch(`${adapter.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  const eventsOf = (messageId: string) =>
    adapter.ctx.db.selectFrom('timeline_events').select(['group_id']).where('internet_message_id', '=', messageId).execute();
  const auditOf = (action: string) => adapter.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();

  it('lists the Failed mails as the server has them now, newest first, with the Queue and Failed counts', async () => {
    await appendMessages(dot, agent, 'Rezi-Imported.Failed', [
      { from: 'first@unknown.test', to: agent.user, subject: 'Older', messageId: '<list-1@test.local>' },
      { from: 'second@unknown.test', to: agent.user, subject: 'Newer', messageId: '<list-2@test.local>' },
    ]);
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', [{ from: 'q@unknown.test', to: agent.user, subject: 'Waiting', messageId: '<list-q@test.local>' }]);
    const res = await call('GET', '/imap/failed', tokens.agent);
    expect(res.status).toBe(200);
    expect(res.json.mails.slice(0, 2)).toEqual([
      {
        internetMessageId: '<list-2@test.local>',
        subject: 'Newer',
        from: [{ address: 'second@unknown.test', name: '' }],
        date: expect.any(String),
        direction: 'inbound',
      },
      {
        internetMessageId: '<list-1@test.local>',
        subject: 'Older',
        from: [{ address: 'first@unknown.test', name: '' }],
        date: expect.any(String),
        direction: 'inbound',
      },
    ]);
    expect(res.json.counts.failed).toBe(2);
    expect(res.json.counts.queue).toBe(1);
  });

  it('fix: filed onto the chosen card and moved to Received; asked again, the same answer and no second copy', async () => {
    const mid = '<fix-in@test.local>';
    await appendMessages(dot, agent, 'Rezi-Imported.Failed', [{ from: 'stranger@unknown.test', to: agent.user, subject: 'About Elm Road', messageId: mid }]);
    const body = { internetMessageId: mid, groupIds: [DEMO_GROUP_IDS.elmRoadVendor] };
    const first = await call('POST', '/imap/fix', tokens.agent, body);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ moveTo: 'received', outcome: { status: 'filed', groups: [{ groupId: DEMO_GROUP_IDS.elmRoadVendor }] } });
    expect(await idsIn(dot, agent, 'Rezi-Imported.Received')).toContain(mid);
    expect(await idsIn(dot, agent, 'Rezi-Imported.Failed')).not.toContain(mid);
    expect(await eventsOf(mid)).toEqual([{ group_id: DEMO_GROUP_IDS.elmRoadVendor }]);

    const again = await call('POST', '/imap/fix', tokens.agent, body);
    expect(again.status).toBe(200);
    expect(again.json.moveTo).toBe('received');
    expect(again.json.outcome.groups[0].eventId).toBe(first.json.outcome.groups[0].eventId);
    expect((await idsIn(dot, agent, 'Rezi-Imported.Received')).filter((m) => m === mid)).toHaveLength(1);
    expect(await eventsOf(mid)).toHaveLength(1);
    const audited = (await auditOf('mail.filed-by-hand')).filter((a) => String(a.details).includes('fix-in@test.local'));
    expect(audited).toHaveLength(2);
    // The run is recorded as an IMAP one.
    const runRow = await adapter.ctx.db.selectFrom('sync_runs').select('source').where('id', '=', first.json.runId).executeTakeFirst();
    expect(runRow?.source).toBe('imap');
  });

  it('undo: the event removed and the mail back in INBOX; asked again, the same answer and still one copy', async () => {
    const mid = '<fix-in@test.local>';
    const first = await call('POST', '/imap/unfile', tokens.agent, { internetMessageId: mid });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ internetMessageId: mid, moveTo: 'inbox' });
    expect(await eventsOf(mid)).toEqual([]);
    expect(await idsIn(dot, agent, 'INBOX')).toContain(mid);
    expect(await idsIn(dot, agent, 'Rezi-Imported.Received')).not.toContain(mid);

    const again = await call('POST', '/imap/unfile', tokens.agent, { internetMessageId: mid });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect((await idsIn(dot, agent, 'INBOX')).filter((m) => m === mid)).toHaveLength(1);
  });

  it('a mail from the agent is moved to Sent', async () => {
    const mid = '<fix-out@test.local>';
    await appendMessages(dot, agent, 'Rezi-Imported.Failed', [{ from: agent.user, to: 'someone@unknown.test', subject: 'Viewing', messageId: mid }]);
    const res = await call('POST', '/imap/fix', tokens.agent, { internetMessageId: mid, groupIds: [DEMO_GROUP_IDS.elmRoadVendor] });
    expect(res.json.moveTo).toBe('sent');
    expect(await idsIn(dot, agent, 'Rezi-Imported.Sent')).toContain(mid);
  });

  it('a Message-ID the server does not have: a plain 404, nothing filed', async () => {
    const mid = '<nowhere@test.local>';
    const fix = await call('POST', '/imap/fix', tokens.agent, { internetMessageId: mid, groupIds: [DEMO_GROUP_IDS.elmRoadVendor] });
    expect(fix.status).toBe(404);
    expect(fix.json).toMatchObject({ code: 'imap-mail-not-found', cause: 'message-gone' });
    expect(fix.json.message).toMatch(/no mail with that Message-ID in Rezi-Imported › Failed/);
    const undo = await call('POST', '/imap/unfile', tokens.agent, { internetMessageId: mid });
    expect(undo.status).toBe(404);
    expect(await eventsOf(mid)).toEqual([]);
  });

  it('while a sync holds the account’s lease: waited for, then done; held throughout, a plain 409 and nothing filed', async () => {
    const mid = '<fix-busy@test.local>';
    await appendMessages(dot, agent, 'Rezi-Imported.Failed', [{ from: 'busy@unknown.test', to: agent.user, subject: 'Busy', messageId: mid }]);
    const service = await imapServiceFor(adapter.ctx);
    const user = authUser(DEMO_USERS.agent);
    const body = { internetMessageId: mid, groupIds: [DEMO_GROUP_IDS.elmRoadVendor] };

    const impatient = new ImapService(adapter.ctx, service.cipher, { leaseWaitMs: 0 });
    const held = await service.leases.acquire(syncLeaseKey(user));
    expect(held).toBeDefined();
    const refused = await fixImapMail(adapter.ctx, impatient, user, body).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiHttpError);
    expect(refused).toMatchObject({ statusCode: 409, code: 'sync-in-progress', message: expect.stringMatching(/Wait for the sync to finish, then try again/) });
    expect(await eventsOf(mid)).toEqual([]);
    expect(await idsIn(dot, agent, 'Rezi-Imported.Failed')).toContain(mid);

    // Released while the request waits: it goes ahead.
    const pending = call('POST', '/imap/fix', tokens.agent, body);
    await new Promise((r) => setTimeout(r, 100));
    await held!.release();
    const done = await pending;
    expect(done.status).toBe(200);
    expect(await idsIn(dot, agent, 'Rezi-Imported.Received')).toContain(mid);
  });

  it('without MOVE, on `/`: a copy an interrupted fix left in Received is not copied again, and undo leaves one copy in INBOX', async () => {
    const mid = '<fix-nomove@test.local>';
    const mail = { from: 'buyer@unknown.test', to: redland.user, subject: 'Cotham Hill', messageId: mid };
    await appendMessages(slashNoMove, redland, 'Rezi-Imported/Failed', [mail]);
    // As a fix cut after its COPY leaves it: the mail in Received already, the original still in Failed.
    await appendMessages(slashNoMove, redland, 'Rezi-Imported/Received', [mail]);
    const group = await adapter.ctx.db
      .selectFrom('groups')
      .select('id')
      .where('branch_id', '=', DEMO_BRANCHES.redland.id)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const res = await call('POST', '/imap/fix', tokens.redland, { internetMessageId: mid, groupIds: [group.id] });
    expect(res.status).toBe(200);
    expect(res.json.moveTo).toBe('received');
    expect(await idsIn(slashNoMove, redland, 'Rezi-Imported/Received')).toEqual([mid]);
    expect(await idsIn(slashNoMove, redland, 'Rezi-Imported/Failed')).toEqual([]);

    const undo = await call('POST', '/imap/unfile', tokens.redland, { internetMessageId: mid });
    expect(undo.status).toBe(200);
    expect(await idsIn(slashNoMove, redland, 'Rezi-Imported/Received')).toEqual([]);
    expect((await idsIn(slashNoMove, redland, 'INBOX')).filter((m) => m === mid)).toHaveLength(1);
    expect(await eventsOf(mid)).toEqual([]);
  });
});
