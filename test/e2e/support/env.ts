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
import { startGraphStandin, type GraphStandin, type SeedMessage, type SharedAccess } from '../../../dev/graph-standin';
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

/** Shared mailboxes the agent can open (each its own Graph stand-in mailbox), by address. */
export type SharedMailboxes = Record<string, SharedAccess['access']>;

export interface E2eEnv {
  adapter: RunningServer;
  graph: GraphStandin;
  /** The shared mailboxes asked for, by address. */
  shared: Record<string, GraphStandin>;
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

export interface EnvOptions {
  shared?: SharedMailboxes;
  /**
   * Office 365 automatic filing on the adapter: its app registration for the on-behalf-of flow (the
   * local issuer grants it), Graph at the stand-in, and each Queue polled every `pollSeconds`.
   */
  automaticFiling?: { pollSeconds: number };
}

/** The adapter's own app registration (the on-behalf-of flow's confidential client), as e2e runs set it. */
const OBO_CLIENT = { GRAPH_CLIENT_ID: 'rezi-adapter-e2e', GRAPH_CLIENT_SECRET: 'e2e-obo-secret-4Kw' };

export async function startEnv(options: EnvOptions = {}): Promise<E2eEnv> {
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

    const shared: Record<string, GraphStandin> = {};
    for (const address of Object.keys(options.shared ?? {})) {
      shared[address] = await startGraphStandin({ token: `own-token-of-${address}`, user: { mail: address, userPrincipalName: address } });
      started.push(shared[address]);
    }
    // With automatic filing the adapter reaches the stand-in directly, with the access tokens the
    // local issuer granted it on the agent's behalf; the pane's requests come through the gateway.
    let oboAccepts: (token: string) => boolean = () => false;
    const graph: GraphStandin = await startGraphStandin({
      ...(options.automaticFiling ? { acceptToken: (t: string) => t === graph.token || oboAccepts(t) } : {}),
      user: { mail: AGENT.email, userPrincipalName: AGENT.email },
      shared: Object.entries(options.shared ?? {}).map(([address, access]) => ({ mailbox: shared[address], access })),
    });
    started.push(graph);
    const adapter = await startServer({
      // A local run: the issuer and the demo data are off unless turned on; Dovecot on loopback at
      // random ports is allowed through the operator's allow-lists.
      env: {
        AUTH_LOCAL_ISSUER: '1',
        DEMO_DATA: '1',
        IMAP_ALLOWED_HOSTS: '127.0.0.1',
        IMAP_ALLOWED_PORTS: '1024-65535',
        WATCH_MAX_ACCOUNTS: options.automaticFiling ? '5' : '0',
        ...(options.automaticFiling ? { ...OBO_CLIENT, GRAPH_URL: graph.url, GRAPH_POLL_SECONDS: String(options.automaticFiling.pollSeconds) } : {}),
      },
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
    oboAccepts = (t) => issuer.obo?.isGraphToken(t) ?? false;
    const adapterScope = `${issuer.audience}/access_as_user`;
    mint = async (ask) =>
      /api:\/\/|access_as_user/.test(ask.scope)
        ? issuer.mintToken({ preferred_username: ask.email, name: ask.name })
        : issuer.mintToken({ aud: GRAPH_AUDIENCE, scp: graphScopes(ask.scope), preferred_username: ask.email, name: ask.name });

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
      shared,
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

/** The Graph scopes a token is minted with: what was asked of the ones the app registration has. */
function graphScopes(asked: string): string {
  const granted = ['Mail.ReadWrite', 'Mail.ReadWrite.Shared', 'User.Read'];
  const wanted = asked.split(/[\s,]+/).filter((s) => granted.includes(s));
  return (wanted.length > 0 ? wanted : ['Mail.ReadWrite', 'User.Read']).join(' ');
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
