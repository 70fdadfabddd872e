/**
 * The Outlook sandbox: one node:http server on 127.0.0.1 that plays Outlook on the web for this
 * add-in, on one origin (as Outlook's add-in frame shares its host's state with Office.js):
 *   /                    the mailbox page (mail list, folders with live counts, multi-select, the add-in)
 *   /office.js           the Office.js stand-in (dev/outlook-host), fed by the page's selection
 *   /__host/token        tokens for the nested app auth bridge: the adapter's own local issuer for the
 *                        adapter, the sandbox's Graph signer for Microsoft Graph
 *   /__sandbox/state     folders, counts and mails, read live from the Graph stand-in
 *   everything else      the REAL task pane, proxied from `npm start`'s webpack dev server (its
 *                        Office.js script tag pointed at /office.js), live reload included
 * The pane moves mail through the Graph stand-in behind the CORS/token gateway, as it would Graph.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { SignJWT, generateKeyPair, jwtVerify } from 'jose';
import { startGraphGateway, type GraphGateway } from '../graph-gateway';
import { startGraphStandin, type GraphStandin } from '../graph-standin';
import { idTokenFor, type TokenAsk } from '../outlook-host/server';
import { AGENT, demoMails, seedDemoMailbox, type DemoMail } from './mailbox';
import { repoRoot } from './paths';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** The sandbox's app registration client id (any GUID: nothing outside this laptop checks it). */
export const SANDBOX_CLIENT_ID = '5e0e2e7a-9d7a-4c55-8a0e-2d3c1b4a5f60';

export interface SandboxOptions {
  /** Port for the sandbox page (0: any free port). */
  port: number;
  /** The webpack dev server serving the task pane, e.g. https://localhost:3000 */
  paneUrl: string;
  adapterUrl: string;
  /** The adapter's delegated scope, `${audience}/access_as_user`. */
  adapterScope: string;
  /** The local issuer's token endpoint (…/{tenant}/oauth2/v2.0/token) and tenant. */
  issuerTokenUrl: string;
  tenantId: string;
  /** Extra state for the page (the IMAP switch). */
  imap?: () => unknown;
  /** Page actions beyond the mailbox (the IMAP switch), by name. */
  actions?: Record<string, (body: unknown) => Promise<unknown>>;
}

export interface Sandbox {
  url: string;
  graph: GraphStandin;
  gateway: GraphGateway;
  close(): Promise<void>;
}

