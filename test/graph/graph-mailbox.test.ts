import { getEventListeners } from 'node:events';
import { SyncError } from '../../src/core/causes';
import { syncQueue } from '../../src/core/engine';
import { FOLDER_NAMES, FOLDER_ROOT } from '../../src/core/ports';
import { GraphMailbox, type GraphMailboxOptions } from '../../src/graph/graph-mailbox';
import { type GraphStandin, type StandinOptions, startGraphStandin } from '../../dev/graph-standin';
import { MemoryDirectory } from '../support/memory';

const UNIT_MS = 40; // one Retry-After "second" in these tests

let standin: GraphStandin;
const open: GraphStandin[] = [];

async function start(options: StandinOptions = {}) {
  standin = await startGraphStandin(options);
  open.push(standin);
  return standin;
}

function mailbox(s: GraphStandin = standin, extra: Partial<GraphMailboxOptions> = {}) {
  return new GraphMailbox({
    baseUrl: s.url,
    getToken: async () => s.token,
    retryAfterUnitMs: UNIT_MS,
    backoffBaseMs: 5,
    backoffMaxMs: 40,
    random: () => 0.5,
    ...extra,
  });
}

function seed(s: GraphStandin, n: number, folder = 'inbox', from = (i: number) => `client${i}@buyers.example`, to = (_i: number) => 'agent@example.co.uk') {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(s.addMessage(folder, { from: from(i), to: [to(i)], subject: `Mail ${i}`, internetMessageId: `<m${i}@example.net>`, bodyPreview: `Preview ${i}` }));
  }
  return ids;
}

const moveSubs = (s: GraphStandin) => s.counters.byKind['sub POST /me/messages/{id}/move'] ?? 0;
const batches = (s: GraphStandin) => s.counters.byKind['POST /$batch'] ?? 0;

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('GraphMailbox.ensureFolders', () => {
  test('creates Rezi-Imported and its four children in a fresh mailbox', async () => {
    await start();
    const tree = await mailbox().ensureFolders();
    expect(standin.folderId(FOLDER_ROOT)).toBe(tree.root);
    for (const [role, name] of Object.entries(FOLDER_NAMES)) expect(standin.folderId(`${FOLDER_ROOT}/${name}`)).toBe(tree[role as keyof typeof FOLDER_NAMES]);
    // 1 lookup + 1 root create + 4 child creates; no listing of a folder we just made.
    expect(standin.counters.http).toBe(6);
  });

  test('finds a partly existing tree and creates only what is missing', async () => {
    await start();
    const queueId = standin.createFolderPath(`${FOLDER_ROOT}/Queue`);
    const sentId = standin.createFolderPath(`${FOLDER_ROOT}/Sent`);
    const tree = await mailbox().ensureFolders();
    expect(tree.queue).toBe(queueId);
    expect(tree.sent).toBe(sentId);
    expect(standin.folderId(`${FOLDER_ROOT}/Failed`)).toBe(tree.failed);
    expect(standin.counters.byKind['POST /me/mailFolders/{id}/childFolders']).toBe(2);
    expect(standin.foldersNamed('Queue')).toHaveLength(1);
  });

  test.each([409, 400])('two panes racing on an empty mailbox end with exactly one tree (ErrorFolderExists as %i)', async (status) => {
    await start({ folderExistsStatus: status, opMs: 5 });
    const [a, b] = await Promise.all([mailbox().ensureFolders(), mailbox().ensureFolders()]);
    expect(a).toEqual(b);
    expect(standin.foldersNamed(FOLDER_ROOT)).toHaveLength(1);
    for (const name of Object.values(FOLDER_NAMES)) expect(standin.foldersNamed(name)).toHaveLength(1);
    expect(standin.log.some((l) => l.status === status)).toBe(true);
  });
});

