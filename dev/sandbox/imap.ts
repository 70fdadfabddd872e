/**
 * The sandbox's IMAP switch: on a machine with Dovecot (Debian's dovecot-imapd), turning it on starts
 * a Dovecot of the sandbox's own on loopback (dev/dovecot.ts, as the tests do), gives the agent an
 * IMAP mailbox with a few mails, and sets the Clifton branch's IMAP server through the adapter's
 * admin API as IT would. The agent then signs in to it from the pane (Use another email provider).
 * Without Dovecot it says how to install it.
 */
import { appendMessages, dovecotAvailable, startDovecot, testClient, type DovecotInstance } from '../dovecot';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_USERS } from '../../src/server/store/demo-data';

export const IMAP_INSTALL_HINT = 'sudo apt-get install dovecot-imapd';
const USER = { user: DEMO_USERS.agent.email, password: 'Kettle-Harbour-42' };
const FOLDERS = ['INBOX', 'Rezi-Imported.Queue', 'Rezi-Imported.Sent', 'Rezi-Imported.Received', 'Rezi-Imported.Failed'];

export interface ImapSwitch {
  state(): unknown;
  actions: Record<string, (body: unknown) => Promise<unknown>>;
  close(): Promise<void>;
}

export function startImapSwitch(opts: { adapterUrl: string; issuerTokenUrl: string }): ImapSwitch {
  let dovecot: DovecotInstance | undefined;
  let phase: 'off' | 'starting' | 'on' | 'failed' = 'off';
  let error: string | undefined;
  let counts: Record<string, number | null> = {};
  let timer: NodeJS.Timeout | undefined;

  const token = async (email: string) => {
    const res = await fetch(opts.issuerTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: email }),
    });
    if (!res.ok) throw new Error(`the local token issuer answered ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };

  const refresh = async () => {
    if (!dovecot) return;
    const client = testClient(dovecot, USER);
    try {
      await client.connect();
      const next: Record<string, number | null> = {};
      for (const f of FOLDERS)
        next[f] = await client.status(f, { messages: true }).then(
          (s) => (s ? (s.messages ?? 0) : null),
          () => null,
        );
      counts = next;
    } catch {
      /* Dovecot stopping or busy: keep the last counts */
    } finally {
      await client.logout().catch(() => undefined);
    }
  };

  const stop = async () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    const d = dovecot;
    dovecot = undefined;
    counts = {};
    phase = 'off';
    await d?.stop();
  };

  const start = async () => {
    if (!dovecotAvailable()) return { ok: false, message: `Dovecot is not installed. Install it with: ${IMAP_INSTALL_HINT}` };
    if (phase === 'on' || phase === 'starting') return { ok: true };
    phase = 'starting';
    error = undefined;
    try {
      dovecot = await startDovecot({ delimiter: '.', users: [USER], tls: true });
      // IT's part, through the adapter's admin API: the branch's IMAP server (self-signed, so allowed explicitly).
      const res = await fetch(`${opts.adapterUrl}/api/v1/admin/branches/${encodeURIComponent(DEMO_BRANCHES.clifton.id)}/imap`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${await token(DEMO_USERS.admin.email)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ host: dovecot.host, port: dovecot.tlsPort, ssl: true, tls: false, allowInvalidCertificates: true }),
      });
      if (!res.ok) throw new Error(`the adapter refused the branch's IMAP settings (${res.status}): ${(await res.text()).slice(0, 200)}`);
      await appendMessages(dovecot, USER, 'INBOX', [
        {
          from: `Sarah Whitfield <${DEMO_ADDRESSES.cliftonVendor}>`,
          to: USER.user,
          subject: 'IMAP: second viewing at 14 Elm Road',
          messageId: '<sandbox-imap-1@example.com>',
        },
        {
          from: `${DEMO_USERS.agent.name} <${USER.user}>`,
          to: DEMO_ADDRESSES.cliftonTwoGroups,
          subject: 'IMAP: memorandum of sale',
          messageId: '<sandbox-imap-2@brightwells.co.uk>',
        },
        {
          from: `Henry Pemberton <${DEMO_ADDRESSES.cliftonLandlord}>`,
          to: USER.user,
          subject: 'IMAP: electrical safety report',
          messageId: '<sandbox-imap-3@example.net>',
        },
        { from: 'offers@broadband.example', to: USER.user, subject: 'IMAP: faster broadband for your office', messageId: '<sandbox-imap-4@broadband.example>' },
      ]);
      phase = 'on';
      await refresh();
      timer = setInterval(() => void refresh(), 1500);
      timer.unref();
      return { ok: true };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      await stop();
      phase = 'failed';
      return { ok: false, message: error };
    }
  };

  /** What the agent would do in their mail program: put the inbox's mails into Queue. */
  const queueInbox = async () => {
    if (!dovecot) return { ok: false, message: 'Turn the IMAP mailbox on first.' };
    const client = testClient(dovecot, USER);
    try {
      await client.connect();
      await client.mailboxCreate('Rezi-Imported.Queue').catch(() => undefined);
      const lock = await client.getMailboxLock('INBOX');
      try {
        await client.messageMove('1:*', 'Rezi-Imported.Queue');
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => undefined);
    }
    await refresh();
    return { ok: true };
  };

  return {
    state: () => ({
      available: dovecotAvailable(),
      installHint: IMAP_INSTALL_HINT,
      phase,
      error,
      user: dovecot ? USER.user : undefined,
      password: dovecot ? USER.password : undefined,
      server: dovecot ? { host: dovecot.host, port: dovecot.tlsPort } : undefined,
      counts,
    }),
    actions: { 'imap-on': start, 'imap-off': async () => (await stop(), { ok: true }), 'imap-queue': queueInbox },
    close: stop,
  };
}
