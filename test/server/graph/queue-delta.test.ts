/** The Queue delta reader against the stand-in: pages to the deltaLink, counts only what entered, starts again when the sync state is gone. */
import { startGraphStandin, type GraphStandin } from '../../../dev/graph-standin';
import { queueDelta } from '../../../src/server/graph/queue-delta';

let g: GraphStandin;
afterEach(() => g.close());

test('a first round counts what is in Queue; the deltaLink then counts only new arrivals', async () => {
  g = await startGraphStandin();
  const queueId = g.createFolderPath('Rezi-Imported/Queue');
  for (let i = 0; i < 3; i++) g.addMessage('Rezi-Imported/Queue', { from: 'a@x.co.uk' });
  const first = await queueDelta({ baseUrl: g.url, queueId, accessToken: g.token });
  expect(first.added).toBe(3);
  const moved = g.messagesIn('Rezi-Imported/Queue')[0];
  g.moveMessage(moved.id, 'inbox');
  expect((await queueDelta({ baseUrl: g.url, queueId, accessToken: g.token, deltaLink: first.deltaLink })).added).toBe(0);
  g.addMessage('Rezi-Imported/Queue', { from: 'a@x.co.uk' });
  expect((await queueDelta({ baseUrl: g.url, queueId, accessToken: g.token, deltaLink: first.deltaLink })).added).toBe(1);
});

test('an expired sync state (410) starts a full round; other failures are thrown', async () => {
  g = await startGraphStandin({ deltaExpired: true });
  const queueId = g.createFolderPath('Rezi-Imported/Queue');
  g.addMessage('Rezi-Imported/Queue', { from: 'a@x.co.uk' });
  const first = await queueDelta({ baseUrl: g.url, queueId, accessToken: g.token });
  expect((await queueDelta({ baseUrl: g.url, queueId, accessToken: g.token, deltaLink: first.deltaLink })).added).toBe(1);
  await expect(queueDelta({ baseUrl: g.url, queueId, accessToken: 'wrong' })).rejects.toThrow('401');
});