describe('GraphMailbox.move', () => {
  test('45 mails move in 3 $batch envelopes, ids stay the same with immutable ids', async () => {
    await start();
    const box = mailbox();
    const tree = await box.ensureFolders();
    seed(standin, 45);
    const inbox = standin.messagesIn('inbox');
    standin.resetCounters();
    const results = await box.move(
      inbox.map((m) => m.immutableId),
      'queue',
      tree,
    );
    expect(batches(standin)).toBe(3);
    expect(standin.counters.http).toBe(3);
    expect(results.every((r) => r.ok)).toBe(true);
    // Immutable ids: the id after the move is the id before it.
    expect(results.map((r) => (r.ok ? r.newId : undefined))).toEqual(inbox.map((m) => m.immutableId));
    expect(standin.messagesIn(`${FOLDER_ROOT}/Queue`)).toHaveLength(45);
    expect(standin.counters.maxConcurrent).toBeLessThanOrEqual(4);
    expect(standin.counters.throttledByConcurrency).toBe(0);
  });

  test('moves asked for together share envelopes across destinations', async () => {
    await start();
    const box = mailbox();
    const tree = await box.ensureFolders();
    const ids = seed(standin, 21);
    standin.resetCounters();
    const [sent, received, failed] = await Promise.all([
      box.move(ids.slice(0, 7), 'sent', tree),
      box.move(ids.slice(7, 14), 'received', tree),
      box.move(ids.slice(14), 'failed', tree),
    ]);
    expect([...sent, ...received, ...failed].every((r) => r.ok)).toBe(true);
    expect(batches(standin)).toBe(2); // 20 + 1, not 7 + 7 + 7
    expect(standin.messagesIn(`${FOLDER_ROOT}/Sent`)).toHaveLength(7);
    expect(standin.messagesIn(`${FOLDER_ROOT}/Received`)).toHaveLength(7);
    expect(standin.messagesIn(`${FOLDER_ROOT}/Failed`)).toHaveLength(7);
  });

  test('REST (mutable) ids from Office are accepted; the answer carries the immutable id', async () => {
    await start();
    const box = mailbox();
    const tree = await box.ensureFolders();
    const [restId] = seed(standin, 1);
    const [r] = await box.move([restId], 'queue', tree);
    const [inQueue] = standin.messagesIn(`${FOLDER_ROOT}/Queue`);
    expect(r).toMatchObject({ id: restId, ok: true, newId: inQueue.immutableId });
    expect(inQueue.id).not.toBe(restId); // the mutable id changed, as Graph does on a move
    // The move's answer carries what matching needs, under the id the mail now has in Queue.
    expect(r.ok && r.moved).toMatchObject({
      id: inQueue.immutableId,
      internetMessageId: '<m0@example.net>',
      from: [{ address: 'client0@buyers.example' }],
      to: [{ address: 'agent@example.co.uk' }],
      subject: 'Mail 0',
      preview: 'Preview 0',
    });
  });

  test('an unknown id is message-gone; the others still move', async () => {
    await start();
    const box = mailbox();
    const tree = await box.ensureFolders();
    const ids = seed(standin, 3);
    const results = await box.move([ids[0], 'AAMkAGI2-no-such-mail', ids[2]], 'sent', tree);
    expect(results.map((r) => (r.ok ? 'ok' : r.cause))).toEqual(['ok', 'message-gone', 'ok']);
    expect(standin.messagesIn(`${FOLDER_ROOT}/Sent`)).toHaveLength(2);
  });

  test('429 inside a batch: waits Retry-After and resends only what was not done', async () => {
    await start({ retryAfterSeconds: 2 });
    const box = mailbox();
    const tree = await box.ensureFolders();
    const inbox = (seed(standin, 10), standin.messagesIn('inbox'));
    const throttled = new Set([inbox[3].immutableId, inbox[7].immutableId]);
    for (const id of throttled) standin.fault({ kind: 'throttle', times: 1, match: (r) => r.sub && r.path.includes(id) });
    standin.resetCounters();
    const t0 = Date.now();
    const results = await box.move(
      inbox.map((m) => m.immutableId),
      'received',
      tree,
    );
    const elapsed = Date.now() - t0;
    expect(results.every((r) => r.ok)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(2 * UNIT_MS * 2 - 5); // two rounds, each honouring Retry-After: 2
    // Every mail executed once, plus one retry for each throttled one; none re-executed after success.
    expect(moveSubs(standin)).toBe(10 + 2);
    const executions = (id: string) => standin.log.filter((l) => l.sub && l.path.includes(id)).length;
    for (const m of inbox) expect(executions(m.immutableId)).toBe(throttled.has(m.immutableId) ? 2 : 1);
    expect(standin.messagesIn(`${FOLDER_ROOT}/Received`)).toHaveLength(10);
  });

  test('503 inside a batch backs off and retries; gives up after maxAttempts with server-unreachable', async () => {
    await start();
    const box = mailbox(standin, { maxAttempts: 3 });
    const tree = await box.ensureFolders();
    const inbox = (seed(standin, 4), standin.messagesIn('inbox'));
    const stuck = inbox[1].immutableId;
    standin.fault({ kind: '503', times: 1, match: (r) => r.sub && r.path.includes(inbox[0].immutableId) });
    standin.fault({ kind: '504', times: 100, match: (r) => r.sub && r.path.includes(stuck) });
    const results = await box.move(
      inbox.map((m) => m.immutableId),
      'failed',
      tree,
    );
    expect(results.map((r) => (r.ok ? 'ok' : r.cause))).toEqual(['ok', 'server-unreachable', 'ok', 'ok']);
    expect(standin.log.filter((l) => l.sub && l.path.includes(stuck))).toHaveLength(3);
    expect(standin.messagesIn('inbox').map((m) => m.immutableId)).toEqual([stuck]);
  });

  test('persistent 429 gives up with throttled', async () => {
    await start({ retryAfterSeconds: 1 });
    const box = mailbox(standin, { maxAttempts: 2 });
    const tree = await box.ensureFolders();
    const [id] = seed(standin, 1);
    standin.fault({ kind: 'throttle', times: 10, match: (r) => r.sub });
    const [r] = await box.move([id], 'queue', tree);
    expect(r).toMatchObject({ ok: false, cause: 'throttled' });
  });

  test('a dropped connection is retried', async () => {
    await start();
    const box = mailbox();
    const tree = await box.ensureFolders();
    const inbox = (seed(standin, 5), standin.messagesIn('inbox'));
    standin.fault({ kind: 'drop', times: 1, match: (r) => r.path === '/$batch' });
    standin.resetCounters();
    const results = await box.move(
      inbox.map((m) => m.immutableId),
      'queue',
      tree,
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(batches(standin)).toBe(2);
    expect(standin.log[0].status).toBe(-1);
  });

  test('a cancelled move stops waiting and sends nothing more', async () => {
    await start({ retryAfterSeconds: 50 });
    const box = mailbox();
    const tree = await box.ensureFolders();
    const ids = seed(standin, 3);
    standin.fault({ kind: 'throttle', times: 1, match: (r) => r.sub });
    const controller = new AbortController();
    const pending = box.move(ids, 'queue', tree, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    await expect(box.move(ids, 'queue', tree, controller.signal)).rejects.toMatchObject({ code: 'cancelled' });
  });

  test("a run's many moves share one abort listener, gone once they settle; an abort still cancels every waiting move", async () => {
    await start({ rttMs: 20 });
    const box = mailbox();
    const tree = await box.ensureFolders();
    const ids = seed(standin, 60);
    const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;
    // 12 calls of 5 at once: more than the 4 envelopes in flight, so most wait.
    const controller = new AbortController();
    const calls = Array.from({ length: 12 }, (_, i) => box.move(ids.slice(i * 5, i * 5 + 5), 'queue', tree, controller.signal));
    expect(listeners(controller.signal)).toBe(1);
    const results = await Promise.all(calls);
    expect(results.flat().filter((r) => r.ok)).toHaveLength(60);
    expect(listeners(controller.signal)).toBe(0);

    const again = new AbortController();
    standin.fault({ kind: 'slow', delayMs: 200, probability: 1, match: (r) => !r.sub });
    const waiting = Array.from({ length: 12 }, (_, i) => box.move(ids.slice(i * 5, i * 5 + 5), 'sent', tree, again.signal));
    setTimeout(() => again.abort(), 50);
    const settled = await Promise.allSettled(waiting);
    expect(settled.every((r) => r.status === 'rejected' && (r.reason as SyncError).code === 'cancelled')).toBe(true);
    expect(listeners(again.signal)).toBe(0);
  });

  test('401 maps to authorisation-expired', async () => {
    await start();
    const box = new GraphMailbox({ baseUrl: standin.url, getToken: async () => 'expired-token' });
    await expect(box.ensureFolders()).rejects.toMatchObject({
      code: 'authorisation-expired',
      detail: { status: 401, providerCode: 'InvalidAuthenticationToken' },
    });
    await expect(box.ensureFolders()).rejects.toBeInstanceOf(SyncError);
  });

  test('a sign-in that fails while getting the token keeps its cause: no retries, nothing sent, not "unreachable"', async () => {
    await start();
    const box = mailbox(standin, {
      getToken: async () => {
        throw new SyncError('password-changed', 'AADSTS50173: the grant has expired because the password changed.', { providerCode: 'AADSTS50173' });
      },
    });
    await expect(box.ensureFolders()).rejects.toMatchObject({ code: 'password-changed', detail: { providerCode: 'AADSTS50173' } });
    const tree = { root: 'r', queue: 'q', sent: 's', received: 'rc', failed: 'f' };
    await expect(box.move(['AAMk-1'], 'sent', tree)).rejects.toMatchObject({ code: 'password-changed' });
    expect(standin.counters.http).toBe(0);
  });
});

describe('Graph stand-in faithfulness', () => {
  test('a $batch of more than 20 requests is refused with 400; a bad token gets 401 InvalidAuthenticationToken', async () => {
    await start();
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/me' }));
    const post = (token: string) =>
      fetch(`${standin.url}/$batch`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ requests }),
      });
    const tooMany = await post(standin.token);
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.code).toBe('BadRequest');
    const bad = await post('nope');
    expect(bad.status).toBe(401);
    expect((await bad.json()).error.code).toBe('InvalidAuthenticationToken');
  });

  test('more than 4 requests executing at once against the mailbox → 429 ApplicationThrottled with Retry-After', async () => {
    await start({ opMs: 30 });
    const requests = Array.from({ length: 6 }, () =>
      fetch(`${standin.url}/me/mailFolders/inbox`, { headers: { Authorization: `Bearer ${standin.token}` } }).then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get('retry-after'),
        body: await r.json(),
      })),
    );
    const answers = await Promise.all(requests);
    const throttled = answers.filter((a) => a.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(throttled[0].retryAfter).toBe('1');
    expect(throttled[0].body.error).toMatchObject({ code: 'ApplicationThrottled', message: expect.stringContaining('MailboxConcurrency') });
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(4);
  });
});

