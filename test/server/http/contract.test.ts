/**
 * The API contract (core/contract/routes.ts) against the real adapter over HTTP: every route is in
 * the OpenAPI document with its schemas, a route outside the table stops the adapter at start-up,
 * and real answers — success and error, from every route — match the schema of their status.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { createAdapterClient } from '../../../src/client/adapter-client';
import { API_PREFIX, routes, serviceRoutes, type RouteName, type RouteSpec, type SupportReportBody } from '../../../src/core/api';
import { buildApp } from '../../../src/server/app';
import { UndescribedRoute } from '../../../src/server/http/contract';
import { openJobQueue } from '../../../src/server/jobs/queue-for';

// The real job queue, watched: an adapter that fails to start must not have opened it.
jest.mock('../../../src/server/jobs/queue-for', () => {
  const actual = jest.requireActual('../../../src/server/jobs/queue-for');
  return { ...actual, openJobQueue: jest.fn(actual.openJobQueue) };
});
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { appendMessages, dovecotAvailable, startDovecot, type DovecotInstance } from '../../support/dovecot';

// Bodies are read loosely: the schemas check them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const every: [string, RouteSpec][] = [...Object.entries(routes), ...Object.entries(serviceRoutes)];
const urlOf = (spec: RouteSpec) => (Object.values(serviceRoutes).includes(spec as never) ? spec.path : `${API_PREFIX}${spec.path}`);

/** The schema's complaints about a body, as `path message` lines (none when it conforms). */
function problems(spec: RouteSpec, status: number, body: unknown): string[] {
  const schema: TSchema | undefined = spec.response[status];
  if (!schema) return [`status ${status} is not in the contract`];
  return [...Value.Errors(schema, body)].map((e) => `${e.path || '/'} ${e.message}`);
}

let adapter: TestAdapter;
let tokens: { agent: string; admin: string };

beforeAll(async () => {
  adapter = await startTestAdapter({ logLevel: 'warn', overrides: { app: { checkResponses: true } } });
  tokens = { agent: await adapter.mintToken(DEMO_USERS.agent.email), admin: await adapter.mintToken(DEMO_USERS.admin.email) };
});
afterAll(() => adapter.close());

