import type { OutlookConfig } from '../../src/outlook/config';
import { type FixMailbox, fixMailApi } from '../../src/outlook/fix-mail';
import { createOutlookServices } from '../../src/outlook/services';
import { type GraphStandin, startGraphStandin } from '../../dev/graph-standin';
import { type TestAdapter, startTestAdapter } from '../support/adapter';
import { fixedAuth, officeStub } from '../support/office-stub';

const SCOPE = 'api://rezi-sync/access_as_user';
const AGENT = 'agent@brightwells.co.uk';

let graph: GraphStandin;
let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ logLevel: 'silent' });
});
afterAll(() => adapter.close());
beforeEach(async () => {
  graph = await startGraphStandin({ user: { mail: AGENT, userPrincipalName: AGENT, proxyAddresses: [`SMTP:${AGENT}`] } });
});
afterEach(() => graph.close());

const config = (): OutlookConfig => ({ clientId: 'cid', adapterUrl: adapter.url, adapterScope: SCOPE, graphBaseUrl: graph.url });
const services = () =>
  createOutlookServices(config(), { office: officeStub().office, auth: fixedAuth({ graph: graph.token, adapter: () => adapter.mintToken(AGENT) }, SCOPE) });

/** A stranger's mail synced into Failed; its id there. */
async function failedMail(from: string, subject: string) {
  const s = services();
  const id = graph.addMessage('inbox', { from, to: [AGENT], subject, internetMessageId: `<${subject.replace(/\W/g, '')}-${Date.now()}@example.org>` });
  const report = await s.sync([id]);
  expect(report.failed).toBe(1);
  return { s, result: report.results[0] };
}

describe('fixing a Failed mail (Office 365 path)', () => {
  test('files onto a searched card, remembers the address, moves the mail to Received; the next mail from it matches', async () => {
    const { s, result } = await failedMail('new.tenant@example.org', 'About Elm Road');
    const [card] = (await s.fixing!.searchGroups('Elm Road')).groups;
    expect(card.name).toContain('14 Elm Road');
    const answer = await s.fixing!.fixMail({
      id: result.id,
      groupIds: [card.groupId],
      remember: { address: 'new.tenant@example.org', contactId: card.contacts[0].contactId },
    });
    expect(answer).toMatchObject({ moveTo: 'received', remembered: { address: 'new.tenant@example.org' } });
    expect(answer.groups.map((g) => g.name)).toEqual([card.name]);
    expect(graph.messagesIn('Rezi-Imported/Failed')).toHaveLength(0);
    expect(graph.messagesIn('Rezi-Imported/Received').map((m) => m.subject)).toEqual(['About Elm Road']);

    const next = graph.addMessage('inbox', {
      from: 'new.tenant@example.org',
      to: [AGENT],
      subject: 'Follow-up',
      internetMessageId: `<next-${Date.now()}@example.org>`,
    });
    const report = await s.sync([next]);
    expect(report).toMatchObject({ received: 1, failed: 0 });
    expect(report.results[0].groups.map((g) => g.name)).toEqual([card.name]);
  });

  test('undo takes the filing off and moves the mail back to the Inbox; asking again answers the same', async () => {
    const s = services();
    const id = graph.addMessage('inbox', {
      from: 'sarah.whitfield@example.com',
      to: [AGENT],
      subject: 'Offer on Elm Road',
      internetMessageId: `<u-${Date.now()}@example.com>`,
    });
    const [filed] = (await s.sync([id])).results;
    expect(filed.status).toBe('received');
    await s.fixing!.unfileMail({ id: filed.id, internetMessageId: filed.internetMessageId });
    expect(graph.messagesIn('inbox').map((m) => m.subject)).toEqual(['Offer on Elm Road']);
    expect(graph.messagesIn('Rezi-Imported/Received')).toHaveLength(0);
    await s.fixing!.unfileMail({ id: filed.id, internetMessageId: filed.internetMessageId });
    expect(graph.messagesIn('inbox')).toHaveLength(1);
  });
});

