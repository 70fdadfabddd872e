/** The IMAP key at adapter start-up: no key file until IMAP is used; older keys rotated away. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { credentialsFor, saveAccount } from '../../src/server/imap/accounts';
import { CredentialCipher, parseKeys } from '../../src/server/imap/crypto';
import { imapServiceFor } from '../../src/server/imap/service';
import { DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter } from '../support/adapter';

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
});
