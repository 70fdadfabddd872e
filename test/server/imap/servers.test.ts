/**
 * ImapMailbox on the server configurations customers run, beyond Dovecot on maildir with MOVE:
 * Debian's stock mbox layout, servers without MOVE (with and without UIDPLUS), a Queue whose
 * permissions refuse \Deleted, and a personal namespace under `INBOX.` on a server without NAMESPACE.
 */
import { ImapMailbox, MOVED_KEYWORD, QUEUE_NOT_DELETABLE_MESSAGE } from '../../../src/server/imap/mailbox';
import type { BranchImapSettings } from '../../../src/server/imap/settings';
import { startTcpProxy } from '../../faults/tcp-proxy';
import {
  appendMessages,
  DOVECOT_CAPABILITIES,
  dovecotAvailable,
  startDovecot,
  testClient,
  type DovecotInstance,
  type DovecotOptions,
} from '../../support/dovecot';
import { countImapCommands, type ImapCommandCounter } from '../../support/imap-commands';

const user = { user: 'agent@example.test', password: 'Mailbox-Pa55' };
const run = dovecotAvailable() ? describe : describe.skip;

let imap: ImapCommandCounter;
beforeEach(() => (imap = countImapCommands()));
afterEach(() => imap.restore());
if (!dovecotAvailable()) console.warn('*** SKIPPED test/server/imap/servers.test.ts: no Dovecot binary ***');

const plain = (d: DovecotInstance, port = d.port): BranchImapSettings => ({ host: d.host, port, ssl: false, starttls: false, verifyCertificates: true });
const open = (d: DovecotInstance, port?: number) => ImapMailbox.open({ settings: plain(d, port), login: { username: user.user, password: user.password } });
const mails = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ from: `client${i}@buyer.test`, to: user.user, subject: `${tag} ${i}`, messageId: `<${tag}-${i}@test.local>` }));

/** Every folder's Message-IDs (with flags), to check that each mail is in exactly one place. */
async function census(d: DovecotInstance): Promise<Map<string, { mid: string; deleted: boolean }[]>> {
  const c = testClient(d, user);
  await c.connect();
  const out = new Map<string, { mid: string; deleted: boolean }[]>();
  for (const f of await c.list()) {
    if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
    const lock = await c.getMailboxLock(f.path);
    try {
      const rows: { mid: string; deleted: boolean }[] = [];
      if ((c.mailbox && c.mailbox.exists) || 0)
        for await (const m of c.fetch('1:*', { envelope: true, flags: true }))
          rows.push({ mid: m.envelope?.messageId ?? '', deleted: m.flags?.has('\\Deleted') ?? false });
      out.set(f.path, rows);
    } finally {
      lock.release();
    }
  }
  await c.logout();
  return out;
}

async function withServer(options: Partial<DovecotOptions>, body: (d: DovecotInstance) => Promise<void>) {
  const d = await startDovecot({ delimiter: '.', users: [user], tls: false, ...options });
  try {
    await body(d);
  } finally {
    await d.stop();
  }
}