/** Calls a route of the table by name and checks its answer against the schema of the status it gave. */
async function hit(name: RouteName | keyof typeof serviceRoutes, input: { body?: unknown; params?: Record<string, string>; token?: string } = {}) {
  const spec: RouteSpec = name in routes ? routes[name as RouteName] : serviceRoutes[name as keyof typeof serviceRoutes];
  const url = urlOf(spec).replace(/:([A-Za-z]+)/g, (_m, p: string) => encodeURIComponent(input.params?.[p] ?? ''));
  const res = await fetch(`${adapter.url}${url}`, {
    method: spec.method,
    headers: {
      ...(input.token ? { authorization: `Bearer ${input.token}` } : {}),
      ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: input.body !== undefined ? JSON.stringify(input.body) : undefined,
  });
  const text = await res.text();
  const json: Json = text ? JSON.parse(text) : null;
  expect({ route: name, status: res.status, problems: problems(spec, res.status, json) }).toEqual({ route: name, status: res.status, problems: [] });
  return { status: res.status, json };
}

const mail = (from: string, n: number) => ({
  internetMessageId: `<contract-${n}-${Date.now()}@mail.example.com>`,
  from: [{ address: from, name: 'Sender' }],
  to: [{ address: DEMO_USERS.agent.email }],
  date: '2026-11-20T10:00:00Z',
  subject: 'Viewing on Saturday',
  preview: 'Hello',
  direction: 'inbound',
});

const report: SupportReportBody = {
  version: 1,
  createdAt: '2026-11-20T10:00:00.000Z',
  likelyCause: 'The adapter could not be reached.',
  nextStep: 'Try again',
  checks: [{ id: 'adapter', outcome: 'fail', detail: 'No answer.' }],
  account: { kind: 'office365' },
  client: { version: '1.0.0' },
};

describe('the OpenAPI document', () => {
  it('lists every route of the table with its request and response schemas, and no other', async () => {
    const doc: Json = (await (await fetch(`${adapter.url}${API_PREFIX}/openapi.json`)).json()) as Json;
    const listed = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const expected = every.map(([, spec]) => `${spec.method} ${urlOf(spec).replace(/:([A-Za-z]+)/g, '{$1}')}`);
    expect(listed.sort()).toEqual(expected.sort());
    for (const [name, spec] of every) {
      const op = doc.paths[urlOf(spec).replace(/:([A-Za-z]+)/g, '{$1}')][spec.method.toLowerCase()];
      expect({ name, summary: op.summary }).toEqual({ name, summary: spec.summary });
      if (spec.body) expect({ name, body: op.requestBody?.content?.['application/json']?.schema?.type }).toEqual({ name, body: 'object' });
      for (const status of Object.keys(spec.response)) expect({ name, status, documented: status in op.responses }).toEqual({ name, status, documented: true });
      expect({ name, security: op.security }).toEqual({ name, security: spec.security });
      if (spec.params) expect(op.parameters.map((p: Json) => p.name)).toEqual(Object.keys((spec.params as Json).properties));
    }
  });
});

describe('a route outside the contract', () => {
  it('stops the adapter from starting, with or without a schema of its own, and leaves no background work behind', async () => {
    // Background work (the job queue, Queue watchers, Graph pollers) starts only once the adapter is ready.
    const opened = openJobQueue as jest.MockedFunction<typeof openJobQueue>;
    opened.mockClear();
    for (const extra of [
      (api: Json) => api.get('/extra', async () => ({ ok: true })),
      (api: Json) => api.get('/extra', { schema: { response: { 200: routes.status.response[200] } } }, async () => ({ ok: true })),
      // The table's path with a schema other than the table's.
      (api: Json) => api.register(async (inner: Json) => inner.get('/status', { schema: { response: {} } }, async () => ({})), { prefix: '/copy' }),
    ]) {
      const build = (async () => {
        const app = await buildApp(adapter.ctx, { extraApiRoutes: extra });
        try {
          await app.ready();
        } finally {
          // What main.ts does with an adapter that fails to start: close what it opened (the job queue).
          await app.close();
        }
      })();
      await expect(build).rejects.toThrow(UndescribedRoute);
    }
    expect(opened).not.toHaveBeenCalled();
  });

  it('is not needed for the table’s own routes: the adapter builds and answers', async () => {
    const app = await buildApp(adapter.ctx);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });
});

describe('real answers match the schema of their status', () => {
  it('service, filing, status and support routes', async () => {
    await hit('healthz');
    await hit('readyz');
    await hit('status', { token: tokens.agent });
    const filed = await hit('fileMail', {
      token: tokens.agent,
      body: {
        ownerAddresses: [DEMO_USERS.agent.email],
        messages: [mail(DEMO_ADDRESSES.cliftonVendor, 1), mail(DEMO_ADDRESSES.unknown, 2), { ...mail(DEMO_ADDRESSES.unknown, 3), internetMessageId: '' }],
      },
    });
    expect(filed.json.outcomes.map((o: Json) => o.status)).toEqual(['filed', 'unmatched', 'unmatched']);
    const now = new Date().toISOString();
    const summary = { runId: filed.json.runId, source: 'graph', total: 3, sent: 0, received: 1, failed: 2, pending: 0, startedAt: now, finishedAt: now };
    expect((await hit('reportSync', { token: tokens.agent, body: summary })).status).toBe(204);
    expect((await hit('status', { token: tokens.agent })).json.lastSync.runId).toBe(filed.json.runId);
    expect((await hit('supportCase', { token: tokens.agent, body: report })).status).toBe(201);
  });

  it('error answers: bad input, no token, too many mails, an unknown user', async () => {
    expect((await hit('status')).status).toBe(401);
    expect((await hit('fileMail', { token: tokens.agent, body: { ownerAddresses: 'me', messages: {} } })).json.code).toBe('invalid-request');
    const many = Array.from({ length: 101 }, (_, i) => mail(DEMO_ADDRESSES.unknown, i));
    expect((await hit('fileMail', { token: tokens.agent, body: { ownerAddresses: [], messages: many } })).status).toBe(413);
    expect((await hit('supportCase', { token: tokens.agent, body: { ...report, version: 0 } })).status).toBe(400);
    expect((await hit('status', { token: await adapter.mintToken('nobody@example.com') })).status).toBe(403);
  });

  it('IMAP settings and the agent’s view, before and after a branch is set up', async () => {
    const branch = { branchId: DEMO_BRANCHES.clifton.id };
    expect((await hit('imapView', { token: tokens.agent })).json.branchConfigured).toBe(false);
    expect((await hit('branchImapSettings', { token: tokens.admin, params: branch })).status).toBe(404);
    expect((await hit('branchImapSettings', { token: tokens.agent, params: branch })).status).toBe(403);
    expect((await hit('imapSync', { token: tokens.agent, body: {} })).status).toBe(409);
    const invalid = await hit('putBranchImapSettings', {
      token: tokens.admin,
      params: branch,
      body: { host: 'imap.example.com', port: 99999, ssl: true, tls: true },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.problems.length).toBeGreaterThan(0);
    const saved = await hit('putBranchImapSettings', {
      token: tokens.admin,
      params: branch,
      body: { host: '127.0.0.1', port: 1143, ssl: false, tls: false, insecure: true },
    });
    expect(saved.json).toMatchObject({ branchId: branch.branchId, host: '127.0.0.1', port: 1143, credentialsRevoked: 0 });
    expect((await hit('branchImapSettings', { token: tokens.admin, params: branch })).json.port).toBe(1143);
    expect((await hit('imapView', { token: tokens.agent })).json).toMatchObject({ branchConfigured: true, account: null, server: { port: 1143 } });
    expect((await hit('imapForget', { token: tokens.agent })).json).toEqual({ deleted: false });
    // The typed client reaches the same route by its name and gets the same answer.
    const client = createAdapterClient({ baseUrl: adapter.url, getToken: async () => tokens.admin });
    expect(await client.request('branchImapSettings', { params: branch })).toEqual(
      (await hit('branchImapSettings', { token: tokens.admin, params: branch })).json,
    );
  });

  it('an answer its schema does not describe is caught, not sent', async () => {
    // A state the contract does not know, as a defect in the store would give.
    const user = await adapter.ctx.db.selectFrom('users').select('id').where('email', '=', DEMO_USERS.redlandAgent.email).executeTakeFirstOrThrow();
    await adapter.ctx.db
      .insertInto('account_state')
      .values({ user_id: user.id, kind: 'office365', state: 'half-connected' as never, cause: null, updated_at: new Date().toISOString() })
      .execute();
    const res = await fetch(`${adapter.url}${API_PREFIX}/status`, {
      headers: { authorization: `Bearer ${await adapter.mintToken(DEMO_USERS.redlandAgent.email)}` },
    });
    expect(res.status).toBe(500);
    expect(adapter.logs().join('\n')).toContain('AnswerNotInContract');
  });
});

const withDovecot = dovecotAvailable() ? describe : describe.skip;

withDovecot('IMAP Authenticate and Start Sync on real Dovecot', () => {
  const login = { user: DEMO_USERS.agent.email, password: 'Contract-Pa55-9Kd' };
  let dovecot: DovecotInstance;
  beforeAll(async () => {
    dovecot = await startDovecot({ delimiter: '.', users: [login] });
  });
  afterAll(() => dovecot?.stop());

  it('answers the folders, then a run report with its results', async () => {
    const branch = { branchId: DEMO_BRANCHES.clifton.id };
    await hit('putBranchImapSettings', {
      token: tokens.admin,
      params: branch,
      body: { host: dovecot.host, port: dovecot.port, ssl: false, tls: false, insecure: true },
    });
    expect((await hit('imapAuthenticate', { token: tokens.agent, body: { username: login.user, password: 'wrong' } })).status).toBe(422);
    const connected = await hit('imapAuthenticate', { token: tokens.agent, body: { username: login.user, password: login.password } });
    expect(connected.json).toMatchObject({ state: 'connected', folders: { queue: 'Rezi-Imported.Queue' } });
    await appendMessages(dovecot, login, 'Rezi-Imported.Queue', [
      { from: DEMO_ADDRESSES.cliftonVendor, to: login.user, subject: 'Offer', messageId: `<contract-imap-${Date.now()}@example.com>` },
      { from: 'stranger@example.com', to: login.user, subject: 'Hello', messageId: `<contract-imap-2-${Date.now()}@example.com>` },
    ]);
    const run = await hit('imapSync', { token: tokens.agent, body: {} });
    expect(run.json).toMatchObject({ total: 2, received: 1, failed: 1 });
    expect(run.json.results.map((r: Json) => r.status).sort()).toEqual(['failed', 'received']);
    expect((await hit('imapView', { token: tokens.agent })).json.account).toMatchObject({ username: login.user, state: 'connected' });
    expect((await hit('imapForget', { token: tokens.agent })).json).toEqual({ deleted: true });
  });
});
