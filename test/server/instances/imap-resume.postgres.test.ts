/**
 * A Start Sync whose instance dies half-way finishes on another instance: two adapter instances (real
 * child processes) on one PostgreSQL and a real Dovecot, Start Sync of a few thousand queued mails on
 * the first, which is SIGKILLed once some have moved. The job (pg-boss) lapses after
 * LEASE_TTL_SECONDS without its heartbeat, the second instance runs it again once the dead one's
 * lease has lapsed too, and every mail ends in exactly one folder, filed once. Meanwhile a Start Sync
 * answers 409: the account's sync is still running, on no live instance. PostgreSQL run only.
 */
import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import pg from 'pg';
import { startLocalIssuer, type LocalIssuer } from '../../../src/server/auth/local-issuer';
import { SYNC_STILL_RUNNING_MESSAGE } from '../../../src/server/jobs/imap-sync';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { instanceEnv, startAdapterProcess, type AdapterProcess } from '../../support/adapter-process';
import { appendMessages, dovecotAvailable, freePort, messageIdsIn, startDovecot, testClient, type DovecotInstance, type SeedMail } from '../../support/dovecot';
import { postgresAvailable, testDatabaseUrl, testStoreKind } from '../../support/postgres';

const ready = testStoreKind() === 'postgres' && postgresAvailable() && dovecotAvailable();
if (!ready) console.warn('imap-resume.postgres.test.ts: SKIPPED (needs npm run test:postgres with PostgreSQL and Dovecot installed).');
const run = ready ? describe : describe.skip;

jest.setTimeout(90_000);

const MAILS = 3000;
const agent = { user: DEMO_USERS.agent.email, password: 'Imap-Resume-Pa55' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

run('a Start Sync whose instance is SIGKILLed half-way', () => {
  let issuer: LocalIssuer;
  let dot: DovecotInstance;
  let databaseUrl: string;
  let env: Record<string, string>;
  const instances: AdapterProcess[] = [];

  beforeAll(async () => {
    [issuer, dot, databaseUrl] = await Promise.all([startLocalIssuer(), startDovecot({ delimiter: '.', users: [agent] }), testDatabaseUrl()]);
    // The shortest lease the adapter takes: the dead instance's sync resumes within about 15 s.
    env = instanceEnv(issuer, databaseUrl, { IMAP_KEY: `k1:${randomBytes(32).toString('base64')}`, LEASE_TTL_SECONDS: '10', SYNC_WAIT_SECONDS: '1' });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await dot?.stop();
    await issuer?.close();
  });

  const call = async (a: AdapterProcess, method: string, p: string, email: string, body?: unknown) => {
    const token = await issuer.mintToken({ preferred_username: email });
    const res = await fetch(`${a.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  const folder = messageIdsIn;
  const countIn = async (c: ImapFlow, name: string) => {
    const status = await c.status(`Rezi-Imported.${name}`, { messages: true });
    return status ? (status.messages ?? 0) : 0;
  };

  it('completes on another instance: every mail in exactly one folder, each filed once', async () => {
    const first = await startAdapterProcess(await freePort(), env);
    instances.push(first);
    const settings = { host: dot.host, port: dot.port, ssl: false, tls: false, insecure: true };
    expect((await call(first, 'PUT', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, DEMO_USERS.admin.email, settings)).status).toBe(200);
    expect((await call(first, 'POST', '/imap/authenticate', agent.user, { username: agent.user, password: agent.password })).status).toBe(200);
    const seed: SeedMail[] = Array.from({ length: MAILS }, (_, i) => ({
      from: agent.user,
      to: DEMO_ADDRESSES.cliftonLandlord,
      subject: `Resume ${i}`,
      messageId: `<resume-${i}@instances.test>`,
    }));
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', seed);

    // Only the first instance runs: the job runs there, and the caller is answered 202.
    const started = await call(first, 'POST', '/imap/sync', agent.user);
    expect(started).toEqual({ status: 202, json: { state: 'running', jobId: expect.any(String), message: SYNC_STILL_RUNNING_MESSAGE } });

    let second!: AdapterProcess;
    const c = testClient(dot, agent);
    await c.connect();
    try {
      // Kill it once some mails have left Queue, well before all have.
      for (let moved = 0; moved === 0; moved = await countIn(c, 'Sent')) await sleep(50);
      await first.kill();
      instances.splice(instances.indexOf(first), 1);
      const leftAtKill = await countIn(c, 'Queue');
      expect(leftAtKill).toBeGreaterThan(0);
      // The second instance starts after the kill: the job waits in PostgreSQL with no instance alive.
      second = await startAdapterProcess(await freePort(), env);
      instances.push(second);

      // The account's sync is still running as far as anyone can tell: refused, not started twice.
      expect(await call(second, 'POST', '/imap/sync', agent.user)).toMatchObject({ status: 409, json: { code: 'sync-in-progress' } });

      // The second instance resumes it: Queue empties and the lock is let go.
      const deadline = Date.now() + 60_000;
      while ((await countIn(c, 'Queue')) > 0 || (await call(second, 'GET', '/imap', agent.user)).json.syncing) {
        if (Date.now() > deadline) throw new Error(`the sync did not resume: ${await countIn(c, 'Queue')} mails still in Queue`);
        await sleep(500);
      }
      const sent = (await folder(c, 'Sent')).filter((id) => id.endsWith('@instances.test>'));
      expect(new Set(sent).size).toBe(MAILS);
      expect(sent).toHaveLength(MAILS);
      for (const other of ['Queue', 'Received', 'Failed']) expect([other, await countIn(c, other)]).toEqual([other, 0]);
      console.log(`IMAP sync of ${MAILS} mails: instance killed with ${leftAtKill} still in Queue, finished by the other instance`);
    } finally {
      await c.logout().catch(() => undefined);
    }

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string; distinct_n: string }>(
        `select count(*) as n, count(distinct internet_message_id) as distinct_n from timeline_events where internet_message_id like '<resume-%@instances.test>'`,
      );
      expect(rows[0]).toEqual({ n: String(MAILS), distinct_n: String(MAILS) });
    } finally {
      await db.end();
    }
    // Nothing left running: the next Start Sync runs at once and finds Queue empty.
    expect(await call(second, 'POST', '/imap/sync', agent.user)).toMatchObject({ status: 200, json: { total: 0 } });
  });
});
