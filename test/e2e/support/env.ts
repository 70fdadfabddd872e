/**
 * Everything one e2e run needs, started for real on 127.0.0.1: the adapter (startServer with a temp
 * SQLite file, demo data and its loopback issuer), the Graph stand-in seeded with the scenario mails
 * behind the CORS/token gateway, the test host serving the built pane, and Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../../src/server/main';
import { startGraphStandin, type GraphStandin, type SeedMessage } from '../../../dev/graph-standin';
import { startHostServer, type HostServer } from '../../../dev/outlook-host/server';
import { launchChromium } from './browser';
import { outDir } from './build-pane';
import { startGraphGateway, type GraphGateway } from '../../../dev/graph-gateway';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const CLIENT_ID = '5e0e2e7a-9d7a-4c55-8a0e-2d3c1b4a5f60';

/** The demo data's agent (src/server/store/demo-data.ts) and addresses with known outcomes. */
export const AGENT = { email: 'agent@brightwells.co.uk', name: 'Alex Morgan' };
export const ADMIN = { email: 'it@brightwells.co.uk', name: 'Priya Shah' };

export interface ScenarioMail {
  key: string;
  /** Where it must end up. */
  expect: 'Received' | 'Sent' | 'Failed';
  seed: SeedMessage;
}

const d = (h: number) => new Date(Date.UTC(2026, 10, 20, 9 + h)).toISOString();

/** Five mails: inbound and outbound matched, inbound unmatched, and an outbound to another branch's contact. */
export const FIVE_MAILS: ScenarioMail[] = [
  {
    key: 'vendor-in',
    expect: 'Received',
    seed: {
      from: { name: 'Sarah Whitfield', address: 'sarah.whitfield@example.com' },
      to: [AGENT.email],
      subject: 'Viewing feedback for 14 Elm Road',
      internetMessageId: '<e2e-1@example.com>',
      receivedDateTime: d(0),
    },
  },
  {
    key: 'buyer-out',
    expect: 'Sent',
    seed: {
      from: { name: AGENT.name, address: AGENT.email },
      to: ['james.okoro@example.org'],
      subject: 'Your offer on 27 Hampton Park',
      internetMessageId: '<e2e-2@brightwells.co.uk>',
      sentDateTime: d(1),
    },
  },
  {
    key: 'unknown-in',
    expect: 'Failed',
    seed: {
      from: { name: 'Nobody', address: 'nobody@example.invalid' },
      to: [AGENT.email],
      subject: 'Quick question about a property',
      internetMessageId: '<e2e-3@example.invalid>',
      receivedDateTime: d(2),
    },
  },
  {
    key: 'landlord-in',
    expect: 'Received',
    seed: {
      from: { name: 'H Pemberton', address: 'h.pemberton@example.net' },
      to: [AGENT.email],
      subject: 'Gas safety certificate renewal',
      internetMessageId: '<e2e-4@example.net>',
      receivedDateTime: d(3),
    },
  },
  {
    key: 'other-branch-out',
    expect: 'Failed',
    seed: {
      from: { name: AGENT.name, address: AGENT.email },
      to: ['fiona.gallagher@example.com'],
      subject: 'Valuation appointment',
      internetMessageId: '<e2e-5@brightwells.co.uk>',
      sentDateTime: d(4),
    },
  },
];

export interface E2eEnv {
  adapter: RunningServer;
  graph: GraphStandin;
  gateway: GraphGateway;
  host: HostServer;
  browser: Browser;
  /** Runtime config the stand-in hands the pane as __REZI_CONFIG__. */
  paneConfig: Record<string, string>;
  adapterScope: string;
  /** Mints a token for an ask as the host's token endpoint does (adapter scope or Graph), from the adapter's local issuer. */
  mint(ask: { scope: string; email: string; name: string }): Promise<string>;
  /** Adapter log lines (JSON), to check that no token or password leaked. */
  adapterLog: string[];
  close(): Promise<void>;
}