/** The folders the page shows, in Outlook's order, with their display names. */
const FOLDERS: { path: string; name: string; depth: number }[] = [
  { path: 'inbox', name: 'Inbox', depth: 0 },
  { path: 'sentitems', name: 'Sent Items', depth: 0 },
  { path: 'Rezi-Imported', name: 'Rezi-Imported', depth: 0 },
  { path: 'Rezi-Imported/Queue', name: 'Queue', depth: 1 },
  { path: 'Rezi-Imported/Sent', name: 'Sent', depth: 1 },
  { path: 'Rezi-Imported/Received', name: 'Received', depth: 1 },
  { path: 'Rezi-Imported/Failed', name: 'Failed', depth: 1 },
];

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'dev/sandbox/page.html', type: 'text/html; charset=utf-8' },
  '/sandbox.js': { file: 'dev/sandbox/page.js', type: 'text/javascript; charset=utf-8' },
  '/sandbox.css': { file: 'dev/sandbox/page.css', type: 'text/css; charset=utf-8' },
  '/office.js': { file: 'dev/outlook-host/office.js', type: 'text/javascript; charset=utf-8' },
};

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const root = repoRoot();
  const started: { close(): Promise<void> }[] = [];
  const pane = new URL(options.paneUrl);
  // The dev server's certificate is the self-signed one webpack-dev-server makes for localhost:
  // the sandbox talks to it on loopback only, so it accepts that one certificate's lack of a CA.
  const paneAgent = new Agent({ rejectUnauthorized: false, keepAlive: true });

  // Microsoft Graph's tokens come from Entra; here, from the sandbox's own signing key, checked by
  // the gateway like any bearer token (signature, audience, scope).
  const graphKey = await generateKeyPair('RS256');
  const graphIssuer = `urn:rezi-sandbox:graph-tokens`;
  const mintGraph = (ask: TokenAsk) =>
    new SignJWT({ scp: 'Mail.ReadWrite User.Read', preferred_username: ask.email, name: ask.name, tid: ask.tenantId, oid: ask.oid })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(graphIssuer)
      .setAudience(GRAPH_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(graphKey.privateKey);

  const mintAdapter = async (ask: TokenAsk): Promise<string> => {
    const res = await fetch(options.issuerTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: ask.email }),
    });
    if (!res.ok) throw new Error(`the local token issuer answered ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };

  const graph = await startGraphStandin({ user: { mail: AGENT.email, userPrincipalName: AGENT.email, proxyAddresses: [`SMTP:${AGENT.email}`] } });
  started.push(graph);
  const mails: DemoMail[] = demoMails();
  seedDemoMailbox(graph, mails);
  const meta = new Map(mails.map((m) => [m.seed.internetMessageId as string, m]));

  const state = () => {
    const folders = FOLDERS.map((f) => {
      const exists = graph.folderId(f.path) !== undefined;
      return { ...f, exists, count: exists ? graph.messagesIn(f.path).length : 0 };
    });
    const messages = FOLDERS.flatMap((f) =>
      graph.messagesIn(f.path).map((m) => {
        const seed = meta.get(m.internetMessageId)?.seed;
        const from = seed && typeof seed.from === 'object' ? seed.from : { name: String(seed?.from ?? ''), address: String(seed?.from ?? '') };
        const to = (seed?.to ?? []).map((t) => (typeof t === 'string' ? { name: t, address: t } : { name: t.name ?? t.address, address: t.address }));
        return {
          id: m.id,
          key: m.internetMessageId,
          folder: f.path,
          subject: m.subject,
          from,
          to,
          date: seed?.sentDateTime && from.address === AGENT.email ? seed.sentDateTime : (seed?.receivedDateTime ?? ''),
          preview: seed?.bodyPreview ?? '',
          outbound: from.address === AGENT.email,
        };
      }),
    );
    return { folders, messages, imap: options.imap?.() };
  };

  let origin = '';
  // Started once the page's origin is known (the gateway allows exactly that origin).
  let gateway: GraphGateway | undefined = undefined;

  const proxyToPane = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const isHtml = /^\/(taskpane|commands|auth-dialog)\.html(\?|$)/.test(url);
    const headers = { ...req.headers, host: pane.host };
    delete headers['accept-encoding']; // loopback: plain bodies, so the page's HTML can be rewritten
    delete headers.origin;
    delete headers.referer;
    const up = httpsRequest({ hostname: pane.hostname, port: pane.port, path: url, method: req.method, headers, agent: paneAgent }, (ur) => {
      if (!isHtml || (ur.statusCode ?? 500) >= 300) {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        // The dev server's pages load Microsoft's Office.js; in the sandbox they load the stand-in.
        const html = Buffer.concat(chunks)
          .toString('utf8')
          .replace(/(<script\b[^>]*\bsrc=")[^"]*office\.js("[^>]*>)/i, '$1/office.js$2');
        const out = { ...ur.headers, 'content-length': String(Buffer.byteLength(html)), 'cache-control': 'no-store' };
        delete out['transfer-encoding'];
        res.writeHead(200, out);
        res.end(html);
      });
    });
    up.on('error', (e) => {
      if (res.headersSent) return res.destroy();
      res
        .writeHead(502, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`The task pane's dev server (${options.paneUrl}) is not answering yet (${e.message}). It may still be building: reload in a moment.`);
    });
    req.pipe(up);
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const file = STATIC[url.pathname];
      if (file && req.method === 'GET') {
        const body = await readFile(path.join(root, file.file));
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store', 'content-length': body.length });
        return res.end(body);
      }
      if (url.pathname === '/__sandbox/state' && req.method === 'GET') return sendJson(res, 200, state());
      if (url.pathname === '/__sandbox/host' && req.method === 'GET') {
        // What the host page hands the Office.js stand-in (window.__host): the user and the pane's runtime settings.
        return sendJson(res, 200, {
          user: AGENT,
          tenantId: options.tenantId,
          config: {
            adapterUrl: options.adapterUrl,
            adapterScope: options.adapterScope,
            graphBaseUrl: gateway?.url ?? '',
            clientId: SANDBOX_CLIENT_ID,
            tenantId: options.tenantId,
            authority: `https://login.microsoftonline.com/${options.tenantId}`,
          },
        });
      }
      const action = /^\/__sandbox\/action\/([a-z-]+)$/.exec(url.pathname);
      if (action && req.method === 'POST') {
        const run = options.actions?.[action[1]];
        if (!run) return sendJson(res, 404, { message: 'No such action.' });
        return sendJson(res, 200, await run(await readJson(req)));
      }
      if (url.pathname === '/__host/token' && req.method === 'POST') {
        const ask = (await readJson(req)) as TokenAsk;
        const adapter = /(^|\s)api:\/\/|access_as_user/.test(ask.scope);
        const access_token = adapter ? await mintAdapter(ask) : await mintGraph(ask);
        return sendJson(res, 200, { access_token, id_token: idTokenFor(ask), expires_in: 3600, scope: ask.scope });
      }
      return proxyToPane(req, res);
    } catch (e) {
      if (res.headersSent) return res.destroy();
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(e instanceof Error ? e.message : 'sandbox error');
    }
  });

  // The dev server's live reload runs over a WebSocket: passed through as raw bytes.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const upstream = tlsConnect({ host: pane.hostname, port: Number(pane.port), rejectUnauthorized: false, servername: pane.hostname }, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        const lower = name.toLowerCase();
        // The dev server accepts its own host and origin only; the sandbox speaks for the page here.
        lines.push(`${name}: ${lower === 'host' ? pane.host : lower === 'origin' ? pane.origin : req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  started.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });

  gateway = await startGraphGateway({
    target: graph,
    allowedOrigin: origin,
    verify: async (token) => {
      const { payload } = await jwtVerify(token, graphKey.publicKey, { audience: GRAPH_AUDIENCE, issuer: graphIssuer });
      return String(payload.scp ?? '')
        .split(' ')
        .includes('Mail.ReadWrite');
    },
  });
  started.push(gateway);

  return {
    url: `${origin}/`,
    graph,
    gateway,
    async close() {
      paneAgent.destroy();
      for (const s of started.reverse()) await s.close().catch(() => undefined);
    },
  };
}
