/**
 * The IMAP companion on a real Cyrus IMAP 3.6 (Debian's, unpacked by scripts/ci/fetch-imap-servers.sh)
 * with Debian's `INBOX.` namespace. Cyrus refuses a duplicate CREATE with a plain `NO Mailbox already
 * exists` (no ALREADYEXISTS code), so two Authenticates at once (a double click, two panes) race.
 */
import { randomBytes } from 'node:crypto';
import type { ApiStatus } from '../../src/core/api';
import { ImapMailbox } from '../../src/server/imap/mailbox';
import { DEMO_BRANCHES, DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../support/adapter';
import { cyrusAvailable, IMAP_SERVERS_DIR, startCyrus, type CyrusInstance } from '../support/cyrus';

const run = cyrusAvailable() ? describe : describe.skip;
if (!cyrusAvailable())
  console.warn(`*** SKIPPED test/imap/cyrus.test.ts: no Cyrus IMAP unpacked in ${IMAP_SERVERS_DIR} (run scripts/ci/fetch-imap-servers.sh) ***`);

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
        body: JSON.stringify({ host: cyrus.host, port: cyrus.port, ssl: false, tls: false }),
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
  });
});
