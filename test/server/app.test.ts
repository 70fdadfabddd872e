/**
 * The adapter over real HTTP on loopback: a temp SQLite file with the demo data, real tokens from the
 * local issuer.
 */
import type { ApiFileMessage, ApiFileOutcome, ApiFileRequest, ApiFileResponse, ApiStatus } from '../../src/core/api';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../support/adapter';

// Response bodies are read loosely: the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let adapter: TestAdapter;
let agentToken: string;
let redlandToken: string;
let seq = 0;

beforeAll(async () => {
  adapter = await startTestAdapter();
  agentToken = await adapter.mintToken(DEMO_USERS.agent.email);
  redlandToken = await adapter.mintToken(DEMO_USERS.redlandAgent.email);
});
afterAll(() => adapter.close());

async function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${adapter.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: Json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers, text };
}

function message(over: Partial<ApiFileMessage> = {}): ApiFileMessage {
  return {
    internetMessageId: `<msg-${++seq}-${Date.now()}@mail.example.com>`,
    from: [{ address: DEMO_ADDRESSES.unknown }],
    to: [{ address: DEMO_USERS.agent.email }],
    date: '2026-11-20T10:00:00Z',
    subject: 'Viewing on Saturday',
    preview: 'Hello, could we book a second viewing?',
    direction: 'inbound',
    ...over,
  };
}

const file = (req: Partial<ApiFileRequest> & { messages: ApiFileMessage[] }, token = agentToken) =>
  call('POST', '/api/v1/mail/file', { token, body: { ownerAddresses: [DEMO_USERS.agent.email], ...req } });

