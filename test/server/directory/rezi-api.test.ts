/**
 * The Rezi API directory against a strict local stand-in of the contract in docs/rezi-api.md
 * (rezi-api-stand-in.ts): filing, shared events, content by privacy level, the adapter-side filing
 * rules, and fixing and undoing.
 */
import { DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { API_KEY, startStandIn, type StandIn } from './rezi-api-stand-in';

// Response bodies are read loosely: the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const MAX_BYTES = 1000;
let standIn: StandIn;
let adapter: TestAdapter;
let agent: string;
let colleague: string;

beforeAll(async () => {
  standIn = await startStandIn();
  adapter = await startTestAdapter({
    env: { REZI_API_URL: standIn.url, REZI_API_KEY: API_KEY, CONTENT_MAX_BYTES_PER_MAIL: String(MAX_BYTES) },
    logLevel: 'silent',
  });
  agent = await adapter.mintToken(DEMO_USERS.agent.email);
  colleague = await adapter.mintToken(DEMO_USERS.admin.email);
});
afterAll(async () => {
  await adapter.close();
  await standIn.close();
});
afterEach(() => {
  standIn.fixing = true;
  standIn.contentFailures = 0;
  standIn.contentRefusal = undefined;
  standIn.failGroups.clear();
});

const msg = (id: string, from: string, to: string = DEMO_USERS.agent.email) => ({
  internetMessageId: id,
  from: [{ address: from }],
  to: [{ address: to }],
  date: '2026-11-20T10:00:00Z',
  subject: 'Re: offer',
  preview: 'p',
  direction: 'inbound',
});

async function call(path: string, body: unknown, token = agent, method = 'POST') {
  const res = await fetch(`${adapter.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Json };
}

const file = (messages: unknown[], token = agent, owner: string = DEMO_USERS.agent.email) => call('/mail/file', { ownerAddresses: [owner], messages }, token);
const since = (n: number) => standIn.requests.slice(n);
const eventsOf = (id: string) => [...standIn.events.values()].filter((e) => e.body.internetMessageId === id);

it('files through the Rezi API, one lookup per batch, with stable idempotency keys', async () => {
  expect(adapter.ctx.directory.kind).toBe('Rezi API');
  const before = standIn.requests.length;
  const batch = [
    msg('<r1@example.com>', 'vendor@example.com'),
    msg('<r2@example.com>', 'both@example.com'),
    msg('<r3@example.com>', 'nobody@example.com'),
    msg('<r4@example.com>', 'redland@example.com'),
  ];
  const first = await file(batch);
  expect(first.status).toBe(200);
  const [o1, o2, o3, o4] = first.json.outcomes;
  expect(o1).toMatchObject({
    status: 'filed',
    privacy: 'attachments',
    groups: [{ groupId: 'G-1', name: '1 High Street — Vendor', link: 'https://app.rezi.example/groups/RZ1', eventId: expect.stringMatching(/^EV-/) }],
  });
  expect(o1.groups[0].alreadyOnTimeline).toBeUndefined();
  expect(o2.groups.map((g: { groupId: string }) => g.groupId)).toEqual(['G-2', 'G-3']);
  expect(o3).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });
  // The stand-in scopes lookups by branch: the Redland contact is invisible to a Clifton user.
  expect(o4).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });

  const calls = since(before);
  expect(calls.filter((c) => c.path.startsWith('/contacts'))).toHaveLength(1);
  const posts = calls.filter((c) => c.method === 'POST');
  expect(posts).toHaveLength(3);
  for (const p of posts) expect(p.headers['idempotency-key']).toMatch(/^[0-9a-f]{64}$/);
  expect(JSON.parse(posts[0].body)).toMatchObject({
    kind: 'email',
    internetMessageId: expect.stringMatching(/^<r[12]@example.com>$/),
    direction: 'inbound',
    ownerEmail: DEMO_USERS.agent.email,
  });

  const again = await file(batch);
  expect(again.json.outcomes).toEqual(first.json.outcomes);
  expect(eventsOf('<r1@example.com>')).toHaveLength(1);
  expect(eventsOf('<r2@example.com>')).toHaveLength(2);
});

it('shares one event per (message, group) between colleagues: the second joins its filers', async () => {
  const m = msg('<shared@example.com>', 'vendor@example.com', 'team@brightwells.co.uk');
  const mine = await file([m]);
  const theirs = await file([m], colleague, DEMO_USERS.admin.email);
  const [a, b] = [mine.json.outcomes[0].groups[0], theirs.json.outcomes[0].groups[0]];
  expect(b.eventId).toBe(a.eventId);
  expect(b.alreadyOnTimeline).toEqual({ firstFiledBy: 'Alex Morgan', firstFiledAt: expect.any(String) });
  const [event] = eventsOf('<shared@example.com>');
  expect(eventsOf('<shared@example.com>')).toHaveLength(1);
  expect(event.filers.map((f) => f.email)).toEqual([DEMO_USERS.agent.email, DEMO_USERS.admin.email]);
});

it('leaves a mail pending (error outcome) when Rezi fails to record its event, and files it on retry', async () => {
  standIn.failGroups.add('G-FLAKY');
  const m = msg('<flaky@example.com>', 'flaky@example.com');
  const r = await file([m]);
  expect(r.json.outcomes[0]).toMatchObject({ status: 'error', cause: 'server-unreachable' });
  standIn.failGroups.clear();
  expect((await file([m])).json.outcomes[0]).toMatchObject({ status: 'filed' });
});

it('answers 503 directory-unavailable when the lookup fails', async () => {
  standIn.failLookup = true;
  try {
    const r = await file([msg('<down@example.com>', 'vendor@example.com')]);
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ code: 'directory-unavailable', cause: 'server-unreachable' });
  } finally {
    standIn.failLookup = false;
  }
});

it('the stand-in is strict: wrong key, missing Idempotency-Key and oversize bodies are refused', async () => {
  const post = (headers: Record<string, string>, body: string) =>
    fetch(`${standIn.url}/groups/G-1/timeline`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.status);
  const event = JSON.stringify(msg('<strict@example.com>', 'vendor@example.com'));
  expect(await post({ authorization: 'Bearer wrong' }, event)).toBe(401);
  expect(await post({ authorization: `Bearer ${API_KEY}` }, event)).toBe(400);
  expect(await post({ authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'k' }, 'x'.repeat(standIn.maxBody + 1))).toBe(413);
});

it('applies the branch’s never-file list and agency domains (kept in the adapter’s store) on the API path', async () => {
  const admin = colleague;
  const rules = await call(
    `/admin/branches/${DEMO_USERS.agent.branch.id}/filing-rules`,
    { agencyDomains: ['brightwells.co.uk'], neverFile: ['blocked.example'] },
    admin,
    'PUT',
  );
  expect(rules.status).toBe(200);
  try {
    const before = standIn.requests.length;
    const r = await file([msg('<blocked@example.com>', 'someone@blocked.example'), msg('<internal@example.com>', 'colleague@brightwells.co.uk')]);
    expect(r.json.outcomes.map((o: Json) => o.reason)).toEqual(['never-file', 'internal-mail']);
    expect(since(before).filter((c) => c.method === 'POST')).toHaveLength(0);
  } finally {
    await call(`/admin/branches/${DEMO_USERS.agent.branch.id}/filing-rules`, { agencyDomains: [], neverFile: [] }, admin, 'PUT');
  }
  expect((await file([msg('<unblocked@example.com>', 'someone@blocked.example')])).json.outcomes[0]).toMatchObject({ status: 'filed' });
});

describe('content', () => {
  const png = Buffer.alloc(600, 7).toString('base64');
  const item = (id: string, eventIds: string[]) => ({
    internetMessageId: id,
    eventIds,
    headers: {
      from: [{ address: 'vendor@example.com', name: 'Vera' }],
      to: [{ address: DEMO_USERS.agent.email, name: 'Alex' }],
      cc: [],
      subject: 's',
      date: '2026-11-20T10:00:00Z',
    },
    ok: true,
    content: {
      level: 'attachments',
      preview: 'Thank you',
      text: 'Thank you for the viewing',
      html: '<p onclick="x()">Thank you</p><script>alert(1)</script><img src="cid:plan@x">',
      attachments: [
        { name: '../plan.png', type: 'image/png', size: 600, contentId: '<plan@x>', inline: true, contentBase64: png },
        { name: 'second.png', type: 'image/png', size: 600, inline: false, contentBase64: png },
      ],
      leftOut: [],
    },
  });
  const setPrivacy = (level: string) => call(`/admin/branches/${DEMO_USERS.agent.branch.id}/privacy`, { level }, colleague, 'PUT');
  async function fileAndSend(id: string) {
    const r = await file([msg(id, 'vendor@example.com')]);
    const eventId = r.json.outcomes[0].groups[0].eventId as string;
    const before = standIn.requests.length;
    const sent = await call('/mail/content', { items: [item(id, [eventId])] });
    expect(sent.status).toBe(204);
    return { outcome: r.json.outcomes[0], puts: since(before).filter((c) => c.method === 'PUT'), event: eventsOf(id)[0] };
  }
  afterEach(async () => {
    expect((await setPrivacy('attachments')).status).toBe(200);
  });

  it('sends bodies and attachments at the attachments level: sanitised, safe names, within the per-mail budget', async () => {
    const { puts, event } = await fileAndSend('<c-att@example.com>');
    expect(puts).toHaveLength(1);
    expect(puts[0].path).toBe(`/timeline/${event.id}/content`);
    expect(puts[0].headers['idempotency-key']).toMatch(/^[0-9a-f]{64}:content$/);
    const c = event.content as Json;
    expect(c).toMatchObject({
      status: 'captured',
      level: 'attachments',
      ownerEmail: DEMO_USERS.agent.email,
      preview: 'Thank you',
      text: 'Thank you for the viewing',
    });
    expect(c.html).toContain('cid:plan@x');
    expect(c.html).not.toMatch(/script|onclick/);
    expect(c.attachments).toEqual([
      {
        name: 'plan.png',
        type: 'image/png',
        size: 600,
        contentId: 'plan@x',
        inline: true,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        contentBase64: png,
      },
    ]);
    expect(c.leftOut).toEqual([{ name: 'second.png', type: 'image/png', size: 600, reason: 'Past the 1 KB kept per mail.' }]);
  });

  it('sends only what the level allows: the preview at preview, bodies but no attachments at body', async () => {
    await setPrivacy('preview');
    const preview = await fileAndSend('<c-preview@example.com>');
    expect(preview.outcome.privacy).toBe('preview');
    expect(preview.event.content).toMatchObject({ status: 'captured', level: 'preview', preview: 'Thank you', text: '', html: null, attachments: [] });
    await setPrivacy('body');
    const body = await fileAndSend('<c-body@example.com>');
    expect(body.event.content).toMatchObject({ level: 'body', text: 'Thank you for the viewing', attachments: [] });
    expect((body.event.content as Json).leftOut.map((a: Json) => a.reason)).toEqual([
      'The branch keeps no attachments on the timeline.',
      'The branch keeps no attachments on the timeline.',
    ]);
  });

  it('sends nothing at the metadata level', async () => {
    await setPrivacy('metadata');
    const { outcome, puts, event } = await fileAndSend('<c-meta@example.com>');
    expect(outcome.privacy).toBe('metadata');
    expect(puts).toHaveLength(0);
    expect(event.content).toBeUndefined();
  });

  it('tries a PUT again after 503 with the same key, and the content arrives', async () => {
    standIn.contentFailures = 1;
    const { puts, event } = await fileAndSend('<c-retry@example.com>');
    expect(puts.map((p) => p.status)).toEqual([503, 204]);
    expect(puts[1].headers['idempotency-key']).toBe(puts[0].headers['idempotency-key']);
    expect(event.content).toMatchObject({ status: 'captured' });
  });

  it('a PUT Rezi refuses for good leaves the event, saying its content was not captured and why', async () => {
    const first = await file([msg('<c-refused@example.com>', 'vendor@example.com')]);
    const eventId = first.json.outcomes[0].groups[0].eventId;
    const send = () => call('/mail/content', { items: [item('<c-refused@example.com>', [eventId])] });
    // Too large for this Rezi: the content is refused (413 is not worth repeating), the note that it is missing is not.
    standIn.maxBody = 1000;
    try {
      const before = standIn.requests.length;
      expect((await send()).status).toBe(204);
      expect(since(before).map((p) => `${p.method} ${p.status}`)).toEqual(['PUT 413', 'PUT 204']);
    } finally {
      standIn.maxBody = 1024 * 1024;
    }
    const [event] = eventsOf('<c-refused@example.com>');
    expect(event.id).toBe(eventId);
    expect(event.content).toMatchObject({ status: 'not-captured', reason: 'Rezi did not accept its content (it answered 413).', attachments: [] });
  });

  it('answers 503 when Rezi refuses even the note, so the run records the content as not stored; the event stays', async () => {
    const first = await file([msg('<c-down@example.com>', 'vendor@example.com')]);
    const eventId = first.json.outcomes[0].groups[0].eventId;
    standIn.contentRefusal = 500;
    const before = standIn.requests.length;
    const r = await call('/mail/content', { items: [item('<c-down@example.com>', [eventId])] });
    expect(r).toMatchObject({ status: 503, json: { code: 'directory-unavailable', cause: 'server-unreachable' } });
    expect(since(before).map((p) => `${p.method} ${p.status}`)).toEqual(['PUT 500', 'PUT 500']);
    expect(eventsOf('<c-down@example.com>').map((e) => e.id)).toEqual([eventId]);
  });

  it('sends no content for an event the caller is not a filer of', async () => {
    const r = await file([msg('<c-theirs@example.com>', 'vendor@example.com')]);
    const eventId = r.json.outcomes[0].groups[0].eventId;
    const before = standIn.requests.length;
    expect((await call('/mail/content', { items: [item('<c-theirs@example.com>', [eventId])] }, colleague)).status).toBe(204);
    expect(since(before).map((p) => `${p.method} ${p.status}`)).toEqual(['PUT 409']);
    expect(eventsOf('<c-theirs@example.com>')[0].content).toBeUndefined();
  });
});

describe('fixing and undoing', () => {
  const failed = msg('<fix@example.com>', 'new.person@example.com');

  it('searches the caller’s branch’s cards by name, postcode or contact', async () => {
    const r = await call('/groups/search', { query: 'park bs1' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      groups: [
        {
          groupId: 'G-6',
          name: '6 Park Row, BS1 5LJ — Vendor',
          kind: 'vendor',
          link: 'https://app.rezi.example/groups/G-6',
          contacts: [{ contactId: 'G-6-C1', name: 'Contact 1 of 6 Park Row, BS1 5LJ — Vendor', addresses: ['park@example.com'] }],
        },
      ],
      truncated: false,
    });
    expect((await call('/groups/search', { query: 'redland' })).json.groups).toEqual([]);
  });

  it('files a Failed mail onto a chosen card, remembering its address, so the next mail matches by itself', async () => {
    const r = await call('/mail/file-to-groups', {
      ownerAddresses: [DEMO_USERS.agent.email],
      message: failed,
      groupIds: ['G-6'],
      remember: { address: 'New.Person@example.com', contactId: 'G-6-C1' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ moveTo: 'received', remembered: { contactId: 'G-6-C1', address: 'new.person@example.com' }, outcome: { status: 'filed' } });
    expect(standIn.cards.get('G-6')!.contacts[0].emails).toContain('new.person@example.com');
    expect(eventsOf('<fix@example.com>').map((e) => e.groupId)).toEqual(['G-6']);
    const next = await file([msg('<fix-next@example.com>', 'new.person@example.com')]);
    expect(next.json.outcomes[0].groups.map((g: Json) => g.groupId)).toEqual(['G-6']);
  });

  it('refuses to remember an address on a contact of another card, and files nothing', async () => {
    const m = msg('<fix-wrong@example.com>', 'other.person@example.com');
    const r = await call('/mail/file-to-groups', {
      ownerAddresses: [DEMO_USERS.agent.email],
      message: m,
      groupIds: ['G-6'],
      remember: { address: 'other.person@example.com', contactId: 'G-1-C1' },
    });
    expect(r).toMatchObject({ status: 404, json: { code: 'contact-not-found' } });
    expect(standIn.cards.get('G-1')!.contacts[0].emails).not.toContain('other.person@example.com');
    expect(eventsOf('<fix-wrong@example.com>')).toHaveLength(0);
  });

  it('refuses a card of another branch like a missing one', async () => {
    const r = await call('/mail/file-to-groups', { ownerAddresses: [DEMO_USERS.agent.email], message: failed, groupIds: ['G-R'] });
    expect(r).toMatchObject({ status: 404, json: { code: 'group-not-found' } });
  });

  it('unfiles: the caller leaves the shared event, which goes when its last filer does', async () => {
    const m = msg('<undo@example.com>', 'vendor@example.com', 'team@brightwells.co.uk');
    await file([m]);
    await file([m], colleague, DEMO_USERS.admin.email);
    expect((await call('/mail/unfile', { internetMessageId: '<undo@example.com>' })).json).toEqual({
      internetMessageId: '<undo@example.com>',
      moveTo: 'inbox',
    });
    expect(eventsOf('<undo@example.com>').map((e) => e.filers.map((f) => f.email))).toEqual([[DEMO_USERS.admin.email]]);
    // Asked again: the same answer, nothing more removed.
    expect((await call('/mail/unfile', { internetMessageId: '<undo@example.com>' })).status).toBe(200);
    expect(eventsOf('<undo@example.com>')).toHaveLength(1);
    await call('/mail/unfile', { internetMessageId: '<undo@example.com>' }, colleague);
    expect(eventsOf('<undo@example.com>')).toHaveLength(0);
  });

  it('a Rezi without the fixing endpoints answers a plain cause, not a 500', async () => {
    standIn.fixing = false;
    const search = await call('/groups/search', { query: 'park' });
    const fix = await call('/mail/file-to-groups', { ownerAddresses: [DEMO_USERS.agent.email], message: failed, groupIds: ['G-6'] });
    const undo = await call('/mail/unfile', { internetMessageId: '<r1@example.com>' });
    for (const r of [search, fix, undo]) expect(r).toMatchObject({ status: 409, json: { code: 'fixing-unsupported', cause: 'fixing-unsupported' } });
    expect(search.json.message).toMatch(/does not support fixing/);
  });
});
