import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, ping } from '../../../src/server/store/db';
import { testStoreKind } from '../../support/postgres';
import { openTestStore } from '../../support/store';
import { loadConfig, ConfigError } from '../../../src/server/config';

describe('store', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-store-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('migrates a fresh store, is idempotent on re-open, and enforces the exactly-once key', async () => {
    const file = path.join(dir, 'a', 'rezi.sqlite');
    let db = await openTestStore(file);
    const applied = await migrate(db);
    expect(applied).toEqual(expect.arrayContaining(['0001_directory', '0002_timeline_and_history']));
    expect(await ping(db)).toBe(true);
    await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't' }).execute();
    await db.insertInto('users').values({ id: 'u1', oid: null, tenant_id: 't', email: 'a@x.test', name: 'A', branch_id: 'b1', role: 'agent' }).execute();
    await db.insertInto('groups').values({ id: 'g1', branch_id: 'b1', name: 'G', kind: 'vendor', rezi_ref: null }).execute();
    const ev = {
      owner_user_id: 'u1',
      internet_message_id: '<m@x>',
      group_id: 'g1',
      direction: 'inbound' as const,
      subject: 's',
      occurred_at: 'x',
      created_at: 'x',
    };
    await db
      .insertInto('timeline_events')
      .values({ id: 'e1', ...ev })
      .execute();
    // Compare the message, not the class: better-sqlite3's native addon keeps the SqliteError class of the
    // first jest sandbox that loaded it, so in a reused worker the error is not `instanceof Error` here.
    const duplicate = await db
      .insertInto('timeline_events')
      .values({ id: 'e2', ...ev })
      .execute()
      .then(
        () => 'no error',
        (e: unknown) => String((e as { message?: unknown })?.message),
      );
    // The same key under the same name on both stores.
    expect(duplicate).toMatch(
      testStoreKind() === 'sqlite'
        ? /UNIQUE constraint failed: timeline_events/
        : /duplicate key value violates unique constraint "timeline_events_one_per_group"/,
    );
    await db.destroy();
    db = await openTestStore(file);
    expect(await migrate(db)).toEqual([]);
    expect(await db.selectFrom('timeline_events').select('id').execute()).toEqual([{ id: 'e1' }]);
    await db.destroy();
  });
});

describe('config', () => {
  it('has production-safe defaults: no local issuer, no demo data, so issuers and audience are required', () => {
    expect(() => loadConfig({})).toThrow(/AUTH_ISSUERS is required[\s\S]*AUTH_AUDIENCE is required/);
    const c = loadConfig({ AUTH_LOCAL_ISSUER: '1' });
    expect(c).toMatchObject({
      port: 3001,
      host: '127.0.0.1',
      dataDir: '.data',
      allowedOrigins: ['https://localhost:3000'],
      demoData: false,
      production: false,
    });
    expect(c.databaseFile).toBe(path.join('.data', 'rezi.sqlite'));
    expect(c.auth.localIssuer).toBe(true);
    expect(c.auth.jwksUrl).toBeUndefined();
  });

  it('validates Entra ID tokens against Entra’s published keys unless told otherwise', () => {
    const entra = {
      AUTH_LOCAL_ISSUER: '0',
      AUTH_ISSUERS: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      AUTH_ALLOWED_TENANTS: '7c1f4a2e-3b5d-4e6f-9a8b-0c1d2e3f4a5b',
      AUTH_AUDIENCE: 'api://rezi-sync.example.com/00000000-0000-0000-0000-000000000001',
    };
    expect(loadConfig(entra).auth.jwksUrl).toBe('https://login.microsoftonline.com/common/discovery/v2.0/keys');
    expect(loadConfig({ ...entra, AUTH_JWKS_URL: 'https://keys.example.com/jwks' }).auth.jwksUrl).toBe('https://keys.example.com/jwks');
  });

  it('reports every missing or wrong variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', AUTH_LOCAL_ISSUER: '0', LOG_LEVEL: 'loud', REZI_API_URL: 'ftp://x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'AUTH_ISSUERS', 'AUTH_AUDIENCE', 'LOG_LEVEL', 'REZI_API_URL']) expect(problems).toContain(name);
  });
});
