import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { ContentItem, MailContent, PrivacyLevel } from '../../../src/core/content';
import type { AuthUser } from '../../../src/server/context';
import { readTimelineContent } from '../../../src/server/content/read';
import { contentKey, contentStoreFor, FileContentStore, TableContentStore } from '../../../src/server/content/store';
import { SqliteDirectory } from '../../../src/server/directory/sqlite';
import { migrate } from '../../../src/server/store/db';
import type { Database } from '../../../src/server/store/schema';
import { openTestStore } from '../../support/store';

const USER: AuthUser = {
  id: 'u1',
  tenantId: 't',
  oid: null,
  email: 'agent@brightwells.co.uk',
  name: 'Agent',
  branchId: 'b1',
  branchName: 'Clifton',
  role: 'agent',
};
const bytes = (s: string) => new TextEncoder().encode(s);
const headers = {
  from: [{ address: 'sarah@gmail.com', name: 'Sarah Jones' }],
  to: [{ address: 'agent@brightwells.co.uk', name: 'Agent' }],
  cc: [],
  subject: 'Viewing',
  date: '2026-11-20T10:00:00.000Z',
};

function message(id: string) {
  return {
    internetMessageId: id,
    from: headers.from,
    to: headers.to,
    cc: [],
    date: headers.date,
    subject: 'Viewing',
    preview: 'Hello',
    direction: 'inbound' as const,
  };
}

function content(extra: Partial<MailContent> = {}): MailContent {
  return { level: 'attachments', preview: 'Dear agent', text: 'Dear agent, see the plan.', attachments: [], leftOut: [], ...extra };
}

