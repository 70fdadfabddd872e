/** The Graph stand-in's shared mailboxes: /users/{address} reaches the right mailbox, or is refused as Graph refuses it. */
import { type GraphStandin, startGraphStandin } from '../../dev/graph-standin';
import { GraphMailbox } from '../../src/graph/graph-mailbox';

const LETTINGS = 'lettings@brightwells.co.uk';
const AGENT = 'agent@brightwells.co.uk';
let shared: GraphStandin;
let own: GraphStandin;

beforeEach(async () => {
  shared = await startGraphStandin({ token: 'lettings', user: { mail: LETTINGS, userPrincipalName: LETTINGS } });
  own = await startGraphStandin({ token: 'agent', user: { mail: AGENT, userPrincipalName: AGENT }, shared: [{ mailbox: shared, access: 'full' }] });
});
afterEach(async () => {
  await own.close();
  await shared.close();
});

const get = async (path: string) => {
  const r = await fetch(path.startsWith('http') ? path : `${own.url}${path}`, { headers: { Authorization: 'Bearer agent' } });
  return { status: r.status, body: (await r.json()) as { value?: { displayName: string }[]; '@odata.nextLink'?: string; error?: { code: string } } };
};

test('folders of the shared mailbox page through this stand-in’s own /users/{address} links', async () => {
  for (const name of ['A', 'B', 'C']) shared.createFolderPath(name);
  const first = await get(`/users/${encodeURIComponent(LETTINGS)}/mailFolders?$top=4`);
  expect(first.status).toBe(200);
  const next = first.body['@odata.nextLink']!;
  expect(next.startsWith(`${own.url}/users/`)).toBe(true);
  const second = await get(next);
  const names = [...first.body.value!, ...second.body.value!].map((f) => f.displayName);
  expect(names).toEqual(expect.arrayContaining(['Inbox', 'A', 'B', 'C']));
  // The user's own folders are not the shared mailbox's.
  expect(own.folderId('A')).toBeUndefined();
});

test('/users/{own address} is /me; an address that is nobody’s is 404 ErrorInvalidUser', async () => {
  own.createFolderPath('Mine');
  const self = await get(`/users/${AGENT}/mailFolders?$filter=displayName eq 'Mine'`);
  expect(self.body.value!.map((f) => f.displayName)).toEqual(['Mine']);
  const nobody = await get('/users/nobody@brightwells.co.uk/mailFolders');
  expect({ status: nobody.status, code: nobody.body.error?.code }).toEqual({ status: 404, code: 'ErrorInvalidUser' });
});

test('moves inside $batch reach the shared mailbox, and its Queue is listed and counted there', async () => {
  const ids = [1, 2, 3].map((i) => shared.addMessage('inbox', { from: 'a@example.com', subject: `m${i}` }));
  const mailbox = new GraphMailbox({ baseUrl: own.url, getToken: async () => 'agent', sharedMailbox: LETTINGS, retryAfterUnitMs: 1 });
  const tree = await mailbox.ensureFolders();
  const moved = await mailbox.move(ids, 'queue', tree);
  expect(moved.every((m) => m.ok)).toBe(true);
  expect(shared.messagesIn('Rezi-Imported/Queue').map((m) => m.subject)).toEqual(['m1', 'm2', 'm3']);
  expect((await mailbox.listQueue(tree)).map((m) => m.subject).sort()).toEqual(['m1', 'm2', 'm3']);
  expect(await mailbox.counts(tree)).toEqual({ queue: 3, failed: 0 });
  expect(shared.counters.byKind['sub POST /me/messages/{id}/move']).toBe(3);
  expect(own.messagesIn('Rezi-Imported/Queue')).toEqual([]);
});