async function eventCount(): Promise<number> {
  const row = await adapter.ctx.db
    .selectFrom('timeline_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('matching', () => {
  it('files an inbound mail by its From address onto the one matching group, with a link', async () => {
    const m = message({ from: [{ address: 'Sarah.Whitfield@EXAMPLE.com', name: 'Sarah' }] });
    const r = await file({ messages: [m] });
    expect(r.status).toBe(200);
    const body = r.json as ApiFileResponse;
    expect(body.runId).toEqual(expect.any(String));
    expect(body.outcomes).toHaveLength(1);
    const o = body.outcomes[0];
    expect(o).toMatchObject({ internetMessageId: m.internetMessageId, status: 'filed' });
    if (o.status !== 'filed') throw new Error('not filed');
    expect(o.groups).toHaveLength(1);
    expect(o.groups[0]).toMatchObject({
      groupId: 'grp-clifton-01',
      name: expect.stringContaining('14 Elm Road'),
      link: 'https://app.rezi.example/groups/RZ-CLIFTON-01',
    });
    const ev = await adapter.ctx.db.selectFrom('timeline_events').selectAll().where('id', '=', o.groups[0].eventId).executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ owner_user_id: DEMO_USERS.agent.id, group_id: 'grp-clifton-01', direction: 'inbound', subject: 'Viewing on Saturday' });
  });

  it('files an outbound mail by its To address, never by the owner’s own address', async () => {
    const m = message({ from: [{ address: DEMO_USERS.agent.email }], to: [{ address: DEMO_ADDRESSES.cliftonLandlord }], direction: 'outbound' });
    const r = await file({ messages: [m] });
    const o = r.json.outcomes[0];
    expect(o.status).toBe('filed');
    expect(o.groups.map((g: { name: string }) => g.name)).toEqual([expect.stringContaining('Royal York Crescent')]);
  });

  it('decides direction by who sent the mail, as the engine does, whatever the client claims', async () => {
    // From a client, To the owner: inbound (the engine files it in Received), even when the request says outbound.
    const claimed = message({ from: [{ address: 'Sarah.Whitfield@EXAMPLE.com' }], direction: 'outbound' });
    // From the owner's own address, sent as inbound: outbound (the engine files it in Sent).
    const own = message({ from: [{ address: DEMO_USERS.agent.email }], to: [{ address: DEMO_ADDRESSES.cliftonLandlord }], direction: 'inbound' });
    const r = await file({ messages: [claimed, own] });
    const directions = [];
    for (const o of r.json.outcomes as ApiFileOutcome[]) {
      if (o.status !== 'filed') throw new Error(`not filed: ${o.status}`);
      const ev = await adapter.ctx.db.selectFrom('timeline_events').select('direction').where('id', '=', o.groups[0].eventId).executeTakeFirstOrThrow();
      directions.push(ev.direction);
    }
    expect(directions).toEqual(['inbound', 'outbound']);
  });

  it('puts an event on every group a mail matches', async () => {
    const before = await eventCount();
    const r = await file({ messages: [message({ from: [{ address: DEMO_ADDRESSES.cliftonTwoGroups }] })] });
    const o = r.json.outcomes[0];
    expect(o.status).toBe('filed');
    expect(o.groups).toHaveLength(2);
    expect(new Set(o.groups.map((g: { eventId: string }) => g.eventId)).size).toBe(2);
    expect(await eventCount()).toBe(before + 2);
  });

  it('answers no-matching-group and writes nothing when no address matches', async () => {
    const before = await eventCount();
    const r = await file({ messages: [message()] });
    expect(r.json.outcomes[0]).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });
    expect(await eventCount()).toBe(before);
  });

  it('excludes every owner address (aliases too) from matching', async () => {
    // The owner says the vendor's address is one of theirs (an alias): it must not match.
    const r = await file({
      ownerAddresses: [DEMO_USERS.agent.email, DEMO_ADDRESSES.cliftonVendor],
      messages: [message({ from: [{ address: DEMO_ADDRESSES.cliftonVendor }] })],
    });
    expect(r.json.outcomes[0]).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });
  });

  it('accepts the shared mailbox a batch was filed from', async () => {
    const m = message({ from: [{ address: DEMO_ADDRESSES.cliftonVendor }] });
    const r = await file({ mailbox: 'Lettings@brightwells.co.uk', ownerAddresses: [DEMO_USERS.agent.email, 'lettings@brightwells.co.uk'], messages: [m] });
    expect(r.status).toBe(200);
    expect(r.json.outcomes[0]).toMatchObject({ status: 'filed' });
  });

  it('matches Cc only when asked', async () => {
    const m = message({ cc: [{ address: DEMO_ADDRESSES.cliftonVendor }] });
    expect((await file({ messages: [m] })).json.outcomes[0].status).toBe('unmatched');
    const withCc = await file({ includeCc: true, messages: [m] });
    expect(withCc.json.outcomes[0]).toMatchObject({ status: 'filed', groups: [expect.objectContaining({ groupId: 'grp-clifton-01' })] });
  });

  it('matches unicode and IDN addresses in either spelling', async () => {
    const unicode = await file({ messages: [message({ from: [{ address: DEMO_ADDRESSES.cliftonIdn }] })] });
    expect(unicode.json.outcomes[0].status).toBe('filed');
    const puny = await file({ messages: [message({ from: [{ address: 'ZOË@xn--bcher-kva.example' }] })] });
    expect(puny.json.outcomes[0]).toMatchObject({ status: 'filed', groups: [{ groupId: unicode.json.outcomes[0].groups[0].groupId }] });
  });

  it('answers invalid-message for a missing From, a bad From or a missing Message-ID, and records nothing for them', async () => {
    const before = await eventCount();
    const r = await file({
      messages: [
        message({ from: [], to: [{ address: DEMO_ADDRESSES.cliftonVendor }] }),
        message({ from: [{ address: 'not an address' }], to: [{ address: DEMO_ADDRESSES.cliftonVendor }] }),
        message({ internetMessageId: '', from: [{ address: DEMO_ADDRESSES.cliftonVendor }] }),
        message({ internetMessageId: '<has space@x>', from: [{ address: DEMO_ADDRESSES.cliftonVendor }] }),
      ],
    });
    expect(r.status).toBe(200);
    for (const o of r.json.outcomes) expect(o).toMatchObject({ status: 'unmatched', reason: 'invalid-message', message: expect.any(String) });
    expect(await eventCount()).toBe(before);
  });

  it('ignores invalid and duplicate recipient addresses but files by the valid ones', async () => {
    const r = await file({
      messages: [message({ to: [{ address: '@@@' }, { address: DEMO_ADDRESSES.cliftonVendor }, { address: DEMO_ADDRESSES.cliftonVendor.toUpperCase() }] })],
    });
    expect(r.json.outcomes[0]).toMatchObject({ status: 'filed', groups: [expect.objectContaining({ groupId: 'grp-clifton-01' })] });
  });
});

