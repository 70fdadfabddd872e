/**
 * Where a mail's bodies and attachments are kept: by the SHA-256 of their bytes, so a file sent to
 * many mails (a logo, a brochure) is stored once, and no name the mail chose ever becomes a path.
 *
 * The embedded SQLite store keeps them as files in a folder beside the database (the database file
 * stays small and fast to back up and checkpoint); PostgreSQL, and an in-memory SQLite, keep them in a
 * table. Both answer the same small port.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';

export interface ContentStore {
  /** Stores the bytes (once per content) and answers their key: the lower-case hex SHA-256. */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes under `key`; undefined for a key that is not one, or not stored. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every stored key, with when it was last stored (a `put` of bytes already there renews it). */
  list(): AsyncIterable<{ key: string; storedAt: number }>;
  /** Removes the bytes under `key` (nothing when absent). */
  delete(key: string): Promise<void>;
}

const KEY = /^[0-9a-f]{64}$/;
export const contentKey = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Bytes in a table (content_blobs): PostgreSQL's bytea, SQLite's blob. */
export class TableContentStore implements ContentStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async put(bytes: Uint8Array): Promise<string> {
    const key = contentKey(bytes);
    const storedAt = new Date(this.now()).toISOString();
    await this.db
      .insertInto('content_blobs')
      .values({ key, size: bytes.length, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), stored_at: storedAt })
      // Stored again: the sweep's grace period starts again, so it cannot remove bytes a row is about to name.
      .onConflict((oc) => oc.column('key').doUpdateSet({ stored_at: storedAt }))
      .execute();
    return key;
  }

  async *list(): AsyncIterable<{ key: string; storedAt: number }> {
    let after = '';
    for (;;) {
      const rows = await this.db.selectFrom('content_blobs').select(['key', 'stored_at']).where('key', '>', after).orderBy('key').limit(1000).execute();
      // A blob stored before its time was recorded counts as stored long ago.
      for (const r of rows) yield { key: r.key, storedAt: r.stored_at ? Date.parse(r.stored_at) : 0 };
      if (rows.length < 1000) return;
      after = rows[rows.length - 1].key;
    }
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('content_blobs').where('key', '=', key).execute();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (!KEY.test(key)) return undefined;
    const row = await this.db.selectFrom('content_blobs').select('bytes').where('key', '=', key).executeTakeFirst();
    return row?.bytes ? new Uint8Array(row.bytes) : undefined;
  }
}

/**
 * Files named by their hash under `dir` (two-character fan-out folders), each written to a temporary
 * name and renamed into place, so a reader never sees half a file and a crash leaves no torn one.
 */
export class FileContentStore implements ContentStore {
  constructor(
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  private pathOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = contentKey(bytes);
    const target = this.pathOf(key);
    try {
      // Stored again: the file's time starts the sweep's grace period again.
      const at = new Date(this.now());
      await fs.utimes(target, at, at);
      return key;
    } catch {
      // Not stored yet.
    }
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const temp = path.join(path.dirname(target), `.${key}.${randomUUID()}.tmp`);
    try {
      await fs.writeFile(temp, bytes, { mode: 0o600, flag: 'wx' });
      const at = new Date(this.now());
      await fs.utimes(temp, at, at);
      await fs.rename(temp, target);
    } catch (e) {
      await fs.rm(temp, { force: true });
      throw e;
    }
    return key;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (!KEY.test(key)) return undefined;
    try {
      return new Uint8Array(await fs.readFile(this.pathOf(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async *list(): AsyncIterable<{ key: string; storedAt: number }> {
    for (const fan of await readdirOrEmpty(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const name of await readdirOrEmpty(path.join(this.dir, fan))) {
        if (!KEY.test(name)) continue;
        const stat = await fs.stat(path.join(this.dir, fan, name)).catch(() => undefined);
        if (stat) yield { key: name, storedAt: stat.mtimeMs };
      }
    }
  }

  async delete(key: string): Promise<void> {
    if (KEY.test(key)) await fs.rm(this.pathOf(key), { force: true });
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The store for a database: files beside an SQLite file, a table otherwise. */
export function contentStoreFor(db: Kysely<Database>, where: { databaseFile?: string; databaseUrl?: string }): ContentStore {
  if (where.databaseUrl || !where.databaseFile || where.databaseFile === ':memory:') return new TableContentStore(db);
  return new FileContentStore(`${path.resolve(where.databaseFile)}.content`);
}