run('Debian stock Dovecot on mbox', () => {
  it('creates the tree (root made to hold children) and files mail into it', () =>
    withServer({ storage: 'mbox', delimiter: '/' }, async (d) => {
      const mailbox = await open(d);
      const tree = await mailbox.ensureFolders();
      expect(tree.queue).toBe('Rezi-Imported/Queue');
      await mailbox.close();
      await appendMessages(d, user, tree.queue, mails(3, 'mbox'));
      const again = await open(d);
      await again.ensureFolders();
      const queued = await again.listQueue(tree);
      const moved = await again.move(
        queued.map((q) => q.id),
        'received',
        tree,
      );
      expect(moved.every((m) => m.ok)).toBe(true);
      await again.close();
      const seen = await census(d);
      expect(
        seen
          .get(tree.received)
          ?.map((r) => r.mid)
          .sort(),
      ).toEqual(
        mails(3, 'mbox')
          .map((m) => m.messageId)
          .sort(),
      );
      expect(seen.get(tree.queue)).toEqual([]);
    }));

  it('repairs a root an older version left unable to hold children: empty → made again; with mail → kept aside', () =>
    withServer({ storage: 'mbox', delimiter: '/' }, async (d) => {
      // What the old code did on mbox: CREATE without the trailing delimiter makes an mbox file.
      const c = testClient(d, user);
      await c.connect();
      await c.mailboxCreate('Rezi-Imported');
      const listed = await c.list();
      expect(listed.find((f) => f.path === 'Rezi-Imported')?.flags.has('\\NoInferiors')).toBe(true);
      await c.logout();
      const mailbox = await open(d);
      const tree = await mailbox.ensureFolders();
      await mailbox.close();
      const seen = await census(d);
      for (const p of [tree.queue, tree.sent, tree.received, tree.failed]) expect(seen.has(p)).toBe(true);
    }));

  it('a \\NoInferiors root holding mail is renamed aside with its mail, and the tree is made', () =>
    withServer({ storage: 'mbox', delimiter: '/' }, async (d) => {
      await appendMessages(d, user, 'Rezi-Imported', mails(2, 'old'));
      const mailbox = await open(d);
      const tree = await mailbox.ensureFolders();
      await mailbox.close();
      const seen = await census(d);
      expect(seen.has(tree.queue)).toBe(true);
      const kept = [...seen.keys()].find((p) => p.startsWith('Rezi-Imported-kept-'));
      expect(kept).toBeDefined();
      expect(
        seen
          .get(kept!)!
          .map((r) => r.mid)
          .sort(),
      ).toEqual(
        mails(2, 'old')
          .map((m) => m.messageId)
          .sort(),
      );
    }));
});

run.each([
  ['without MOVE', ['MOVE']],
  ['without MOVE and UIDPLUS', ['MOVE', 'UIDPLUS']],
])('Dovecot %s: the COPY fallback never duplicates mail', (_name, without) => {
  for (const [where, cutAt, forward] of [
    ['between COPY and STORE', 'UID STORE', false],
    ['between STORE and EXPUNGE (STORE done)', 'UID STORE', true],
    ['between STORE and EXPUNGE (EXPUNGE never sent)', 'EXPUNGE', false],
  ] as const) {
    it(`a connection cut ${where}: the next run finishes the move, one copy of each mail`, () =>
      withServer({ withoutCapabilities: without }, async (d) => {
        const proxy = await startTcpProxy(d.port);
        try {
          const first = await open(d, proxy.port);
          const tree = await first.ensureFolders();
          await appendMessages(d, user, tree.queue, mails(5, 'cut'));
          const queued = await first.listQueue(tree);
          proxy.armCut({ trigger: new RegExp(cutAt), forward, afterServerBytes: 0 });
          await expect(
            first.move(
              queued.map((q) => q.id),
              'received',
              tree,
            ),
          ).rejects.toBeDefined();
          await first.close();
          proxy.armCut(undefined);

          const second = await open(d, proxy.port);
          await second.ensureFolders();
          const again = await second.listQueue(tree);
          expect(again).toHaveLength(5);
          const moved = await second.move(
            again.map((q) => q.id),
            'received',
            tree,
          );
          expect(moved.every((m) => m.ok)).toBe(true);
          await second.close();

          const seen = await census(d);
          expect(seen.get(tree.queue)).toEqual([]);
          expect(
            seen
              .get(tree.received)
              ?.map((r) => r.mid)
              .sort(),
          ).toEqual(
            mails(5, 'cut')
              .map((m) => m.messageId)
              .sort(),
          );
        } finally {
          await proxy.close();
        }
      }));
  }
});

