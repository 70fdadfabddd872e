/**
 * The Rezi API directory against a small local HTTP stand-in of the contract in docs/rezi-api.md.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../support/adapter';

// Response bodies are read loosely: the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface StandIn {
  url: string;
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[];
  events: Map<string, { id: string; groupId: string; body: unknown }>;
  failGroups: Set<string>;
  failLookup: boolean;
  close(): Promise<void>;
}

const API_KEY = 'test-rezi-key-123';
const CONTACTS: Record<string, { branch: string; groups: { id: string; name: string; ref?: string }[] }> = {
  'vendor@example.com': { branch: 'branch-clifton', groups: [{ id: 'G-1', name: '1 High Street — Vendor', ref: 'RZ1' }] },
  'both@example.com': {
    branch: 'branch-clifton',
    groups: [
      { id: 'G-2', name: '2 High Street — Buyer' },
      { id: 'G-3', name: '3 High Street — Tenant' },
    ],
  },
  'flaky@example.com': { branch: 'branch-clifton', groups: [{ id: 'G-FLAKY', name: '4 High Street — Landlord' }] },
  'redland@example.com': { branch: 'branch-redland', groups: [{ id: 'G-R', name: 'Redland group' }] },
};

async function startStandIn(): Promise<StandIn> {
  const s: Omit<StandIn, 'url' | 'close'> = { requests: [], events: new Map(), failGroups: new Set(), failLookup: false };
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      // The adapter is configured with a base URL that has a path (…/api): the contract is relative to it.
      if (!url.pathname.startsWith('/api/')) return res.writeHead(404).end();
      url.pathname = url.pathname.slice(4);
      s.requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body });
      const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers.authorization !== `Bearer ${API_KEY}`) return send(401, { error: 'unauthorised' });
      if (req.method === 'GET' && url.pathname === '/health') return send(200, { ok: true });
      if (req.method === 'GET' && url.pathname === '/contacts') {
        if (s.failLookup) return send(503, { error: 'down' });
        const branch = url.searchParams.get('branch');
        const contacts = url.searchParams
          .getAll('email')
          .filter((e) => CONTACTS[e] && CONTACTS[e].branch === branch)
          .map((e) => ({ email: e, groups: CONTACTS[e].groups }));
        return send(200, { contacts });
      }
      const m = /^\/groups\/([^/]+)\/timeline$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const groupId = decodeURIComponent(m[1]);
        if (s.failGroups.has(groupId)) return send(503, { error: 'busy' });
        const key = String(req.headers['idempotency-key'] ?? '');
        if (!key) return send(400, { error: 'idempotency key required' });
        const existing = s.events.get(key);
        if (existing) return send(200, { id: existing.id });
        const id = `EV-${++n}`;
        s.events.set(key, { id, groupId, body: JSON.parse(body) });
        return send(201, { id });
      }
      return send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return Object.assign(s, { url, close: () => new Promise<void>((r) => server.close(() => r())) });
}

let standIn: StandIn;
let adapter: TestAdapter;
let token: string;

beforeAll(async () => {
  standIn = await startStandIn();
  adapter = await startTestAdapter({ env: { REZI_API_URL: standIn.url, REZI_API_KEY: API_KEY }, logLevel: 'silent' });
  token = await adapter.mintToken(DEMO_USERS.agent.email);
});
afterAll(async () => {
  await adapter.close();
  await standIn.close();
});

const msg = (id: string, from: string) => ({
  internetMessageId: id,
  from: [{ address: from }],
  to: [{ address: DEMO_USERS.agent.email }],
  date: '2026-11-20T10:00:00Z',
  subject: 'Re: offer',
  preview: 'p',
  direction: 'inbound',
});

async function file(messages: unknown[]) {
  const res = await fetch(`${adapter.url}/api/v1/mail/file`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ ownerAddresses: [DEMO_USERS.agent.email], messages }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

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
    groups: [{ groupId: 'G-1', name: '1 High Street — Vendor', link: 'https://app.rezi.example/groups/RZ1', eventId: expect.stringMatching(/^EV-/) }],
  });
  expect(o2.groups.map((g: { groupId: string }) => g.groupId)).toEqual(['G-2', 'G-3']);
  expect(o3).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });
  // The stand-in scopes lookups by branch: the Redland contact is invisible to a Clifton user.
  expect(o4).toMatchObject({ status: 'unmatched', reason: 'no-matching-group' });

  const calls = standIn.requests.slice(before);
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
  expect(standIn.events.size).toBe(3);
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
