/**
 * Three adapter instances (real child processes) on one PostgreSQL, 50 clients filing overlapping,
 * duplicated batches through all three round-robin with real local-issuer tokens, one instance
 * killed with SIGKILL mid-load and started again on the same port. A client that gets no answer
 * (the connection died with the instance) retries the same batch on the next instance, as the pane
 * does. Every acknowledged event is in PostgreSQL once, no event is there twice, and every answer for
 * a mail names the same event ids. Runs in the PostgreSQL run only (`npm run test:postgres`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startLocalIssuer, type LocalIssuer } from '../../../src/server/auth/local-issuer';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { instanceEnv, startAdapterProcess, type AdapterProcess } from '../../support/adapter-process';
import { freePort } from '../../support/dovecot';
import { postgresAvailable, testDatabaseUrl, testStoreKind } from '../../support/postgres';

const onPostgres = testStoreKind() === 'postgres' && postgresAvailable();
if (!onPostgres) console.warn('filing.postgres.test.ts: SKIPPED (run it with npm run test:postgres, which needs PostgreSQL installed).');
const run = onPostgres ? describe : describe.skip;

jest.setTimeout(90_000);

const CLIENTS = 50;
const BATCHES_PER_CLIENT = 6;
const BATCH = 8;
/** Mails the batches draw from: far fewer than the mails sent, so batches overlap and repeat. */
const POOL = 150;

type Answer = { outcomes: { internetMessageId: string; status: string; groups?: { eventId: string }[] }[] };

const mail = (i: number) => ({
  internetMessageId: `<multi-${i}@instances.test>`,
  from: [{ address: i % 2 ? DEMO_ADDRESSES.cliftonTwoGroups : DEMO_ADDRESSES.cliftonLandlord }],
  to: [{ address: DEMO_USERS.agent.email }],
  date: '2026-11-20T10:00:00Z',
  subject: `Multi ${i}`,
  preview: '',
  direction: 'inbound' as const,
});

run('three adapter instances on one PostgreSQL', () => {
  let issuer: LocalIssuer;
  let databaseUrl: string;
  const instances: (AdapterProcess | undefined)[] = [];
  const ports: number[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    databaseUrl = await testDatabaseUrl();
    env = instanceEnv(issuer, databaseUrl, { IMAP_KEY: `k1:${randomBytes(32).toString('base64')}` });
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    // The first alone (it loads the demo data into the empty store), then the other two at once.
    instances[0] = await startAdapterProcess(ports[0], env);
    const [b, c] = await Promise.all([startAdapterProcess(ports[1], env), startAdapterProcess(ports[2], env)]);
    instances[1] = b;
    instances[2] = c;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i?.stop()));
    await issuer?.close();
  });

  it('loses and duplicates no acknowledged event when one instance is SIGKILLed mid-load and restarted', async () => {
    const token = await issuer.mintToken({ preferred_username: DEMO_USERS.agent.email });
    const acked = new Map<string, string[]>();
    const mismatches: string[] = [];
    let answered = 0;
    let retried = 0;
    let killed: Promise<void> | undefined;

    const post = async (port: number, body: string): Promise<Answer | undefined> => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/mail/file`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
          signal: AbortSignal.timeout(20_000),
        });
        if (res.status !== 200) return undefined;
        return (await res.json()) as Answer;
      } catch {
        return undefined;
      }
    };
    const acknowledge = (answer: Answer) => {
      for (const o of answer.outcomes) {
        const ids = (o.groups ?? []).map((g) => g.eventId).sort();
        const before = acked.get(o.internetMessageId);
        if (before && before.join() !== ids.join()) mismatches.push(`${o.internetMessageId}: ${before.join()} then ${ids.join()}`);
        if (!before) acked.set(o.internetMessageId, ids);
      }
    };
    const killAndRestart = async () => {
      await instances[1]?.kill();
      instances[1] = undefined;
      await new Promise((r) => setTimeout(r, 500));
      instances[1] = await startAdapterProcess(ports[1], env);
    };
    const client = async (c: number) => {
      for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
        const messages = Array.from({ length: BATCH }, (_, k) => mail((c * 7 + b * 13 + k * 3) % POOL));
        const body = JSON.stringify({ ownerAddresses: [DEMO_USERS.agent.email], messages });
        // Round-robin, and on no answer the next instance, until one answers.
        for (let attempt = 0; ; attempt++) {
          const answer = await post(ports[(c + b + attempt) % 3], body);
          if (answer) {
            acknowledge(answer);
            break;
          }
          retried++;
          if (attempt > 200) throw new Error(`client ${c} batch ${b} got no answer in ${attempt} attempts`);
          await new Promise((r) => setTimeout(r, 50));
        }
        answered++;
        if (answered === Math.floor((CLIENTS * BATCHES_PER_CLIENT) / 3)) killed = killAndRestart();
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    await killed;

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; internet_message_id: string; group_id: string }>(
        `select id, internet_message_id, group_id from timeline_events where internet_message_id like '<multi-%@instances.test>'`,
      );
      const inStore = new Set(rows.map((r) => r.id));
      const ackedIds = [...acked.values()].flat();
      expect(mismatches).toEqual([]);
      expect(answered).toBe(CLIENTS * BATCHES_PER_CLIENT);
      // Every mail of the pool was acknowledged, with one event per matching group (one or two).
      expect(acked.size).toBe(POOL);
      expect(ackedIds.filter((id) => !inStore.has(id))).toEqual([]);
      expect(rows).toHaveLength(new Set(ackedIds).size);
      expect(new Set(rows.map((r) => `${r.internet_message_id} ${r.group_id}`)).size).toBe(rows.length);
      expect(ackedIds.length).toBe(POOL * 1.5);
    } finally {
      await db.end();
    }
    // The kill happened during the load: some batches had to go to another instance.
    expect(instances[1]).toBeDefined();
    console.log(`3 instances, ${CLIENTS} clients, ${answered} batches answered, ${retried} retries after the SIGKILL`);
  });
});
