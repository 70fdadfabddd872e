import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Migrator, type Kysely } from 'kysely';
import { API_PREFIX } from '../../../src/core/api';
import { diagnose } from '../../../src/core/diagnosis';
import { buildSupportReport } from '../../../src/core/support-report';
import type { AuthUser, ServerContext } from '../../../src/server/context';
import { openTestStore } from '../../support/store';
import { migrations } from '../../../src/server/store/migrations';
import type { Database } from '../../../src/server/store/schema';
import { supportMigrations, type SupportCaseTable } from '../../../src/server/support/migrations';
import { newReference, registerSupportRoutes } from '../../../src/server/support/routes';
import { statusOf } from '../../support/troubleshoot-fixtures';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl';
const user: AuthUser = {
  id: 'u-1',
  tenantId: 't-1',
  oid: 'oid-1',
  email: 'amelia@branch.example',
  name: 'Amelia',
  branchId: 'b-1',
  branchName: 'Clifton',
  role: 'agent',
};

describe('POST /api/v1/support/cases over HTTP', () => {
  let dir: string;
  let db: Kysely<Database>;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-support-'));
    db = await openTestStore(path.join(dir, 'store.db'));
    const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations, ...supportMigrations }) }, allowUnorderedMigrations: true });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
    await db.insertInto('branches').values({ id: 'b-1', name: 'Clifton', tenant_id: 't-1' }).execute();
    await db
      .insertInto('users')
      .values({ id: 'u-1', oid: 'oid-1', tenant_id: 't-1', email: user.email, name: user.name, branch_id: 'b-1', role: 'agent' })
      .execute();

    const ctx = { db, clock: () => new Date('2026-11-23T12:00:00Z') } as unknown as ServerContext;
    app = Fastify({ ajv: { customOptions: { coerceTypes: false, removeAdditional: true } } });
    await app.register(
      async (api) => {
        // Stands in for the adapter's token check: the route only needs req.user.
        api.addHook('onRequest', async (req, reply) => {
          if (req.headers.authorization !== 'Bearer test') return reply.code(401).send({ code: 'unauthorised', message: 'Sign in again.' });
          req.user = user;
        });
        await registerSupportRoutes(api, ctx);
      },
      { prefix: API_PREFIX },
    );
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await app.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown, auth = 'Bearer test') =>
    fetch(`${base}${API_PREFIX}/support/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify(body),
    });

  function report() {
    const status = statusOf({ account: { state: 'authorisation-failed', cause: 'password-changed' } });
    const diagnosis = diagnose({ status, token: { obtained: false, error: { code: 'password-changed', providerCode: 'AADSTS50173', requestId: 'corr-42' } } });
    return buildSupportReport({
      diagnosis,
      status,
      client: { version: '1.0.0', host: 'Outlook' },
      requestIds: ['corr-42'],
      now: new Date('2026-11-23T11:59:00Z'),
    });
  }

  it('stores the report and answers with an RZ- reference', async () => {
    const res = await post(report());
    expect(res.status).toBe(201);
    const body = (await res.json()) as { reference: string; createdAt: string };
    expect(body.reference).toMatch(/^RZ-[2-9A-HJKMNP-TV-Z]{6}$/);
    expect(body.createdAt).toBe('2026-11-23T12:00:00.000Z');
    const row = await db
      .withTables<{ support_cases: SupportCaseTable }>()
      .selectFrom('support_cases')
      .selectAll()
      .where('reference', '=', body.reference)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: 'u-1', tenant_id: 't-1', branch_id: 'b-1', cause: 'password-changed', client_version: '1.0.0' });
    expect(JSON.parse(row.report)).toMatchObject({ cause: 'password-changed', requestIds: ['corr-42'] });
  });

  it('redacts again on the server: a client that sends secrets does not get them stored', async () => {
    const r = report();
    const dirty = {
      ...r,
      likelyCause: `Bearer ${JWT}`,
      errors: [{ source: 'x', code: 'unknown', message: `password=hunter2 token=${JWT}` }],
      extra: { nested: { refreshToken: 'rt-secret-123', body: 'Dear vendor, offer of £450,000', count: 3 } },
      smuggled: 'not in the schema',
    };
    const res = await post(dirty);
    expect(res.status).toBe(201);
    const { reference } = (await res.json()) as { reference: string };
    const row = await db
      .withTables<{ support_cases: SupportCaseTable }>()
      .selectFrom('support_cases')
      .select('report')
      .where('reference', '=', reference)
      .executeTakeFirstOrThrow();
    for (const secret of [JWT, 'hunter2', 'rt-secret-123', '£450,000', 'smuggled']) expect(row.report).not.toContain(secret);
    expect(JSON.parse(row.report).extra).toEqual({ nested: { count: 3 } });
  });

  it('rejects what is not a report, and callers without a token', async () => {
    expect((await post({ hello: 'world' })).status).toBe(400);
    expect((await post({ ...report(), checks: 'all fine' })).status).toBe(400);
    expect((await post(report(), 'Bearer nope')).status).toBe(401);
    const rows = await db.withTables<{ support_cases: SupportCaseTable }>().selectFrom('support_cases').select('id').execute();
    expect(rows).toHaveLength(2);
  });

  it('makes unambiguous references', () => {
    const refs = new Set(Array.from({ length: 200 }, () => newReference()));
    expect(refs.size).toBeGreaterThan(195);
    for (const r of refs) expect(r.slice(3)).not.toMatch(/[01ILOU]/);
  });
});