run('Dovecot without MOVE: calls that overlap a copy move', () => {
  // The copy move visits the destination (to find copies an earlier run left, SEARCH by Message-ID);
  // a call that selected Queue meanwhile made those SEARCHes run in Queue, where every mail "was
  // already filed": the originals were expunged with no copy made. The engine overlaps these calls
  // (the next chunk's reads and moves while one moves), so a Queue of over 1,000 mails lost mail.
  const overlapping: [string, (m: ImapMailbox, ids: string[], tree: Awaited<ReturnType<ImapMailbox['ensureFolders']>>) => Promise<unknown>][] = [
    ['another move', (m, ids, tree) => m.move(ids.slice(100), 'received', tree)],
    ['a listing', (m, _ids, tree) => m.listQueue(tree)],
    ['a content read', (m, ids, tree) => m.readContent(ids.slice(100, 110), 'body', { maxBytes: 1000 }, tree)],
  ];
  it.each(overlapping)('%s while one runs: every mail in exactly one folder, none lost', (_name, other) =>
    withServer({ withoutCapabilities: ['MOVE'] }, async (d) => {
      const mailbox = await open(d);
      const tree = await mailbox.ensureFolders();
      // More than one SEARCH's worth of Message-IDs, so the visit to the destination takes several commands.
      const seeded = mails(200, 'overlap');
      await appendMessages(d, user, tree.queue, seeded);
      const ids = (await mailbox.listQueue(tree)).map((q) => q.id);
      const first = mailbox.move(ids.slice(0, 100), 'sent', tree);
      // The other call begins while the copy move is in the destination.
      for (const deadline = Date.now() + 10_000; mailbox.client.mailbox && mailbox.client.mailbox.path !== tree.sent;) {
        if (Date.now() > deadline) throw new Error('the copy move never selected the destination');
        await new Promise((r) => setImmediate(r));
      }
      const [moved] = await Promise.all([first, other(mailbox, ids, tree)]);
      expect(moved.filter((m) => !m.ok)).toEqual([]);
      // Whatever the other call left in Queue is moved too.
      const rest = (await mailbox.listQueue(tree)).map((q) => q.id);
      expect((await mailbox.move(rest, 'received', tree)).filter((m) => !m.ok)).toEqual([]);
      await mailbox.close();
      const seen = await census(d);
      const where = seeded.map((m) => [m.messageId, [...seen].filter(([, rows]) => rows.some((r) => r.mid === m.messageId)).map(([f]) => f)]);
      expect(where.filter(([, folders]) => folders.length !== 1)).toEqual([]);
      expect(seen.get(tree.queue)).toEqual([]);
      expect(
        seen
          .get(tree.sent)
          ?.map((r) => r.mid)
          .sort(),
      ).toEqual(
        seeded
          .slice(0, 100)
          .map((m) => m.messageId)
          .sort(),
      );
    }),
  );
});

run('A Queue whose permissions refuse \\Deleted', () => {
  it.each([
    ['without MOVE', ['MOVE']],
    ['with MOVE', []],
  ])('%s: the mail stays in Queue with a cause, and no copy is left in the destination, run after run', (_n, without) =>
    withServer({ withoutCapabilities: without, acl: { 'Rezi-Imported.Queue': 'lrswipk' } }, async (d) => {
      for (let runNo = 0; runNo < 3; runNo++) {
        const mailbox = await open(d);
        const tree = await mailbox.ensureFolders();
        if (runNo === 0) await appendMessages(d, user, tree.queue, mails(3, 'acl'));
        const queued = await mailbox.listQueue(tree);
        expect(queued).toHaveLength(3);
        const moved = await mailbox.move(
          queued.map((q) => q.id),
          'received',
          tree,
        );
        for (const m of moved) {
          expect(m.ok).toBe(false);
          expect(m.ok === false && m.cause).toBeTruthy();
          expect(m.ok === false && m.message).toMatch(/stays in Queue/);
        }
        if (without.length) expect(moved[0].ok === false && moved[0].message).toBe(QUEUE_NOT_DELETABLE_MESSAGE);
        await mailbox.close();
        const seen = await census(d);
        expect(seen.get(tree.received)).toEqual([]);
        expect(seen.get(tree.queue)).toHaveLength(3);
      }
    }),
  );
});

