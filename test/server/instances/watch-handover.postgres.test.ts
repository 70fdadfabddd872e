/**
 * Automatic filing survives the death of the instance that watches an account: three adapter
 * instances (real child processes, watchers on, one account each at most) on one PostgreSQL and one
 * Dovecot, two agents connected, so one instance is idle. The instance watching the first agent is
 * SIGKILLed while it files a Queue of over 1,000 mails; more mail arrives while nobody watches. Its
 * watch lease lapses after LEASE_TTL_SECONDS, the idle instance takes the account at its next scan
 * and files what is left: every mail in exactly one Rezi-Imported folder, one timeline event per
 * (group, Message-ID), Queue empty. The killed instance, started again, finds every account watched
 * and files nothing twice. Once with UID MOVE and IDLE, killed with its first batch on the timeline
 * and not yet moved; once with neither (COPY + EXPUNGE, NOOP polling), killed once its first copies
 * reached Sent, the originals still in Queue. PostgreSQL run only.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startLocalIssuer, type LocalIssuer } from '../../../src/server/auth/local-issuer';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { instanceEnv, startAdapterProcess, type AdapterProcess } from '../../support/adapter-process';
import {
  appendMessages,
  dovecotAvailable,
  freePort,
  messageIdsOf,
  startDovecot,
  testClient,
  type DovecotInstance,
  type DovecotUser,
  type SeedMail,
} from '../../support/dovecot';
import { postgresAvailable, testDatabaseUrl, testStoreKind } from '../../support/postgres';

const ready = testStoreKind() === 'postgres' && postgresAvailable() && dovecotAvailable();
if (!ready) console.warn('watch-handover.postgres.test.ts: SKIPPED (needs npm run test:postgres with PostgreSQL and Dovecot installed).');
const run = ready ? describe : describe.skip;

jest.setTimeout(240_000);

const agent: DovecotUser = { user: DEMO_USERS.agent.email, password: 'Watch-Handover-Pa55-a' };
const admin: DovecotUser = { user: DEMO_USERS.admin.email, password: 'Watch-Handover-Pa55-i' };
const FOLDERS = ['Queue', 'Received', 'Sent', 'Failed'] as const;

/** The shortest lease the adapter takes; the watchers scan (and renew) every quarter of it. */
const TTL_MS = 10_000;
const SCAN_MS = TTL_MS / 4;
const POLL_MS = 1000;
/** Room for a noisy machine (two cores shared by several test runs), on top of every bound below. */
const SLACK_MS = 20_000;
/** A dead holder's lease lapses after the TTL; a live instance with room takes it at its next scan. */
const TAKEN_OVER_WITHIN_MS = TTL_MS + SCAN_MS + POLL_MS + SLACK_MS;
/** Once watched again: the dead holder's sync lock lapses too (retried every 2 s), then the rest is filed. */
const FILED_WITHIN_MS = TTL_MS + 60_000;

