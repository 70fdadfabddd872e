/** Content nobody's timeline shows any more: forgotten on undo, its bytes swept after a grace period, on both stores. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { ContentItem, MailContent } from '../../../src/core/content';
import type { AuthUser } from '../../../src/server/context';
import { readTimelineContent } from '../../../src/server/content/read';
import { type ContentStore, contentKey, FileContentStore, TableContentStore } from '../../../src/server/content/store';
import { startContentSweeper, SWEEP_GRACE_MS, SWEEP_EVERY_MS, sweepContent } from '../../../src/server/content/sweep';
import { unfile } from '../../../src/server/directory/manual-filing';
import { SqliteDirectory } from '../../../src/server/directory/sqlite';
import { migrate } from '../../../src/server/store/db';
import type { Database } from '../../../src/server/store/schema';
import { openTestStore } from '../../support/store';

const HOUR = 60 * 60 * 1000;
const start = Date.parse('2026-11-21T09:00:00Z');
const bytes = (s: string) => new TextEncoder().encode(s);
const agent = (id: string, email: string): AuthUser => ({
  id,
  tenantId: 't',
  oid: null,
  email,
  name: id,
  branchId: 'b1',
  branchName: 'Clifton',
  role: 'agent',
});
const ONE = agent('u1', 'agent@brightwells.co.uk');
const TWO = agent('u2', 'other@brightwells.co.uk');
const headers = {
  from: [{ address: 'sarah@gmail.com', name: 'Sarah' }],
  to: [{ address: ONE.email, name: 'Agent' }],
  cc: [],
  subject: 'Viewing',
  date: '2026-11-20T10:00:00.000Z',
};

const stores: [string, (db: Kysely<Database>, dir: string, now: () => number) => ContentStore][] = [
  ['files beside the database', (_db, dir, now) => new FileContentStore(path.join(dir, 'content'), now)],
  ['a table', (db, _dir, now) => new TableContentStore(db, now)],
];

describe.each(stores)('unreferenced content, kept in %s', (_name, makeStore) => {
  let dir: string;
  let db: Kysely<Database>;
  let store: ContentStore;
  let directory: SqliteDirectory;
  let now = start;

  beforeEach(async () => {
    now = start;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-sweep-'));
    db = await openTestStore(path.join(dir, 'rezi.sqlite'));
    await migrate(db);
    await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't' }).execute();
    for (const u of [ONE, TWO])
      await db.insertInto('users').values({ id: u.id, oid: null, tenant_id: 't', email: u.email, name: u.name, branch_id: 'b1', role: 'agent' }).execute();
    await db.insertInto('groups').values({ id: 'g1', branch_id: 'b1', name: '14 Elm Road', kind: 'vendor', rezi_ref: null }).execute();
    await db.insertInto('contacts').values({ id: 'c1', group_id: 'g1', name: 'Sarah' }).execute();
    await db.insertInto('contact_addresses').values({ contact_id: 'c1', address: 'sarah@gmail.com' }).execute();
    store = makeStore(db, dir, () => now);
    directory = new SqliteDirectory(db, 'https://rezi.example/g/', () => new Date(now), { content: store, maxContentBytes: 1_000_000 });
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function file(user: AuthUser, id: string, content: MailContent) {
    const message = {
      internetMessageId: id,
      from: headers.from,
      to: headers.to,
      cc: [],
      date: headers.date,
      subject: 'Viewing',
      preview: '',
      direction: 'inbound' as const,
    };
    const [outcome] = await directory.fileBatch(user, [message], { ownerAddresses: [user.email] });
    const eventIds = outcome.status === 'filed' ? outcome.groups.map((g) => g.eventId) : [];
    await directory.attachContent(user, [{ internetMessageId: id, eventIds, headers, ok: true, content } as ContentItem]);
  }
  const mail = (text: string, attachment?: string): MailContent => ({
    level: 'attachments',
    preview: text,
    text,
    attachments: attachment ? [{ name: 'plan.pdf', type: 'application/pdf', size: attachment.length, inline: false, content: bytes(attachment) }] : [],
    leftOut: [],
  });
  const stored = async () => {
    const keys: string[] = [];
    for await (const b of store.list()) keys.push(b.key);
    return keys.sort();
  };
  const ctx = () => ({ db, clock: () => new Date(now) });

  it('an undo takes the agent’s copy of the content; the sweep then removes its bytes, and only those', async () => {
    await file(ONE, '<private@x>', mail('A private note.', 'PRIVATE-PLAN'));
    await file(ONE, '<kept@x>', mail('Kept body.', 'SHARED-LOGO'));
    await file(ONE, '<shares-logo@x>', mail('Another body.', 'SHARED-LOGO'));
    expect(await stored()).toEqual(['A private note.', 'PRIVATE-PLAN', 'Kept body.', 'SHARED-LOGO', 'Another body.'].map((s) => contentKey(bytes(s))).sort());

    await unfile(ctx(), ONE, { internetMessageId: '<private@x>' });
    expect(await readTimelineContent(db, store, ONE.id, '<private@x>')).toBeUndefined();
    await unfile(ctx(), ONE, { internetMessageId: '<shares-logo@x>' });

    // Within the grace period nothing goes: a filing in progress may be about to name the bytes.
    expect(await sweepContent(db, store, { now: now + SWEEP_GRACE_MS / 2 })).toEqual({ removed: 0, kept: 5 });
    now += 2 * HOUR;
    expect(await sweepContent(db, store, { now })).toEqual({ removed: 3, kept: 2 });
    expect(await stored()).toEqual(['Kept body.', 'SHARED-LOGO'].map((s) => contentKey(bytes(s))).sort());
    expect(await readTimelineContent(db, store, ONE.id, '<kept@x>')).toMatchObject({ text: 'Kept body.', attachments: [{ name: 'plan.pdf' }] });
  });

  it('a colleague who still files the mail keeps their copy when the first filer undoes theirs', async () => {
    await file(ONE, '<joint@x>', mail('Joint body.'));
    await file(TWO, '<joint@x>', mail('Joint body.'));
    await unfile(ctx(), ONE, { internetMessageId: '<joint@x>' });
    now += 2 * HOUR;
    expect(await sweepContent(db, store, { now })).toEqual({ removed: 0, kept: 1 });
    expect(await readTimelineContent(db, store, ONE.id, '<joint@x>')).toBeUndefined();
    expect(await readTimelineContent(db, store, TWO.id, '<joint@x>')).toMatchObject({ text: 'Joint body.' });
  });

  it('bytes stored again renew their time, so a sweep between the bytes and their row cannot take them', async () => {
    await file(ONE, '<old@x>', mail('Same bytes.'));
    await unfile(ctx(), ONE, { internetMessageId: '<old@x>' });
    now += 2 * HOUR;
    // A new filing of the same bytes has stored them, and not yet written the row that names them.
    await store.put(bytes('Same bytes.'));
    expect(await sweepContent(db, store, { now: now + 60_000 })).toEqual({ removed: 0, kept: 1 });
    expect(await store.get(contentKey(bytes('Same bytes.')))).toEqual(bytes('Same bytes.'));
  });

  it('sweeps on its schedule, under a lease, once the adapter has been up an hour', async () => {
    await file(ONE, '<gone@x>', mail('Undone body.'));
    await unfile(ctx(), ONE, { internetMessageId: '<gone@x>' });
    now += 2 * HOUR;
    jest.useFakeTimers({
      doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'],
    });
    const swept: unknown[] = [];
    const sweeper = startContentSweeper(db, store, { now: () => now, onSwept: (r) => swept.push(r), onError: (e) => swept.push(e) });
    try {
      jest.advanceTimersByTime(SWEEP_EVERY_MS);
      for (let i = 0; i < 400 && swept.length === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
      expect(swept).toEqual([{ removed: 1, kept: 0 }]);
      expect(await stored()).toEqual([]);
    } finally {
      sweeper.stop();
      jest.useRealTimers();
    }
  });
});