run('A Queue whose permissions refuse \\Deleted, on a server that says so (ACL, RFC 4314)', () => {
  it('copies nothing at all: MYRIGHTS is asked first, and the mail stays in Queue with the plain words', () =>
    withServer(
      {
        imapCapability: `${DOVECOT_CAPABILITIES.split(' ')
          .filter((c) => c !== 'MOVE')
          .join(' ')} ACL RIGHTS=texk`,
        acl: { 'Rezi-Imported.Queue': 'lrswipk' },
      },
      async (d) => {
        const mailbox = await open(d);
        const tree = await mailbox.ensureFolders();
        await appendMessages(d, user, tree.queue, mails(2, 'rights'));
        const queued = await mailbox.listQueue(tree);
        const moved = await mailbox.move(
          queued.map((q) => q.id),
          'sent',
          tree,
        );
        expect(moved.map((m) => m.ok === false && m.message)).toEqual([QUEUE_NOT_DELETABLE_MESSAGE, QUEUE_NOT_DELETABLE_MESSAGE]);
        expect(imap.of(mailbox.client)).toMatchObject({ MYRIGHTS: 1 });
        expect(imap.of(mailbox.client)['UID COPY'] ?? 0).toBe(0);
        await mailbox.close();
        expect((await census(d)).get(tree.sent)).toEqual([]);
      },
    ));
});

run('Mail the user deleted but has not expunged', () => {
  it('is left alone in Queue: not listed, not moved', () =>
    withServer({}, async (d) => {
      const mailbox = await open(d);
      const tree = await mailbox.ensureFolders();
      await appendMessages(d, user, tree.queue, mails(3, 'del'));
      const c = testClient(d, user);
      await c.connect();
      await c.mailboxOpen(tree.queue);
      await c.messageFlagsAdd('1', ['\\Deleted']);
      await c.logout();
      const queued = await mailbox.listQueue(tree);
      expect(queued.map((q) => q.internetMessageId).sort()).toEqual(['<del-1@test.local>', '<del-2@test.local>']);
      await mailbox.close();
    }));

  it('a mail flagged by our own cut move is still picked up (the keyword tells them apart)', () =>
    withServer({}, async (d) => {
      const mailbox = await open(d);
      const tree = await mailbox.ensureFolders();
      await appendMessages(d, user, tree.queue, mails(1, 'ours'));
      const c = testClient(d, user);
      await c.connect();
      await c.mailboxOpen(tree.queue);
      await c.messageFlagsAdd('1', ['\\Deleted', MOVED_KEYWORD]);
      await c.logout();
      expect(await mailbox.listQueue(tree)).toHaveLength(1);
      await mailbox.close();
    }));
});

run('A server without NAMESPACE whose personal folders live under INBOX.', () => {
  it('learns the INBOX. prefix from LIST and makes the tree there', () =>
    withServer({ prefix: 'INBOX.', withoutCapabilities: ['NAMESPACE'] }, async (d) => {
      const mailbox = await open(d);
      const tree = await mailbox.ensureFolders();
      expect(tree.queue).toBe('INBOX.Rezi-Imported.Queue');
      await mailbox.close();
      const seen = await census(d);
      expect(seen.has('INBOX.Rezi-Imported.Queue')).toBe(true);
    }));
});

run('A server that wants an app password, not the mailbox password', () => {
  it('answers in plain words what to do, from the server’s own refusal', () =>
    withServer(
      // Gmail's refusal names its app-password help page (passwd-file takes one word: the URL without its scheme).
      { users: [{ ...user, refusal: 'support.google.com/accounts/answer/185833' }] },
      async (d) => {
        const err = await open(d).then(
          () => undefined,
          (e: unknown) => e as { code: string; message: string; detail: { providerCode?: string } },
        );
        expect(err?.code).toBe('password-changed');
        expect(err?.message).toMatch(/Create an app password in your Google Account/);
        expect(err?.detail.providerCode).toBe('APP-PASSWORD-REQUIRED');
      },
    ));
});
