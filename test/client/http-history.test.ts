/**
 * The pane's run history over the real adapter (HTTP on loopback, its SQLite store): the engine
 * opens, records and finishes the run through HttpHistory, and the adapter's tables show it.
 */
import { adapterRun } from '../../src/client/http-history';
import { createAdapterClient } from '../../src/client/adapter-client';
import { syncQueue } from '../../src/core/engine';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../support/adapter';
import { MemoryMailbox, mail } from '../support/memory';

const AGENT = DEMO_USERS.agent.email;
let adapter: TestAdapter;
beforeAll(async () => {
  adapter = await startTestAdapter();
});
afterAll(() => adapter.close());

const client = () => createAdapterClient({ baseUrl: adapter.url, getToken: () => adapter.mintToken(AGENT) });
const runRow = (id: string) => adapter.ctx.db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
const outcomeIds = async (runId: string) =>
  (await adapter.ctx.db.selectFrom('sync_outcomes').select('internet_message_id').where('run_id', '=', runId).execute())
    .map((o) => o.internet_message_id)
    .sort();

test('every outcome is in the adapter’s history before its mail leaves Queue, and the report finishes the run', async () => {
  const mb = new MemoryMailbox();
  const tag = Date.now();
  const ids = [
    mb.add('inbox', mail(`Sarah <${DEMO_ADDRESSES.cliftonVendor}>`, AGENT, `<h1-${tag}@example.com>`)),
    mb.add('inbox', mail(AGENT, DEMO_ADDRESSES.cliftonLandlord, `<h2-${tag}@brightwells.co.uk>`)),
    mb.add('inbox', mail(DEMO_ADDRESSES.unknown, AGENT, `<h3-${tag}@example.com>`)),
  ];
  const { directory, history } = adapterRun(client(), { client: { version: 'test', host: 'jest' } });
  const unrecorded: string[] = [];
  const move = mb.move.bind(mb);
  mb.move = async (moving, to, ...rest) => {
    if (to !== 'queue') {
      const recorded = await outcomeIds(history.runId);
      for (const id of moving) if (!recorded.includes(mb.mails.get(id)!.message.internetMessageId)) unrecorded.push(id);
    }
    return move(moving, to, ...rest);
  };
  const report = await syncQueue(mb, directory, { owner: { addresses: [AGENT] }, selection: ids, batchSize: 2, history });

  expect(report).toMatchObject({ total: 3, received: 1, sent: 1, failed: 1, pending: 0 });
  expect(unrecorded).toEqual([]);
  expect(await outcomeIds(history.runId)).toEqual([`<h1-${tag}@example.com>`, `<h2-${tag}@brightwells.co.uk>`, `<h3-${tag}@example.com>`]);
  expect(await runRow(history.runId)).toMatchObject({
    user_id: DEMO_USERS.agent.id,
    source: 'graph',
    total: 3,
    sent: 1,
    received: 1,
    failed: 1,
    finished_at: report.finishedAt,
    client_version: 'test',
  });
});

test('a run that met no mail and no problem leaves no run behind', async () => {
  const { directory, history } = adapterRun(client());
  const report = await syncQueue(new MemoryMailbox(), directory, { owner: { addresses: [AGENT] }, history });
  expect(report.total).toBe(0);
  expect(await runRow(history.runId)).toBeUndefined();
});
