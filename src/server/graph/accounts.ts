/** The stored Graph grants: one sealed refresh token per agent, where their delta query starts, and why polling stopped. */
import type { Kysely } from 'kysely';
import type { CredentialCipher } from '../imap/crypto';
import type { Database } from '../store/schema';

export interface GraphAccountTable {
  user_id: string;
  kid: string;
  iv: Uint8Array;
  tag: Uint8Array;
  ciphertext: Uint8Array;
  delta_link: string | null;
  stopped_cause: string | null;
  created_at: string;
  updated_at: string;
}

export type GraphTables = { graph_accounts: GraphAccountTable };
export const graphDb = (db: Kysely<Database>) => db.withTables<GraphTables>();

/** The AAD names the table too: a sealed IMAP password copied into this row does not open. */
const aad = (userId: string) => `graph-refresh:${userId}`;

export async function saveRefreshToken(db: Kysely<Database>, cipher: CredentialCipher, userId: string, refreshToken: string, now: Date): Promise<void> {
  const s = cipher.encrypt(refreshToken, aad(userId));
  const at = now.toISOString();
  const sealed = { kid: s.kid, iv: s.iv, tag: s.tag, ciphertext: s.ciphertext, stopped_cause: null, updated_at: at };
  await graphDb(db)
    .insertInto('graph_accounts')
    .values({ user_id: userId, ...sealed, delta_link: null, created_at: at })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(sealed))
    .execute();
}

export async function refreshTokenOf(
  db: Kysely<Database>,
  cipher: CredentialCipher,
  userId: string,
): Promise<{ refreshToken: string; deltaLink?: string; paused: boolean } | undefined> {
  // A grant paused because the adapter's own credential was refused is still the agent's: it is tried again.
  const row = await graphDb(db)
    .selectFrom('graph_accounts')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('stopped_cause', 'is', null), eb('stopped_cause', '=', ADAPTER_REFUSED)]))
    .executeTakeFirst();
  if (!row) return undefined;
  const refreshToken = cipher.decrypt(
    { kid: row.kid, iv: Buffer.from(row.iv), tag: Buffer.from(row.tag), ciphertext: Buffer.from(row.ciphertext) },
    aad(userId),
  );
  return { refreshToken, ...(row.delta_link ? { deltaLink: row.delta_link } : {}), paused: row.stopped_cause === ADAPTER_REFUSED };
}

export async function saveDeltaLink(db: Kysely<Database>, userId: string, deltaLink: string, now: Date): Promise<void> {
  await graphDb(db).updateTable('graph_accounts').set({ delta_link: deltaLink, updated_at: now.toISOString() }).where('user_id', '=', userId).execute();
}

/** Why polling stopped when Microsoft refused the adapter's own credential (not the agent's grant): IT's to fix. */
export const ADAPTER_REFUSED = 'client-refused';

/** Polling paused for the adapter's credential starts again once that credential is taken; true when it was paused. */
export async function resumePolling(db: Kysely<Database>, userId: string, now: Date): Promise<boolean> {
  const r = await graphDb(db)
    .updateTable('graph_accounts')
    .set({ stopped_cause: null, updated_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('stopped_cause', '=', ADAPTER_REFUSED)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function stopPolling(db: Kysely<Database>, userId: string, cause: string, now: Date): Promise<void> {
  await graphDb(db).updateTable('graph_accounts').set({ stopped_cause: cause, updated_at: now.toISOString() }).where('user_id', '=', userId).execute();
}

export async function deleteGraphAccount(db: Kysely<Database>, userId: string): Promise<boolean> {
  const r = await graphDb(db).deleteFrom('graph_accounts').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