describe('limits that follow the RFCs', () => {
  // a.a.a.…@x.com: 306 characters, the probe's worst case for the address parser.
  const long = (i: number, j: number) => `${'a.'.repeat(148)}${String(i).padStart(2, '0')}${String(j).padStart(2, '0')}@x.com`;

  it('answers the worst-case batch (100 mails × 30 addresses of 306 characters), refusing the over-long addresses as invalid', async () => {
    expect(long(1, 2)).toHaveLength(306);
    const messages = Array.from({ length: 100 }, (_, i) =>
      message({
        from: [{ address: long(i, 99) }],
        to: Array.from({ length: 29 }, (_, j) => ({ address: long(i, j) })).concat({ address: DEMO_ADDRESSES.cliftonVendor }),
      }),
    );
    expect(JSON.stringify({ messages }).length).toBeGreaterThan(900 * 1024);
    const r = await file({ messages });
    expect(r.status).toBe(200);
    expect(r.json.outcomes).toHaveLength(100);
    for (const o of r.json.outcomes)
      expect(o).toMatchObject({ status: 'unmatched', reason: 'invalid-message', message: 'The mail has no valid From address.' });
  });

  it('refuses an address over 254 characters or with a local part over 64, and files by the valid ones', async () => {
    const r = await file({
      messages: [
        message({ from: [{ address: `${'a'.repeat(65)}@example.com` }] }),
        message({ from: [{ address: `a@${`${'b'.repeat(50)}.`.repeat(5)}com` }] }),
        message({
          from: [{ address: `${'a'.repeat(64)}@example.com` }],
          to: [{ address: `"${'x'.repeat(70)}"@example.com` }, { address: DEMO_ADDRESSES.cliftonVendor }],
        }),
      ],
    });
    expect(r.json.outcomes.map((o: Json) => o.reason ?? o.status)).toEqual(['invalid-message', 'invalid-message', 'filed']);
  });

  it('files a mail to more than 500 recipients by its first 500, and says the others were ignored', async () => {
    const others = (n: number) => Array.from({ length: n }, (_, i) => ({ address: `r${i}@bulk.example.com` }));
    const r = await file({
      messages: [
        message({ to: [...others(499), { address: DEMO_ADDRESSES.cliftonVendor }, ...others(100)] }),
        message({ to: [...others(500), { address: DEMO_ADDRESSES.cliftonVendor }] }),
        message({ to: others(300), cc: [...others(200), { address: DEMO_ADDRESSES.cliftonVendor }] }),
      ],
      includeCc: true,
    });
    expect(r.status).toBe(200);
    const [first, second, third] = r.json.outcomes;
    expect(first).toMatchObject({ status: 'filed', message: 'Only its first 500 recipients were matched; the other 100 were ignored.' });
    expect(second).toMatchObject({ status: 'unmatched', reason: 'no-matching-group', message: expect.stringMatching(/the other 1 were ignored/) });
    expect(third).toMatchObject({ status: 'unmatched', reason: 'no-matching-group', message: expect.stringMatching(/the other 1 were ignored/) });
  });
});

