/**
 * The IMAP companion on a real Cyrus IMAP 3.6 (Debian's, unpacked by scripts/ci/fetch-imap-servers.sh)
 * with Debian's `INBOX.` namespace. Cyrus refuses a duplicate CREATE with a plain `NO Mailbox already
 * exists` (no ALREADYEXISTS code), so two Authenticates at once (a double click, two panes) race.
 */
import { randomBytes } from 'node:crypto';
import type { ApiStatus } from '../../../src/core/api';
import { ImapMailbox } from '../../../src/server/imap/mailbox';
import { ImapFlow } from 'imapflow';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_GROUP_IDS, DEMO_USERS } from '../../../src/server/store/demo-data';
import { appendMessages, type DovecotInstance } from '../../support/dovecot';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { cyrusAvailable, IMAP_SERVERS_DIR, startCyrus, type CyrusInstance } from '../../support/cyrus';

const run = cyrusAvailable() ? describe : describe.skip;
if (!cyrusAvailable())
  console.warn(`*** SKIPPED test/server/imap/cyrus.test.ts: no Cyrus IMAP unpacked in ${IMAP_SERVERS_DIR} (run scripts/ci/fetch-imap-servers.sh) ***`);

run('Cyrus IMAP (INBOX. namespace)', () => {
  let cyrus: CyrusInstance;
  beforeAll(async () => {
    cyrus = await startCyrus();
  });
  afterAll(() => cyrus?.stop());

  const open = (username: string) =>
    ImapMailbox.open({
      settings: { host: cyrus.host, port: cyrus.port, ssl: false, starttls: false, verifyCertificates: true },
      login: { username, password: 'pw' },
    });

  it('two sessions making the tree at once both succeed (a refused CREATE is looked up again), inside INBOX.', async () => {
    for (let i = 0; i < 4; i++) {
      const username = `race${i}`;
      // The first login makes the user's INBOX; Cyrus does not like two first logins at once.
      await (await open(username)).close();
      const [a, b] = await Promise.all([open(username), open(username)]);
      const trees = await Promise.all([a.ensureFolders(), b.ensureFolders()]);
      expect(trees[0]).toEqual(trees[1]);
      expect(trees[0].queue).toBe('INBOX.Rezi-Imported.Queue');
      await Promise.all([a.close(), b.close()]);
    }
  });

  describe('over HTTP', () => {
    let adapter: TestAdapter;
    let agentToken: string;
    beforeAll(async () => {
      adapter = await startTestAdapter({ env: { IMAP_KEY: `t1:${randomBytes(32).toString('base64')}` } });
      agentToken = await adapter.mintToken(DEMO_USERS.agent.email);
      const admin = await adapter.mintToken(DEMO_USERS.admin.email);
      const put = await fetch(`${adapter.url}/api/v1/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ host: cyrus.host, port: cyrus.port, ssl: false, tls: false, insecure: true }),
      });
      expect(put.status).toBe(200);
    });
    afterAll(() => adapter?.close());

    it('two Authenticates at once both connect, and neither adds a failure to /status', async () => {
      const username = 'agentcyrus';
      await (await open(username)).close();
      const auth = () =>
        fetch(`${adapter.url}/api/v1/imap/authenticate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: 'Cyrus-Pa55' }),
        });
      const answers = await Promise.all([auth(), auth(), auth()]);
      const bodies = await Promise.all(answers.map((a) => a.json()));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(bodies[0]).toMatchObject({ state: 'connected', folders: { queue: 'INBOX.Rezi-Imported.Queue' } });
      const status = (await (await fetch(`${adapter.url}/api/v1/status`, { headers: { authorization: `Bearer ${agentToken}` } })).json()) as ApiStatus;
      expect(status.recentFailures).toEqual([]);
      expect(status.account).toMatchObject({ kind: 'imap', state: 'connected' });
    });

    it('a Queue whose permissions refuse removal: Start Sync leaves each mail in Queue with a cause, and no copy', async () => {
      const username = 'agentcyrus';
      const queue = 'INBOX.Rezi-Imported.Queue';
      const seed = [0, 1, 2].map((i) => ({
        from: DEMO_ADDRESSES.cliftonVendor,
        to: DEMO_USERS.agent.email,
        subject: `locked ${i}`,
        messageId: `<cyrus-locked-${i}@test.local>`,
      }));
      await appendMessages(cyrus as unknown as DovecotInstance, { user: username, password: 'pw' }, queue, seed);
      const c = new ImapFlow({ host: cyrus.host, port: cyrus.port, secure: false, auth: { user: username, pass: 'pw' }, logger: false });
      await c.connect();
      // The owner takes away their own 't' (set \Deleted) and 'e' (expunge) rights on Queue.
      await (c as unknown as { exec: (cmd: string, a: unknown[]) => Promise<{ next(): void }> })
        .exec('SETACL', [
          { type: 'ATOM', value: queue },
          { type: 'ATOM', value: username },
          { type: 'ATOM', value: 'lrswipkxa' },
        ])
        .then((r) => r.next());
      await c.logout();
      const res = await fetch(`${adapter.url}/api/v1/imap/sync`, { method: 'POST', headers: { authorization: `Bearer ${agentToken}` } });
      const body = (await res.json()) as { pending: number; results: { status: string; reason?: string; message?: string }[] };
      expect(res.status).toBe(200);
      expect(body.pending).toBe(3);
      for (const r of body.results) {
        expect(r.status).toBe('pending');
        expect(r.reason).toBeTruthy();
        expect(r.message).toMatch(/stays in Queue/);
      }
      const check = new ImapFlow({ host: cyrus.host, port: cyrus.port, secure: false, auth: { user: username, pass: 'pw' }, logger: false });
      await check.connect();
      const counts: Record<string, number> = {};
      for (const f of ['Queue', 'Sent', 'Received', 'Failed'])
        counts[f] = ((await check.status(`INBOX.Rezi-Imported.${f}`, { messages: true })) || { messages: -1 }).messages ?? -1;
      await check.logout();
      expect(counts).toEqual({ Queue: 3, Sent: 0, Received: 0, Failed: 0 });
    });

    it('fix and undo inside INBOX.: the Failed mail to Received with its event, then back to INBOX without it', async () => {
      const username = 'agentcyrus';
      const mid = '<cyrus-fix@test.local>';
      await appendMessages(cyrus as unknown as DovecotInstance, { user: username, password: 'pw' }, 'INBOX.Rezi-Imported.Failed', [
        { from: 'stranger@unknown.test', to: DEMO_USERS.agent.email, subject: 'Elm Road', messageId: mid },
      ]);
      const post = (p: string, body: unknown) =>
        fetch(`${adapter.url}/api/v1${p}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const where = async () => {
        const c = new ImapFlow({ host: cyrus.host, port: cyrus.port, secure: false, auth: { user: username, pass: 'pw' }, logger: false });
        await c.connect();
        const found: string[] = [];
        for (const f of ['INBOX', 'INBOX.Rezi-Imported.Failed', 'INBOX.Rezi-Imported.Received']) {
          const lock = await c.getMailboxLock(f);
          try {
            const uids = (await c.search({ header: { 'message-id': mid } }, { uid: true })) || [];
            for (let i = 0; i < uids.length; i++) found.push(f);
          } finally {
            lock.release();
          }
        }
        await c.logout();
        return found;
      };
      const events = () => adapter.ctx.db.selectFrom('timeline_events').select('group_id').where('internet_message_id', '=', mid).execute();

      const listed = (await (await fetch(`${adapter.url}/api/v1/imap/failed`, { headers: { authorization: `Bearer ${agentToken}` } })).json()) as {
        mails: { internetMessageId: string }[];
      };
      expect(listed.mails.map((m) => m.internetMessageId)).toContain(mid);
      const fixed = await post('/imap/fix', { internetMessageId: mid, groupIds: [DEMO_GROUP_IDS.elmRoadVendor] });
      expect(fixed.status).toBe(200);
      expect(await where()).toEqual(['INBOX.Rezi-Imported.Received']);
      expect(await events()).toEqual([{ group_id: DEMO_GROUP_IDS.elmRoadVendor }]);
      const undone = await post('/imap/unfile', { internetMessageId: mid });
      expect(undone.status).toBe(200);
      expect(await where()).toEqual(['INBOX']);
      expect(await events()).toEqual([]);
    });
  });
});
