/**
 * The e2e test host: one node:http server on 127.0.0.1 that plays Outlook's part.
 *   /host.html      a minimal Outlook reading pane with the task pane in a 350 px iframe
 *   /office.js      the Office.js stand-in (Office global + nested app auth bridge)
 *   /__host/token   real tokens for the bridge, minted by the adapter's local issuer
 *   everything else the BUILT task pane (dist of `webpack --mode development`), as a static site
 * Pane and host share one origin, as Outlook on the web's add-in frame does with its own host page
 * from the stand-in's point of view: the stand-in reads the scenario from `window.parent.__host`.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface TokenAsk {
  /** Space-separated scopes as MSAL asked the bridge. */
  scope: string;
  clientId?: string;
  email: string;
  name: string;
  oid: string;
  tenantId: string;
}

export interface MintedToken {
  access_token: string;
  id_token?: string;
  expires_in: number;
  scope: string;
}

export interface HostServerOptions {
  /** Folder of the built task pane (taskpane.html and its bundles). */
  paneDir: string;
  mint: (ask: TokenAsk) => Promise<MintedToken>;
}

export interface HostServer {
  origin: string;
  /** Host page URL for a scenario (serialised into the query string; the page sets window.__host). */
  hostUrl(scenario: object): string;
  /** Token requests seen, by scope (never the tokens). */
  tokenRequests: { scope: string; at: number }[];
  close(): Promise<void>;
}

const HERE = __dirname;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml',
  '.woff2': 'font/woff2',
};

/**
 * An id token as Entra would return beside the access token. MSAL decodes it for the account's
 * claims and does not check its signature (the host vouches for it), so an unsigned JWT is enough.
 */
export function idTokenFor(ask: TokenAsk): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: ask.clientId ?? 'rezi-email-sync',
    iss: `https://login.microsoftonline.com/${ask.tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    name: ask.name,
    oid: ask.oid,
    preferred_username: ask.email,
    sub: ask.oid,
    tid: ask.tenantId,
    ver: '2.0',
  };
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export async function startHostServer(options: HostServerOptions): Promise<HostServer> {
  const tokenRequests: { scope: string; at: number }[] = [];

  const sendFile = async (res: ServerResponse, file: string) => {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'content-length': body.length });
    res.end(body);
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/office.js') return await sendFile(res, path.join(HERE, 'office.js'));
      if (url.pathname === '/host.html') return await sendFile(res, path.join(HERE, 'host.html'));
      // The stand-in's own check: real MSAL (UMD build) talking to the bridge, without the pane.
      if (url.pathname === '/__selftest.html') return await sendFile(res, path.join(HERE, 'selftest.html'));
      if (url.pathname === '/__lib/msal-browser.min.js')
        return await sendFile(res, path.resolve(HERE, '../../node_modules/@azure/msal-browser/lib/msal-browser.min.js'));
      if (url.pathname === '/__host/token' && req.method === 'POST') {
        const ask = (await readJson(req)) as TokenAsk;
        tokenRequests.push({ scope: ask.scope, at: Date.now() });
        const minted = await options.mint(ask);
        const body = JSON.stringify({ ...minted, id_token: minted.id_token ?? idTokenFor(ask) });
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        return res.end(body);
      }
      // The built pane, as a static site; never outside its folder.
      const rel = decodeURIComponent(url.pathname === '/' ? '/taskpane.html' : url.pathname);
      const file = path.resolve(options.paneDir, `.${rel}`);
      if (!file.startsWith(path.resolve(options.paneDir) + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      return await sendFile(res, file);
    } catch (e) {
      // The message says what failed; tokens never reach this point's output.
      res.writeHead(500, { 'content-type': 'text/plain' }).end(e instanceof Error ? e.message : 'host error');
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    hostUrl: (scenario) => `${origin}/host.html?s=${encodeURIComponent(JSON.stringify(scenario))}`,
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