describe('GraphMailbox.listQueue', () => {
  test('follows @odata.nextLink: 2,500 mails in 3 pages, $select only what matching needs', async () => {
    await start();
    const box = mailbox();
    const tree = await box.ensureFolders();
    for (let i = 0; i < 2500; i++)
      standin.addMessage(`${FOLDER_ROOT}/Queue`, {
        from: { name: 'Jo Buyer', address: `Jo${i}@Buyers.Example` },
        to: ['agent@example.co.uk'],
        cc: ['x@y.example'],
        subject: `S${i}`,
        internetMessageId: `<q${i}@x>`,
        bodyPreview: 'hello',
      });
    standin.resetCounters();
    const list = await box.listQueue(tree);
    expect(list).toHaveLength(2500);
    expect(standin.counters.byKind['GET /me/mailFolders/{id}/messages']).toBe(3);
    expect(new Set(list.map((m) => m.id)).size).toBe(2500);
    expect(list[0]).toEqual({
      id: standin.messagesIn(`${FOLDER_ROOT}/Queue`)[0].immutableId,
      internetMessageId: '<q0@x>',
      from: [{ address: 'jo0@buyers.example', name: 'Jo Buyer' }],
      to: [{ address: 'agent@example.co.uk', name: 'agent@example.co.uk' }],
      cc: [{ address: 'x@y.example', name: 'x@y.example' }],
      date: expect.any(String),
      subject: 'S0',
      preview: 'hello',
    });
  });
});

