import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { migrate } from '../../../src/server/store/db';
import { openTestStore } from '../../support/store';
import { imapDb } from '../../../src/server/imap/tables';
import { testStoreKind } from '../../support/postgres';
import type { Database } from '../../../src/server/store/schema';
import { putAccountState } from '../../../src/server/history';
import { credentialsFor, deleteAccount, getAccount, imapStatusFields, rotateCredentials, saveAccount } from '../../../src/server/imap/accounts';
import { CredentialCipher, parseKeys } from '../../../src/server/imap/crypto';
import { getBranchSettings, normaliseHost, putBranchSettings, validateSettings } from '../../../src/server/imap/settings';

describe('branch IMAP settings validation', () => {
  it('accepts the usual SSL form and defaults to verifying certificates', () => {
    const v = validateSettings({ host: ' IMAP.Example-Mail.co.uk ', port: 993, ssl: true, tls: false });
    expect(v).toEqual({
      ok: true,
      warnings: [],
      settings: { host: 'imap.example-mail.co.uk', port: 993, ssl: true, starttls: false, verifyCertificates: true },
    });
  });

  it('accepts IP addresses and IDN host names, rejects malformed ones', () => {
    expect(normaliseHost('192.0.2.10')).toBe('192.0.2.10');
    expect(normaliseHost('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normaliseHost('mail.bücher.example')).toBe('mail.xn--bcher-kva.example');
    for (const bad of ['-bad.example', 'bad-.example', 'a..b', 'has space.example', '10.0.0.300', 'x'.repeat(64) + '.example', 'imap://host', 'user@host']) {
      expect([bad, normaliseHost(bad)]).toEqual([bad, undefined]);
    }
  });

  it('explains each problem in plain words', () => {
    const v = validateSettings({ host: 'not a host', port: 70000, ssl: true, tls: true });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const byField = Object.fromEntries(v.errors.map((e) => [e.field, e.message]));
    expect(byField.host).toMatch(/is not a valid server address/);
    expect(byField.port).toMatch(/whole number from 1 to 65535/);
    expect(byField.tls).toMatch(/Choose either SSL or TLS, not both/);
    expect(validateSettings('x')).toMatchObject({ ok: false });
    expect(validateSettings({ host: 'h.example', port: 993, ssl: 'yes' })).toMatchObject({
      ok: false,
      errors: [{ field: 'ssl', message: 'SSL Used? must be true or false.' }],
    });
  });

  it('refuses an unencrypted connection unless it is asked for explicitly (insecure), and then warns', () => {
    expect(validateSettings({ host: 'imap.example.com', port: 143, ssl: false, tls: false })).toMatchObject({ ok: false, errors: [{ field: 'tls' }] });
    // This machine too: a plaintext listener on the adapter's host is as good a trap as any.
    expect(validateSettings({ host: '127.0.0.1', port: 143, ssl: false, tls: false })).toMatchObject({ ok: false, errors: [{ field: 'tls' }] });
    const insecure = validateSettings({ host: 'imap.example.com', port: 143, ssl: false, tls: false, insecure: true });
    expect(insecure).toMatchObject({ ok: true, warnings: [{ field: 'insecure', message: expect.stringMatching(/not encrypted/) }] });
  });

  it('warns about unusual port pairs and unchecked certificates without refusing', () => {
    const a = validateSettings({ host: 'h.example', port: 143, ssl: true, tls: false });
    expect(a.ok).toBe(true);
    expect(a.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/Port 143 is normally used with TLS/)]);
    const b = validateSettings({ host: 'h.example', port: 993, starttls: true, verifyCertificates: false });
    expect(b).toMatchObject({ ok: true, settings: { starttls: true, verifyCertificates: false } });
    expect(b.warnings.map((w) => w.field)).toEqual(['port', 'verifyCertificates']);
    expect(validateSettings({ host: 'h.example', port: 993, ssl: true, allowInvalidCertificates: true })).toMatchObject({
      ok: true,
      settings: { verifyCertificates: false },
    });
  });
});

