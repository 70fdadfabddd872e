/**
 * One timeline event per (group, message) across colleagues: concurrent duplicate filings by several
 * mailbox owners end as one event per group listing each owner once, on both stores and after a
 * restart; a store written one event per owner is merged by the migration.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import type { FilingMessage, FilingOutcome } from '../../../src/core/ports';
import type { AuthUser } from '../../../src/server/context';
import { SqliteDirectory } from '../../../src/server/directory/sqlite';
import { migrate } from '../../../src/server/store/db';
import { migrations } from '../../../src/server/store/migrations';
import type { Database } from '../../../src/server/store/schema';
import { openTestStore } from '../../support/store';

let dir: string;
let file: string;
let db: Kysely<Database>;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-shared-'));
  file = path.join(dir, 'rezi.sqlite');
  db = await openTestStore(file, { backgroundCheckpoint: false });
});
afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const owner = (n: number): AuthUser => ({
  id: `u${n}`,
  oid: null,
  tenantId: 't',
  email: `agent${n}@agency.test`,
  name: `Agent ${n}`,
  branchId: 'b1',
  branchName: 'Clifton',
  role: 'agent',
});
const OWNERS = [owner(1), owner(2), owner(3)];

async function seed(): Promise<void> {
  await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't' }).execute();
  for (const u of OWNERS)
    await db.insertInto('users').values({ id: u.id, oid: null, tenant_id: 't', email: u.email, name: u.name, branch_id: 'b1', role: 'agent' }).execute();
  // The client is a contact on two cards: one mail, two groups.
  for (const g of ['g1', 'g2']) {
    await db
      .insertInto('groups')
      .values({ id: g, branch_id: 'b1', name: `Card ${g}`, kind: 'vendor', rezi_ref: null })
      .execute();
    await db
      .insertInto('contacts')
      .values({ id: `c-${g}`, group_id: g, name: 'Client' })
      .execute();
    await db
      .insertInto('contact_addresses')
      .values({ contact_id: `c-${g}`, address: 'client@example.com' })
      .execute();
  }
}

/** The one mail every owner has: the client wrote to all three agents. */
const theMail: FilingMessage = {
  internetMessageId: '<shared-1@example.com>',
  from: [{ address: 'client@example.com', name: 'Client' }],
  to: OWNERS.map((u) => ({ address: u.email, name: u.name })),
  cc: [],
  date: '2026-11-30T09:00:00Z',
  subject: 'Offer on the flat',
  preview: '',
  direction: 'inbound',
};

const fileAs = (directory: SqliteDirectory, u: AuthUser) => directory.fileBatch(u, [theMail], { ownerAddresses: [u.email] });

async function filersByGroup(): Promise<Record<string, string[]>> {
  const rows = await db
    .selectFrom('timeline_events')
    .innerJoin('timeline_event_filers', 'timeline_event_filers.event_id', 'timeline_events.id')
    .select(['timeline_events.group_id', 'timeline_event_filers.user_id'])
    .execute();
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.group_id] ??= []).push(r.user_id);
  for (const list of Object.values(out)) list.sort();
  return out;
}

const groupsOf = (o: FilingOutcome) => (o.status === 'filed' ? o.groups : []);

it('3 owners × 20 concurrent duplicate filings: one event per group, listing the 3 filers, also after a restart', async () => {
  await migrate(db);
  await seed();
  const directory = new SqliteDirectory(db, 'https://rezi.example/');
  const all = await Promise.all(OWNERS.flatMap((u) => Array.from({ length: 20 }, () => fileAs(directory, u).then((o) => ({ u, o: o[0] })))));

  const events = await db.selectFrom('timeline_events').select(['id', 'group_id', 'owner_user_id']).orderBy('group_id').execute();
  expect(events.map((e) => e.group_id)).toEqual(['g1', 'g2']);
  expect(await filersByGroup()).toEqual({ g1: ['u1', 'u2', 'u3'], g2: ['u1', 'u2', 'u3'] });
  // Every filing answered the one event per group; only colleagues of whoever filed it first are told it was already there.
  for (const { u, o } of all) {
    expect(o.status).toBe('filed');
    for (const g of groupsOf(o)) {
      const event = events.find((e) => e.group_id === g.groupId)!;
      expect(g.eventId).toBe(event.id);
      if (event.owner_user_id === u.id) expect(g.alreadyOnTimeline).toBeUndefined();
      else expect(g.alreadyOnTimeline).toEqual({ firstFiledBy: OWNERS.find((x) => x.id === event.owner_user_id)!.name, firstFiledAt: expect.any(String) });
    }
  }

  await db.destroy();
  db = await openTestStore(file, { backgroundCheckpoint: false });
  expect(await migrate(db)).toEqual([]);
  const again = new SqliteDirectory(db, 'https://rezi.example/');
  for (const u of OWNERS) expect(groupsOf((await fileAs(again, u))[0]).map((g) => g.eventId)).toEqual(events.map((e) => e.id));
  expect(await db.selectFrom('timeline_events').select('id').execute()).toHaveLength(2);
  expect(await filersByGroup()).toEqual({ g1: ['u1', 'u2', 'u3'], g2: ['u1', 'u2', 'u3'] });
});