describe('syncQueue over GraphMailbox', () => {
  test('100 selected mails filed end to end within 2·⌈N/20⌉ + 8 Graph requests', async () => {
    await start({ opMs: 1 });
    const box = mailbox();
    // 34 sent by the agent to a known buyer (→ Sent), 33 from the buyer (→ Received), 33 from strangers (→ Failed).
    const ids = seed(
      standin,
      100,
      'inbox',
      (i) => (i < 34 ? 'agent@example.co.uk' : i < 67 ? 'buyer@clients.example' : `stranger${i}@nowhere.example`),
      (i) => (i < 34 ? 'buyer@clients.example' : 'agent@example.co.uk'),
    );
    const directory = new MemoryDirectory([{ id: 'g1', name: '12 High Street', addresses: ['buyer@clients.example'] }]);
    standin.resetCounters();
    const owner = await box.owner();
    const report = await syncQueue(box, directory, { owner, selection: ids, batchSize: 100, concurrency: 2 });
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ total: 100, sent: 34, received: 33, failed: 33, pending: 0 });
    expect(standin.messagesIn(`${FOLDER_ROOT}/Sent`)).toHaveLength(34);
    expect(standin.messagesIn(`${FOLDER_ROOT}/Received`)).toHaveLength(33);
    expect(standin.messagesIn(`${FOLDER_ROOT}/Failed`)).toHaveLength(33);
    expect(standin.messagesIn(`${FOLDER_ROOT}/Queue`)).toHaveLength(0);
    // The bound counts folders, the queue listing and moves (owner() is the services' /me call).
    const withoutMe = standin.counters.http - (standin.counters.byKind['GET /me'] ?? 0);
    expect(withoutMe).toBeLessThanOrEqual(2 * Math.ceil(100 / 20) + 8);
    expect(standin.counters.throttledByConcurrency).toBe(0);
    expect(standin.counters.maxConcurrent).toBeLessThanOrEqual(4);
  });

  test('owner() reads mail, UPN and SMTP proxy addresses', async () => {
    await start({
      user: {
        mail: 'Agent@Example.co.uk',
        userPrincipalName: 'agent@example.co.uk',
        proxyAddresses: ['SMTP:Agent@Example.co.uk', 'smtp:lettings@example.co.uk', 'X500:/o=x'],
      },
    });
    const owner = await mailbox().owner();
    expect(owner.addresses).toEqual(['Agent@Example.co.uk', 'agent@example.co.uk', 'lettings@example.co.uk']);
  });

  test('a second run after a crash-free first run finds the same tree with two lookups', async () => {
    await start();
    await mailbox().ensureFolders();
    standin.resetCounters();
    await mailbox().ensureFolders();
    expect(standin.counters.http).toBe(2);
  });
});

