import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { syncQueue } from '../../../src/core/engine';
import type { AuthUser } from '../../../src/server/context';
import { readTimelineContent } from '../../../src/server/content/read';
import { TableContentStore } from '../../../src/server/content/store';
import { directoryFor } from '../../../src/server/directory/core-adapter';
import { SqliteDirectory } from '../../../src/server/directory/sqlite';
import { WHOLE_MAIL_BYTES } from '../../../src/server/imap/content';
import { ImapMailbox } from '../../../src/server/imap/mailbox';
import { migrate } from '../../../src/server/store/db';
import type { Database } from '../../../src/server/store/schema';
import { dovecotAvailable, startDovecot, testClient, type DovecotInstance } from '../../support/dovecot';
import { countImapCommands } from '../../support/imap-commands';
import { openTestStore } from '../../support/store';

const login = { user: 'agent@brightwells.co.uk', password: 'Mailbox-Pa55' };
const run = dovecotAvailable() ? describe : describe.skip;
const USER: AuthUser = { id: 'u1', tenantId: 't', oid: null, email: login.user, name: 'Agent', branchId: 'b1', branchName: 'Clifton', role: 'agent' };
const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s).toString('base64').replace(/.{76}/g, '$&\r\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function mime(id: string, subject: string, parts: string[], boundary = 'b0undary'): string {
  return [
    'From: Sarah Jones <sarah@gmail.com>',
    `To: Agent <${login.user}>`,
    `Subject: ${subject}`,
    'Date: Fri, 20 Nov 2026 10:00:00 +0000',
    `Message-ID: <${id}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    ...parts.map((p) => `--${boundary}\r\n${p}`),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

const part = (headers: string[], body: string) => `${headers.join('\r\n')}\r\n\r\n${body}`;
const attachment = (name: string, type: string, body: Buffer | string, extra: string[] = []) =>
  part(
    [`Content-Type: ${type}; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64', ...extra],
    b64(body),
  );

const RICH = mime('rich@gmail.com', 'Viewing', [
  part(['Content-Type: text/plain; charset=utf-8'], 'Dear agent, the plan is attached.'),
  part(['Content-Type: text/html; charset=utf-8'], '<p onmouseover="steal()">Dear agent</p><img src="cid:plan@x"><script>alert(1)</script>'),
  part(['Content-Type: image/png', 'Content-ID: <plan@x>', 'Content-Disposition: inline', 'Content-Transfer-Encoding: base64'], b64(PNG)),
  part(['Content-Type: image/png', 'Content-ID: <plan@x>', 'Content-Disposition: inline', 'Content-Transfer-Encoding: base64'], b64(PNG)),
  attachment('../../../etc/passwd', 'text/plain', 'root:x:0:0'),
  attachment('empty.txt', 'text/plain', ''),
  attachment('winmail.dat', 'application/ms-tnef', Buffer.from([0x78, 0x9f, 0x3e, 0x22])),
]);
const LARGE = mime('large@gmail.com', 'Brochure', [
  part(['Content-Type: text/plain; charset=utf-8'], 'See the brochure.'),
  attachment('brochure.pdf', 'application/pdf', Buffer.alloc(WHOLE_MAIL_BYTES, 7)),
  attachment('small.txt', 'text/plain', 'small'),
]);
// The boundary the body uses is not the one its header names; the headers are raw 8-bit UTF-8.
const BROKEN = [
  'From: sarah@gmail.com',
  `To: ${login.user}`,
  'Subject: Café viewing — 8-bit',
  'Date: Fri, 20 Nov 2026 10:00:00 +0000',
  'Message-ID: <broken@gmail.com>',
  'Content-Type: multipart/mixed; boundary="expected"',
  '',
  '--other',
  'Content-Type: text/plain',
  '',
  'Still readable.',
  '--other',
  '',
].join('\r\n');

run('mail content over IMAP (Dovecot)', () => {
  let dovecot: DovecotInstance;
  let dir: string;
  let db: Kysely<Database>;
  beforeAll(async () => {
    dovecot = await startDovecot({ delimiter: '.', users: [login] });
  });
  afterAll(() => dovecot?.stop());
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-imap-content-'));
    db = await openTestStore(path.join(dir, 'rezi.sqlite'));
    await migrate(db);
    await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't' }).execute();
    await db.insertInto('users').values({ id: 'u1', oid: null, tenant_id: 't', email: login.user, name: 'Agent', branch_id: 'b1', role: 'agent' }).execute();
    await db.insertInto('groups').values({ id: 'g1', branch_id: 'b1', name: '14 Elm Road', kind: 'vendor', rezi_ref: null }).execute();
    await db.insertInto('contacts').values({ id: 'c1', group_id: 'g1', name: 'Sarah' }).execute();
    await db.insertInto('contact_addresses').values({ contact_id: 'c1', address: 'sarah@gmail.com' }).execute();
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function queue(mails: string[]): Promise<void> {
    const client = testClient(dovecot, login);
    await client.connect();
    await client.mailboxCreate(['Rezi-Imported']).catch(() => undefined);
    await client.mailboxCreate(['Rezi-Imported', 'Queue']).catch(() => undefined);
    const box = `Rezi-Imported${client.namespace?.delimiter ?? '.'}Queue`;
    for (const m of mails) await client.append(box, m);
    await client.logout();
  }

  async function sync(maxBytes: number) {
    const mailbox = await ImapMailbox.open({
      settings: { host: dovecot.host, port: dovecot.port, ssl: false, starttls: false, verifyCertificates: true },
      login: { username: login.user, password: login.password },
    });
    const commands = countImapCommands();
    try {
      const directory = new SqliteDirectory(db, 'https://rezi.example/g/', () => new Date(), { content: new TableContentStore(db), maxContentBytes: maxBytes });
      const report = await syncQueue(mailbox, directoryFor({ directory }, USER), { owner: { addresses: [login.user] }, contentLimits: { maxBytes } });
      return { report, fetches: commands.of(mailbox.client)['UID FETCH'] ?? 0 };
    } finally {
      commands.restore();
      await mailbox.close();
    }
  }

  const read = (id: string) => readTimelineContent(db, new TableContentStore(db), 'u1', id);

  it('files mails with bodies and attachments and reads them back from the store', async () => {
    await queue([RICH, LARGE, BROKEN]);
    const { report } = await sync(64 * 1024);
    expect(report).toMatchObject({ received: 3, pending: 0, failed: 0 });
    expect(report.results.every((r) => r.contentMissing === undefined)).toBe(true);

    const rich = await read('<rich@gmail.com>');
    expect(rich).toMatchObject({ status: 'captured', level: 'attachments', text: expect.stringContaining('Dear agent, the plan is attached.') });
    expect(rich!.headers.from).toEqual([{ address: 'sarah@gmail.com', name: 'Sarah Jones' }]);
    // postal-mime shows a mixed mail's text parts in order, the plain one as HTML too; the sanitiser left no handler or script.
    expect(rich!.html).toContain('<p>Dear agent</p><img src="cid:plan@x" />');
    expect(rich!.html).not.toMatch(/script|onmouseover|steal/);
    expect(rich!.attachments.map((a) => [a.name, a.type, a.size, a.contentId ?? null])).toEqual([
      ['attachment', 'image/png', PNG.length, 'plan@x'],
      ['attachment', 'image/png', PNG.length, null],
      ['passwd', 'text/plain', 10, null],
      ['empty.txt', 'text/plain', 0, null],
      ['winmail.dat', 'application/ms-tnef', 4, null],
    ]);
    expect(Buffer.from(rich!.attachments[0].content!).equals(PNG)).toBe(true);
    expect(rich!.reason).toMatch(/Content-ID another part already has.*TNEF/);

    // A large mail came part by part: its text and the attachment that fits; the other is listed as left out.
    const large = await read('<large@gmail.com>');
    expect(large!.text).toContain('See the brochure.');
    expect(large!.attachments.map((a) => [a.name, Buffer.from(a.content!).toString()])).toEqual([['small.txt', 'small']]);
    expect(large!.leftOut).toEqual([{ name: 'brochure.pdf', type: 'application/pdf', size: expect.any(Number), reason: 'Past the size kept per mail.' }]);
    // Its size is the server's (encoded) one, decoded by estimate: within a few bytes.
    expect(Math.abs(large!.leftOut[0].size - WHOLE_MAIL_BYTES)).toBeLessThan(8);

    const broken = await read('<broken@gmail.com>');
    expect(broken!.status).toBe('captured');
    expect(broken!.headers.subject).toBe('Café viewing — 8-bit');
  });

  it('reads no attachment bytes when the branch keeps bodies only, and nothing at all at the metadata level', async () => {
    await db.updateTable('branches').set({ privacy_level: 'body' }).where('id', '=', 'b1').execute();
    await queue([LARGE]);
    const body = await sync(25 * 1024 * 1024);
    expect(body.report.received).toBe(1);
    const large = await read('<large@gmail.com>');
    expect(large).toMatchObject({ text: expect.stringContaining('See the brochure.'), attachments: [] });
    expect(large!.leftOut.map((a) => a.name)).toEqual(['brochure.pdf', 'small.txt']);

    await db.updateTable('branches').set({ privacy_level: 'metadata' }).where('id', '=', 'b1').execute();
    await queue([RICH]);
    const none = await sync(25 * 1024 * 1024);
    expect(none.report.received).toBe(1);
    expect(await read('<rich@gmail.com>')).toBeUndefined();
    // The listing's one FETCH, and no other.
    expect(none.fetches).toBe(1);
  });
});
