import { SyncError } from '../../../src/core/causes';
import { ImapMailbox, packUids } from '../../../src/server/imap/mailbox';
import type { BranchImapSettings } from '../../../src/server/imap/settings';
import { appendMessages, dovecotAvailable, freePort, startDovecot, testClient, type DovecotInstance } from '../../support/dovecot';
import { countImapCommands, type ImapCommandCounter } from '../../support/imap-commands';

const user = { user: 'agent@example.test', password: 'Mailbox-Pa55' };
const run = dovecotAvailable() ? describe : describe.skip;

let imap: ImapCommandCounter;
beforeEach(() => (imap = countImapCommands()));
afterEach(() => imap.restore());

const plain = (d: DovecotInstance): BranchImapSettings => ({ host: d.host, port: d.port, ssl: false, starttls: false, verifyCertificates: true });

async function errorOf(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (e) {
    return e as SyncError;
  }
  throw new Error('expected a failure');
}

describe('helpers', () => {
  it('packs UID sets', () => {
    expect(packUids([5, 3, 4, 9, 10, 12, 3])).toBe('3:5,9:10,12');
    expect(packUids([7])).toBe('7');
  });
});

run.each(['.', '/'] as const)('ImapMailbox on Dovecot (delimiter %s)', (delimiter) => {
  let dovecot: DovecotInstance;
  beforeAll(async () => {
    dovecot = await startDovecot({ delimiter, users: [user, { user: 'other@example.test', password: 'x' }] });
  });
  afterAll(() => dovecot?.stop());

  const open = (settings: Partial<BranchImapSettings> = {}, login = { username: user.user, password: user.password }, signal?: AbortSignal) =>
    ImapMailbox.open({ settings: { ...plain(dovecot), ...settings }, login, signal });

  it('creates and subscribes the folder tree with the server delimiter, idempotently', async () => {
    const mailbox = await open();
    expect(mailbox.delimiter).toBe(delimiter);
    const tree = await mailbox.ensureFolders();
    expect(tree).toEqual({
      root: 'Rezi-Imported',
      queue: `Rezi-Imported${delimiter}Queue`,
      sent: `Rezi-Imported${delimiter}Sent`,
      received: `Rezi-Imported${delimiter}Received`,
      failed: `Rezi-Imported${delimiter}Failed`,
    });
    expect(await mailbox.ensureFolders()).toEqual(tree);
    expect(imap.of(mailbox.client).CREATE).toBe(5);
    await mailbox.close();

    const check = testClient(dovecot, user);
    await check.connect();
    const list = await check.list();
    const ours = list.filter((f) => f.path.startsWith('Rezi-Imported'));
    expect(ours.map((f) => f.path).sort()).toEqual(Object.values(tree).sort());
    expect(ours.every((f) => f.subscribed && f.delimiter === delimiter)).toBe(true);
    expect(ours.find((f) => f.path === tree.queue)?.parentPath).toBe('Rezi-Imported');
    await check.logout();
  });

  it('completes a tree another client started (only Queue, unsubscribed), and the next run changes nothing', async () => {
    const other = { user: 'other@example.test', password: 'x' };
    await appendMessages(dovecot, other, `Rezi-Imported${delimiter}Queue`, []);
    const first = await open({}, { username: other.user, password: other.password });
    await first.ensureFolders();
    await first.close();
    const second = await open({}, { username: other.user, password: other.password });
    await second.ensureFolders();
    expect(imap.of(second.client)).not.toHaveProperty('CREATE');
    expect(imap.of(second.client)).not.toHaveProperty('SUBSCRIBE');
    await second.close();
  });

  it('lists Queue with one UID FETCH of envelopes and moves with one UID MOVE, reporting vanished UIDs as gone', async () => {
    const mailbox = await open();
    const tree = await mailbox.ensureFolders();
    await appendMessages(dovecot, user, tree.queue, [
      {
        from: '"Jane Buyer" <Jane.Buyer@Example.COM>',
        to: user.user,
        cc: 'x@cc.example',
        subject: 'Viewing on Friday',
        messageId: '<m1@test>',
        body: 'Can we view at 10?',
      },
      { from: user.user, to: 'vendor@example.org', subject: 'Offer', messageId: '<m2@test>' },
      { from: user.user, to: 'nobody@example.org', subject: 'No id', messageId: '' },
    ]);
    const before = imap.of(mailbox.client);
    const queued = await mailbox.listQueue(tree);
    expect(imap.of(mailbox.client)['UID FETCH']).toBe((before['UID FETCH'] ?? 0) + 1);
    expect(queued).toHaveLength(3);
    const m1 = queued.find((q) => q.internetMessageId === '<m1@test>')!;
    expect(m1).toMatchObject({
      from: [{ address: 'jane.buyer@example.com', name: 'Jane Buyer' }],
      to: [{ address: user.user }],
      cc: [{ address: 'x@cc.example' }],
      subject: 'Viewing on Friday',
      date: '2026-11-20T10:00:00.000Z',
      preview: 'Can we view at 10?',
    });
    expect(m1.id).toMatch(/^\d+:\d+$/);
    expect(queued.find((q) => q.subject === 'No id')?.internetMessageId).toBe('');

    const [validity] = m1.id.split(':');
    const ghost = `${validity}:99999`;
    const stale = `1${validity}:1`;
    const results = await mailbox.move([m1.id, ghost, stale], 'received', tree);
    expect(results[0]).toMatchObject({ id: m1.id, ok: true, newId: expect.stringMatching(/^\d+:\d+$/) });
    expect(results[1]).toEqual({ id: ghost, ok: false, cause: 'message-gone' });
    expect(results[2]).toMatchObject({ id: stale, ok: false, cause: 'unknown' });
    expect(imap.of(mailbox.client)['UID MOVE']).toBe(1);
    expect((await mailbox.listQueue(tree)).map((q) => q.subject).sort()).toEqual(['No id', 'Offer']);
    await mailbox.close();

    const check = testClient(dovecot, user);
    await check.connect();
    const status = await check.status(tree.received, { messages: true });
    expect(status && status.messages).toBe(1);
    await check.logout();
  });

  it('moves asked for while earlier ones wait for the connection go together: one UID MOVE per folder, each call answered for its own mails', async () => {
    const mailbox = await open();
    const tree = await mailbox.ensureFolders();
    const seed = Array.from({ length: 40 }, (_, i) => ({ from: `join${i}@x.example`, to: user.user, subject: `join-${i}`, messageId: `<join-${i}@test>` }));
    await appendMessages(dovecot, user, tree.queue, seed);
    const queued = (await mailbox.listQueue(tree)).filter((q) => q.subject.startsWith('join-'));
    expect(queued).toHaveLength(40);
    const groups = [0, 1, 2, 3].map((g) => queued.slice(g * 10, g * 10 + 10).map((q) => q.id));
    const before = imap.of(mailbox.client)['UID MOVE'] ?? 0;
    // As the engine calls it: one batch's destinations at once, the next batch's before they are sent.
    const answers = await Promise.all([
      mailbox.move(groups[0], 'received', tree),
      mailbox.move(groups[1], 'sent', tree),
      mailbox.move(groups[2], 'received', tree),
      mailbox.move(groups[3], 'sent', tree),
    ]);
    expect((imap.of(mailbox.client)['UID MOVE'] ?? 0) - before).toBe(2);
    answers.forEach((results, g) => {
      expect(results.map((r) => r.id)).toEqual(groups[g]);
      expect(results.every((r) => r.ok && /^\d+:\d+$/.test(r.newId ?? ''))).toBe(true);
    });
    const newIds = answers.flat().map((r) => (r.ok ? r.newId : ''));
    expect(new Set(newIds).size).toBe(40);
    expect((await mailbox.listQueue(tree)).filter((q) => q.subject.startsWith('join-'))).toEqual([]);
    await mailbox.close();

    const check = testClient(dovecot, user);
    await check.connect();
    const subjectsIn = async (folder: string) => {
      const lock = await check.getMailboxLock(folder);
      const out: string[] = [];
      for await (const m of check.fetch('1:*', { envelope: true })) if (m.envelope?.subject?.startsWith('join-')) out.push(m.envelope.subject);
      lock.release();
      return out.sort();
    };
    const subjectsOf = (gs: number[]) => gs.flatMap((g) => queued.slice(g * 10, g * 10 + 10).map((q) => q.subject)).sort();
    expect(await subjectsIn(tree.received)).toEqual(subjectsOf([0, 2]));
    expect(await subjectsIn(tree.sent)).toEqual(subjectsOf([1, 3]));
    await check.logout();
  });

  it('a chunked listing waits before its next UID FETCH while more than a chunk of mails waits to move', async () => {
    const mailbox = await open();
    const tree = await mailbox.ensureFolders();
    const seed = Array.from({ length: 3500 }, (_, i) => ({ from: `lag${i}@x.example`, to: user.user, subject: `lag-${i}`, messageId: `<lag-${i}@test>` }));
    await appendMessages(dovecot, user, tree.queue, seed);
    // A slow server: every UID MOVE answers 300 ms late, so moving falls behind reading.
    const client = mailbox.client as unknown as { exec: (c: string, ...r: unknown[]) => Promise<unknown> };
    const exec = client.exec.bind(client);
    let asked = 0;
    let answered = 0;
    const waitingAtFetch: number[] = [];
    client.exec = async (command: string, ...rest: unknown[]) => {
      if (command === 'UID FETCH') waitingAtFetch.push(asked - answered);
      if (command === 'UID MOVE') await new Promise((r) => setTimeout(r, 300));
      return exec(command, ...rest);
    };
    const moves: Promise<unknown>[] = [];
    // As the engine does: each chunk's moves asked for without waiting for them.
    await mailbox.listQueue(tree, undefined, async (chunk) => {
      asked += chunk.length;
      moves.push(
        mailbox
          .move(
            chunk.map((q) => q.id),
            'received',
            tree,
          )
          .then(() => (answered += chunk.length)),
      );
    });
    await Promise.all(moves);
    // Queue may still hold an earlier test's mails: every one listed is moved, in chunks of 1,000.
    expect(answered).toBe(asked);
    expect(waitingAtFetch).toHaveLength(Math.ceil(asked / 1000));
    expect(Math.max(...waitingAtFetch)).toBeLessThanOrEqual(1000);
    client.exec = exec;
    expect((await mailbox.listQueue(tree)).filter((q) => q.subject.startsWith('lag-'))).toEqual([]);
    await mailbox.close();
  });

  it('falls back to UID COPY + UID STORE \\Deleted + UID EXPUNGE when the server lacks MOVE, expunging only the moved UIDs', async () => {
    const mailbox = await open();
    const tree = await mailbox.ensureFolders();
    await appendMessages(dovecot, user, tree.queue, [
      { from: 'a@x.example', to: user.user, subject: 'fallback-1' },
      { from: 'b@x.example', to: user.user, subject: 'fallback-2' },
    ]);
    mailbox.client.capabilities.delete('MOVE');
    const queued = (await mailbox.listQueue(tree)).filter((q) => q.subject.startsWith('fallback'));
    // Another client has flagged a different mail \Deleted without expunging: it must survive.
    const bystander = queued.find((q) => q.subject === 'fallback-2')!;
    const other = testClient(dovecot, user);
    await other.connect();
    await other.mailboxOpen(tree.queue);
    await other.messageFlagsAdd(bystander.id.split(':')[1], ['\\Deleted'], { uid: true });
    await other.logout();

    const mover = queued.find((q) => q.subject === 'fallback-1')!;
    const results = await mailbox.move([mover.id], 'failed', tree);
    expect(results).toEqual([{ id: mover.id, ok: true, newId: expect.any(String) }]);
    const counts = imap.of(mailbox.client);
    expect(counts['UID MOVE'] ?? 0).toBe(0);
    expect(counts).toMatchObject({ 'UID COPY': 1, 'UID STORE': 1, 'UID EXPUNGE': 1 });
    expect(counts.EXPUNGE ?? 0).toBe(0);
    // The bystander is the user's deleted mail: not listed any more, but still there (not expunged).
    const left = (await mailbox.listQueue(tree)).map((q) => q.subject);
    expect(left).not.toContain('fallback-1');
    await mailbox.close();
    const check = testClient(dovecot, user);
    await check.connect();
    await check.mailboxOpen(tree.queue);
    const still = await check.fetchAll(bystander.id.split(':')[1], { envelope: true }, { uid: true });
    expect(still.map((m) => m.envelope?.subject)).toEqual(['fallback-2']);
    await check.logout();
  });

  it('a connection dropped mid-MOVE fails the call as server-unreachable; a new connection finishes, each mail in exactly one folder', async () => {
    const mailbox = await open();
    const tree = await mailbox.ensureFolders();
    const seed = Array.from({ length: 50 }, (_, i) => ({ from: `drop${i}@x.example`, to: user.user, subject: `drop-${i}`, messageId: `<drop-${i}@test>` }));
    await appendMessages(dovecot, user, tree.queue, seed);
    const ids = (await mailbox.listQueue(tree)).filter((q) => q.subject.startsWith('drop-')).map((q) => q.id);
    expect(ids).toHaveLength(50);
    const client = mailbox.client as unknown as { exec: (c: string, ...r: unknown[]) => Promise<unknown>; socket: { destroy(): void } };
    const exec = client.exec.bind(client);
    client.exec = (command: string, ...rest: unknown[]) => {
      const sent = exec(command, ...rest);
      if (command === 'UID MOVE') setImmediate(() => client.socket.destroy());
      return sent;
    };
    const err = await errorOf(mailbox.move(ids, 'received', tree));
    expect(err.code).toBe('server-unreachable');
    await mailbox.close();

    const again = await open();
    const left = (await again.listQueue(tree)).filter((q) => q.subject.startsWith('drop-'));
    if (left.length)
      expect(
        (
          await again.move(
            left.map((q) => q.id),
            'received',
            tree,
          )
        ).every((r) => r.ok),
      ).toBe(true);
    expect((await again.listQueue(tree)).filter((q) => q.subject.startsWith('drop-'))).toEqual([]);
    await again.close();
    const check = testClient(dovecot, user);
    await check.connect();
    const lock = await check.getMailboxLock(tree.received);
    const subjects: string[] = [];
    for await (const m of check.fetch('1:*', { envelope: true })) if (m.envelope?.subject?.startsWith('drop-')) subjects.push(m.envelope.subject);
    lock.release();
    await check.logout();
    expect(subjects.sort()).toEqual(seed.map((m) => m.subject).sort());
  });

  it('maps a wrong password to password-changed with the plain words, and never echoes the password', async () => {
    const err = await errorOf(open({}, { username: user.user, password: 'Wrong-Secret-123' }));
    expect(err).toBeInstanceOf(SyncError);
    expect(err.code).toBe('password-changed');
    expect(err.message).toMatch(/^Authorisation failed.*Has your email password changed recently\?$/);
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain('Wrong-Secret-123');
  });

  it('maps a closed port to server-unreachable', async () => {
    const err = await errorOf(open({ port: await freePort() }));
    expect(err).toMatchObject({ code: 'server-unreachable', detail: { providerCode: 'ECONNREFUSED' } });
    expect(err.message).toMatch(/refused the connection/);
  });

  it('rejects the self-signed certificate on the implicit TLS port and with STARTTLS unless the branch allows it', async () => {
    const tls = await errorOf(open({ port: dovecot.tlsPort, ssl: true }));
    expect(tls).toMatchObject({ code: 'certificate-invalid', detail: { providerCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    expect(tls.message).toMatch(/certificate is self-signed/);
    const starttls = await errorOf(open({ starttls: true }));
    expect(starttls).toMatchObject({ code: 'certificate-invalid', detail: { providerCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });

    for (const settings of [
      { port: dovecot.tlsPort, ssl: true, verifyCertificates: false },
      { starttls: true, verifyCertificates: false },
    ]) {
      const mailbox = await open(settings);
      expect(mailbox.client.secureConnection).toBe(true);
      expect(imap.of(mailbox.client).STARTTLS ?? 0).toBe(settings.starttls ? 1 : 0);
      await mailbox.close();
    }
  });

  it('aborting the signal closes the connection and the next call answers cancelled', async () => {
    const controller = new AbortController();
    const mailbox = await open({}, undefined, controller.signal);
    const tree = await mailbox.ensureFolders();
    controller.abort();
    const err = await errorOf(mailbox.listQueue(tree));
    expect(err.code).toBe('cancelled');
    await mailbox.close();
  });
});
