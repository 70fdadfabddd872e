import type { ContentItem, PrivacyLevel } from '../../src/core/content';
import { syncQueue } from '../../src/core/engine';
import type { FilingContext, FilingMessage, FilingOutcome } from '../../src/core/ports';
import { GraphMailbox } from '../../src/graph/graph-mailbox';
import { type GraphStandin, startGraphStandin } from '../../dev/graph-standin';
import { MemoryDirectory } from '../support/memory';

const OWNER = { addresses: ['agent@example.co.uk'] };
let standin: GraphStandin;
beforeEach(async () => (standin = await startGraphStandin({ ids: 'real' })));
afterEach(() => standin.close());

const mailbox = () =>
  new GraphMailbox({ baseUrl: standin.url, getToken: async () => standin.token, retryAfterUnitMs: 40, backoffBaseMs: 5, backoffMaxMs: 40, random: () => 0.5 });

class ContentDirectory extends MemoryDirectory {
  attached: ContentItem[] = [];
  constructor(private readonly level: PrivacyLevel) {
    super([{ id: 'g1', name: '14 Elm Road', addresses: ['sarah@gmail.com'] }]);
  }
  override async file(messages: readonly FilingMessage[], context: FilingContext): Promise<FilingOutcome[]> {
    return (await super.file(messages, context)).map((o) => (o.status === 'filed' ? { ...o, privacy: this.level } : o));
  }
  async attachContent(items: readonly ContentItem[]): Promise<void> {
    this.attached.push(...items);
  }
}

const byKind = (k: string) => standin.counters.byKind[k] ?? 0;

describe('GraphMailbox.readContent on the Graph stand-in', () => {
  function seed() {
    standin.createFolderPath('Rezi-Imported/Queue');
    standin.addMessage('Rezi-Imported/Queue', {
      from: 'sarah@gmail.com',
      to: ['agent@example.co.uk'],
      internetMessageId: '<html@x>',
      body: { contentType: 'html', content: '<p>Dear agent</p><img src="cid:plan@x">' },
      attachments: [
        { name: 'plan.png', contentType: 'image/png', content: Buffer.from([1, 2, 3]), isInline: true, contentId: 'plan@x' },
        { name: 'brochure.pdf', contentType: 'application/pdf', content: Buffer.alloc(5000, 7) },
      ],
    });
    standin.addMessage('Rezi-Imported/Queue', {
      from: 'sarah@gmail.com',
      to: ['agent@example.co.uk'],
      internetMessageId: '<text@x>',
      body: { contentType: 'text', content: 'Plain words.' },
    });
    standin.addMessage('Rezi-Imported/Queue', {
      from: 'nobody@elsewhere.example',
      to: ['agent@example.co.uk'],
      internetMessageId: '<none@x>',
      body: { contentType: 'text', content: 'Not read.' },
    });
  }

  it('reads bodies in one $batch, attachment lists in another, and each attachment that fits from /$value', async () => {
    seed();
    const dir = new ContentDirectory('attachments');
    const report = await syncQueue(mailbox(), dir, { owner: OWNER, contentLimits: { maxBytes: 1000 } });
    expect(report).toMatchObject({ received: 2, failed: 1, pending: 0 });
    const html = dir.attached.find((i) => i.internetMessageId === '<html@x>')!;
    expect(html.ok && html.content).toMatchObject({ html: '<p>Dear agent</p><img src="cid:plan@x">', text: '' });
    expect(html.ok && html.content.attachments.map((a) => [a.name, a.type, a.size, a.contentId, a.inline, [...a.content]])).toEqual([
      ['plan.png', 'image/png', 3, 'plan@x', true, [1, 2, 3]],
    ]);
    expect(html.ok && html.content.leftOut).toEqual([{ name: 'brochure.pdf', type: 'application/pdf', size: 5000, reason: 'Past the size kept per mail.' }]);
    const text = dir.attached.find((i) => i.internetMessageId === '<text@x>')!;
    expect(text.ok && text.content).toMatchObject({ text: 'Plain words.', attachments: [] });
    // Only matched mails are read: two body GETs, one attachment list, one /$value.
    expect(byKind('sub GET /me/messages/{id}')).toBe(2);
    expect(byKind('sub GET /me/messages/{id}/attachments')).toBe(1);
    expect(Object.entries(standin.counters.byKind).filter(([k]) => k.endsWith('/$value') || k.includes('/attachments/'))).toEqual([
      [expect.stringContaining('GET /me/messages/{id}/attachments'), 1],
    ]);
  });

  it('at the body level reads no attachment list, and at the metadata level nothing', async () => {
    seed();
    const body = new ContentDirectory('body');
    await syncQueue(mailbox(), body, { owner: OWNER });
    expect(byKind('sub GET /me/messages/{id}')).toBe(2);
    expect(Object.keys(standin.counters.byKind).some((k) => k.includes('/attachments'))).toBe(false);

    standin.resetCounters();
    seed();
    const none = new ContentDirectory('metadata');
    await syncQueue(mailbox(), none, { owner: OWNER });
    expect(none.attached).toEqual([]);
    expect(Object.keys(standin.counters.byKind).some((k) => k.includes('GET /me/messages/'))).toBe(false);
  });

  it('a mail gone from the mailbox says so instead of failing the others', async () => {
    seed();
    const mb = mailbox();
    const tree = await mb.ensureFolders();
    const queued = await mb.listQueue(tree);
    const results = await mb.readContent([queued[1].id, 'AAMk-no-such-message'], 'body', { maxBytes: 1000 }, tree);
    expect(results[0]).toMatchObject({ ok: true, content: { text: 'Plain words.' } });
    expect(results[1]).toMatchObject({ id: 'AAMk-no-such-message', ok: false, cause: 'message-gone' });
  });

  it('a gone mail at the head of an envelope costs only itself: the GETs after it (424, not run) go again', async () => {
    seed();
    const mb = mailbox();
    const tree = await mb.ensureFolders();
    const queued = await mb.listQueue(tree);
    standin.resetCounters();
    const results = await mb.readContent(['AAMk-no-such-message', queued[1].id, queued[2].id], 'body', { maxBytes: 1000 }, tree);
    expect(results.map((r) => [r.ok, r.ok ? r.content.text : r.cause])).toEqual([
      [false, 'message-gone'],
      [true, 'Plain words.'],
      [true, 'Not read.'],
    ]);
    // The gone one, then the two it held up: each GET of a real mail ran once.
    expect(byKind('sub GET /me/messages/{id}')).toBe(3);
    expect(standin.counters.http).toBe(2);
  });
});

