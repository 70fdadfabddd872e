/**
 * A local stand-in of the Rezi API contract in docs/rezi-api.md, strict where the contract is: it
 * refuses a wrong API key (401), a write without Idempotency-Key (400), a key reused for a different
 * request (422), a body past its size limit (413), a lookup of more than 50 addresses (400), and content
 * from someone who is not among the event's filers (409). A failed read never replaces captured content.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const API_KEY = 'test-rezi-key-123';

export interface Card {
  id: string;
  branch: string;
  name: string;
  kind: string;
  ref?: string;
  contacts: { id: string; name: string; emails: string[] }[];
}

export interface StandInEvent {
  id: string;
  groupId: string;
  key: string;
  body: Record<string, unknown>;
  filers: { email: string; name?: string; filedAt: string }[];
  content?: Record<string, unknown>;
}

export interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface StandIn {
  url: string;
  requests: Recorded[];
  cards: Map<string, Card>;
  events: Map<string, StandInEvent>;
  failGroups: Set<string>;
  failLookup: boolean;
  /** Content PUTs answered 503 before one is accepted. */
  contentFailures: number;
  /** The Retry-After those 503s carry (none when empty). */
  contentRetryAfter: string;
  /** Answer every content PUT with this status (a permanent refusal). */
  contentRefusal?: number;
  /** Off: the fixing endpoints answer 404 with no code, as a Rezi without them would. */
  fixing: boolean;
  /** Request bodies past this many bytes are refused with 413. */
  maxBody: number;
  close(): Promise<void>;
}

/** Rezi's users, by email: the names it answers in an event's filers. */
const NAMES: Record<string, string> = { 'agent@brightwells.co.uk': 'Alex Morgan', 'it@brightwells.co.uk': 'Priya Shah' };

export function demoCards(): Card[] {
  const card = (id: string, branch: string, name: string, emails: string[], ref?: string): Card => ({
    id,
    branch,
    name,
    kind: 'vendor',
    ...(ref ? { ref } : {}),
    contacts: emails.map((e, i) => ({ id: `${id}-C${i + 1}`, name: `Contact ${i + 1} of ${name}`, emails: [e] })),
  });
  return [
    card('G-1', 'branch-clifton', '1 High Street — Vendor', ['vendor@example.com'], 'RZ1'),
    card('G-2', 'branch-clifton', '2 High Street — Buyer', ['both@example.com']),
    card('G-3', 'branch-clifton', '3 High Street — Tenant', ['both@example.com']),
    card('G-FLAKY', 'branch-clifton', '4 High Street — Landlord', ['flaky@example.com']),
    card('G-BLOCKED', 'branch-clifton', '5 High Street — Vendor', ['someone@blocked.example', 'colleague@brightwells.co.uk']),
    card('G-6', 'branch-clifton', '6 Park Row, BS1 5LJ — Vendor', ['park@example.com']),
    card('G-R', 'branch-redland', 'Redland group', ['redland@example.com']),
  ];
}

type Send = (status: number, json: unknown, headers?: Record<string, string>) => void;
type Handler = (s: StandIn, req: { method: string; url: URL; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }, send: Send) => boolean;

const notFound = (send: Send) => send(404, { code: 'not-found' });
const NO_ROUTE = Symbol('no route');

function lookup(s: StandIn, { method, url }: Parameters<Handler>[1], send: Send): boolean {
  if (method !== 'GET' || url.pathname !== '/contacts') return false;
  if (s.failLookup) return (send(503, { error: 'down' }), true);
  const emails = url.searchParams.getAll('email');
  if (emails.length > 50) return (send(400, { error: 'at most 50 addresses' }), true);
  const branch = url.searchParams.get('branch');
  const contacts = emails
    .map((email) => ({
      email,
      groups: [...s.cards.values()]
        .filter((c) => c.branch === branch && c.contacts.some((k) => k.emails.includes(email)))
        .map(({ id, name, ref }) => ({ id, name, ...(ref ? { ref } : {}) })),
    }))
    .filter((c) => c.groups.length > 0);
  send(200, { contacts });
  return true;
}

function postEvent(s: StandIn, { method, url, headers, json }: Parameters<Handler>[1], send: Send, n: () => number): boolean {
  const m = /^\/groups\/([^/]+)\/timeline$/.exec(url.pathname);
  if (method !== 'POST' || !m) return false;
  const groupId = decodeURIComponent(m[1]);
  if (s.failGroups.has(groupId)) return (send(503, { error: 'busy' }), true);
  if (!s.cards.has(groupId)) return (notFound(send), true);
  const key = String(headers['idempotency-key'] ?? '');
  for (const f of ['internetMessageId', 'direction', 'subject', 'occurredAt', 'ownerEmail'])
    if (typeof json[f] !== 'string') return (send(400, { error: `${f} required` }), true);
  const owner = String(json.ownerEmail).toLowerCase();
  const existing = s.events.get(key);
  if (existing) {
    if (existing.groupId !== groupId || existing.body.internetMessageId !== json.internetMessageId) return (send(422, { error: 'key reused' }), true);
    if (!existing.filers.some((f) => f.email === owner)) existing.filers.push({ email: owner, name: NAMES[owner], filedAt: new Date().toISOString() });
    return (send(200, { id: existing.id, filers: existing.filers }), true);
  }
  const event: StandInEvent = { id: `EV-${n()}`, groupId, key, body: json, filers: [{ email: owner, name: NAMES[owner], filedAt: new Date().toISOString() }] };
  s.events.set(key, event);
  send(201, { id: event.id, filers: event.filers });
  return true;
}

