/**
 * What a worst-case filing request costs in the address parser, counted over HTTP against the real
 * adapter: the full RFC 5322 parser (up to a millisecond an address) must see none of the probe's
 * over-long addresses, each distinct exotic spelling at most once, and at most a fixed number a batch.
 */
import type { ApiFileMessage } from '../../../src/core/api';
import { FULL_PARSES_PER_BATCH } from '../../../src/server/directory/matching';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

const parserCalls = { n: 0 };
jest.mock('email-addresses', () => {
  const real = jest.requireActual('email-addresses');
  const counted =
    (fn: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      parserCalls.n++;
      return fn(...args);
    };
  return { ...real, parseOneAddress: counted(real.parseOneAddress), parseAddressList: counted(real.parseAddressList) };
});

let adapter: TestAdapter;
let token: string;
beforeAll(async () => {
  adapter = await startTestAdapter({ env: { RATE_LIMIT_PER_MINUTE: '100000' } });
  token = await adapter.mintToken(DEMO_USERS.agent.email);
});
afterAll(() => adapter.close());

let seq = 0;
const message = (from: string, to: string[]): ApiFileMessage => ({
  internetMessageId: `<cost-${++seq}@mail.example.com>`,
  from: [{ address: from }],
  to: to.map((address) => ({ address })),
  date: '2026-11-20T10:00:00Z',
  subject: 's',
  preview: 'p',
  direction: 'inbound',
});

async function fileCounting(messages: ApiFileMessage[]) {
  parserCalls.n = 0;
  const res = await fetch(`${adapter.url}/api/v1/mail/file`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ownerAddresses: [DEMO_USERS.agent.email], messages }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { outcomes: { status: string; reason?: string }[] };
  return { outcomes: body.outcomes, calls: parserCalls.n };
}

const long = (i: number, j: number) => `${'a.'.repeat(148)}${String(i).padStart(2, '0')}${String(j).padStart(2, '0')}@x.com`;

it('the probe’s batch (100 mails × 30 addresses of 306 characters) never reaches the full parser', async () => {
  const messages = Array.from({ length: 100 }, (_, i) =>
    message(
      DEMO_ADDRESSES.cliftonVendor,
      Array.from({ length: 30 }, (_, j) => long(i, j)),
    ),
  );
  const { outcomes, calls } = await fileCounting(messages);
  expect(outcomes.every((o) => o.status === 'filed')).toBe(true);
  expect(calls).toBe(0);
});

it('named, quoted and Unicode addresses are decided without the full parser', async () => {
  const to = ['"Jones, Sarah" <Sarah.Jones@example.com>', 'Søren <søren@bücher.example>', '"a b"@example.com', 'J. Smith <j.smith@example.co.uk>'];
  const { calls } = await fileCounting(Array.from({ length: 100 }, () => message(DEMO_ADDRESSES.cliftonVendor, to)));
  expect(calls).toBe(0);
});

it('an exotic spelling repeated across a batch is parsed once; distinct ones at most a fixed number of times', async () => {
  const exotic = 'sarah(comment)@example.com';
  const repeated = await fileCounting(Array.from({ length: 100 }, () => message(DEMO_ADDRESSES.cliftonVendor, Array(30).fill(exotic))));
  expect(repeated.calls).toBe(1);

  const distinct = await fileCounting(
    Array.from({ length: 100 }, (_, i) =>
      message(
        DEMO_ADDRESSES.cliftonVendor,
        Array.from({ length: 30 }, (_, j) => `a${i}.${j}(c)@example.com`),
      ),
    ),
  );
  expect(distinct.calls).toBe(FULL_PARSES_PER_BATCH);
  expect(distinct.outcomes.every((o) => o.status === 'filed')).toBe(true);
});
