import { syncQueue } from '../../src/core/engine';
import { fromApiContentItem, fromBase64, toApiContentItem, toBase64 } from '../../src/core/content-wire';
import { createAdapterClient } from '../../src/client/adapter-client';
import { HttpDirectory } from '../../src/client/http-directory';
import { GraphMailbox } from '../../src/graph/graph-mailbox';
import { readTimelineContent } from '../../src/server/content/read';
import { contentStoreFor } from '../../src/server/content/store';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../src/server/store/demo-data';
import { type GraphStandin, startGraphStandin } from '../../dev/graph-standin';
import { startTestAdapter, type TestAdapter } from '../support/adapter';

describe('base64 on the wire', () => {
  it('round-trips every length and byte', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 256, 1000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect([...fromBase64(toBase64(bytes))]).toEqual([...bytes]);
    }
    const item = {
      internetMessageId: '<a@x>',
      eventIds: ['e1'],
      headers: { from: [], to: [], cc: [], subject: '', date: '' },
      ok: false as const,
      cause: 'unknown' as const,
      message: 'm',
    };
    expect(fromApiContentItem(toApiContentItem(item))).toEqual(item);
  });
});

describe('the pane path: Graph stand-in → POST /mail/content → the store', () => {
  let adapter: TestAdapter;
  let standin: GraphStandin;
  beforeAll(async () => {
    adapter = await startTestAdapter({ demoData: true });
    standin = await startGraphStandin({ user: { mail: DEMO_USERS.agent.email } });
  });
  afterAll(async () => {
    await standin?.close();
    await adapter?.close();
  });

  it('files a mail with its HTML body and attachment, which the adapter sanitises and stores', async () => {
    standin.createFolderPath('Rezi-Imported/Queue');
    standin.addMessage('Rezi-Imported/Queue', {
      from: DEMO_ADDRESSES.cliftonVendor,
      to: [DEMO_USERS.agent.email],
      internetMessageId: '<pane@x>',
      subject: 'Offer',
      body: { contentType: 'html', content: '<p onclick="x()">We accept.</p><script>alert(1)</script>' },
      attachments: [{ name: '..\\offer.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.7') }],
    });
    const token = await adapter.mintToken(DEMO_USERS.agent.email);
    const client = createAdapterClient({ baseUrl: adapter.url, getToken: async () => token });
    const mailbox = new GraphMailbox({ baseUrl: standin.url, getToken: async () => standin.token });
    const report = await syncQueue(mailbox, new HttpDirectory(client), { owner: { addresses: [DEMO_USERS.agent.email] } });
    expect(report).toMatchObject({ received: 1, pending: 0 });
    expect(report.results[0].contentMissing).toBeUndefined();

    const store = contentStoreFor(adapter.ctx.db, adapter.ctx.config);
    const read = await readTimelineContent(adapter.ctx.db, store, DEMO_USERS.agent.id, '<pane@x>');
    expect(read).toMatchObject({ status: 'captured', html: '<p>We accept.</p>' });
    expect(read!.attachments.map((a) => [a.name, a.type, Buffer.from(a.content!).toString()])).toEqual([['offer.pdf', 'application/pdf', '%PDF-1.7']]);
  });

  it('a mail with attachments past the service’s 1 MB request limit still reaches the store, beside a small one', async () => {
    const plans = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
    standin.addMessage('Rezi-Imported/Queue', {
      from: DEMO_ADDRESSES.cliftonVendor,
      to: [DEMO_USERS.agent.email],
      internetMessageId: '<plans@x>',
      subject: 'Floor plans',
      body: { contentType: 'text', content: 'Plans attached.' },
      attachments: [{ name: 'plans.pdf', contentType: 'application/pdf', content: plans }],
    });
    standin.addMessage('Rezi-Imported/Queue', {
      from: DEMO_ADDRESSES.cliftonVendor,
      to: [DEMO_USERS.agent.email],
      internetMessageId: '<short@x>',
      subject: 'Thanks',
      body: { contentType: 'text', content: 'Thank you.' },
    });
    const token = await adapter.mintToken(DEMO_USERS.agent.email);
    const client = createAdapterClient({ baseUrl: adapter.url, getToken: async () => token });
    const mailbox = new GraphMailbox({ baseUrl: standin.url, getToken: async () => standin.token });
    const report = await syncQueue(mailbox, new HttpDirectory(client), { owner: { addresses: [DEMO_USERS.agent.email] } });
    expect(report.results.map((r) => [r.status, r.contentMissing])).toEqual([
      ['received', undefined],
      ['received', undefined],
    ]);
    const store = contentStoreFor(adapter.ctx.db, adapter.ctx.config);
    const read = await readTimelineContent(adapter.ctx.db, store, DEMO_USERS.agent.id, '<plans@x>');
    expect(read!.attachments.map((a) => [a.name, a.size, Buffer.from(a.content!).equals(plans)])).toEqual([['plans.pdf', plans.length, true]]);
    expect(adapter.ctx.config.bodyLimit).toBe(1024 * 1024);
  });

  it('a content request the adapter refuses costs its own mails’ content only; the others are stored', async () => {
    for (const id of ['<refused@x>', '<stored@x>'])
      standin.addMessage('Rezi-Imported/Queue', {
        from: DEMO_ADDRESSES.cliftonVendor,
        to: [DEMO_USERS.agent.email],
        internetMessageId: id,
        subject: id,
        // Each past the packing size, so each goes in a request of its own.
        body: { contentType: 'text', content: `${id} `.repeat(60_000) },
      });
    const token = await adapter.mintToken(DEMO_USERS.agent.email);
    const real = createAdapterClient({ baseUrl: adapter.url, getToken: async () => token });
    const client: typeof real = {
      ...real,
      request: ((name, input, opts) => {
        const items = name === 'attachContent' ? (input as { body: { items: { internetMessageId: string }[] } }).body.items : [];
        if (items.some((i) => i.internetMessageId === '<refused@x>')) return Promise.reject(new Error('The request body is larger than 1048576 bytes.'));
        return real.request(name, input, opts);
      }) as typeof real.request,
    };
    const mailbox = new GraphMailbox({ baseUrl: standin.url, getToken: async () => standin.token });
    const report = await syncQueue(mailbox, new HttpDirectory(client), { owner: { addresses: [DEMO_USERS.agent.email] } });
    const byId = Object.fromEntries(report.results.map((r) => [r.subject, r.contentMissing]));
    expect(byId).toEqual({ '<refused@x>': 'Its content could not be stored: The request body is larger than 1048576 bytes.', '<stored@x>': undefined });
    const store = contentStoreFor(adapter.ctx.db, adapter.ctx.config);
    expect(await readTimelineContent(adapter.ctx.db, store, DEMO_USERS.agent.id, '<stored@x>')).toMatchObject({ status: 'captured' });
    expect(await readTimelineContent(adapter.ctx.db, store, DEMO_USERS.agent.id, '<refused@x>')).toBeUndefined();
  });
});
