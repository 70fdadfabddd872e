/**
 * A loopback token issuer for local runs, the demo and tests. It signs real RS256 access tokens shaped
 * like Microsoft Entra ID v2 tokens with its own key pair and serves its JWKS and OpenID metadata,
 * so the adapter validates local tokens exactly as it validates Entra's: there is no bypass.
 *
 * It only ever listens on a loopback address; anyone who can reach it can mint tokens.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { DEFAULT_LOCAL_AUDIENCE, LOCAL_DEMO_TENANT } from '../config';
import { hostMatcher } from '../host-names';
import { oboGrants, type OboClient, type OboControls, type TokenAnswer } from './obo-grants';

export interface LocalTokenClaims {
  /** Tenant id (tid); defaults to the issuer's tenant. */
  tid?: string;
  oid?: string;
  preferred_username?: string;
  name?: string;
  scp?: string;
  aud?: string;
  iss?: string;
  [claim: string]: unknown;
}

export interface MintOptions {
  /** Lifetime in seconds (default 3600). Negative values mint an already expired token. */
  expiresIn?: number;
  /** Seconds from now before the token is valid (nbf); default 0. */
  notBeforeIn?: number;
  /** Seconds to shift iat/nbf/exp by (e.g. -7200 for a token issued two hours ago). */
  issuedAtOffset?: number;
  /** Override the header kid (e.g. an unknown one). */
  kid?: string;
  /** Sign with another private key (e.g. a key the JWKS does not publish). */
  privateKey?: KeyLike;
}

export interface LocalIssuer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly tenant: string;
  readonly audience: string;
  /** `iss` for a tenant: http://127.0.0.1:PORT/{tid}/v2.0 */
  issuerFor(tenant?: string): string;
  /** The AUTH_ISSUERS form: http://127.0.0.1:PORT/{tenantid}/v2.0 */
  readonly issuerTemplate: string;
  readonly jwksUrl: string;
  readonly kid: string;
  readonly publicJwk: JWK;
  /** The current public key as PEM (SPKI), e.g. for the HS256-with-public-key attack test. */
  publicKeyPem(): Promise<string>;
  /** A deterministic object id for a user (the same email always gets the same oid). */
  oidFor(email: string, tenant?: string): string;
  mintToken(claims?: LocalTokenClaims, opts?: MintOptions): Promise<string>;
  /** Adds a new signing key (new kid) and signs with it from now on; the old key stays published. */
  rotateKey(): Promise<string>;
  /** The on-behalf-of and refresh grants' switches, when a confidential client was configured. */
  readonly obo?: OboControls;
  close(): Promise<void>;
}

export interface LocalIssuerOptions {
  port?: number;
  host?: string;
  tenant?: string;
  audience?: string;
  /** Origins allowed to call the token endpoint from a browser (the task pane dev server). */
  allowedOrigins?: string[];
  /** A confidential client (the adapter) allowed the on-behalf-of and refresh grants (obo-grants.ts). */
  oboClient?: OboClient;
}

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);
}