describe('as strict as Microsoft documents: $skip paging, Prefer ignored inside $batch, real-shaped ids, 10,000 requests per 10 minutes', () => {
  const owner = { addresses: ['agent@example.co.uk'] };

  test('one Queue sync drains the Queue: 2,500 leftovers, $skip paging, another pane moving mail out while we page', async () => {
    let moved = false;
    const peer: { box?: GraphMailbox } = {};
    const s = await start({
      paging: 'skip',
      ids: 'real',
      // Before our second page is answered, another pane files 400 of the Queue's first page (the newest).
      beforeRequest: async (r) => {
        if (moved || r.sub || r.method !== 'GET' || !r.query.has('$skip')) return;
        moved = true;
        const first = s.messagesIn(`${FOLDER_ROOT}/Queue`).slice(-400);
        await peer.box!.move(
          first.map((m) => m.immutableId),
          'failed',
          await peer.box!.ensureFolders(),
        );
      },
    });
    peer.box = mailbox(s);
    const box = mailbox(s);
    await box.ensureFolders();
    for (let i = 0; i < 2500; i++)
      s.addMessage(`${FOLDER_ROOT}/Queue`, {
        from: `client${i}@buyers.example`,
        to: ['agent@example.co.uk'],
        subject: `Left ${i}`,
        internetMessageId: `<left${i}@x>`,
        receivedDateTime: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      });
    const report = await syncQueue(box, new MemoryDirectory([]), { owner, batchSize: 100, concurrency: 2 });
    expect(moved).toBe(true);
    expect(report.error).toBeUndefined();
    expect(s.messagesIn(`${FOLDER_ROOT}/Queue`)).toHaveLength(0);
    // The 400 the other pane filed were on our first page: their moves answer 404, already gone, as the engine expects.
    expect(report.total).toBe(2500);
    expect(s.messagesIn(`${FOLDER_ROOT}/Failed`)).toHaveLength(2500);
  });

  test('Prefer ignored inside $batch: each selected mail is filed and moved once, not once per id it was seen under', async () => {
    const s = await start({ batchPrefer: 'ignored', ids: 'real', paging: 'skip' });
    const ids = seed(s, 50, 'inbox', () => 'buyer@clients.example');
    const directory = new MemoryDirectory([{ id: 'g1', name: '12 High Street', addresses: ['buyer@clients.example'] }]);
    const filed: string[] = [];
    const file = directory.file.bind(directory);
    directory.file = async (messages, context) => (filed.push(...messages.map((m) => m.internetMessageId)), file(messages, context));
    const report = await syncQueue(mailbox(s), directory, { owner, selection: ids, batchSize: 20, concurrency: 2 });
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ total: 50, received: 50 });
    expect(filed).toHaveLength(50);
    expect(new Set(filed).size).toBe(50);
    expect(s.messagesIn(`${FOLDER_ROOT}/Received`)).toHaveLength(50);
    expect(s.messagesIn(`${FOLDER_ROOT}/Queue`)).toHaveLength(0);
    // Two moves per mail (in, out) and no more: nothing moved twice.
    expect(moveSubs(s)).toBe(100);
  });

  test('real-shaped ids (+ / - _ =) are URL-encoded in every path', async () => {
    const s = await start({ ids: 'real' });
    const ids = seed(s, 5, 'inbox', () => 'buyer@clients.example');
    expect(ids.every((id) => /[+/]/.test(id) && /[-_]/.test(id) && id.endsWith('='))).toBe(true);
    const directory = new MemoryDirectory([{ id: 'g1', name: '12 High Street', addresses: ['buyer@clients.example'] }]);
    const report = await syncQueue(mailbox(s), directory, { owner, selection: ids });
    expect(report).toMatchObject({ total: 5, received: 5 });
    expect(s.log.filter((e) => e.status >= 400)).toEqual([]);
  });

  test('over 10,000 requests per 10 minutes (scaled): Graph answers 429 with Retry-After until the window frees, and the sync still completes', async () => {
    const s = await start({ rateLimit: { requests: 40, windowMs: 400 } });
    const ids = seed(s, 120, 'inbox', () => 'buyer@clients.example');
    const directory = new MemoryDirectory([{ id: 'g1', name: '12 High Street', addresses: ['buyer@clients.example'] }]);
    // A Retry-After "second" is 400 ms here, the window's length: the stand-in's limit is real time.
    const report = await syncQueue(mailbox(s, { retryAfterUnitMs: 400, maxAttempts: 8 }), directory, { owner, selection: ids });
    expect(s.counters.throttledByRate).toBeGreaterThan(0);
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ total: 120, received: 120 });
  }, 30_000);
});

