/**
 * The sandbox's demo mailbox against the demo directory: each mail is filed (or not) through the real
 * adapter as the agent, and lands where the mailbox says it will — so the first Sync in the sandbox
 * shows sent, received and failed mails, and an edit to either data set that breaks that fails here.
 */
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { AGENT, demoMails } from '../../../dev/sandbox/mailbox';

let adapter: TestAdapter;
beforeAll(async () => {
  adapter = await startTestAdapter({ logLevel: 'silent' });
});
afterAll(() => adapter?.close());

const addr = (x: string | { name?: string; address: string }) => (typeof x === 'string' ? { address: x } : { address: x.address, name: x.name });

describe('sandbox demo mailbox', () => {
  it('has every kind of mail an agent meets: inbound, outbound, unknown senders, some already in Queue', () => {
    const mails = demoMails();
    expect(mails.length).toBeGreaterThanOrEqual(20);
    expect(new Set(mails.map((m) => m.seed.internetMessageId)).size).toBe(mails.length);
    expect(mails.filter((m) => m.folder === 'Rezi-Imported/Queue').length).toBeGreaterThanOrEqual(2);
    expect(mails.filter((m) => m.folder === 'sentitems').length).toBeGreaterThanOrEqual(3);
    expect(new Set(mails.map((m) => m.expect))).toEqual(new Set(['Received', 'Sent', 'Failed']));
    for (const word of [/viewing feedback/i, /offer/i, /tenancy renewal/i, /gas safety/i])
      expect(mails.some((m) => word.test(m.seed.subject ?? ''))).toBe(true);
  });

  it('files each mail where the mailbox expects it, through the real adapter and the demo directory', async () => {
    const mails = demoMails();
    const token = await adapter.mintToken(AGENT.email);
    const res = await fetch(`${adapter.url}/api/v1/mail/file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ownerAddresses: [AGENT.email],
        messages: mails.map((m) => {
          const from = addr(m.seed.from);
          return {
            internetMessageId: m.seed.internetMessageId,
            from: [from],
            to: (m.seed.to ?? []).map(addr),
            date: m.seed.sentDateTime ?? m.seed.receivedDateTime,
            subject: m.seed.subject,
            preview: '',
            direction: from.address === AGENT.email ? 'outbound' : 'inbound',
          };
        }),
      }),
    });
    expect(res.status).toBe(200);
    const { outcomes } = (await res.json()) as { outcomes: { internetMessageId: string; status: string }[] };
    const got = mails.map((m, i) => {
      const outbound = addr(m.seed.from).address === AGENT.email;
      const filed = outcomes[i].status === 'filed';
      return `${m.seed.subject}: ${filed ? (outbound ? 'Sent' : 'Received') : 'Failed'}`;
    });
    expect(got).toEqual(mails.map((m) => `${m.seed.subject}: ${m.expect}`));
  });
});
