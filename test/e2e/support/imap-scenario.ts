/**
 * The IMAP account flow in the pane against a real Dovecot: IT enters the branch's server through
 * the admin API (seed 001's form: address, port, SSL used?, TLS used?), the agent authenticates in
 * the pane, the Rezi-Imported folders appear in the mailbox, mails moved into Queue are filed by
 * Start Sync; the Failed one is filed by hand from the Failed list, and a filed one is undone back to INBOX.
 */
import type { BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { appendMessages, startDovecot, testClient } from '../../support/dovecot';
import { ADMIN, AGENT, type E2eEnv } from './env';

interface Helpers {
  openPane(s: Record<string, unknown>): Promise<{ context: BrowserContext; page: Page; pane: FrameLocator; frame: Frame }>;
  checkAxe(frame: Frame, view: string): Promise<void>;
  screenshot(page: Page, name: string): Promise<string>;
}

export async function imapScenario(env: E2eEnv, h: Helpers): Promise<void> {
  const user = { user: AGENT.email, password: 'Kettle-Harbour-42' };
  const dovecot = await startDovecot({ delimiter: '.', users: [user], tls: true });
  const issuer = env.adapter.issuer!;
  const api = async (method: string, pathname: string, who: { email: string; name: string }, body?: unknown) => {
    const token = await issuer.mintToken({ preferred_username: who.email, name: who.name });
    const res = await fetch(`${env.adapter.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname} answered ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  try {
    // IT: the branch's details, as the seed's form has them (SSL: yes, on Dovecot's implicit-TLS port;
    // its certificate is self-signed, so it must be explicitly allowed).
    const status = (await api('GET', '/api/v1/status', AGENT)) as { user: { branchId: string } };
    await api('PUT', `/api/v1/admin/branches/${encodeURIComponent(status.user.branchId)}/imap`, ADMIN, {
      host: dovecot.host,
      port: dovecot.tlsPort,
      ssl: true,
      tls: false,
      allowInvalidCertificates: true,
    });

    const { page, pane, frame } = await h.openPane({ selected: [] });
    {
      await pane.locator('[aria-labelledby="status-heading"]').waitFor();
      await pane.getByRole('button', { name: 'Use another email provider (IMAP)' }).click();
      await pane.getByRole('heading', { name: 'Email sync for other providers (IMAP)' }).waitFor();
      await h.checkAxe(frame, 'IMAP form');
      await pane.getByLabel('Email username or address').fill(user.user);
      await pane.getByLabel('Email password').fill(user.password);
      await h.screenshot(page, '08-imap-form');
      await pane.getByRole('button', { name: 'Authenticate' }).click();
      await pane.getByText(`Connected as ${user.user}`).waitFor({ timeout: 20_000 });

      // The folders exist in the mailbox, with Dovecot's own delimiter.
      const client = testClient(dovecot, user);
      await client.connect();
      const names = (await client.list()).map((f) => f.path);
      await client.logout();
      for (const f of ['Queue', 'Sent', 'Received', 'Failed']) expect(names).toContain(`Rezi-Imported.${f}`);

      await appendMessages(dovecot, user, 'Rezi-Imported.Queue', [
        { from: 'Sarah Whitfield <sarah.whitfield@example.com>', to: AGENT.email, subject: 'IMAP: viewing feedback', messageId: '<imap-e2e-1@example.com>' },
        { from: `${AGENT.name} <${AGENT.email}>`, to: 'james.okoro@example.org', subject: 'IMAP: your offer', messageId: '<imap-e2e-2@brightwells.co.uk>' },
        { from: 'nobody@example.invalid', to: AGENT.email, subject: 'IMAP: unknown sender', messageId: '<imap-e2e-3@example.invalid>' },
      ]);
      await pane.getByRole('button', { name: 'Start Sync' }).click();
      await pane.getByText('Filed 3 mails: 1 sent, 1 received, 1 failed').waitFor({ timeout: 30_000 });
      await h.checkAxe(frame, 'IMAP results');
      await h.screenshot(page, '09-imap-results');

      const check = testClient(dovecot, user);
      await check.connect();
      const count = async (f: string) => {
        const st = await check.status(`Rezi-Imported.${f}`, { messages: true });
        return st ? (st.messages ?? -1) : -1;
      };
      expect({ queue: await count('Queue'), sent: await count('Sent'), received: await count('Received'), failed: await count('Failed') }).toEqual({
        queue: 0,
        sent: 1,
        received: 1,
        failed: 1,
      });
      await check.logout();

      // The Failed mail, as the adapter reads it from the server, filed by hand onto a card found by search.
      const failedList = pane.getByRole('list', { name: 'Mails in Failed' });
      const failedRow = failedList.getByRole('listitem', { name: 'IMAP: unknown sender' });
      await failedRow.waitFor({ timeout: 20_000 });
      await pane.getByText('0 mails waiting in Queue, 1 mail in Failed.').waitFor();
      await h.checkAxe(frame, 'IMAP Failed list');
      await failedRow.getByRole('button', { name: 'File to a group…' }).click();
      const dialog = pane.getByRole('dialog', { name: 'File to a group' });
      await dialog.getByRole('searchbox').fill('Elm Road');
      const card = dialog.getByRole('checkbox', { name: /14 Elm Road/ });
      await card.waitFor({ timeout: 10_000 });
      await card.check();
      await dialog.getByRole('button', { name: 'File', exact: true }).click();
      await dialog.waitFor({ state: 'detached', timeout: 20_000 });
      await failedList
        .getByRole('listitem', { name: 'IMAP: unknown sender: filed' })
        .getByText('Filed. The mail is now in Rezi-Imported › Received.')
        .waitFor();
      await pane.getByText('0 mails waiting in Queue, 0 mails in Failed.').waitFor({ timeout: 20_000 });
      await h.checkAxe(frame, 'IMAP fixed');
      await h.screenshot(page, '10-imap-fixed');

      // Undo from the results list: the event goes, the mail is back in INBOX.
      const filedRow = pane.getByRole('listitem', { name: 'IMAP: viewing feedback: Received' });
      await filedRow.getByRole('button', { name: 'Undo' }).click();
      const confirm = pane.getByRole('dialog', { name: 'Undo this filing?' });
      await confirm.getByRole('button', { name: 'Undo filing' }).click();
      const undone = pane.getByRole('dialog', { name: 'Filing undone' });
      await undone.getByText('Filing undone. The mail is back in your Inbox.').waitFor({ timeout: 20_000 });
      await undone.getByRole('button', { name: 'Close' }).click();
      await pane.getByRole('listitem', { name: 'IMAP: viewing feedback: back in the Inbox' }).waitFor();

      const after = testClient(dovecot, user);
      await after.connect();
      const ids = async (f: string) => {
        const lock = await after.getMailboxLock(f);
        try {
          const out: string[] = [];
          if (after.mailbox && after.mailbox.exists > 0) for await (const m of after.fetch('1:*', { envelope: true })) out.push(m.envelope?.messageId ?? '');
          return out.sort();
        } finally {
          lock.release();
        }
      };
      expect({ inbox: await ids('INBOX'), received: await ids('Rezi-Imported.Received'), failed: await ids('Rezi-Imported.Failed') }).toEqual({
        inbox: ['<imap-e2e-1@example.com>'],
        received: ['<imap-e2e-3@example.invalid>'],
        failed: [],
      });
      await after.logout();
      // The password never reached the adapter's log.
      expect(env.adapterLog.join('\n')).not.toContain(user.password);
    }
  } finally {
    await dovecot.stop();
  }
}
