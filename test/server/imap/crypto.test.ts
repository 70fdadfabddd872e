import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialCipher, DecryptError, KeyError, cipherFromConfig, loadKeyFile, parseKeys } from '../../../src/server/imap/crypto';

const b64 = () => randomBytes(32).toString('base64');

describe('credential encryption', () => {
  const cipher = new CredentialCipher(parseKeys(`one:${b64()}`));

  it('round-trips a password under the user id, with a fresh IV each time', () => {
    const a = cipher.encrypt('s3cret £ pässword', 'user-1');
    const b = cipher.encrypt('s3cret £ pässword', 'user-1');
    expect(a.kid).toBe('one');
    expect(a.iv).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.includes(Buffer.from('s3cret'))).toBe(false);
    expect(cipher.decrypt(a, 'user-1')).toBe('s3cret £ pässword');
  });

  it('detects tampering with the ciphertext, tag or iv', () => {
    const sealed = cipher.encrypt('password', 'user-1');
    const flip = (b: Buffer) => Buffer.from(b.map((x, i) => (i === 0 ? x ^ 1 : x)));
    expect(() => cipher.decrypt({ ...sealed, ciphertext: flip(sealed.ciphertext) }, 'user-1')).toThrow(DecryptError);
    expect(() => cipher.decrypt({ ...sealed, tag: flip(sealed.tag) }, 'user-1')).toThrow(DecryptError);
    expect(() => cipher.decrypt({ ...sealed, iv: flip(sealed.iv) }, 'user-1')).toThrow(DecryptError);
  });

  it('refuses a row moved to another user (AAD)', () => {
    const sealed = cipher.encrypt('password', 'user-1');
    expect(() => cipher.decrypt(sealed, 'user-2')).toThrow(DecryptError);
  });

  it('rotates: old rows still decrypt, are stale, and reseal under the current key', () => {
    const oldKey = b64();
    const before = new CredentialCipher(parseKeys(`old:${oldKey}`));
    const sealed = before.encrypt('password', 'user-1');
    const after = new CredentialCipher(parseKeys(`new:${b64()},old:${oldKey}`));
    expect(after.currentKid).toBe('new');
    expect(after.isStale(sealed)).toBe(true);
    const resealed = after.reseal(sealed, 'user-1');
    expect(resealed.kid).toBe('new');
    expect(after.isStale(resealed)).toBe(false);
    expect(after.decrypt(resealed, 'user-1')).toBe('password');
    // Once the old key is dropped, only the resealed row opens.
    const onlyNew = new CredentialCipher(new Map([...parseKeys(`new:${b64()}`)].map(([, k]) => ['new', k])));
    expect(() => onlyNew.decrypt(sealed, 'user-1')).toThrow(/no longer configured/);
  });

  it('accepts a bare base64 key and rejects malformed ones with a plain message', () => {
    const keys = parseKeys(b64());
    expect([...keys.keys()][0]).toMatch(/^k[0-9a-f]{8}$/);
    expect(() => parseKeys('c2hvcnQ=')).toThrow(KeyError);
    expect(() => parseKeys('c2hvcnQ=')).toThrow(/32 random bytes in base64/);
    const k = b64();
    expect(() => parseKeys(`a:${k},a:${k}`)).toThrow(/appears twice/);
  });
});

describe('key file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-key-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is created with mode 0600 and reused on the next start', () => {
    const file = path.join(dir, 'sub', 'imap.key');
    const first = cipherFromConfig({ dataDir: path.join(dir, 'sub'), imap: {} });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first.encrypt('password', 'u');
    const second = cipherFromConfig({ dataDir: path.join(dir, 'sub'), imap: {} });
    expect(second.decrypt(sealed, 'u')).toBe('password');
  });

  it('is refused when group or others can read it', () => {
    const file = path.join(dir, 'imap.key');
    loadKeyFile(file);
    fs.chmodSync(file, 0o644);
    expect(() => loadKeyFile(file)).toThrow(/can be read by other users/);
  });

  it('IMAP_KEY wins over the key file', () => {
    const cipher = cipherFromConfig({ dataDir: dir, imap: { key: `env:${b64()}` } });
    expect(cipher.currentKid).toBe('env');
    expect(fs.existsSync(path.join(dir, 'imap.key'))).toBe(false);
  });
});

describe('IMAP_KEY_PREVIOUS', () => {
  it('adds older keys for decryption while the current key stays first', () => {
    const oldKey = randomBytes(32).toString('base64');
    const sealed = new CredentialCipher(parseKeys(oldKey)).encrypt('password', 'u');
    const cipher = cipherFromConfig({ dataDir: '/nonexistent', imap: { key: `new:${randomBytes(32).toString('base64')}`, previous: oldKey } });
    expect(cipher.currentKid).toBe('new');
    expect(cipher.decrypt(sealed, 'u')).toBe('password');
    expect(cipher.reseal(sealed, 'u').kid).toBe('new');
  });
});