describe('GraphMailbox.message and moveToInbox (fixing and undoing by hand)', () => {
  test('reads one mail by its immutable id as Queue would list it; an unknown id is message-gone', async () => {
    await start();
    seed(standin, 1);
    const id = standin.messagesIn('inbox')[0].immutableId;
    const m = await mailbox().message(id);
    expect(m).toMatchObject({
      id,
      internetMessageId: '<m0@example.net>',
      subject: 'Mail 0',
      preview: 'Preview 0',
      from: [{ address: 'client0@buyers.example' }],
    });
    expect(m.to.map((a) => a.address)).toEqual(['agent@example.co.uk']);
    const gone = await mailbox()
      .message('AAMk-nope')
      .catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 'message-gone' });
  });

  test('moves a filed mail back to the Inbox by its well-known name, keeping its id', async () => {
    await start();
    const box = mailbox();
    const folders = await box.ensureFolders();
    seed(standin, 1);
    const id = standin.messagesIn('inbox')[0].immutableId;
    await box.move([id], 'received', folders);
    expect(standin.messagesIn('inbox')).toHaveLength(0);
    expect(await box.moveToInbox([id])).toEqual([expect.objectContaining({ id, ok: true })]);
    expect(standin.messagesIn('inbox').map((m) => m.immutableId)).toEqual([id]);
  });
});
