/** Dovecot for the tests: moved to dev/ so the Outlook sandbox can start one too. */
import type { ImapFlow } from 'imapflow';
import { testClient, type DovecotInstance, type DovecotUser } from '../../dev/dovecot';

export * from '../../dev/dovecot';

/** The Message-IDs in Rezi-Imported/<name> (Dovecot's `.` delimiter), through an open client. */
export async function messageIdsIn(c: ImapFlow, name: string): Promise<string[]> {
  const lock = await c.getMailboxLock(`Rezi-Imported.${name}`);
  try {
    const ids: string[] = [];
    if (c.mailbox && c.mailbox.exists > 0) for await (const m of c.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
    return ids;
  } finally {
    lock.release();
  }
}

/** The same, on a connection of its own for `user`. */
export async function messageIdsOf(instance: DovecotInstance, user: DovecotUser, name: string): Promise<string[]> {
  const c = testClient(instance, user);
  await c.connect();
  try {
    return await messageIdsIn(c, name);
  } finally {
    await c.logout().catch(() => undefined);
  }
}
