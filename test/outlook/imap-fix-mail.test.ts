/** The pane's IMAP fixing: one adapter call each, the mail named by its Message-ID, never by a Queue id. */
import { createAdapterClient } from '../../src/client/adapter-client';
import type { FileToGroupsResult } from '../../src/core/api';
import { imapFixing } from '../../src/outlook/imap-fix-mail';
import { report, result } from '../taskpane/fake-services';

const FILED: FileToGroupsResult = {
  runId: 'r1',
  outcome: {
    internetMessageId: '<m1@mail.example>',
    status: 'filed',
    groups: [{ groupId: 'g1', name: '14 Elm Road', link: 'https://rezi.example.test/g1', eventId: 'e1' }],
  },
  moveTo: 'received',
};

function adapterRecording(answer: (path: string) => unknown) {
  const seen: { method: string; path: string; body: unknown }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    seen.push({ method: init.method ?? 'GET', path, body: init.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(JSON.stringify(answer(path)), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { seen, client: createAdapterClient({ baseUrl: 'https://adapter.example.test', getToken: async () => 't', fetch }) };
}

describe('imapFixing', () => {
  it('a run’s result is fixed and undone by its Message-ID; the Failed list’s own ids are Message-IDs already', async () => {
    const { seen, client } = adapterRecording((path) => (path.endsWith('/fix') ? FILED : path.endsWith('/unfile') ? { moveTo: 'inbox' } : {}));
    const fixing = imapFixing(client);
    fixing.learn(report([result({ id: '1700000000:42', internetMessageId: '<m1@mail.example>', subject: 'Rent', status: 'failed' })]));

    const answer = await fixing.api.fixMail({ id: '1700000000:42', groupIds: ['g1'], remember: { address: 'a@mail.example', contactId: 'c1' } });
    expect(answer).toEqual({ moveTo: 'received', groups: [{ groupId: 'g1', name: '14 Elm Road', link: 'https://rezi.example.test/g1', eventId: 'e1' }] });
    await fixing.api.fixMail({ id: '<m2@mail.example>', groupIds: ['g1'] });
    await fixing.api.unfileMail({ id: '1700000000:42', internetMessageId: '<m1@mail.example>' });
    await fixing.api.failedMails();
    expect(seen.map((s) => [`${s.method} ${s.path}`, s.body])).toEqual([
      ['POST /api/v1/imap/fix', { internetMessageId: '<m1@mail.example>', groupIds: ['g1'], remember: { address: 'a@mail.example', contactId: 'c1' } }],
      ['POST /api/v1/imap/fix', { internetMessageId: '<m2@mail.example>', groupIds: ['g1'] }],
      ['POST /api/v1/imap/unfile', { internetMessageId: '<m1@mail.example>' }],
      ['GET /api/v1/imap/failed', undefined],
    ]);
  });

  it('a mail that still cannot be filed stays in Failed, in the adapter’s words', async () => {
    const { client } = adapterRecording(() => ({
      runId: 'r2',
      outcome: { internetMessageId: '<m3@mail.example>', status: 'unmatched', reason: 'never-file', message: 'This address is on the never-file list.' },
      moveTo: 'failed',
    }));
    const answer = await imapFixing(client).api.fixMail({ id: '<m3@mail.example>', groupIds: ['g1'] });
    expect(answer).toEqual({ moveTo: 'failed', groups: [], message: 'This address is on the never-file list.' });
  });
});
