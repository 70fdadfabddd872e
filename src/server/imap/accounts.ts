/**
 * Agents' IMAP accounts: username, the password sealed by crypto.ts (AAD = user id) and the server's
 * folder delimiter. Their connection state lives with every account state, in `account_state`
 * (kind 'imap', written by history.putAccountState). Nothing here ever returns or logs the password
 * except `credentialsFor`, which the mailbox needs to log in.
 */
import type { Kysely } from 'kysely';
import type { CauseCode } from '../../core/causes';
import type { ConnectionState } from '../../core/status';
import type { Database } from '../store/schema';
import type { CredentialCipher } from './crypto';
import { imapDb } from './tables';

export interface ImapAccount {
  userId: string;
  username: string;
  folderDelimiter: string | null;
  state: ConnectionState;
  lastErrorCode: CauseCode | null;
  lastErrorAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export async function getAccount(db: Kysely<Database>, userId: string): Promise<ImapAccount | undefined> {
  const row = await imapDb(db)
    .selectFrom('imap_accounts')
    .leftJoin('account_state', (join) => join.onRef('account_state.user_id', '=', 'imap_accounts.user_id').on('account_state.kind', '=', 'imap'))
    .select([
      'imap_accounts.user_id',
      'imap_accounts.username',
      'imap_accounts.folder_delimiter',
      'account_state.state',
      'account_state.last_error_code',
      'account_state.last_error_at',
      'imap_accounts.created_at',
      'imap_accounts.updated_at',
    ])
    .where('imap_accounts.user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    userId: row.user_id,
    username: row.username,
    folderDelimiter: row.folder_delimiter,
    // Stored credentials were a successful login: Connected until a run or a login says otherwise.
    state: row.state ?? 'connected',
    lastErrorCode: row.last_error_code,
    lastErrorAt: row.last_error_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Stores (or replaces) the credentials after a successful login. */
export async function saveAccount(
  db: Kysely<Database>,
  cipher: CredentialCipher,
  account: { userId: string; username: string; password: string; folderDelimiter: string | null },
  now: Date = new Date(),
): Promise<void> {
  const sealed = cipher.encrypt(account.password, account.userId);
  const at = now.toISOString();
  const row = {
    user_id: account.userId,
    username: account.username,
    kid: sealed.kid,
    iv: sealed.iv,
    tag: sealed.tag,
    ciphertext: sealed.ciphertext,
    folder_delimiter: account.folderDelimiter,
    created_at: at,
    updated_at: at,
  };
  const { created_at: _created, ...update } = row;
  void _created;
  await imapDb(db)
    .insertInto('imap_accounts')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet(update))
    .execute();
}

/** The username and decrypted password, for logging in. Undefined when none are stored. */
export async function credentialsFor(
  db: Kysely<Database>,
  cipher: CredentialCipher,
  userId: string,
): Promise<{ username: string; password: string } | undefined> {
  const row = await imapDb(db)
    .selectFrom('imap_accounts')
    .select(['username', 'kid', 'iv', 'tag', 'ciphertext'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { username: row.username, password: cipher.decrypt(row, userId) };
}

export async function deleteAccount(db: Kysely<Database>, userId: string): Promise<boolean> {
  const result = await imapDb(db).deleteFrom('imap_accounts').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Re-encrypts every credential sealed under an older key with the current one (key rotation).
 * Rows whose key is no longer configured are left alone and counted: those users authenticate again.
 */
export async function rotateCredentials(db: Kysely<Database>, cipher: CredentialCipher): Promise<{ rotated: number; unreadable: number }> {
  const idb = imapDb(db);
  const stale = await idb.selectFrom('imap_accounts').select(['user_id', 'kid', 'iv', 'tag', 'ciphertext']).where('kid', '!=', cipher.currentKid).execute();
  let rotated = 0;
  let unreadable = 0;
  for (const row of stale) {
    let sealed;
    try {
      sealed = cipher.reseal(row, row.user_id);
    } catch {
      unreadable++;
      continue;
    }
    // Only replace the row we read: a concurrent Authenticate may have stored a newer password.
    const result = await idb
      .updateTable('imap_accounts')
      .set({ kid: sealed.kid, iv: sealed.iv, tag: sealed.tag, ciphertext: sealed.ciphertext })
      .where('user_id', '=', row.user_id)
      .where('kid', '=', row.kid)
      .where('iv', '=', row.iv)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) rotated++;
  }
  return { rotated, unreadable };
}

/**
 * What /api/v1/status shows of IMAP (ApiStatus.account.username / branchConfigured): for
 * src/server/status.ts to merge in. Never the password.
 */
export async function imapStatusFields(
  db: Kysely<Database>,
  user: { id: string; branchId: string },
): Promise<{ username?: string; branchConfigured: boolean; connectionInsecure?: boolean }> {
  const idb = imapDb(db);
  const [account, settings] = await Promise.all([
    idb.selectFrom('imap_accounts').select('username').where('user_id', '=', user.id).executeTakeFirst(),
    idb.selectFrom('branch_imap_settings').select(['ssl', 'starttls']).where('branch_id', '=', user.branchId).executeTakeFirst(),
  ]);
  return {
    ...(account ? { username: account.username } : {}),
    branchConfigured: settings !== undefined,
    ...(settings && !settings.ssl && !settings.starttls ? { connectionInsecure: true } : {}),
  };
}