describe('timeline content in the store', () => {
  let dir: string;
  let db: Kysely<Database>;
  let directory: SqliteDirectory;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-content-'));
    db = await openTestStore(path.join(dir, 'rezi.sqlite'));
    await migrate(db);
    await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't' }).execute();
    await db.insertInto('users').values({ id: 'u1', oid: null, tenant_id: 't', email: USER.email, name: 'Agent', branch_id: 'b1', role: 'agent' }).execute();
    await db
      .insertInto('users')
      .values({ id: 'u2', oid: null, tenant_id: 't', email: 'other@brightwells.co.uk', name: 'Other', branch_id: 'b1', role: 'agent' })
      .execute();
    await db.insertInto('groups').values({ id: 'g1', branch_id: 'b1', name: '14 Elm Road', kind: 'vendor', rezi_ref: null }).execute();
    await db.insertInto('contacts').values({ id: 'c1', group_id: 'g1', name: 'Sarah' }).execute();
    await db.insertInto('contact_addresses').values({ contact_id: 'c1', address: 'sarah@gmail.com' }).execute();
    directory = new SqliteDirectory(db, 'https://rezi.example/g/', () => new Date('2026-11-21T09:00:00Z'), {
      content: new FileContentStore(path.join(dir, 'content')),
      maxContentBytes: 1000,
    });
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function fileAndAttach(
    id: string,
    item: Partial<ContentItem> & ({ ok: true; content: MailContent } | { ok: false; cause: 'unknown'; message: string }),
  ) {
    const [outcome] = await directory.fileBatch(USER, [message(id)], { ownerAddresses: [USER.email] });
    expect(outcome.status).toBe('filed');
    const eventIds = outcome.status === 'filed' ? outcome.groups.map((g) => g.eventId) : [];
    await directory.attachContent(USER, [{ internetMessageId: id, eventIds, headers, ...item } as ContentItem]);
    return outcome;
  }

  it('tells the filing answer the branch’s privacy level: the default, then the admin’s choice', async () => {
    expect((await fileAndAttach('<a@x>', { ok: true, content: content() })) as { privacy?: PrivacyLevel }).toMatchObject({ privacy: 'attachments' });
    await db.updateTable('branches').set({ privacy_level: 'preview' }).where('id', '=', 'b1').execute();
    expect(await fileAndAttach('<b@x>', { ok: true, content: content() })).toMatchObject({ privacy: 'preview' });
  });

  it('a colleague who joined an event a colleague filed first gets its content stored too', async () => {
    const OTHER: AuthUser = { ...USER, id: 'u2', email: 'other@brightwells.co.uk', name: 'Other' };
    await fileAndAttach('<joint@x>', { ok: true, content: content() });
    const [joined] = await directory.fileBatch(OTHER, [message('<joint@x>')], { ownerAddresses: [OTHER.email] });
    const eventIds = joined.status === 'filed' ? joined.groups.map((g) => g.eventId) : [];
    await directory.attachContent(OTHER, [{ internetMessageId: '<joint@x>', eventIds, headers, ok: true, content: content({ text: 'Seen by Other.' }) }]);
    expect(await readTimelineContent(db, new FileContentStore(path.join(dir, 'content')), 'u2', '<joint@x>')).toMatchObject({ text: 'Seen by Other.' });
  });

  it('stores the body, the sanitised HTML and the attachments, and reads them back', async () => {
    const logo = bytes('PNG…logo');
    await fileAndAttach(' <a@x> ', {
      ok: true,
      content: content({
        html: '<p onclick="x()">Dear agent</p><img src="cid:logo@x"><script>alert(1)</script><img src="https://tracker.example/p.gif">',
        attachments: [
          { name: '../../../etc/passwd', type: 'text/plain', size: 999999, inline: false, content: bytes('not really') },
          { name: 'logo.png', type: 'IMAGE/PNG', size: 1, contentId: '<Logo@x>', inline: true, content: logo },
          { name: 'copy.png', type: 'image/png', size: 1, contentId: 'logo@x', inline: true, content: logo },
          { name: '', type: 'application/x-empty', size: 0, inline: false, content: new Uint8Array() },
          { name: 'winmail.dat', type: 'application/ms-tnef', size: 3, inline: false, content: bytes('TNF') },
          { name: 'huge.pdf', type: 'weird type!', size: 5000, inline: false, content: new Uint8Array(5000) },
        ],
      }),
    });
    const read = await readTimelineContent(db, new FileContentStore(path.join(dir, 'content')), 'u1', '<a@x>');
    expect(read).toMatchObject({ status: 'captured', level: 'attachments', headers, preview: 'Dear agent', text: 'Dear agent, see the plan.' });
    expect(read!.html).toBe('<p>Dear agent</p><img src="cid:logo@x" />');
    expect(read!.attachments.map((a) => [a.name, a.type, a.size, a.contentId, Buffer.from(a.content!).toString()])).toEqual([
      ['passwd', 'text/plain', 10, undefined, 'not really'],
      ['logo.png', 'image/png', logo.length, 'logo@x', Buffer.from(logo).toString()],
      ['copy.png', 'image/png', logo.length, undefined, Buffer.from(logo).toString()],
      ['attachment', 'application/x-empty', 0, undefined, ''],
      ['winmail.dat', 'application/ms-tnef', 3, undefined, 'TNF'],
    ]);
    expect(read!.leftOut).toEqual([{ name: 'huge.pdf', type: 'application/octet-stream', size: 5000, reason: 'Past the 1 KB kept per mail.' }]);
    expect(read!.reason).toMatch(/Content-ID another part already has.*TNEF/);
    // Stored once per content, by hash, and nowhere near a name the mail chose.
    const files = fs.readdirSync(path.join(dir, 'content'), { recursive: true }).map(String);
    expect(files).toContain(path.join(contentKey(logo).slice(0, 2), contentKey(logo)));
    expect(files.filter((f) => f.endsWith(contentKey(logo)))).toHaveLength(1);
    expect(files.some((f) => /passwd|\.tmp$/.test(f))).toBe(false);
  });

  it('applies the branch’s level again, whatever the client sent', async () => {
    await db.updateTable('branches').set({ privacy_level: 'body' }).where('id', '=', 'b1').execute();
    await fileAndAttach('<a@x>', {
      ok: true,
      content: content({ html: '<p>Hi</p>', attachments: [{ name: 'a.pdf', type: 'application/pdf', size: 3, inline: false, content: bytes('PDF') }] }),
    });
    const store = new FileContentStore(path.join(dir, 'content'));
    expect(await readTimelineContent(db, store, 'u1', '<a@x>')).toMatchObject({
      text: 'Dear agent, see the plan.',
      html: '<p>Hi</p>',
      attachments: [],
      leftOut: [{ name: 'a.pdf', reason: 'The branch keeps no attachments on the timeline.' }],
    });

    await db.updateTable('branches').set({ privacy_level: 'preview' }).where('id', '=', 'b1').execute();
    await fileAndAttach('<b@x>', { ok: true, content: content({ html: '<p>Hi</p>' }) });
    const b = await readTimelineContent(db, store, 'u1', '<b@x>');
    expect(b).toMatchObject({ preview: 'Dear agent', text: '', attachments: [] });
    expect(b!.html).toBeUndefined();

    await db.updateTable('branches').set({ privacy_level: 'metadata' }).where('id', '=', 'b1').execute();
    await fileAndAttach('<c@x>', { ok: true, content: content() });
    expect(await readTimelineContent(db, store, 'u1', '<c@x>')).toBeUndefined();
  });

  it('records why content was not captured, and never lets a failed read replace captured content', async () => {
    const store = new FileContentStore(path.join(dir, 'content'));
    await fileAndAttach('<a@x>', { ok: false, cause: 'unknown', message: 'The mail’s MIME structure is broken.' });
    expect(await readTimelineContent(db, store, 'u1', '<a@x>')).toMatchObject({
      status: 'not-captured',
      reason: 'The mail’s MIME structure is broken.',
      headers,
    });
    await fileAndAttach('<a@x>', { ok: true, content: content() });
    await fileAndAttach('<a@x>', { ok: false, cause: 'unknown', message: 'Timed out.' });
    expect(await readTimelineContent(db, store, 'u1', '<a@x>')).toMatchObject({ status: 'captured', text: 'Dear agent, see the plan.' });
  });

  it('ignores content for a mail the caller has no event for', async () => {
    await directory.attachContent(USER, [{ internetMessageId: '<never-filed@x>', eventIds: [], headers, ok: true, content: content() }]);
    await fileAndAttach('<a@x>', { ok: true, content: content() });
    const other = { ...USER, id: 'u2', email: 'other@brightwells.co.uk' };
    await directory.attachContent(other, [{ internetMessageId: '<a@x>', eventIds: [], headers, ok: true, content: content({ text: 'forged' }) }]);
    const store = new FileContentStore(path.join(dir, 'content'));
    expect(await readTimelineContent(db, store, 'u1', '<never-filed@x>')).toBeUndefined();
    expect(await readTimelineContent(db, store, 'u2', '<a@x>')).toBeUndefined();
    expect((await readTimelineContent(db, store, 'u1', '<a@x>'))!.text).toBe('Dear agent, see the plan.');
  });

  it('keeps bytes in a table too (PostgreSQL, in-memory SQLite), once per content', async () => {
    const table = new TableContentStore(db);
    const key = await table.put(bytes('same'));
    expect(await table.put(bytes('same'))).toBe(key);
    expect(Buffer.from((await table.get(key))!).toString()).toBe('same');
    expect(await table.get('../../etc/passwd')).toBeUndefined();
    expect(await table.get('0'.repeat(64))).toBeUndefined();
    expect(await new FileContentStore(dir).get('../rezi.sqlite')).toBeUndefined();
    expect(contentStoreFor(db, { databaseFile: ':memory:' })).toBeInstanceOf(TableContentStore);
    expect(contentStoreFor(db, { databaseFile: 'x.sqlite', databaseUrl: 'postgres://x' })).toBeInstanceOf(TableContentStore);
    expect(contentStoreFor(db, { databaseFile: path.join(dir, 'r.sqlite') })).toBeInstanceOf(FileContentStore);
  });
});
