/**
 * Two adapter instances on one store file (the same IMAP key), over HTTP, against a real Dovecot:
 * the agent presses Start Sync on both at the same moment; exactly one sync runs, the other is told
 * one is already running, and every mail ends in exactly one folder, filed once.
 */
import { randomBytes } from 'node:crypto';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { appendMessages, dovecotAvailable, messageIdsOf, startDovecot, type DovecotInstance, type SeedMail } from '../../support/dovecot';

const run = dovecotAvailable() ? describe : describe.skip;
const agent = { user: DEMO_USERS.agent.email, password: 'Imap-Two-Instances-Pa55' };

run('two adapter instances on one store', () => {
  let dot: DovecotInstance;
  let one: TestAdapter;
  let two: TestAdapter;
  beforeAll(async () => {
    dot = await startDovecot({ delimiter: '.', users: [agent] });
    const env = { IMAP_KEY: `t1:${randomBytes(32).toString('base64')}` };
    one = await startTestAdapter({ env, logLevel: 'silent' });
    two = await startTestAdapter({ env, logLevel: 'silent', dbFile: one.dbFile });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await dot?.stop();
  });

  const call = async (adapter: TestAdapter, method: string, p: string, token: string, body?: unknown) => {
    const res = await fetch(`${adapter.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as { code?: string; total?: number; pending?: number } };
  };

  const folderIds = (name: string) => messageIdsOf(dot, agent, name);

  it('Start Sync pressed on both at the same moment: exactly one runs, the other answers 409 sync-in-progress', async () => {
    const admin = await one.mintToken(DEMO_USERS.admin.email);
    const settings = { host: dot.host, port: dot.port, ssl: false, tls: false, insecure: true };
    expect((await call(one, 'PUT', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, admin, settings)).status).toBe(200);
    const tokenOne = await one.mintToken(agent.user);
    const tokenTwo = await two.mintToken(agent.user);
    expect((await call(one, 'POST', '/imap/authenticate', tokenOne, { username: agent.user, password: agent.password })).status).toBe(200);

    const seed: SeedMail[] = [];
    for (let i = 0; i < 300; i++)
      seed.push({ from: agent.user, to: DEMO_ADDRESSES.cliftonLandlord, subject: `Two ${i}`, messageId: `<two-${i}@instances.test>` });
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', seed);

    const answers = await Promise.all([call(one, 'POST', '/imap/sync', tokenOne), call(two, 'POST', '/imap/sync', tokenTwo)]);
    const ran = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 409);
    expect(ran).toHaveLength(1);
    expect(refused.map((a) => a.json.code)).toEqual(['sync-in-progress']);
    expect(ran[0].json).toMatchObject({ total: 300, pending: 0 });

    expect(await folderIds('Queue')).toEqual([]);
    const sent = (await folderIds('Sent')).filter((id) => id.endsWith('@instances.test>'));
    expect(new Set(sent).size).toBe(300);
    expect(sent).toHaveLength(300);
    const events = await one.ctx.db
      .selectFrom('timeline_events')
      .select('internet_message_id')
      .where(
        'internet_message_id',
        'in',
        seed.map((m) => m.messageId!),
      )
      .execute();
    expect(events).toHaveLength(300);
    // The lock is free again, on both: the next Start Sync runs (nothing left in Queue).
    expect((await call(two, 'POST', '/imap/sync', tokenTwo)).json).toMatchObject({ total: 0 });
  });
});
