/**
 * Encryption at rest for IMAP passwords: AES-256-GCM (node:crypto), a random 12-byte IV per
 * encryption, and the user id as additional authenticated data so a row copied onto another user
 * fails to decrypt. Keys come from IMAP_KEY (one base64 key, or `kid:base64` entries separated by
 * commas, the first being current) or, for local runs, a key file created with mode 0600.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Sealed {
  kid: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/** Decryption failed: wrong key, wrong user, or a tampered row. Says nothing about the contents. */
export class DecryptError extends Error {
  constructor(message = 'The stored credentials could not be decrypted.') {
    super(message);
    this.name = 'DecryptError';
  }
}

const KEY_BYTES = 32;
const IV_BYTES = 12;

/** A stable, non-secret id for a key given without one. */
function kidOf(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== text.trim().replace(/=+$/, '')) {
    throw new KeyError(`${where} must be ${KEY_BYTES} random bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`).`);
  }
  return key;
}

/** Keys given without an id (their id is derived from the key itself): see CredentialCipher.decrypt. */
const UNNAMED = new WeakSet<Buffer>();

/** Parses `base64` or `kid:base64[,kid:base64…]`; the first key is the current one. */
export function parseKeys(text: string, where = 'IMAP_KEY'): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const kid = colon > 0 ? entry.slice(0, colon).trim() : undefined;
    const key = decodeKey(colon > 0 ? entry.slice(colon + 1) : entry, where);
    const id = kid ?? kidOf(key);
    if (kid === undefined) UNNAMED.add(key);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new KeyError(`${where}: key id "${id}" may use only letters, digits, dot, dash and underscore.`);
    if (keys.has(id)) throw new KeyError(`${where}: key id "${id}" appears twice.`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new KeyError(`${where} holds no key.`);
  return keys;
}

function open(key: Buffer, sealed: Sealed, aad: string): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

export class CredentialCipher {
  readonly currentKid: string;
  private readonly keys: Map<string, Buffer>;

  constructor(keys: Map<string, Buffer>) {
    if (keys.size === 0) throw new KeyError('No encryption key was given.');
    this.keys = new Map(keys);
    this.currentKid = [...keys.keys()][0];
  }

  encrypt(plaintext: string, aad: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKid)!, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { kid: this.currentKid, iv, tag: cipher.getAuthTag(), ciphertext };
  }

  decrypt(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.kid);
    if (key) {
      const plain = open(key, sealed, aad);
      if (plain === undefined) throw new DecryptError();
      return plain;
    }
    // An old key entered without its id (as the rotation guide allows) has an id derived from the key,
    // not the one the row remembers: try each such key. GCM's tag tells the right one from a wrong one.
    for (const k of this.keys.values()) {
      if (!UNNAMED.has(k)) continue;
      const plain = open(k, sealed, aad);
      if (plain !== undefined) return plain;
    }
    throw new DecryptError(`The stored credentials were encrypted with key "${sealed.kid}", which is no longer configured.`);
  }

  /** Whether a row is sealed under an older key and should be re-encrypted. */
  isStale(sealed: Pick<Sealed, 'kid'>): boolean {
    return sealed.kid !== this.currentKid;
  }

  /** Re-seals under the current key (same AAD). */
  reseal(sealed: Sealed, aad: string): Sealed {
    return this.encrypt(this.decrypt(sealed, aad), aad);
  }
}

/**
 * Reads the key file, creating it (0600, one fresh key) when missing. A file readable by group or
 * others is refused: the key must be as private as the passwords it protects.
 */
export function loadKeyFile(file: string): Map<string, Buffer> {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    try {
      // 'wx': never overwrite a key another process created a moment ago. The id is the one the key
      // gets when entered without an id (kidOf), so moving it into IMAP_KEY as plain base64 keeps it.
      const key = randomBytes(KEY_BYTES);
      fs.writeFileSync(file, `${kidOf(key)}:${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      // The mode above passes through the umask; chmod does not.
      fs.chmodSync(file, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const stat = fs.statSync(file);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new KeyError(
      `The IMAP key file ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\` and start again.`,
    );
  }
  return parseKeys(fs.readFileSync(file, 'utf8'), `The IMAP key file ${file}`);
}

/** Where the local key file lives: IMAP_KEY_FILE, or `${DATA_DIR}/imap.key`. */
export function keyFilePath(config: { dataDir: string; imap: { keyFile?: string } }): string {
  return config.imap.keyFile ?? path.join(config.dataDir, 'imap.key');
}

/**
 * The cipher for this adapter: IMAP_KEY when set, otherwise the key file (default
 * `${dataDir}/imap.key`). `previous` (IMAP_KEY_PREVIOUS) adds older keys that still decrypt during a
 * rotation; the current key is always the first of IMAP_KEY or the file.
 */
export function cipherFromConfig(config: { dataDir: string; imap: { key?: string; keyFile?: string; previous?: string } }): CredentialCipher {
  const keys = config.imap.key ? parseKeys(config.imap.key) : loadKeyFile(keyFilePath(config));
  if (config.imap.previous) {
    for (const [kid, key] of parseKeys(config.imap.previous, 'IMAP_KEY_PREVIOUS')) if (!keys.has(kid)) keys.set(kid, key);
  }
  return new CredentialCipher(keys);
}