function putContent(s: StandIn, { method, url, headers, json }: Parameters<Handler>[1], send: Send): boolean {
  const m = /^\/timeline\/([^/]+)\/content$/.exec(url.pathname);
  if (method !== 'PUT' || !m) return false;
  if (!String(headers['idempotency-key']).endsWith(':content')) return (send(400, { error: 'content key must end in :content' }), true);
  if (s.contentRefusal) return (send(s.contentRefusal, { error: 'refused' }), true);
  if (s.contentFailures > 0)
    return (s.contentFailures--, send(503, { error: 'busy' }, s.contentRetryAfter ? { 'retry-after': s.contentRetryAfter } : {}), true);
  const event = [...s.events.values()].find((e) => e.id === decodeURIComponent(m[1]));
  if (!event) return (notFound(send), true);
  if (json.internetMessageId !== event.body.internetMessageId) return (send(409, { code: 'wrong-message' }), true);
  if (!event.filers.some((f) => f.email === String(json.ownerEmail).toLowerCase())) return (send(409, { code: 'not-a-filer' }), true);
  if (json.status !== 'not-captured' || event.content?.status !== 'captured') event.content = json;
  send(204, null);
  return true;
}

function fixingRoutes(s: StandIn, { method, url, headers, json }: Parameters<Handler>[1], send: Send): boolean | typeof NO_ROUTE {
  const branch = url.searchParams.get('branch');
  if (method === 'GET' && url.pathname === '/groups') {
    const ids = url.searchParams.getAll('id');
    const words = (url.searchParams.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const text = (c: Card) => [c.name, ...c.contacts.flatMap((k) => [k.name, ...k.emails])].join(' ').toLowerCase();
    const found = [...s.cards.values()].filter(
      (c) => c.branch === branch && (ids.length > 0 ? ids.includes(c.id) : words.length > 0 && words.every((w) => text(c).includes(w))),
    );
    send(200, { groups: found.slice(0, limit), truncated: found.length > limit });
    return true;
  }
  const m = /^\/groups\/([^/]+)\/contacts\/([^/]+)\/emails$/.exec(url.pathname);
  if (method === 'POST' && m) {
    if (!headers['idempotency-key']) return (send(400, { error: 'idempotency key required' }), true);
    const contact = s.cards.get(decodeURIComponent(m[1]))?.contacts.find((k) => k.id === decodeURIComponent(m[2]));
    if (!contact || typeof json.email !== 'string') return (notFound(send), true);
    if (!contact.emails.includes(json.email)) contact.emails.push(json.email);
    send(201, { contactId: contact.id, email: json.email });
    return true;
  }
  if (method === 'DELETE' && url.pathname === '/timeline/filers') {
    const filer = String(url.searchParams.get('filer')).toLowerCase();
    const groups = url.searchParams.getAll('group');
    const removed = [];
    for (const [key, e] of s.events) {
      if (e.body.internetMessageId !== url.searchParams.get('internetMessageId') || s.cards.get(e.groupId)?.branch !== branch) continue;
      if ((groups.length > 0 && !groups.includes(e.groupId)) || !e.filers.some((f) => f.email === filer)) continue;
      e.filers = e.filers.filter((f) => f.email !== filer);
      if (e.filers.length === 0) s.events.delete(key);
      removed.push({ eventId: e.id, groupId: e.groupId, eventDeleted: e.filers.length === 0 });
    }
    send(200, { removed });
    return true;
  }
  return NO_ROUTE;
}

export async function startStandIn(): Promise<StandIn> {
  const s: Omit<StandIn, 'url' | 'close'> = {
    requests: [],
    cards: new Map(demoCards().map((c) => [c.id, c])),
    events: new Map(),
    failGroups: new Set(),
    failLookup: false,
    contentFailures: 0,
    contentRetryAfter: '0',
    fixing: true,
    maxBody: 1024 * 1024,
  };
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => ((size += c.length), size <= s.maxBody && chunks.push(c)));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      // The adapter is configured with a base URL that has a path (…/api): the contract is relative to it.
      if (!url.pathname.startsWith('/api/')) return res.writeHead(404).end();
      url.pathname = url.pathname.slice(4);
      const method = req.method ?? '';
      const entry: Recorded = { method, path: url.pathname + url.search, headers: req.headers, body, status: 0 };
      s.requests.push(entry);
      const send: Send = (status, json, headers = {}) => {
        entry.status = status;
        if (status === 204) return res.writeHead(204, headers).end();
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${API_KEY}`) return send(401, { error: 'unauthorised' });
      if (size > s.maxBody) return send(413, { error: 'too large' });
      if (['POST', 'PUT'].includes(method) && !req.headers['idempotency-key']) return send(400, { error: 'idempotency key required' });
      let json: Record<string, unknown> = {};
      try {
        if (body) json = JSON.parse(body);
      } catch {
        return send(400, { error: 'not JSON' });
      }
      const r = { method, url, headers: req.headers, json };
      if (method === 'GET' && url.pathname === '/health') return send(200, { ok: true });
      if (lookup(s as StandIn, r, send) || postEvent(s as StandIn, r, send, () => ++n) || putContent(s as StandIn, r, send)) return;
      // A Rezi without the fixing endpoints: a plain 404 with no code of its own.
      if (!s.fixing || fixingRoutes(s as StandIn, r, send) === NO_ROUTE) return send(404, { error: 'no such route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return Object.assign(s, { url, close: () => new Promise<void>((r) => server.close(() => r())) });
}