describe('invalid Unicode in an identifying field', () => {
  it('answers invalid-message (the mail goes to Failed), the same on every retry, and records nothing', async () => {
    const before = await eventCount();
    const messages = [
      message({ internetMessageId: `<lone-\ud800-surrogate-${Date.now()}@mail.example.com>`, from: [{ address: DEMO_ADDRESSES.cliftonVendor }] }),
      message({ internetMessageId: `<lone-low-${Date.now()}-\udc00@mail.example.com>`, from: [{ address: DEMO_ADDRESSES.cliftonVendor }] }),
      message({ from: [{ address: `sarah\ud83d@example.com` }], to: [{ address: DEMO_ADDRESSES.cliftonVendor }] }),
    ];
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await file({ messages });
      expect(r.status).toBe(200);
      for (const o of r.json.outcomes)
        expect(o).toMatchObject({ status: 'unmatched', reason: 'invalid-message', message: expect.stringMatching(/not valid Unicode/) });
    }
    expect(await eventCount()).toBe(before);
    // A well-formed pair (an emoji) is fine.
    const emoji = await file({
      messages: [message({ internetMessageId: `<ok-\ud83d\ude00-${Date.now()}@x>`, from: [{ address: DEMO_ADDRESSES.cliftonVendor }] })],
    });
    expect(emoji.json.outcomes[0].status).toBe('filed');
  });
});

describe('exactly once', () => {
  it('answers the same event ids for a retry, with or without angle brackets on the Message-ID', async () => {
    const m = message({ from: [{ address: DEMO_ADDRESSES.cliftonTwoGroups }] });
    const first = await file({ messages: [m] });
    const before = await eventCount();
    const again = await file({ messages: [{ ...m, internetMessageId: m.internetMessageId.slice(1, -1) }] });
    expect(again.json.outcomes[0].groups).toEqual(first.json.outcomes[0].groups);
    expect(await eventCount()).toBe(before);
  });

  it('records one event per group under 20 concurrent duplicate requests', async () => {
    const m = message({ from: [{ address: DEMO_ADDRESSES.cliftonTwoGroups }] });
    const before = await eventCount();
    const results = await Promise.all(Array.from({ length: 20 }, () => file({ messages: [m, m] })));
    for (const r of results) expect(r.status).toBe(200);
    const ids = results.flatMap((r) => r.json.outcomes.flatMap((o: { groups: { eventId: string }[] }) => o.groups.map((g) => g.eventId)));
    expect(ids).toHaveLength(20 * 2 * 2);
    expect(new Set(ids).size).toBe(2);
    expect(await eventCount()).toBe(before + 2);
  });

  it('shares one event per group across colleagues: another user filing the same mail joins it, told who filed it first', async () => {
    const admin = await adapter.mintToken(DEMO_USERS.admin.email);
    const m = message({ from: [{ address: DEMO_ADDRESSES.cliftonVendor }] });
    const a = await file({ messages: [m] });
    const b = await file({ ownerAddresses: [DEMO_USERS.admin.email], messages: [m] }, admin);
    expect(b.json.outcomes[0].groups[0].eventId).toBe(a.json.outcomes[0].groups[0].eventId);
    expect(a.json.outcomes[0].groups[0].alreadyOnTimeline).toBeUndefined();
    expect(b.json.outcomes[0].groups[0].alreadyOnTimeline).toEqual({ firstFiledBy: DEMO_USERS.agent.name, firstFiledAt: expect.any(String) });
    const filers = await adapter.ctx.db
      .selectFrom('timeline_event_filers')
      .select(['user_id', 'mailbox'])
      .where('event_id', '=', a.json.outcomes[0].groups[0].eventId)
      .orderBy('user_id')
      .execute();
    expect(filers).toEqual([
      { user_id: DEMO_USERS.agent.id, mailbox: DEMO_USERS.agent.email },
      { user_id: DEMO_USERS.admin.id, mailbox: DEMO_USERS.admin.email },
    ]);
  });
});

