/**
 * The adapter's certificate credential for Office 365 automatic filing: GRAPH_CLIENT_CERTIFICATE_PATH
 * is checked at start-up (one credential, a readable file whose key belongs to its certificate), and
 * the real adapter exchanges and refreshes the agent's grant with it. A certificate Microsoft does not
 * know is explained to the agent as their IT's to fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startGraphStandin, type GraphStandin } from '../../../dev/graph-standin';
import { ConfigError, loadConfig } from '../../../src/server/config';
import { readClientCertificate } from '../../../src/server/graph/client-assertion';
import { GraphTokens } from '../../../src/server/graph/graph-tokens';
import { ADAPTER_RETRY_MS, GraphQueuePollers } from '../../../src/server/graph/queue-poller';
import { graphPollersRunning } from '../../../src/server/graph/routes';
import { imapServiceFor } from '../../../src/server/imap/service';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { startLocalIssuer } from '../../support/issuer';
import { opensslThumbprint, removeCertificate, selfSigned, type TestCertificate } from '../auth/certificates';

jest.setTimeout(30_000);

let cert: TestCertificate;
let other: TestCertificate;
beforeAll(() => {
  cert = selfSigned('Rezi adapter');
  other = selfSigned('Another app');
});
afterAll(() => [cert, other].forEach(removeCertificate));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ AUTH_LOCAL_ISSUER: '1', GRAPH_CLIENT_ID: 'rezi-adapter', ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
const write = (name: string, text: string) => {
  const file = path.join(cert.dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('GRAPH_CLIENT_CERTIFICATE_PATH at start-up', () => {
  it('reads the certificate and its key, and names it by its SHA-256 thumbprint', () => {
    const config = loadConfig({ AUTH_LOCAL_ISSUER: '1', GRAPH_CLIENT_ID: 'rezi-adapter', GRAPH_CLIENT_CERTIFICATE_PATH: cert.file });
    expect(config.graph.certificate?.x5tS256).toBe(opensslThumbprint(cert));
    expect(config.graph.clientSecret).toBeUndefined();
    // Either order in the file.
    const reversed = write('reversed.pem', cert.certPem + cert.keyPem);
    expect(problemsOf({ GRAPH_CLIENT_CERTIFICATE_PATH: reversed })).toEqual([]);
  });

  it('refuses a secret and a certificate together, in plain words', () => {
    expect(problemsOf({ GRAPH_CLIENT_SECRET: 's3cret', GRAPH_CLIENT_CERTIFICATE_PATH: cert.file })).toEqual([
      'GRAPH_CLIENT_SECRET and GRAPH_CLIENT_CERTIFICATE_PATH are both set: the adapter proves itself to Microsoft 365 with one credential. Keep the certificate (Microsoft recommends it) and unset GRAPH_CLIENT_SECRET.',
    ]);
  });

  it('says what is wrong with a file it cannot use', () => {
    const missing = path.join(cert.dir, 'nowhere.pem');
    expect(problemsOf({ GRAPH_CLIENT_CERTIFICATE_PATH: missing })).toEqual([
      `GRAPH_CLIENT_CERTIFICATE_PATH ${missing} cannot be read: check that the file exists and that the adapter may read it.`,
    ]);
    const [certOnly] = problemsOf({ GRAPH_CLIENT_CERTIFICATE_PATH: write('cert-only.pem', cert.certPem) });
    expect(certOnly).toContain('holds no readable private key');
    const [keyOnly] = problemsOf({ GRAPH_CLIENT_CERTIFICATE_PATH: write('key-only.pem', cert.keyPem) });
    expect(keyOnly).toContain('holds no certificate');
    const [mismatch] = problemsOf({ GRAPH_CLIENT_CERTIFICATE_PATH: write('mismatch.pem', other.keyPem + cert.certPem) });
    expect(mismatch).toContain('its private key does not belong to its certificate');
  });

  it('needs GRAPH_CLIENT_ID with a certificate', () => {
    const problems = (() => {
      try {
        loadConfig({ AUTH_LOCAL_ISSUER: '1', GRAPH_CLIENT_CERTIFICATE_PATH: cert.file });
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    })();
    expect(problems).toEqual(['GRAPH_CLIENT_ID is required when GRAPH_CLIENT_CERTIFICATE_PATH is set: it is the app registration the certificate belongs to.']);
  });
});

describe('automatic filing with the certificate', () => {
  let adapter: TestAdapter;
  let graph: GraphStandin;
  beforeEach(async () => {
    graph = await startGraphStandin({
      user: { mail: DEMO_USERS.agent.email, userPrincipalName: DEMO_USERS.agent.email },
      acceptToken: (t) => adapter.issuer.obo?.isGraphToken(t) ?? false,
    });
  });
  afterEach(async () => {
    await adapter?.close();
    await graph.close();
  });
  const turnOn = async () => {
    const res = await fetch(`${adapter.url}/api/v1/graph/automatic-filing`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await adapter.mintToken(DEMO_USERS.agent.email)}` },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('exchanges the agent’s token and refreshes with signed assertions, and files mail moved into Queue', async () => {
    adapter = await startTestAdapter({
      env: { GRAPH_CLIENT_ID: 'rezi-adapter-test', GRAPH_CLIENT_CERTIFICATE_PATH: cert.file, GRAPH_URL: graph.url, WATCH_MAX_ACCOUNTS: '5' },
    });
    expect(await turnOn()).toMatchObject({ status: 200, json: { enabled: true } });
    const pollers = graphPollersRunning.get(adapter.ctx)!;
    await pollers.pollAll();
    graph.addMessage('Rezi-Imported/Queue', { from: DEMO_ADDRESSES.cliftonVendor, to: [DEMO_USERS.agent.email], subject: 'Offer on 14 Elm Road' });
    // The access token lapses: the next poll needs the refresh grant, proved by a new assertion.
    adapter.issuer.obo!.expireAccessTokens();
    await pollers.pollAll();
    await pollers.pollAll();
    expect(graph.messagesIn('Rezi-Imported/Queue')).toEqual([]);
  });

  it('a certificate the tenant does not know: the agent is told it is for IT to fix, and nothing is stored', async () => {
    // The tenant's token endpoint knows another certificate for this app.
    const tenant = await startLocalIssuer({ oboClient: { clientId: 'rezi-adapter-test', certificates: [other.certPem] } });
    try {
      adapter = await startTestAdapter({
        env: {
          GRAPH_CLIENT_ID: 'rezi-adapter-test',
          GRAPH_CLIENT_CERTIFICATE_PATH: cert.file,
          GRAPH_TOKEN_URL: `${tenant.origin}/${tenant.tenant}/oauth2/v2.0/token`,
          GRAPH_URL: graph.url,
        },
      });
      const r = await turnOn();
      expect(r).toMatchObject({ status: 422, json: { code: 'graph-client-refused', cause: 'not-configured' } });
      expect(String(r.json.message)).toContain('ask your IT administrator');
      const stored = await adapter.ctx.db.withTables<{ graph_accounts: { user_id: string } }>().selectFrom('graph_accounts').selectAll().execute();
      expect(stored).toEqual([]);
    } finally {
      await tenant.close();
    }
  });

  it('a refresh refused for the adapter’s certificate pauses the polling with a cause for IT, and it resumes once the certificate is taken', async () => {
    adapter = await startTestAdapter({
      env: { GRAPH_CLIENT_ID: 'rezi-adapter-test', GRAPH_CLIENT_CERTIFICATE_PATH: cert.file, GRAPH_URL: graph.url, WATCH_MAX_ACCOUNTS: '5' },
    });
    expect(await turnOn()).toMatchObject({ status: 200 });
    await graphPollersRunning.get(adapter.ctx)!.stop();
    // The same account polled by an instance holding a certificate the tenant does not know.
    const service = await imapServiceFor(adapter.ctx);
    const { clientId, tokenUrl, url } = adapter.ctx.config.graph;
    const tokens = new GraphTokens({ clientId: clientId!, tokenUrl: tokenUrl!, certificate: readClientCertificate(other.pem) });
    const pollers = new GraphQueuePollers(adapter.ctx, service.leases, () => service.cipher, { tokens, graphUrl: url, pollMs: 60_000, maxAccounts: 5 });
    try {
      await pollers.pollAll();
    } finally {
      await pollers.stop();
    }
    const stored = await adapter.ctx.db
      .withTables<{ graph_accounts: { user_id: string; stopped_cause: string | null } }>()
      .selectFrom('graph_accounts')
      .selectAll()
      .execute();
    expect(stored.map((g) => g.stopped_cause)).toEqual(['client-refused']);
    const state = await adapter.ctx.db
      .selectFrom('account_state')
      .selectAll()
      .where('user_id', '=', DEMO_USERS.agent.id)
      .where('kind', '=', 'office365')
      .executeTakeFirst();
    expect(state?.cause).toBe('not-configured');

    // IT fixes the certificate: the paused account is tried again after a while, and files with no action of the agent's.
    // (The tree is there whether or not the adapter's own first poll got to it before it was stopped.)
    graph.createFolderPath('Rezi-Imported/Queue');
    graph.addMessage('Rezi-Imported/Queue', { from: DEMO_ADDRESSES.cliftonVendor, to: [DEMO_USERS.agent.email], subject: 'After the fix' });
    const good = adapter.ctx.config.graph;
    const goodTokens = new GraphTokens({ clientId: good.clientId!, tokenUrl: good.tokenUrl!, certificate: good.certificate! });
    const poll = async (laterMs: number) => {
      const later = { ...adapter.ctx, clock: () => new Date(Date.now() + laterMs) };
      const fixed = new GraphQueuePollers(later, service.leases, () => service.cipher, { tokens: goodTokens, graphUrl: url, pollMs: 60_000, maxAccounts: 5 });
      try {
        await fixed.pollAll();
      } finally {
        await fixed.stop();
      }
    };
    await poll(60_000);
    expect(graph.messagesIn('Rezi-Imported/Queue')).toHaveLength(1);
    await poll(ADAPTER_RETRY_MS + 60_000);
    expect(graph.messagesIn('Rezi-Imported/Queue')).toEqual([]);
    const resumed = await adapter.ctx.db
      .withTables<{ graph_accounts: { user_id: string; stopped_cause: string | null } }>()
      .selectFrom('graph_accounts')
      .selectAll()
      .execute();
    expect(resumed.map((g) => g.stopped_cause)).toEqual([null]);
    const after = await adapter.ctx.db
      .selectFrom('account_state')
      .selectAll()
      .where('user_id', '=', DEMO_USERS.agent.id)
      .where('kind', '=', 'office365')
      .executeTakeFirst();
    expect([after?.state, after?.cause]).toEqual(['connected', null]);
  });
});
