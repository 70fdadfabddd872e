/**
 * HttpDirectory reads the adapter's answers defensively: outcomes are trusted only in order and by
 * Message-ID, a short or unknown answer never files a mail, and batches respect MAX_FILE_BATCH.
 */
import type { AdapterClient } from '../../src/client/adapter-client';
import { HttpDirectory } from '../../src/client/http-directory';
import { MAX_FILE_BATCH, type ApiFileOutcome, type ApiFileRequest } from '../../src/core/api';
import type { FilingMessage } from '../../src/core/ports';

const mail = (i: number): FilingMessage => ({
  internetMessageId: `<m${i}@example.test>`,
  from: [{ address: 'buyer@example.test', name: 'A Buyer' }],
  to: [{ address: 'agent@example.test', name: '' }],
  cc: [],
  date: '2026-12-01T10:00:00Z',
  subject: `Viewing ${i}`,
  preview: 'Thank you for the viewing',
  direction: 'inbound',
});

/** An adapter that answers each request with `answer(request)`; the requests it saw are kept for the test to read. */
function adapterAnswering(answer: (req: ApiFileRequest) => ApiFileOutcome[]) {
  const requests: ApiFileRequest[] = [];
  const client = {
    async file(req: ApiFileRequest) {
      requests.push(req);
      return { runId: req.runId ?? 'run', outcomes: answer(req) };
    },
  } as unknown as AdapterClient;
  return { client, requests };
}

const context = { ownerAddresses: ['agent@example.test'] };

it('sends one run id and at most MAX_FILE_BATCH mails per request, names kept, Cc only when asked', async () => {
  const { client, requests } = adapterAnswering((req) =>
    req.messages.map((m) => ({ internetMessageId: m.internetMessageId, status: 'unmatched', reason: 'no-matching-group' }) as ApiFileOutcome),
  );
  const dir = new HttpDirectory(client, { runId: 'run-1', includeCc: true });
  const mails = Array.from({ length: MAX_FILE_BATCH + 3 }, (_, i) => mail(i));
  const outcomes = await dir.file(mails, context);
  expect(requests.map((r) => r.messages.length)).toEqual([MAX_FILE_BATCH, 3]);
  expect(new Set(requests.map((r) => r.runId))).toEqual(new Set(['run-1']));
  expect(requests.every((r) => r.includeCc === true)).toBe(true);
  expect(requests[0].messages[0].from).toEqual([{ address: 'buyer@example.test', name: 'A Buyer' }]);
  expect(requests[0].messages[0].to).toEqual([{ address: 'agent@example.test' }]);
  expect(outcomes).toHaveLength(MAX_FILE_BATCH + 3);
  expect(outcomes[0]).toEqual({ status: 'unmatched', reason: 'no-matching-group' });
});

it('keeps the messages of unmatched and error outcomes, and maps groups of filed ones', async () => {
  const { client } = adapterAnswering((req) => [
    { internetMessageId: req.messages[0].internetMessageId, status: 'unmatched', reason: 'invalid-message', message: 'No Message-ID.' },
    { internetMessageId: req.messages[1].internetMessageId, status: 'error', cause: 'server-unreachable', message: 'Rezi did not answer.' },
    {
      internetMessageId: req.messages[2].internetMessageId,
      status: 'filed',
      groups: [{ groupId: 'g1', name: '1 High St', link: 'https://rezi.test/g1', eventId: 'e1' }],
    },
  ]);
  const outcomes = await new HttpDirectory(client).file([mail(0), mail(1), mail(2)], context);
  expect(outcomes).toEqual([
    { status: 'unmatched', reason: 'invalid-message', message: 'No Message-ID.' },
    { status: 'error', cause: 'server-unreachable', message: 'Rezi did not answer.' },
    { status: 'filed', groups: [{ groupId: 'g1', name: '1 High St', link: 'https://rezi.test/g1', eventId: 'e1' }] },
  ]);
});

it('never files a mail whose outcome names another mail, or whose status it does not know', async () => {
  const { client } = adapterAnswering((req) => [
    { internetMessageId: '<someone-else@example.test>', status: 'filed', groups: [] },
    { internetMessageId: req.messages[1].internetMessageId, status: 'archived' } as unknown as ApiFileOutcome,
  ]);
  const outcomes = await new HttpDirectory(client).file([mail(0), mail(1)], context);
  expect(outcomes.map((o) => o.status)).toEqual(['error', 'error']);
  expect(outcomes.map((o) => (o.status === 'error' ? o.cause : null))).toEqual(['unknown', 'unknown']);
});

it('refuses an answer with the wrong number of outcomes', async () => {
  const { client } = adapterAnswering(() => []);
  await expect(new HttpDirectory(client).file([mail(0), mail(1)], context)).rejects.toMatchObject({
    code: 'unknown',
    message: expect.stringContaining('0 outcomes for 2 mails'),
  });
});

it('makes a run id of its own when none is given', () => {
  const { client } = adapterAnswering(() => []);
  const a = new HttpDirectory(client).runId;
  const b = new HttpDirectory(client).runId;
  expect(a).toMatch(/^[0-9a-f-]{36}$/);
  expect(a).not.toBe(b);
});