export async function startEnv(): Promise<E2eEnv> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rezi-e2e-'));
  const adapterLog: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      adapterLog.push(String(chunk));
      cb();
    },
  });
  const started: { close(): Promise<void> }[] = [];
  try {
    // The host first: the adapter must allow its origin (CORS).
    let mint: (ask: { scope: string; email: string; name: string }) => Promise<string> = async () => {
      throw new Error('issuer not started');
    };
    const host = await startHostServer({
      paneDir: outDir,
      mint: async (ask) => ({ access_token: await mint(ask), expires_in: 3600, scope: ask.scope }),
    });
    started.push(host);

    const adapter = await startServer({
      // A local run: the issuer and the demo data are off unless turned on; Dovecot on loopback at
      // random ports is allowed through the operator's allow-lists.
      env: { AUTH_LOCAL_ISSUER: '1', DEMO_DATA: '1', IMAP_ALLOWED_HOSTS: '127.0.0.1', IMAP_ALLOWED_PORTS: '1024-65535' },
      config: {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        allowedOrigins: [host.origin],
        logLevel: 'info',
        demoData: true,
        auth: { localIssuer: true, localIssuerPort: 0 },
      },
      logStream,
    });
    started.push(adapter);
    const issuer = adapter.issuer;
    if (!issuer) throw new Error('the adapter did not start its local issuer');
    const adapterScope = `${issuer.audience}/access_as_user`;
    mint = async (ask) =>
      /api:\/\/|access_as_user/.test(ask.scope)
        ? issuer.mintToken({ preferred_username: ask.email, name: ask.name })
        : issuer.mintToken({ aud: GRAPH_AUDIENCE, scp: 'Mail.ReadWrite User.Read', preferred_username: ask.email, name: ask.name });

    const graph = await startGraphStandin({ user: { mail: AGENT.email, userPrincipalName: AGENT.email } });
    started.push(graph);
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
    const gateway = await startGraphGateway({
      target: graph,
      allowedOrigin: host.origin,
      verify: async (token) => {
        const { payload } = await jwtVerify(token, jwks, { audience: GRAPH_AUDIENCE, issuer: issuer.issuerFor() });
        // The stand-in is the agent's mailbox: another account's token would be another mailbox in real Graph.
        if (String(payload.preferred_username ?? '').toLowerCase() !== AGENT.email) return false;
        return String(payload.scp ?? '')
          .split(' ')
          .includes('Mail.ReadWrite');
      },
    });
    started.push(gateway);

    const browser = await launchChromium();
    started.push(browser);

    const paneConfig = {
      adapterUrl: adapter.url,
      adapterScope,
      graphBaseUrl: gateway.url,
      clientId: CLIENT_ID,
      tenantId: issuer.tenant,
      authority: `https://login.microsoftonline.com/${issuer.tenant}`,
    };
    return {
      adapter,
      graph,
      gateway,
      host,
      browser,
      paneConfig,
      adapterScope,
      mint: (ask) => mint(ask),
      adapterLog,
      async close() {
        for (const s of started.reverse()) await s.close().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/** Seeds the mails into the stand-in's Inbox; returns the Office (EWS-form) ids Outlook would report. */
export function seedInbox(graph: GraphStandin, mails: ScenarioMail[]): { itemId: string; subject: string; fromName: string; restId: string; key: string }[] {
  return mails.map((m) => {
    const restId = graph.addMessage('inbox', m.seed);
    const from = typeof m.seed.from === 'string' ? m.seed.from : (m.seed.from.name ?? m.seed.from.address);
    // Office.js hands out EWS ids; the add-in converts them with convertToRestId (v2.0: '/'→'-', '+'→'_').
    return { key: m.key, restId, itemId: restId.replace(/-/g, '/').replace(/_/g, '+'), subject: m.seed.subject ?? '', fromName: from };
  });
}
