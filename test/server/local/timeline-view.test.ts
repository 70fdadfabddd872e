/**
 * The local timeline view (src/server/local/timeline-view.ts): only on an adapter with the local
 * issuer, read-only, each group's events newest first, and what it shows is escaped.
 */
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../../src/server/store/demo-data';

let adapter: TestAdapter;
beforeAll(async () => {
  adapter = await startTestAdapter({ logLevel: 'silent', env: { REZI_WEB_URL: 'http://127.0.0.1:1/local/timeline/groups/' } });
});
afterAll(() => adapter?.close());

async function file(subject: string, id: string, date: string, direction: 'inbound' | 'outbound') {
  const agent = DEMO_USERS.agent.email;
  const token = await adapter.mintToken(agent);
  const vendor = { address: DEMO_ADDRESSES.cliftonVendor, name: 'Sarah Whitfield' };
  const me = { address: agent, name: DEMO_USERS.agent.name };
  const res = await fetch(`${adapter.url}/api/v1/mail/file`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ownerAddresses: [agent],
      messages: [
        {
          internetMessageId: id,
          from: [direction === 'inbound' ? vendor : me],
          to: [direction === 'inbound' ? me : vendor],
          date,
          subject,
          preview: '',
          direction,
        },
      ],
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { outcomes: { status: string; groups?: { link: string }[] }[] };
}

describe('local timeline view', () => {
  it("shows a group's events newest first, escaped, at the link the pane's results give", async () => {
    const older = await file('Viewing feedback <b>for</b> 14 Elm Road', '<tl-1@example.com>', '2026-11-18T09:00:00Z', 'inbound');
    await file('Photographs for your approval', '<tl-2@brightwells.co.uk>', '2026-11-19T09:00:00Z', 'outbound');
    const link = older.outcomes[0].groups?.[0].link;
    expect(link).toBe('http://127.0.0.1:1/local/timeline/groups/RZ-CLIFTON-01');

    const res = await fetch(`${adapter.url}/local/timeline/groups/RZ-CLIFTON-01`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).toContain('14 Elm Road, Clifton, BS8 1AB — Vendor');
    expect(html).toContain('sarah.whitfield@example.com');
    expect(html).toContain('Viewing feedback &lt;b&gt;for&lt;/b&gt; 14 Elm Road');
    expect(html).not.toContain('<b>for</b>');
    const newer = html.indexOf('Photographs for your approval');
    const old = html.indexOf('Viewing feedback');
    expect(newer).toBeGreaterThan(0);
    expect(newer).toBeLessThan(old);
    expect(html).toContain('Email sent');
    expect(html).toContain('Email received');
  });

  it('lists every group with its event count and links to each timeline', async () => {
    const html = await (await fetch(`${adapter.url}/local/timeline`)).text();
    expect(html).toContain('href="/local/timeline/groups/RZ-CLIFTON-01"');
    expect(html).toContain('Brightwells Estate Agents — Redland');
    expect(html).toMatch(/14 Elm Road, Clifton, BS8 1AB — Vendor<\/a><\/td><td>Vendor<\/td><td>2<\/td>/);
  });

  it('answers 404 in plain words for a group that does not exist', async () => {
    const res = await fetch(`${adapter.url}/local/timeline/groups/RZ-NOPE`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('No group card has the reference “RZ-NOPE”');
  });

  it('does not exist on an adapter without the local issuer', async () => {
    const prod = await startTestAdapter({
      logLevel: 'silent',
      env: {
        AUTH_LOCAL_ISSUER: '0',
        AUTH_ISSUERS: 'https://login.microsoftonline.com/{tenantid}/v2.0',
        AUTH_ALLOWED_TENANTS: '7c1f4a2e-3b5d-4e6f-9a8b-0c1d2e3f4a5b',
        AUTH_AUDIENCE: 'api://rezi-sync.example.com/00000000-0000-0000-0000-000000000001',
        AUTH_JWKS_URL: 'http://127.0.0.1:9/keys',
      },
    });
    try {
      for (const p of ['/local/timeline', '/local/timeline/groups/RZ-CLIFTON-01']) {
        const res = await fetch(`${prod.url}${p}`);
        expect(res.status).toBe(404);
        expect(((await res.json()) as { code: string }).code).toBe('not-found');
      }
    } finally {
      await prod.close();
    }
  });
});