describe('fixMailApi: filing first, then the move; a failed move says so and retrying is safe', () => {
  const folders = { root: 'r', queue: 'q', sent: 's', received: 'rc', failed: 'f' };
  const mail = {
    id: 'm1',
    internetMessageId: '<m1@x>',
    from: [{ address: 'a@x.example', name: '' }],
    to: [{ address: AGENT, name: '' }],
    cc: [],
    date: '2026-11-23T10:00:00Z',
    subject: 'S',
    preview: '',
  };
  function fake(moveOk: boolean) {
    const calls: string[] = [];
    const mailbox: FixMailbox = {
      owner: async () => ({ addresses: [AGENT] }),
      ensureFolders: async () => folders,
      message: async () => mail,
      existingFolders: async () => folders,
      messageAndFolder: async () => ({ message: mail, folderId: folders.failed }),
      move: async (ids, to) => (
        calls.push(`move:${to}`),
        ids.map((i) => (moveOk ? { id: i, ok: true } : { id: i, ok: false, cause: 'throttled', message: 'Busy.' }))
      ),
      moveToInbox: async (ids) => (calls.push('inbox'), ids.map((i) => (moveOk ? { id: i, ok: true } : { id: i, ok: false, cause: 'throttled' }))),
    };
    const api = fixMailApi({
      adapter: {
        searchGroups: async () => ({ groups: [], truncated: false }),
        fileToGroups: async (b) => (
          calls.push(`file:${b.message.direction}:${b.ownerAddresses.join('+')}`),
          { runId: 'r', outcome: { internetMessageId: '<m1@x>', status: 'filed', groups: [] }, moveTo: 'received' }
        ),
        unfile: async () => (calls.push('unfile'), { internetMessageId: '<m1@x>', moveTo: 'inbox' }),
      },
      mailbox: async () => ({ mailbox, shared: 'lettings@brightwells.co.uk' }),
    });
    return { api, calls, mailbox };
  }

  test('a move that fails after filing is reported in plain words with the cause', async () => {
    const { api, calls } = fake(false);
    await expect(api.fixMail({ id: 'm1', groupIds: ['g1'] })).rejects.toMatchObject({
      code: 'throttled',
      message: expect.stringMatching(/^Filed in Rezi, but the mail couldn’t be moved to Rezi-Imported › Received\. Microsoft 365 said: Busy\. Try again/),
    });
    expect(calls).toEqual([`file:inbound:${AGENT}+lettings@brightwells.co.uk`, 'move:received']);
  });

  test('undo unfiles before it moves, and a failed move says the filing is already off', async () => {
    const { api, calls } = fake(false);
    await expect(api.unfileMail({ id: 'm1', internetMessageId: '<m1@x>' })).rejects.toMatchObject({
      message: expect.stringMatching(/^Taken off the timeline in Rezi, but the mail couldn’t be moved to the Inbox\./),
    });
    expect(calls).toEqual(['unfile', 'inbox']);
  });

  test('a mail still unfiled stays in Failed and is not moved', async () => {
    const calls: string[] = [];
    const api = fixMailApi({
      adapter: {
        searchGroups: async () => ({ groups: [], truncated: false }),
        fileToGroups: async () => ({
          runId: 'r',
          outcome: { internetMessageId: '<m1@x>', status: 'unmatched', reason: 'no-matching-group', message: 'No such card.' },
          moveTo: 'failed',
        }),
        unfile: async () => ({ internetMessageId: '<m1@x>', moveTo: 'inbox' }),
      },
      mailbox: async () => ({ mailbox: { ...fake(true).mailbox, move: async () => (calls.push('move'), []) } }),
    });
    expect(await api.fixMail({ id: 'm1', groupIds: ['g1'] })).toEqual({ moveTo: 'failed', groups: [], message: 'No such card.' });
    expect(calls).toEqual([]);
  });
});
