/**
 * What the browser needs in front of the Graph stand-in, which dev/graph-standin.ts (built
 * for Node clients) does not do itself: CORS for the host origin, as graph.microsoft.com answers
 * browsers, and real token checking — the pane's bearer token must be a JWT signed by the local
 * issuer for the Graph audience (checked with jose against the issuer's JWKS); only then is the
 * request forwarded with the stand-in's own fixed token. Everything else passes through unchanged.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GraphGateway {
  /** Base URL including /v1.0, for the pane's runtime config. */
  url: string;
  /** Requests refused for a missing or invalid token. */
  refused: number;
  close(): Promise<void>;
}

export interface GraphGatewayOptions {
  /** The stand-in's base URL (…/v1.0) and the token it accepts. */
  target: { url: string; token: string };
  allowedOrigin: string;
  /** Resolves true when the bearer token is valid for Graph. */
  verify: (token: string) => Promise<boolean>;
}

const ALLOW_HEADERS = 'authorization, content-type, prefer, client-request-id, return-client-request-id, sdkversion, consistencylevel, cache-control';
const EXPOSE_HEADERS = 'request-id, client-request-id, retry-after, preference-applied, location';

export async function startGraphGateway(options: GraphGatewayOptions): Promise<GraphGateway> {
  const target = new URL(options.target.url);
  const targetOrigin = target.origin;
  let refused = 0;

  const cors = (origin: string | undefined): Record<string, string> =>
    origin === options.allowedOrigin
      ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE_HEADERS, vary: 'Origin' }
      : { vary: 'Origin' };

  let selfOrigin = '';
  const server: Server = createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors(origin),
        'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': '600',
      });
      return res.end();
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!token || !(await options.verify(token).catch(() => false))) {
      refused++;
      res.writeHead(401, { ...cors(origin), 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } }));
    }
    const headers = { ...req.headers, host: target.host, authorization: `Bearer ${options.target.token}` };
    delete headers.origin;
    const upstream = httpRequest(`${targetOrigin}${req.url}`, { method: req.method, headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        // nextLink URLs name the stand-in; the browser must follow them through this gateway.
        const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(targetOrigin).join(selfOrigin));
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding') out[k] = v;
        res.writeHead(up.statusCode ?? 502, { ...out, ...cors(origin), 'content-length': String(body.length) });
        res.end(body);
      });
    });
    upstream.on('error', () => {
      res.writeHead(502, cors(origin)).end();
    });
    req.pipe(upstream);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  selfOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${selfOrigin}${target.pathname.replace(/\/$/, '')}`,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
