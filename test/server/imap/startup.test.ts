/** The IMAP key at adapter start-up: no key file until IMAP is used; older keys rotated away. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { credentialsFor, saveAccount } from '../../../src/server/imap/accounts';
import { CredentialCipher, parseKeys } from '../../../src/server/imap/crypto';
import { imapServiceFor } from '../../../src/server/imap/service';
import { DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter } from '../../support/adapter';

describe('IMAP key at start-up', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-imap-start-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes no key file until IMAP is first used, then a 0600 one', async () => {
    const adapter = await startTestAdapter({ env: { DATA_DIR: dir, IMAP_KEY: undefined, IMAP_KEY_FILE: undefined }, logLevel: 'silent' });
    try {
      const file = path.join(dir, 'imap.key');
      expect(fs.existsSync(file)).toBe(false);
      const service = await imapServiceFor(adapter.ctx);
      expect(fs.existsSync(file)).toBe(false);
      expect(service.cipher.currentKid).toMatch(/^k[0-9a-f]{8}$/);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await adapter.close();
    }
  });

  it('re-encrypts credentials sealed under the previous key when the adapter starts', async () => {
    const dbFile = path.join(dir, 'rezi.sqlite');
    const oldKey = randomBytes(32).toString('base64');
    const first = await startTestAdapter({ dbFile, env: { IMAP_KEY: `old:${oldKey}` }, logLevel: 'silent' });
    await saveAccount(first.ctx.db, new CredentialCipher(parseKeys(`old:${oldKey}`)), {
      userId: DEMO_USERS.agent.id,
      username: 'agent',
      password: 'Rotate-Me-123',
      folderDelimiter: '.',
    });
    await first.close();

    const newKey = `new:${randomBytes(32).toString('base64')}`;
    // The key ring form: the current key first, older ones after it (IMAP_KEY_PREVIOUS is read from
    // the process environment until config.ts carries it).
    const second = await startTestAdapter({ dbFile, env: { IMAP_KEY: `${newKey},old:${oldKey}` }, logLevel: 'info' });
    try {
      const row = await second.ctx.db
        .withTables<{ imap_accounts: { user_id: string; kid: string } }>()
        .selectFrom('imap_accounts')
        .select('kid')
        .executeTakeFirstOrThrow();
      expect(row.kid).toBe('new');
      expect(await credentialsFor(second.ctx.db, new CredentialCipher(parseKeys(newKey)), DEMO_USERS.agent.id)).toEqual({
        username: 'agent',
        password: 'Rotate-Me-123',
      });
      expect(second.logs().some((l) => l.includes('re-encrypted'))).toBe(true);
    } finally {
      await second.close();
    }
  });

  /**
   * docs/deployment.md, "Rotating the IMAP key", step 3, as an operator moving from the generated key
   * file would follow it: the old key entered without an id after the new one.
   */
  async function rotateFromKeyFile(fileLine?: string) {
    const file = path.join(dir, 'imap.key');
    if (fileLine) fs.writeFileSync(file, `${fileLine}\n`, { mode: 0o600 });
    const dbFile = path.join(dir, 'rezi.sqlite');
    const first = await startTestAdapter({ dbFile, env: { DATA_DIR: dir, IMAP_KEY: undefined, IMAP_KEY_FILE: undefined }, logLevel: 'silent' });
    const service = await imapServiceFor(first.ctx);
    await saveAccount(first.ctx.db, service.cipher, { userId: DEMO_USERS.agent.id, username: 'agent', password: 'Rotate-Me-123', folderDelimiter: '.' });
    await first.close();

    const oldKey = fs.readFileSync(file, 'utf8').trim().split(':').pop() as string;
    const newKey = randomBytes(32).toString('base64');
    const second = await startTestAdapter({ dbFile, env: { DATA_DIR: dir, IMAP_KEY: `2026-11:${newKey},${oldKey}` }, logLevel: 'info' });
    try {
      await imapServiceFor(second.ctx);
      const row = await second.ctx.db
        .withTables<{ imap_accounts: { user_id: string; kid: string } }>()
        .selectFrom('imap_accounts')
        .select('kid')
        .executeTakeFirstOrThrow();
      expect(row.kid).toBe('2026-11');
      expect(await credentialsFor(second.ctx.db, new CredentialCipher(parseKeys(`2026-11:${newKey}`)), DEMO_USERS.agent.id)).toEqual({
        username: 'agent',
        password: 'Rotate-Me-123',
      });
      expect(second.logs().some((l) => /"rotated":1/.test(l) && /"unreadable":0/.test(l))).toBe(true);
    } finally {
      await second.close();
    }
  }

  it('rotates away from a generated key file with the old key entered without its id, as the guide says', () => rotateFromKeyFile());

  it('does so for a key file written by an earlier version too (its id was random)', () =>
    rotateFromKeyFile(`k0badf00d:${randomBytes(32).toString('base64')}`));

  it('creates the key file 0600 and its folder 0700 whatever the umask', async () => {
    const previous = process.umask(0);
    const nested = path.join(dir, 'keys', 'imap.key');
    try {
      const adapter = await startTestAdapter({ env: { DATA_DIR: dir, IMAP_KEY: undefined, IMAP_KEY_FILE: nested }, logLevel: 'silent' });
      try {
        await imapServiceFor(adapter.ctx);
        const service = await imapServiceFor(adapter.ctx);
        expect(service.cipher.currentKid).toMatch(/^k[0-9a-f]{8}$/);
      } finally {
        await adapter.close();
      }
    } finally {
      process.umask(previous);
    }
    expect(fs.statSync(nested).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(nested)).mode & 0o777).toBe(0o700);
  });
});
