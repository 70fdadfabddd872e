/**
 * Exactly-once across a service restart on the same store file, and property tests: random junk
 * (and random valid-shaped batches) never produce a 5xx.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../support/adapter';

describe('restart', () => {
  it('answers the same event ids after the service is closed and reopened on the same file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-restart-'));
    const dbFile = path.join(dir, 'rezi.sqlite');
    const request = {
      ownerAddresses: [DEMO_USERS.agent.email],
      messages: [
        {
          internetMessageId: '<restart-1@example.com>',
          from: [{ address: DEMO_ADDRESSES.cliftonTwoGroups }],
          to: [{ address: DEMO_USERS.agent.email }],
          date: '2026-11-20T10:00:00Z',
          subject: 'Offer',
          preview: '',
          direction: 'inbound',
        },
      ],
    };
    const fileOnce = async (a: TestAdapter) => {
      const res = await fetch(`${a.url}/api/v1/mail/file`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await a.mintToken(DEMO_USERS.agent.email)}` },
        body: JSON.stringify(request),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { outcomes: { groups: { eventId: string }[] }[] }).outcomes[0].groups.map((g) => g.eventId);
    };
    try {
      const first = await startTestAdapter({ dbFile, logLevel: 'silent' });
      const before = await fileOnce(first);
      await first.close();
      // A new process-equivalent: new issuer keys, new port, same store.
      const second = await startTestAdapter({ dbFile, logLevel: 'silent' });
      try {
        expect(before).toHaveLength(2);
        expect(await fileOnce(second)).toEqual(before);
        expect(await second.ctx.db.selectFrom('timeline_events').select('id').execute()).toHaveLength(2);
        // The demo data was not loaded twice.
        expect(await second.ctx.db.selectFrom('users').select('id').where('email', '=', DEMO_USERS.agent.email).execute()).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('property: bad input never gives a 5xx', () => {
  let adapter: TestAdapter;
  let token: string;
  beforeAll(async () => {
    adapter = await startTestAdapter({ logLevel: 'silent', env: { RATE_LIMIT_PER_MINUTE: '100000' } });
    token = await adapter.mintToken(DEMO_USERS.agent.email);
  });
  afterAll(() => adapter.close());

  const post = async (body: string) => {
    const res = await fetch(`${adapter.url}/api/v1/mail/file`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const json = (await res.json()) as { code?: string; outcomes?: unknown[] };
    return { status: res.status, json };
  };

  const address = fc.oneof(
    fc.emailAddress(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom(DEMO_ADDRESSES.cliftonVendor, DEMO_ADDRESSES.cliftonIdn, 'ZOË@BÜCHER.example', '"odd name"@example.com', 'a@b@c', '<>', ''),
  );
  const junkValue = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
  );
  const message = fc.record(
    {
      internetMessageId: fc.oneof(fc.string({ maxLength: 60 }), fc.constant('<p@example.com>'), junkValue),
      from: fc.oneof(fc.array(fc.record({ address, name: fc.string({ maxLength: 10 }) }, { requiredKeys: ['address'] }), { maxLength: 3 }), junkValue),
      to: fc.oneof(fc.array(fc.record({ address }), { maxLength: 4 }), junkValue),
      cc: fc.array(fc.record({ address }), { maxLength: 2 }),
      date: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string({ maxLength: 20 }),
      ),
      subject: fc.oneof(fc.string({ maxLength: 50 }), junkValue),
      preview: fc.string({ maxLength: 50 }),
      direction: fc.oneof(fc.constantFrom('inbound', 'outbound'), junkValue),
    },
    { requiredKeys: [] },
  );
  const request = fc.record(
    {
      runId: fc.oneof(fc.uuid(), fc.string({ maxLength: 20 })),
      ownerAddresses: fc.oneof(fc.array(address, { maxLength: 3 }), junkValue),
      includeCc: fc.oneof(fc.boolean(), junkValue),
      messages: fc.oneof(fc.array(message, { maxLength: 5 }), junkValue),
    },
    { requiredKeys: [] },
  );

  it('answers 200 or a coded 4xx for random request bodies', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (body) => {
        const r = await post(JSON.stringify(body));
        expect(r.status).toBeLessThan(500);
        if (r.status === 200) expect(r.json.outcomes).toHaveLength((body as { messages: unknown[] }).messages.length);
        else expect(r.json.code).toMatch(/^[a-z-]+$/);
      }),
      { numRuns: 150 },
    );
  });

  it('answers a coded 4xx for random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), async (raw) => {
        const r = await post(raw);
        expect(r.status).toBeLessThan(500);
        if (r.status !== 200) expect(r.json.code).toMatch(/^[a-z-]+$/);
      }),
      { numRuns: 100 },
    );
  });
});
