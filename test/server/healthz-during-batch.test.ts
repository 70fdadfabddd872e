/**
 * A costly filing request does not hold the service: /healthz, asked for once the adapter has begun
 * preparing a worst-case batch, is answered before that batch is. An ordering check, not a timing one:
 * it fails whenever the batch is prepared in one synchronous stretch.
 */
import type * as Matching from '../../src/server/directory/matching';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../support/adapter';

/** Called when the adapter starts preparing a batch (set by the test). */
let mockOnPrepare: (() => void) | undefined;
const mockPrepared: Promise<unknown>[] = [];
jest.mock('../../src/server/directory/matching', () => {
  const real = jest.requireActual<typeof Matching>('../../src/server/directory/matching');
  return {
    ...real,
    prepareBatch: (...args: Parameters<typeof real.prepareBatch>) => {
      mockOnPrepare?.();
      const prepared = real.prepareBatch(...args);
      mockPrepared.push(Promise.resolve(prepared));
      return prepared;
    },
  };
});

let adapter: TestAdapter;
beforeAll(async () => {
  adapter = await startTestAdapter({ logLevel: 'warn' });
});
afterAll(() => adapter.close());

it('answers /healthz while a worst-case batch is being prepared', async () => {
  const token = await adapter.mintToken(DEMO_USERS.agent.email);
  // Internationalised domains are the costliest addresses the linear path still decides (~35 µs each).
  const idn = (i: number, j: number) => `zoë.${i}.${j}.${'ü'.repeat(40)}@${'ü'.repeat(55)}.${'ö'.repeat(55)}.bücher-${i}-${j}.example`;
  const messages = Array.from({ length: 100 }, (_, i) => ({
    internetMessageId: `<healthz-${i}-${Date.now()}@mail.example.com>`,
    from: [{ address: DEMO_ADDRESSES.cliftonVendor }],
    to: Array.from({ length: 25 }, (_, j) => ({ address: idn(i, j) })),
    date: '2026-11-20T10:00:00Z',
    subject: 's',
    preview: 'p',
    direction: 'inbound',
  }));
  await (await fetch(`${adapter.url}/healthz`)).text(); // a warm connection

  const order: string[] = [];
  let health: Promise<void> | undefined;
  mockOnPrepare = () => {
    // The batch is in the adapter's hands now: ask for /healthz.
    health = fetch(`${adapter.url}/healthz`)
      .then((r) => r.text())
      .then(() => void order.push('healthz'));
  };
  try {
    const res = fetch(`${adapter.url}/api/v1/mail/file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ownerAddresses: [DEMO_USERS.agent.email], messages }),
    });
    let answered = false;
    void res.finally(() => (answered = true));
    while (mockPrepared.length === 0 && !answered) await new Promise((r) => setTimeout(r, 1));
    void mockPrepared[0]?.then(() => order.push('batch prepared'));
    const response = await res;
    expect([response.status, (await response.text()).slice(0, 200)]).toEqual([200, expect.any(String)]);
    await health;
    expect(mockPrepared).toHaveLength(1);
    expect(order).toEqual(['healthz', 'batch prepared']);
  } finally {
    mockOnPrepare = undefined;
  }
});