it('a retry by the same agent answers the same event and says nothing about colleagues', async () => {
  await migrate(db);
  await seed();
  const directory = new SqliteDirectory(db, 'https://rezi.example/');
  const [first] = await fileAs(directory, OWNERS[0]);
  const [retry] = await fileAs(directory, OWNERS[0]);
  expect(retry).toEqual(first);
  expect(retry).not.toHaveProperty('message');
  const [colleague] = await fileAs(directory, OWNERS[1]);
  expect(groupsOf(colleague).map((g) => g.eventId)).toEqual(groupsOf(first).map((g) => g.eventId));
  expect(colleague).toMatchObject({
    message: expect.stringMatching(/^Already on the timeline of Card g1 \(filed first by Agent 1\), Card g2 .*added to it\.$/),
  });
});

it('two delegates filing from a shared mailbox: one event per group, each filer noted with the shared mailbox', async () => {
  await migrate(db);
  await seed();
  const directory = new SqliteDirectory(db, 'https://rezi.example/');
  const shared = { ownerAddresses: ['lettings@agency.test', OWNERS[0].email], mailbox: 'lettings@agency.test' };
  await directory.fileBatch(OWNERS[0], [theMail], shared);
  await directory.fileBatch(OWNERS[1], [theMail], { ...shared, ownerAddresses: ['lettings@agency.test', OWNERS[1].email] });
  await fileAs(directory, OWNERS[2]); // from their own mailbox
  const rows = await db.selectFrom('timeline_event_filers').select(['user_id', 'mailbox']).orderBy('user_id').distinct().execute();
  expect(rows).toEqual([
    { user_id: 'u1', mailbox: 'lettings@agency.test' },
    { user_id: 'u2', mailbox: 'lettings@agency.test' },
    { user_id: 'u3', mailbox: OWNERS[2].email },
  ]);
  expect(await db.selectFrom('timeline_events').select('id').execute()).toHaveLength(2);
});

it('merges the per-owner events of an earlier store into one per group, the earliest kept, every owner a filer', async () => {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004')) },
    allowUnorderedMigrations: true,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  await seed();
  const event = (id: string, ownerId: string, group: string, at: string) =>
    sql`insert into timeline_events (id, owner_user_id, internet_message_id, group_id, direction, subject, occurred_at, created_at)
        values (${id}, ${ownerId}, '<m@x>', ${group}, 'inbound', 's', '2026-11-01T00:00:00.000Z', ${at})`.execute(db);
  await event('e-late', 'u1', 'g1', '2026-11-02T00:00:00.000Z');
  await event('e-early', 'u2', 'g1', '2026-11-01T00:00:00.000Z');
  await event('e-other', 'u3', 'g2', '2026-11-03T00:00:00.000Z');

  expect(await migrate(db)).toContain('0004_shared_events');
  expect(await db.selectFrom('timeline_events').select(['id', 'owner_user_id', 'group_id']).orderBy('id').execute()).toEqual([
    { id: 'e-early', owner_user_id: 'u2', group_id: 'g1' },
    { id: 'e-other', owner_user_id: 'u3', group_id: 'g2' },
  ]);
  const filers = await db.selectFrom('timeline_event_filers').selectAll().orderBy('event_id').orderBy('user_id').execute();
  expect(filers).toEqual([
    { event_id: 'e-early', user_id: 'u1', mailbox: 'agent1@agency.test', filed_at: '2026-11-02T00:00:00.000Z' },
    { event_id: 'e-early', user_id: 'u2', mailbox: 'agent2@agency.test', filed_at: '2026-11-01T00:00:00.000Z' },
    { event_id: 'e-other', user_id: 'u3', mailbox: 'agent3@agency.test', filed_at: '2026-11-03T00:00:00.000Z' },
  ]);
  // The merged owner's retry answers the kept event.
  const [o] = await new SqliteDirectory(db, 'https://rezi.example/').fileBatch(OWNERS[0], [{ ...theMail, internetMessageId: '<m@x>' }], {
    ownerAddresses: [OWNERS[0].email],
  });
  expect(groupsOf(o).map((g) => g.eventId)).toEqual(['e-early', 'e-other']);
  // The filers' foreign key follows the renamed table: deleting an event takes its filers with it.
  await db.deleteFrom('timeline_events').where('id', '=', 'e-other').execute();
  expect(await db.selectFrom('timeline_event_filers').select('event_id').where('event_id', '=', 'e-other').execute()).toEqual([]);
});