const oidOf = (email: string, tid: string) => {
  const h = createHash('sha256').update(`${tid}\n${email.trim().toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

interface Minting {
  tenant: string;
  audience: string;
  issuerFor(tid?: string): string;
  current(): SigningKey;
}

/** Tokens shaped like Entra ID v2 access tokens, signed with the current key. */
function tokenMinter({ tenant, audience, issuerFor, current }: Minting) {
  return async (claims: LocalTokenClaims = {}, opts: MintOptions = {}): Promise<string> => {
    const key = current();
    const now = Math.floor(Date.now() / 1000) + (opts.issuedAtOffset ?? 0);
    const tid = claims.tid ?? tenant;
    const username = claims.preferred_username;
    const payload: Record<string, unknown> = {
      aud: audience,
      iss: issuerFor(tid),
      tid,
      ver: '2.0',
      scp: 'access_as_user',
      azp: 'rezi-email-sync-taskpane',
      ...(username ? { oid: oidOf(username, tid), name: username.split('@')[0] } : {}),
      ...claims,
    };
    payload.sub ??= payload.oid ?? randomUUID();
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: opts.kid ?? key.kid })
      .setIssuedAt(now)
      .setNotBefore(now + (opts.notBeforeIn ?? 0))
      .setExpirationTime(now + (opts.expiresIn ?? 3600))
      .setJti(randomUUID())
      .sign(opts.privateKey ?? key.privateKey);
  };
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function allowCors(req: http.IncomingMessage, res: http.ServerResponse, allowedOrigins: ReadonlySet<string>) {
  const o = req.headers.origin;
  if (o && allowedOrigins.has(o)) {
    res.setHeader('access-control-allow-origin', o);
    res.setHeader('vary', 'origin');
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', 'content-type');
  }
}

/** A token request's fields (form or JSON body, at most 16 KiB); strings only. */
function readForm(req: http.IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 16 * 1024) req.destroy();
    });
    req.on('end', () => {
      try {
        const parsed = (req.headers['content-type'] ?? '').includes('json')
          ? (JSON.parse(body) as Record<string, unknown>)
          : Object.fromEntries(new URLSearchParams(body));
        resolve(Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string')));
      } catch {
        resolve({});
      }
    });
  });
}

interface Endpoints {
  origin(): string;
  issuerFor(tid: string): string;
  publicKeys(): JWK[];
  mintToken(claims: LocalTokenClaims): Promise<string>;
  audience: string;
  /** The OBO and refresh grants; `tokenUrl` is the tenant's token endpoint the form was posted to. */
  grant?(form: Record<string, string>, tokenUrl: string): Promise<TokenAnswer> | undefined;
}

const ROUTE = /^\/([^/]+)\/(discovery\/v2\.0\/keys|v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/;

/** Entra's three endpoints for a tenant: its keys, its OpenID metadata, and a token endpoint for demo users. */
function answer(req: http.IncomingMessage, res: http.ServerResponse, e: Endpoints): void {
  const url = new URL(req.url ?? '/', e.origin() || 'http://127.0.0.1');
  const m = ROUTE.exec(url.pathname);
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  if (!m) return json(res, 404, { error: 'not_found' });
  const [, tid, what] = m;
  if (what === 'discovery/v2.0/keys' && req.method === 'GET') return json(res, 200, { keys: e.publicKeys() });
  if (what.endsWith('openid-configuration') && req.method === 'GET') {
    return json(res, 200, {
      issuer: e.issuerFor(tid),
      jwks_uri: `${e.origin()}/${tid}/discovery/v2.0/keys`,
      token_endpoint: `${e.origin()}/${tid}/oauth2/v2.0/token`,
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['token'],
      subject_types_supported: ['pairwise'],
    });
  }
  if (what !== 'oauth2/v2.0/token' || req.method !== 'POST') return json(res, 405, { error: 'method_not_allowed' });
  void readForm(req).then(async (form) => {
    const granted = e.grant?.(form, `${e.origin()}/${tid}/oauth2/v2.0/token`);
    if (granted) return granted.then((a) => json(res, a.status, a.body)).catch(() => json(res, 500, { error: 'server_error' }));
    const username = form.username?.trim().toLowerCase();
    if (!username) return json(res, 400, { error: 'invalid_request', error_description: 'username is required (the demo user to sign in as).' });
    try {
      const token = await e.mintToken({ tid, preferred_username: username });
      json(res, 200, { token_type: 'Bearer', access_token: token, expires_in: 3600, scope: `${e.audience}/access_as_user` });
    } catch {
      json(res, 500, { error: 'server_error' });
    }
  });
}

export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`The local issuer only listens on loopback; "${host}" is not a loopback address.`);
  const tenant = options.tenant ?? LOCAL_DEMO_TENANT;
  const audience = options.audience ?? DEFAULT_LOCAL_AUDIENCE;
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const keys: SigningKey[] = [await newKey()];
  const current = () => keys[keys.length - 1];

  let origin = '';
  const issuerFor = (tid = tenant) => `${origin}/${tid}/v2.0`;
  const mintToken = tokenMinter({ tenant, audience, issuerFor, current });
  const publicKeys = () => keys.map((k) => k.jwk);
  const obo = options.oboClient
    ? oboGrants(options.oboClient, (header, token) => createLocalJWKSet({ keys: publicKeys() })(header, token), audience)
    : undefined;
  const endpoints: Endpoints = { origin: () => origin, issuerFor, publicKeys, mintToken, audience, grant: obo?.answer };

  // Loopback names of its own port only: a rebinding page's Host is its own name.
  const knownHost = hostMatcher([], () => (server.address() as AddressInfo | null)?.port);
  const server = http.createServer((req, res) => {
    if (!knownHost(req.headers.host)) return json(res, 421, { error: 'invalid_request', error_description: 'This issuer only answers for localhost.' });
    allowCors(req, res, allowedOrigins);
    answer(req, res, endpoints);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  origin = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

  return {
    origin,
    tenant,
    audience,
    issuerFor,
    issuerTemplate: `${origin}/{tenantid}/v2.0`,
    jwksUrl: `${origin}/${tenant}/discovery/v2.0/keys`,
    get kid() {
      return current().kid;
    },
    get publicJwk() {
      return current().jwk;
    },
    publicKeyPem: () => exportSPKI(current().publicKey),
    oidFor: (email, tid = tenant) => oidOf(email, tid),
    mintToken,
    ...(obo ? { obo: obo.controls } : {}),
    rotateKey: async () => {
      keys.push(await newKey());
      return current().kid;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