describe('branch isolation', () => {
  it('never matches another branch’s groups', async () => {
    const m = message({ from: [{ address: DEMO_ADDRESSES.redlandOnly }] });
    expect((await file({ messages: [m] })).json.outcomes[0]).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });
    const redland = await file({ ownerAddresses: [DEMO_USERS.redlandAgent.email], messages: [m] }, redlandToken);
    expect(redland.json.outcomes[0]).toMatchObject({ status: 'filed', groups: [expect.objectContaining({ name: expect.stringContaining('Cotham Hill') })] });
    // And the Clifton vendor is invisible to Redland.
    const other = await file(
      { ownerAddresses: [DEMO_USERS.redlandAgent.email], messages: [message({ from: [{ address: DEMO_ADDRESSES.cliftonVendor }] })] },
      redlandToken,
    );
    expect(other.json.outcomes[0].status).toBe('unmatched');
  });

  it('shows each user only their own status and refuses someone else’s run id', async () => {
    const r = await file({ messages: [message()] });
    const stolen = await file(
      { ownerAddresses: [DEMO_USERS.redlandAgent.email], runId: r.json.runId, messages: [message({ from: [{ address: DEMO_ADDRESSES.redlandOnly }] })] },
      redlandToken,
    );
    expect(stolen.status).toBe(409);
    expect(stolen.json.code).toBe('run-conflict');
    const status = await call('GET', '/api/v1/status', { token: redlandToken });
    expect(status.json.user).toMatchObject({ email: DEMO_USERS.redlandAgent.email, branchName: 'Brightwells Estate Agents — Redland' });
  });
});