/** Mails in Queue when the holder is killed, and mails that arrive after. */
const BEFORE = 2000;
const AFTER = 100;
const AFTER_RESTART = 30;
const OTHER = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, withinMs: number, test: () => Promise<T | undefined | false>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Not within ${withinMs} ms: ${what}`);
    await sleep(everyMs);
  }
}

/** The accounts an instance watches now, from its log ('Queue watch started' / 'stopped', src/server/watch/watchers.ts). */
function watchedBy(instance: AdapterProcess): Set<string> {
  const now = new Set<string>();
  for (const line of instance.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; userId?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // a line still being written
    }
    if (entry.msg === 'Queue watch started' && entry.userId) now.add(entry.userId);
    if (entry.msg === 'Queue watch stopped' && entry.userId) now.delete(entry.userId);
  }
  return now;
}

const mails = (from: DovecotUser, tag: string, count: number): SeedMail[] =>
  Array.from({ length: count }, (_, i) => ({
    from: from.user,
    to: DEMO_ADDRESSES.cliftonLandlord,
    subject: `Handover ${tag} ${i}`,
    messageId: `<handover-${tag}-${i}@instances.test>`,
  }));

interface Variant {
  name: string;
  /** Dovecot capabilities left out. */
  without: string[];
  /**
   * When the holder is killed: once its first batch is on the timeline (written before the mail is
   * moved), or once the first mails reached Sent (without MOVE: the COPY is done, and the originals
   * may still be in Queue, unflagged or flagged and not yet expunged).
   */
  killOnce: 'its first batch is on the timeline' | 'its first mails are copied';
}

const variants: Variant[] = [
  { name: 'UID MOVE, IDLE', without: [], killOnce: 'its first batch is on the timeline' },
  { name: 'COPY + EXPUNGE, NOOP polling', without: ['MOVE', 'IDLE'], killOnce: 'its first mails are copied' },
];

run.each(variants)('the instance watching an account is SIGKILLed (%s)', (variant) => {
  let issuer: LocalIssuer;
  let dot: DovecotInstance;
  let databaseUrl: string;
  let env: Record<string, string>;
  let db: pg.Client;
  const instances: AdapterProcess[] = [];

  beforeAll(async () => {
    [issuer, dot, databaseUrl] = await Promise.all([
      startLocalIssuer(),
      startDovecot({ delimiter: '.', users: [agent, admin], tls: false, withoutCapabilities: variant.without }),
      testDatabaseUrl(),
    ]);
    env = instanceEnv(issuer, databaseUrl, {
      IMAP_KEY: `k1:${randomBytes(32).toString('base64')}`,
      LEASE_TTL_SECONDS: String(TTL_MS / 1000),
      WATCH_POLL_SECONDS: String(POLL_MS / 1000),
      // Two accounts, three instances: one is always idle, and only it can take a dead instance's account.
      WATCH_MAX_ACCOUNTS: '1',
      // The watch starts and stops are logged at info: how the test tells which instance watches what.
      LOG_LEVEL: 'info',
    });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    // The first alone (it loads the demo data into the empty store), then the other two at once.
    instances.push(await startAdapterProcess(await freePort(), env));
    instances.push(...(await Promise.all([startAdapterProcess(await freePort(), env), startAdapterProcess(await freePort(), env)])));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await db?.end();
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
    return res.status;
  };
  const holderOf = (userId: string) => until(`someone watches ${userId}`, TAKEN_OVER_WITHIN_MS, async () => instances.find((i) => watchedBy(i).has(userId)));

  /** Where each seeded mail of `user` is, unless it is once in Sent (their own mail to a contact), and how many mails are left in Queue. */
  const placed = async (user: DovecotUser, seeded: SeedMail[]) => {
    const where = new Map<string, string[]>();
    let queue = 0;
    for (const folder of FOLDERS) {
      const ids = await messageIdsOf(dot, user, folder);
      if (folder === 'Queue') queue = ids.length;
      for (const id of ids) where.set(id, [...(where.get(id) ?? []), folder]);
    }
    const wrong = seeded
      .filter((m) => where.get(m.messageId!)?.join() !== 'Sent')
      .map((m) => `${m.messageId}: ${where.get(m.messageId!)?.join('+') ?? 'nowhere'}`);
    return { wrong, queue };
  };

  const timelineOf = async (seeded: SeedMail[]) => {
    const { rows } = await db.query<{ n: string; pairs: string; ids: string }>(
      `select count(*) as n, count(distinct (internet_message_id, group_id)) as pairs, count(distinct internet_message_id) as ids
         from timeline_events where internet_message_id = any($1)`,
      [seeded.map((m) => m.messageId)],
    );
    return rows[0];
  };

  /** Kills `holder` at the variant's moment, watched for as closely as the test can (every 10 ms). */
  const killOnce = async (moment: Variant['killOnce'], holder: AdapterProcess, before: SeedMail[]) => {
    const c = testClient(dot, agent);
    await c.connect();
    try {
      const inSent = async () => {
        const status = await c.status('Rezi-Imported.Sent', { messages: true });
        return status ? (status.messages ?? 0) : 0;
      };
      const reached = async () => (moment === 'its first mails are copied' ? (await inSent()) > 0 : Number((await timelineOf(before)).n) > 0);
      await until(`the holder: ${moment}`, 60_000, reached, 10);
      await holder.kill();
    } finally {
      await c.logout().catch(() => undefined);
    }
  };

  it('moves the watch to the idle instance: nothing lost or filed twice, and the restarted one files nothing twice', async () => {
    const settings = { host: dot.host, port: dot.port, ssl: false, tls: false, insecure: true };
    expect(await call(instances[0], 'PUT', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, admin.user, settings)).toBe(200);
    for (const u of [agent, admin])
      expect(await call(instances[0], 'POST', '/imap/authenticate', u.user, { username: u.user, password: u.password })).toBe(200);
    const holder = await holderOf(DEMO_USERS.agent.id);
    const other = await holderOf(DEMO_USERS.admin.id);
    expect(other).not.toBe(holder);

    // A large Queue: the holder is killed once it has filed some, well before it has filed them all.
    const before = mails(agent, 'before', BEFORE);
    const others = mails(admin, 'other', OTHER);
    await Promise.all([appendMessages(dot, agent, 'Rezi-Imported.Queue', before), appendMessages(dot, admin, 'Rezi-Imported.Queue', others)]);
    await killOnce(variant.killOnce, holder, before);
    const killedAt = Date.now();
    instances.splice(instances.indexOf(holder), 1);
    const leftAtKill = (await placed(agent, before)).queue;
    expect(leftAtKill).toBeGreaterThan(0);

    // Mail that arrives while no live instance watches the account.
    const after = mails(agent, 'after', AFTER);
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', after);
    const successor = await holderOf(DEMO_USERS.agent.id);
    const takenAfterMs = Date.now() - killedAt;
    // The instance that watched the other account keeps it (and has no room for a second).
    expect(watchedBy(other)).toEqual(new Set([DEMO_USERS.admin.id]));
    expect(successor).not.toBe(other);

    const all = [...before, ...after];
    await until(`Queue empties on ${variant.name}`, FILED_WITHIN_MS, async () => (await placed(agent, all)).wrong.length === 0).catch(async (e: Error) => {
      const p = await placed(agent, all);
      throw new Error(`${e.message}: ${p.wrong.length} misplaced (${p.wrong.slice(0, 3).join('; ')}), ${p.queue} in Queue`);
    });
    const filedAfterMs = Date.now() - killedAt;

    // The killed instance again, on its port: every account is watched, so it takes none, and the
    // mail that arrives now is filed once, by the successor.
    const restarted = await startAdapterProcess(holder.port, env);
    instances.push(restarted);
    const later = mails(agent, 'restart', AFTER_RESTART);
    await appendMessages(dot, agent, 'Rezi-Imported.Queue', later);
    // At least two of the restarted instance's scans, so it has had its chance to take an account.
    await sleep(2 * SCAN_MS);
    const everything = [...all, ...later];
    await until('the mail after the restart is filed', FILED_WITHIN_MS, async () => (await placed(agent, everything)).wrong.length === 0);
    expect(watchedBy(restarted)).toEqual(new Set());
    expect(watchedBy(successor)).toEqual(new Set([DEMO_USERS.agent.id]));

    expect(await placed(agent, everything)).toEqual({ wrong: [], queue: 0 });
    expect(await placed(admin, others)).toEqual({ wrong: [], queue: 0 });
    // One event per mail and group: each of these mails is to one contact in one group.
    const n = String(everything.length + others.length);
    expect(await timelineOf([...everything, ...others])).toEqual({ n, pairs: n, ids: n });
    console.log(
      `${variant.name}: holder killed once ${variant.killOnce} with ${leftAtKill} of ${BEFORE} in Queue; watch taken over ${takenAfterMs} ms after the kill (TTL ${TTL_MS} ms), Queue empty after ${filedAfterMs} ms`,
    );
  });
});