describe('content reads against Outlook’s 4 concurrent requests per mailbox', () => {
  const many = (folder: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      standin.addMessage(folder, {
        from: 'sarah@gmail.com',
        to: ['agent@example.co.uk'],
        internetMessageId: `<many-${i}@x>`,
        body: { contentType: 'text', content: `Offer ${i}.` },
      }),
    );

  it('1,000 matched mails already in Queue: every body GET is received once and none is throttled, while the moves share the mailbox', async () => {
    standin.createFolderPath('Rezi-Imported/Queue');
    many('Rezi-Imported/Queue', 1000);
    const dir = new ContentDirectory('body');
    const report = await syncQueue(mailbox(), dir, { owner: OWNER, batchSize: 100, concurrency: 2 });
    expect(report).toMatchObject({ received: 1000, pending: 0 });
    expect(report.results.filter((r) => r.contentMissing)).toEqual([]);
    expect(dir.attached.filter((i) => i.ok)).toHaveLength(1000);
    // The stand-in's own view of what it received: no 429 for being over the mailbox's concurrency,
    // so no GET (nor move) had to be sent again.
    expect(standin.counters.throttledByConcurrency).toBe(0);
    expect(byKind('sub GET /me/messages/{id}')).toBe(1000);
    expect(byKind('sub POST /me/messages/{id}/move')).toBe(1000);
  }, 60_000);

  it('1,000 selected mails: their bodies come with the answers of their moves into Queue, and no GET is sent for them', async () => {
    standin.createFolderPath('Rezi-Imported/Queue');
    const selection = many('inbox', 1000);
    const dir = new ContentDirectory('body');
    const report = await syncQueue(mailbox(), dir, { owner: OWNER, selection, batchSize: 100, concurrency: 2 });
    expect(report).toMatchObject({ received: 1000, pending: 0 });
    expect(report.results.filter((r) => r.contentMissing)).toEqual([]);
    expect(dir.attached.map((i) => i.ok && i.content.text).sort()).toEqual(Array.from({ length: 1000 }, (_, i) => `Offer ${i}.`).sort());
    expect(byKind('sub GET /me/messages/{id}')).toBe(0);
    expect(standin.counters.throttledByConcurrency).toBe(0);
    expect(byKind('sub POST /me/messages/{id}/move')).toBe(2000);
  }, 60_000);
});

describe('content of a shared mailbox', () => {
  const LETTINGS = 'lettings@example.co.uk';
  let shared: GraphStandin;
  afterEach(() => shared?.close());

  it('is read from that mailbox (/users/{address}), not from the delegate’s own', async () => {
    shared = await startGraphStandin({ ids: 'real', token: 'lettings', user: { mail: LETTINGS, userPrincipalName: LETTINGS } });
    await standin.close();
    standin = await startGraphStandin({ ids: 'real', shared: [{ mailbox: shared, access: 'full' }] });
    shared.createFolderPath('Rezi-Imported/Queue');
    shared.addMessage('Rezi-Imported/Queue', {
      from: 'sarah@gmail.com',
      to: [LETTINGS],
      internetMessageId: '<shared-body@x>',
      body: { contentType: 'text', content: 'For the lettings team.' },
    });
    const delegate = new GraphMailbox({ baseUrl: standin.url, getToken: async () => standin.token, sharedMailbox: LETTINGS, retryAfterUnitMs: 1 });
    const dir = new ContentDirectory('body');
    const report = await syncQueue(delegate, dir, { owner: { addresses: [LETTINGS, ...OWNER.addresses] } });
    expect(report).toMatchObject({ received: 1, pending: 0 });
    expect(dir.attached.map((i) => i.ok && i.content.text)).toEqual(['For the lettings team.']);
  });
});