describe('bad input: always a 4xx with a code and a plain message, never a write', () => {
  const cases: [string, () => Promise<{ status: number; json: Json }>, number, string][] = [
    ['malformed JSON', () => call('POST', '/api/v1/mail/file', { token: agentToken, raw: '{"messages": [' }), 400, 'invalid-json'],
    ['empty JSON body', () => call('POST', '/api/v1/mail/file', { token: agentToken, raw: '' }), 400, 'invalid-json'],
    ['wrong types', () => call('POST', '/api/v1/mail/file', { token: agentToken, body: { ownerAddresses: 'me', messages: {} } }), 400, 'invalid-request'],
    ['a number where a string belongs', () => file({ messages: [{ ...message(), subject: 42 as unknown as string }] }), 400, 'invalid-request'],
    ['a filing mailbox that is not an address', () => file({ mailbox: 'lettings', messages: [message()] }), 400, 'invalid-request'],
    [
      'more than 100 messages',
      () => file({ messages: Array.from({ length: 101 }, () => message({ from: [{ address: DEMO_ADDRESSES.cliftonVendor }] })) }),
      413,
      'too-many-messages',
    ],
    [
      'a recipient list past any sane size',
      () => file({ messages: [message({ to: Array.from({ length: 20_001 }, (_, i) => ({ address: `r${i}@e.com` })) })] }),
      400,
      'invalid-request',
    ],
    ['an absurdly long address', () => file({ messages: [message({ from: [{ address: `${'a'.repeat(400)}@example.com` }] })] }), 400, 'invalid-request'],
    [
      'a body over the size limit',
      () => call('POST', '/api/v1/mail/file', { token: agentToken, raw: JSON.stringify({ ownerAddresses: [], messages: [], pad: 'x'.repeat(1_100_000) }) }),
      413,
      'request-too-large',
    ],
    [
      'a wrong content type',
      () => call('POST', '/api/v1/mail/file', { token: agentToken, raw: 'hello', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type',
    ],
    ['a bad direction', () => file({ messages: [{ ...message(), direction: 'sideways' as 'inbound' }] }), 400, 'invalid-request'],
    ['a bad run id', () => file({ runId: '../../etc', messages: [message()] }), 400, 'invalid-request'],
    [
      'a report with negative counts',
      () =>
        call('POST', '/api/v1/sync/report', {
          token: agentToken,
          body: {
            runId: 'r1',
            source: 'graph',
            total: -1,
            sent: 0,
            received: 0,
            failed: 0,
            pending: 0,
            startedAt: '2026-11-20T10:00:00Z',
            finishedAt: '2026-11-20T10:00:01Z',
          },
        }),
      400,
      'invalid-request',
    ],
    [
      'a report with an unknown cause',
      () =>
        call('POST', '/api/v1/sync/report', {
          token: agentToken,
          body: {
            runId: 'r2',
            source: 'graph',
            total: 0,
            sent: 0,
            received: 0,
            failed: 0,
            pending: 0,
            startedAt: '2026-11-20T10:00:00Z',
            finishedAt: '2026-11-20T10:00:01Z',
            error: { code: 'gremlins', message: 'x' },
          },
        }),
      400,
      'invalid-request',
    ],
  ];

  it.each(cases)('%s', async (_name, run, status, code) => {
    const before = await eventCount();
    const runsBefore = await adapter.ctx.db.selectFrom('sync_runs').select('id').execute();
    const r = await run();
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
    expect(r.json.message).not.toMatch(/Error:|at .*\.ts|undefined/);
    expect(await eventCount()).toBe(before);
    expect(await adapter.ctx.db.selectFrom('sync_runs').select('id').execute()).toHaveLength(runsBefore.length);
  });

  it('answers oversized HTTP headers with a JSON 431', async () => {
    const r = await call('GET', '/api/v1/status', { token: agentToken, headers: { 'x-junk': 'x'.repeat(20_000) } });
    expect(r.status).toBe(431);
    expect(r.json.code).toBe('headers-too-large');
  });
});

describe('sync history and status', () => {
  it('records a run with outcomes, finishes it with the report and shows it in status', async () => {
    const token = await adapter.mintToken(DEMO_USERS.admin.email);
    const owner = [DEMO_USERS.admin.email];
    const fresh = await call('GET', '/api/v1/status', { token });
    expect(fresh.status).toBe(200);
    expect(fresh.json as ApiStatus).toMatchObject({
      user: { email: DEMO_USERS.admin.email, role: 'admin', branchId: 'branch-clifton' },
      account: { kind: 'none', state: 'disconnected' },
      recentFailures: [],
    });
    expect(fresh.json.lastSync).toBeUndefined();

    const runId = '3f0b8c1e-0000-4000-8000-00000000000a';
    const m1 = message({ from: [{ address: DEMO_ADDRESSES.cliftonVendor }] });
    const m2 = message();
    const r = await call('POST', '/api/v1/mail/file', { token, body: { runId, ownerAddresses: owner, messages: [m1, m2] } });
    expect(r.json.runId).toBe(runId);
    const outcomes = await adapter.ctx.db.selectFrom('sync_outcomes').selectAll().where('run_id', '=', runId).orderBy('status').execute();
    expect(outcomes).toEqual([
      { run_id: runId, internet_message_id: m1.internetMessageId, status: 'filed', reason: null, group_ids: JSON.stringify(['grp-clifton-01']) },
      { run_id: runId, internet_message_id: m2.internetMessageId, status: 'unmatched', reason: 'no-matching-group', group_ids: '[]' },
    ]);

    const report = {
      runId,
      source: 'graph',
      total: 2,
      sent: 0,
      received: 1,
      failed: 1,
      pending: 0,
      startedAt: '2026-11-23T09:00:00.000Z',
      finishedAt: '2026-11-23T09:00:05.000Z',
      client: { version: '1.0.0', host: 'Outlook' },
    };
    expect((await call('POST', '/api/v1/sync/report', { token, body: report })).status).toBe(204);
    const ok = await call('GET', '/api/v1/status', { token });
    expect(ok.json.account).toEqual({ kind: 'office365', state: 'connected', branchConfigured: false, graphAutomaticFiling: false });
    expect(ok.json.lastSync).toEqual({ runId, source: 'graph', finishedAt: report.finishedAt, total: 2, sent: 0, received: 1, failed: 1, pending: 0 });

    const failing = {
      ...report,
      runId: 'run-2',
      finishedAt: '2026-11-23T09:10:00.000Z',
      received: 0,
      failed: 0,
      pending: 2,
      error: { code: 'authorisation-expired', message: 'Your sign-in to Microsoft 365 has expired.', providerCode: 'AADSTS700082' },
    };
    expect((await call('POST', '/api/v1/sync/report', { token, body: failing })).status).toBe(204);
    const broken = await call('GET', '/api/v1/status', { token });
    expect(broken.json.account).toEqual({
      kind: 'office365',
      state: 'authorisation-failed',
      cause: 'authorisation-expired',
      branchConfigured: false,
      graphAutomaticFiling: false,
    });
    expect(broken.json.lastSync).toMatchObject({ runId: 'run-2', pending: 2, error: { code: 'authorisation-expired' } });
    expect(broken.json.recentFailures).toEqual([
      { at: expect.any(String), code: 'authorisation-expired', message: failing.error.message, providerCode: 'AADSTS700082' },
    ]);
    const f = await adapter.ctx.db.selectFrom('failures').selectAll().where('user_id', '=', DEMO_USERS.admin.id).execute();
    expect(f).toEqual([
      expect.objectContaining({ tenant_id: expect.any(String), branch_id: 'branch-clifton', code: 'authorisation-expired', provider_code: 'AADSTS700082' }),
    ]);

    // A per-mail cause (throttled) leaves the state as it was; a clean run reconnects.
    await call('POST', '/api/v1/sync/report', { token, body: { ...report, runId: 'run-3', error: { code: 'throttled', message: 'Slow down.' } } });
    expect((await call('GET', '/api/v1/status', { token })).json.account.state).toBe('authorisation-failed');
    await call('POST', '/api/v1/sync/report', { token, body: { ...report, runId: 'run-4' } });
    expect((await call('GET', '/api/v1/status', { token })).json.account).toEqual({
      kind: 'office365',
      state: 'connected',
      branchConfigured: false,
      graphAutomaticFiling: false,
    });
  });
});

describe('service surface', () => {
  it('serves health, readiness and the OpenAPI document', async () => {
    expect((await call('GET', '/healthz')).json).toEqual({ status: 'ok' });
    expect((await call('GET', '/readyz')).json).toEqual({ status: 'ready' });
    const doc = await call('GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/api/v1/mail/file', '/api/v1/sync/report', '/api/v1/status']));
    expect(JSON.stringify(doc.json)).toContain('internetMessageId');
  });

  it('echoes a sane x-request-id, replaces an insane one, and sets security headers', async () => {
    const mine = await call('GET', '/healthz', { headers: { 'x-request-id': 'pane-abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('pane-abc-123');
    const bad = await call('GET', '/healthz', { headers: { 'x-request-id': '<script>'.repeat(3) } });
    expect(bad.headers.get('x-request-id')).toMatch(/^req-/);
    expect(mine.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('allows CORS only from the add-in origin', async () => {
    const pre = (origin: string) =>
      fetch(`${adapter.url}/api/v1/mail/file`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const ok = await pre('https://localhost:3000');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://localhost:3000');
    const evil = await pre('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never logs tokens, mail subjects or previews', async () => {
    const token = await adapter.mintToken(DEMO_USERS.agent.email);
    await file({ messages: [message({ subject: 'SECRET-SUBJECT-42', preview: 'SECRET-PREVIEW-42' })] }, token);
    await call('GET', '/api/v1/status', { token: token.slice(0, -3) + 'AAA' });
    const logs = adapter.logs().join('\n');
    expect(logs).toContain('batch filed');
    expect(logs).not.toContain(token.split('.')[2]);
    expect(logs).not.toContain(token.split('.')[1]);
    expect(logs).not.toMatch(/SECRET-(SUBJECT|PREVIEW)-42/);
    expect(logs).not.toMatch(/Bearer /);
  });
});
