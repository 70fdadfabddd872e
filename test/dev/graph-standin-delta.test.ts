/** The stand-in's messages delta query, as "message: delta" documents it. */
import { startGraphStandin, type GraphStandin } from '../../dev/graph-standin';

let g: GraphStandin;
beforeEach(async () => {
  g = await startGraphStandin();
  g.createFolderPath('Rezi-Imported/Queue');
});
afterEach(() => g.close());

async function get(url: string, prefer?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${g.token}`, ...(prefer ? { prefer } : {}) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Follows nextLinks to the deltaLink; returns every item and the deltaLink. */
async function round(url: string, prefer?: string) {
  const items: Record<string, unknown>[] = [];
  let pages = 0;
  for (let next: string | undefined = url; ;) {
    const { status, body } = await get(next, prefer);
    expect(status).toBe(200);
    pages++;
    items.push(...(body.value as Record<string, unknown>[]));
    next = body['@odata.nextLink'] as string | undefined;
    if (!next) return { items, pages, deltaLink: body['@odata.deltaLink'] as string };
  }
}

test('a first round returns the folder in pages, then a deltaLink; the link returns only what entered and what left', async () => {
  const queue = g.folderId('Rezi-Imported/Queue')!;
  for (let i = 0; i < 3; i++) g.addMessage('Rezi-Imported/Queue', { from: 'a@x.co.uk', subject: `q${i}` });
  const inbox = g.addMessage('inbox', { from: 'a@x.co.uk', subject: 'later' });
  const first = await round(`${g.url}/me/mailFolders/${queue}/messages/delta?$select=subject`, 'odata.maxpagesize=2');
  expect(first.pages).toBe(2);
  expect(first.items.map((m) => m.subject).sort()).toEqual(['q0', 'q1', 'q2']);
  expect(first.deltaLink).toContain('$deltatoken=');

  const quiet = await round(first.deltaLink);
  expect(quiet.items).toEqual([]);

  g.moveMessage(inbox, 'Rezi-Imported/Queue');
  const leaving = g.messagesIn('Rezi-Imported/Queue').find((m) => m.subject === 'q0')!;
  g.moveMessage(leaving.id, 'inbox');
  const second = await round(quiet.deltaLink, 'IdType="ImmutableId"');
  expect(second.items.filter((m) => !m['@removed']).map((m) => m.subject)).toEqual(['later']);
  expect(second.items.filter((m) => m['@removed'])).toEqual([{ id: leaving.immutableId, '@removed': { reason: 'deleted' } }]);
});

test('$top is refused, another folder’s token is refused, and an expired sync state answers 410', async () => {
  const queue = g.folderId('Rezi-Imported/Queue')!;
  expect((await get(`${g.url}/me/mailFolders/${queue}/messages/delta?$top=5`)).status).toBe(400);
  const { deltaLink } = await round(`${g.url}/me/mailFolders/inbox/messages/delta`);
  const token = new URL(deltaLink).searchParams.get('$deltatoken')!;
  const wrong = await get(`${g.url}/me/mailFolders/${queue}/messages/delta?$deltatoken=${token}`);
  expect(wrong.status).toBe(400);
  expect((wrong.body.error as { code: string }).code).toBe('ErrorInvalidSyncStateData');
  await g.close();
  g = await startGraphStandin({ deltaExpired: true });
  const gone = await get(`${g.url}/me/mailFolders/inbox/messages/delta?$deltatoken=${token}`);
  expect(gone.status).toBe(410);
});