describe('IMAP settings and accounts in the store', () => {
  let dir: string;
  let file: string;
  let db: Kysely<Database>;
  const key = randomBytes(32).toString('base64');
  const cipher = new CredentialCipher(parseKeys(`old:${key}`));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-imap-store-'));
    file = path.join(dir, 'rezi.sqlite');
    db = await openTestStore(file);
    await migrate(db);
    await db.insertInto('branches').values({ id: 'b1', name: 'Clifton', tenant_id: 't1' }).execute();
    await db
      .insertInto('users')
      .values([
        { id: 'u1', oid: null, tenant_id: 't1', email: 'agent@example.test', name: 'Agent', branch_id: 'b1', role: 'agent' },
        { id: 'u2', oid: null, tenant_id: 't1', email: 'admin@example.test', name: 'Admin', branch_id: 'b1', role: 'admin' },
      ])
      .execute();
  });
  afterAll(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores branch settings and audits each change with before and after', async () => {
    expect(await getBranchSettings(db, 'b1')).toBeUndefined();
    await putBranchSettings(db, 'b1', { host: 'imap.a.example', port: 993, ssl: true, starttls: false, verifyCertificates: true }, 'u2');
    const { revokedUserIds, ...saved } = await putBranchSettings(
      db,
      'b1',
      { host: 'imap.b.example', port: 143, ssl: false, starttls: true, verifyCertificates: true },
      'u2',
    );
    expect(revokedUserIds).toEqual([]);
    expect(await getBranchSettings(db, 'b1')).toEqual(saved);
    const audit = await db.selectFrom('audit_log').selectAll().where('branch_id', '=', 'b1').orderBy('at').execute();
    expect(audit.map((a) => [a.action, a.actor_user_id])).toEqual([
      ['imap-settings.create', 'u2'],
      ['imap-settings.update', 'u2'],
    ]);
    expect(JSON.parse(audit[1].details!)).toEqual({
      before: { host: 'imap.a.example', port: 993, ssl: true, tls: false, allowInvalidCertificates: false },
      after: { host: 'imap.b.example', port: 143, ssl: false, tls: true, allowInvalidCertificates: false },
      credentialsRevoked: 0,
    });
  });

  it('stores the password only as ciphertext, and reads it back for the owner', async () => {
    const password = 'Unmistakable-Pa55word-Xyzzy';
    await saveAccount(db, cipher, { userId: 'u1', username: 'agent@example.test', password, folderDelimiter: '.' });
    expect(await credentialsFor(db, cipher, 'u1')).toEqual({ username: 'agent@example.test', password });
    expect(await getAccount(db, 'u1')).toMatchObject({ username: 'agent@example.test', state: 'connected', folderDelimiter: '.' });
    expect(JSON.stringify(await getAccount(db, 'u1'))).not.toContain(password);
    expect(await imapStatusFields(db, { id: 'u1', branchId: 'b1' })).toEqual({ username: 'agent@example.test', branchConfigured: true });
    expect(await imapStatusFields(db, { id: 'u2', branchId: 'elsewhere' })).toEqual({ branchConfigured: false });
    const row = await imapDb(db).selectFrom('imap_accounts').selectAll().where('user_id', '=', 'u1').executeTakeFirstOrThrow();
    // Bytes come back as bytes from either store (BLOB, BYTEA).
    expect([row.iv, row.tag, row.ciphertext].every((v) => Buffer.isBuffer(v))).toBe(true);
    expect(Object.values(row).some((v) => (Buffer.isBuffer(v) ? v.includes(password) : String(v).includes(password)))).toBe(false);
    if (testStoreKind() !== 'sqlite') return;
    // SQLite only: the file on disk (and its WAL) must not hold the password in any common encoding.
    const raw = new SQLite(file, { readonly: true });
    const rawRow = raw.prepare('select * from imap_accounts where user_id = ?').get('u1') as Record<string, unknown>;
    raw.close();
    expect(Object.values(rawRow).some((v) => (Buffer.isBuffer(v) ? v.includes(password) : String(v).includes(password)))).toBe(false);
    for (const f of fs.readdirSync(dir)) {
      const bytes = fs.readFileSync(path.join(dir, f));
      for (const needle of [Buffer.from(password), Buffer.from(password, 'utf16le'), Buffer.from(Buffer.from(password).toString('base64'))])
        expect(bytes.includes(needle)).toBe(false);
    }
  });

  it('records the state and the cause of the last error', async () => {
    const at = '2026-11-23T10:00:00.000Z';
    await putAccountState(db, { id: 'u1' }, 'imap', { state: 'authorisation-failed', cause: 'password-changed', at, lastError: 'password-changed' });
    expect(await getAccount(db, 'u1')).toMatchObject({
      state: 'authorisation-failed',
      lastErrorCode: 'password-changed',
      lastErrorAt: '2026-11-23T10:00:00.000Z',
    });
    // Recovering keeps the last error for the panel; the Office 365 path's state is its own row.
    await putAccountState(db, { id: 'u1' }, 'imap', { state: 'connected', cause: null, at: '2026-11-23T11:00:00.000Z' });
    await putAccountState(db, { id: 'u1' }, 'office365', { state: 'authorisation-failed', cause: 'authorisation-expired', at: '2026-11-23T12:00:00.000Z' });
    expect(await getAccount(db, 'u1')).toMatchObject({ state: 'connected', lastErrorCode: 'password-changed', lastErrorAt: at });
  });

  it('rotates stored credentials to the current key', async () => {
    const rotatedCipher = new CredentialCipher(parseKeys(`new:${randomBytes(32).toString('base64')},old:${key}`));
    expect(await rotateCredentials(db, rotatedCipher)).toEqual({ rotated: 1, unreadable: 0 });
    expect(await rotateCredentials(db, rotatedCipher)).toEqual({ rotated: 0, unreadable: 0 });
    const row = await db
      .withTables<{ imap_accounts: { user_id: string; kid: string } }>()
      .selectFrom('imap_accounts')
      .select('kid')
      .where('user_id', '=', 'u1')
      .executeTakeFirstOrThrow();
    expect(row.kid).toBe('new');
    expect((await credentialsFor(db, rotatedCipher, 'u1'))?.password).toBe('Unmistakable-Pa55word-Xyzzy');
    await expect(credentialsFor(db, cipher, 'u1')).rejects.toThrow(/no longer configured/);
  });

  it('Stop Email Sync deletes the credentials', async () => {
    expect(await deleteAccount(db, 'u1')).toBe(true);
    expect(await getAccount(db, 'u1')).toBeUndefined();
    expect(await deleteAccount(db, 'u1')).toBe(false);
  });
});
