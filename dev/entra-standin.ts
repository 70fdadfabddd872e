/**
 * A stand-in for Microsoft Entra ID's v2.0 endpoints as a single-page application meets them: the
 * OpenID configuration, /authorize (auth code flow with PKCE, prompt=none for silent sign-in) and
 * /token (code and refresh-token redemption). A pure request → response handler, so a test can wire
 * it behind Playwright's request routing for https://login.microsoftonline.com (MSAL refuses http
 * authorities), and the pane's real MSAL code runs unmodified.
 *
 * As strict as Microsoft documents it (Microsoft Learn: "Microsoft identity platform and OAuth 2.0
 * authorization code flow", https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow;
 * "Refresh tokens in the Microsoft identity platform", https://learn.microsoft.com/entra/identity-platform/refresh-tokens):
 * - /authorize: client_id registered (AADSTS700016), redirect_uri exactly one of the app's registered
 *   SPA redirect URIs (AADSTS50011, shown on Entra's own page, never redirected), response_type=code,
 *   code_challenge with code_challenge_method=S256 (a SPA redeems cross-origin, which needs PKCE:
 *   AADSTS9002325), prompt=none without a session → login_required (AADSTS50058).
 * - /token: the Origin header is required for a SPA redirect URI (AADSTS9002327); the code is
 *   single-use (AADSTS54005), short-lived (10 minutes here; AADSTS70008), bound to its client_id and
 *   redirect_uri, and its code_challenge must match the code_verifier (AADSTS50148); scopes of one
 *   resource per request (AADSTS28000). The answer has token_type, scope, expires_in, access_token,
 *   id_token (openid, with the request's nonce), client_info (client_info=1) and a refresh_token only
 *   when offline_access was asked for. A SPA's refresh token lives 24 hours and is replaced on use.
 * Access tokens come from the caller's `mint` (the adapter's local issuer in the e2e).
 */
import { createHash, randomBytes } from 'node:crypto';

export const ENTRA_HOST = 'login.microsoftonline.com';
export const ENTRA_ORIGIN = `https://${ENTRA_HOST}`;

export interface EntraUser {
  email: string;
  name: string;
  oid: string;
  tenantId: string;
}

export interface EntraAppRegistration {
  clientId: string;
  /** Redirect URIs registered with the "Single-page application" platform. */
  spaRedirectUris: string[];
}

export interface EntraMintAsk {
  /** The resource's scopes, space-separated, as asked (OIDC scopes removed). */
  scope: string;
  clientId: string;
  email: string;
  name: string;
  oid: string;
  tenantId: string;
}

export interface EntraStandinOptions {
  app: EntraAppRegistration;
  /** Who signs in: the one named by login_hint, else the first. The sign-in page submits itself for them. */
  users: EntraUser[];
  mint(ask: EntraMintAsk): Promise<{ access_token: string; expires_in: number }>;
  now?: () => number;
}

export interface EntraRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface EntraResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface EntraEvent {
  at: number;
  kind: 'metadata' | 'authorize' | 'signin' | 'token' | 'unknown';
  /** What was asked and answered (never a token or code). */
  detail: Record<string, string | undefined>;
}

export interface EntraStandin {
  handle(req: EntraRequest): Promise<EntraResponse>;
  /** Everything asked, in order. */
  events: EntraEvent[];
  /** Forgets the browser sessions (as if the user signed out of Microsoft 365 everywhere). */
  endSessions(): void;
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const CODE_LIFETIME_MS = 10 * 60_000;
const SPA_REFRESH_LIFETIME_MS = 24 * 60 * 60_000;
const SESSION_COOKIE = 'ESTSAUTH';

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string[];
  nonce?: string;
  user: EntraUser;
  issuedAt: number;
  clientInfo: boolean;
}

interface IssuedRefresh {
  clientId: string;
  user: EntraUser;
  expiresAt: number;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const token = () => randomBytes(24).toString('base64url');

function html(body: string, status = 200, headers: Record<string, string> = {}): EntraResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers }, body };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The error page Entra shows itself (for errors it must not send to an unverified redirect URI). */
function errorPage(code: string, description: string): EntraResponse {
  return html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head><body><main><h1>Sorry, but we’re having trouble signing you in.</h1><p id="error">${escapeHtml(
      `${code}: ${description}`,
    )}</p></main></body></html>`,
    400,
  );
}

function cookies(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** An id token as Entra returns it; MSAL decodes it for the account's claims (the nonce must match). */
function idToken(user: EntraUser, clientId: string, nowS: number, nonce?: string): string {
  const claims = {
    aud: clientId,
    iss: `${ENTRA_ORIGIN}/${user.tenantId}/v2.0`,
    iat: nowS,
    nbf: nowS,
    exp: nowS + 3600,
    name: user.name,
    oid: user.oid,
    preferred_username: user.email,
    sub: user.oid,
    tid: user.tenantId,
    ver: '2.0',
    ...(nonce ? { nonce } : {}),
  };
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;
}

export function createEntraStandin(options: EntraStandinOptions): EntraStandin {
  const now = options.now ?? Date.now;
  const events: EntraEvent[] = [];
  const codes = new Map<string, IssuedCode>();
  const redeemed = new Set<string>();
  const refreshTokens = new Map<string, IssuedRefresh>();
  const sessions = new Map<string, EntraUser>();
  const note = (kind: EntraEvent['kind'], detail: EntraEvent['detail']) => events.push({ at: now(), kind, detail });

  const userFor = (hint: string | undefined): EntraUser => options.users.find((u) => hint && u.email.toLowerCase() === hint.toLowerCase()) ?? options.users[0];

  /** Sends the answer to the redirect URI in the requested response mode (fragment is MSAL's default). */
  const answer = (params: URLSearchParams, fields: Record<string, string>, extraHeaders: Record<string, string> = {}): EntraResponse => {
    const redirectUri = params.get('redirect_uri') ?? '';
    const state = params.get('state');
    const out = new URLSearchParams({ ...fields, ...(state ? { state } : {}) });
    const mode = params.get('response_mode') ?? 'fragment';
    if (mode === 'form_post') {
      const inputs = [...out].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
      return html(
        `<!doctype html><html lang="en"><head><title>Working…</title></head><body><form method="POST" action="${escapeHtml(redirectUri)}">${inputs}</form><script>document.forms[0].submit()</script></body></html>`,
        200,
        extraHeaders,
      );
    }
    const sep = mode === 'query' ? (redirectUri.includes('?') ? '&' : '?') : '#';
    return { status: 302, headers: { location: `${redirectUri}${sep}${out}`, 'cache-control': 'no-store', ...extraHeaders }, body: '' };
  };

  const issueCode = (params: URLSearchParams, user: EntraUser, extraHeaders: Record<string, string> = {}): EntraResponse => {
    const code = token();
    codes.set(code, {
      clientId: params.get('client_id') ?? '',
      redirectUri: params.get('redirect_uri') ?? '',
      challenge: params.get('code_challenge') ?? '',
      scope: (params.get('scope') ?? '').split(' ').filter(Boolean),
      nonce: params.get('nonce') ?? undefined,
      user,
      issuedAt: now(),
      clientInfo: params.get('client_info') === '1',
    });
    const clientInfo = b64url(JSON.stringify({ uid: user.oid, utid: user.tenantId }));
    return answer(params, { code, client_info: clientInfo, session_state: token() }, extraHeaders);
  };

  const authorize = (params: URLSearchParams, headers: Record<string, string>): EntraResponse => {
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const prompt = params.get('prompt') ?? undefined;
    note('authorize', { clientId, redirectUri, prompt, responseMode: params.get('response_mode') ?? undefined });
    if (clientId !== options.app.clientId) return errorPage('AADSTS700016', `Application with identifier '${clientId}' was not found in the directory.`);
    // Entra does not redirect to an unregistered URI: it shows the error itself.
    if (!options.app.spaRedirectUris.includes(redirectUri))
      return errorPage(
        'AADSTS50011',
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application.`,
      );
    if (params.get('response_type') !== 'code')
      return answer(params, { error: 'unsupported_response_type', error_description: 'AADSTS700054: response_type must be code for this application.' });
    if (!params.get('code_challenge') || params.get('code_challenge_method') !== 'S256')
      return answer(params, {
        error: 'invalid_request',
        error_description: 'AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
      });
    const session = sessions.get(cookies(headers)[SESSION_COOKIE] ?? '');
    const hint = params.get('login_hint') ?? undefined;
    if (prompt === 'none') {
      if (!session || (hint && session.email.toLowerCase() !== hint.toLowerCase()))
        return answer(params, { error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.' });
      return issueCode(params, session);
    }
    // The sign-in page, which submits itself for the user the scenario signs in.
    const user = userFor(hint);
    return html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head><body><main><h1>Sign in</h1><form method="POST" action="${ENTRA_ORIGIN}/${escapeHtml(
        user.tenantId,
      )}/login"><input type="hidden" name="ctx" value="${escapeHtml(params.toString())}"><label>Email <input name="login" value="${escapeHtml(
        user.email,
      )}"></label><button type="submit">Sign in</button></form></main><script>setTimeout(function () { document.forms[0].submit(); }, 50);</script></body></html>`,
    );
  };

  const signIn = (form: URLSearchParams): EntraResponse => {
    const params = new URLSearchParams(form.get('ctx') ?? '');
    const user = userFor(form.get('login') ?? undefined);
    note('signin', { user: user.email, redirectUri: params.get('redirect_uri') ?? undefined });
    if (params.get('client_id') !== options.app.clientId || !options.app.spaRedirectUris.includes(params.get('redirect_uri') ?? ''))
      return errorPage('AADSTS50011', 'The sign-in request is not one this application registered.');
    const sid = token();
    sessions.set(sid, user);
    return issueCode(params, user, { 'set-cookie': `${SESSION_COOKIE}=${sid}; Path=/; Secure; HttpOnly; SameSite=None` });
  };

  const tokenError = (status: number, error: string, aadsts: number | undefined, description: string, cors: Record<string, string>): EntraResponse => ({
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...cors },
    body: JSON.stringify({
      error,
      error_description: aadsts ? `AADSTS${aadsts}: ${description}` : description,
      error_codes: aadsts ? [aadsts] : [],
      timestamp: new Date(now()).toISOString(),
    }),
  });

  /** One resource per request: Graph for bare scopes, else the scope's resource prefix. */
  const resourceOf = (scope: string) => (/^(api:\/\/|https?:\/\/)/.test(scope) ? scope.slice(0, scope.lastIndexOf('/')) : 'https://graph.microsoft.com');

  const mintTokens = async (
    clientId: string,
    user: EntraUser,
    scopes: string[],
    cors: Record<string, string>,
    nonce: string | undefined,
    clientInfo: boolean,
  ): Promise<EntraResponse> => {
    const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
    const resources = new Set(resourceScopes.map(resourceOf));
    if (resources.size > 1)
      return tokenError(
        400,
        'invalid_scope',
        28000,
        'Provided value for the input parameter scope is not valid because it contains more than one resource.',
        cors,
      );
    const asked = resourceScopes.length > 0 ? resourceScopes : ['User.Read'];
    const minted = await options.mint({ scope: asked.join(' '), clientId, email: user.email, name: user.name, oid: user.oid, tenantId: user.tenantId });
    const nowMs = now();
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...asked, ...scopes.filter((s) => OIDC_SCOPES.has(s.toLowerCase()) && s !== 'offline_access')].join(' '),
      expires_in: minted.expires_in,
      ext_expires_in: minted.expires_in,
      access_token: minted.access_token,
    };
    if (scopes.includes('offline_access')) {
      const rt = token();
      refreshTokens.set(rt, { clientId, user, expiresAt: nowMs + SPA_REFRESH_LIFETIME_MS });
      body.refresh_token = rt;
      body.refresh_token_expires_in = SPA_REFRESH_LIFETIME_MS / 1000;
    }
    if (scopes.includes('openid')) body.id_token = idToken(user, clientId, Math.floor(nowMs / 1000), nonce);
    if (clientInfo) body.client_info = b64url(JSON.stringify({ uid: user.oid, utid: user.tenantId }));
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...cors }, body: JSON.stringify(body) };
  };

  const tokenEndpoint = async (form: URLSearchParams, headers: Record<string, string>): Promise<EntraResponse> => {
    const origin = headers.origin;
    const cors: Record<string, string> = origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
    const grant = form.get('grant_type') ?? '';
    const clientId = form.get('client_id') ?? '';
    note('token', { grant, clientId, origin, redirectUri: form.get('redirect_uri') ?? undefined });
    if (clientId !== options.app.clientId)
      return tokenError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`, cors);
    // A SPA's codes and refresh tokens are redeemed from the browser only.
    if (!origin)
      return tokenError(
        400,
        'invalid_request',
        9002327,
        "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
        cors,
      );
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (grant === 'authorization_code') {
      const code = form.get('code') ?? '';
      if (redeemed.has(code))
        return tokenError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code.', cors);
      const issued = codes.get(code);
      if (!issued) return tokenError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.', cors);
      codes.delete(code);
      redeemed.add(code);
      if (now() - issued.issuedAt > CODE_LIFETIME_MS)
        return tokenError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.', cors);
      if (issued.clientId !== clientId) return tokenError(400, 'invalid_grant', 70000, 'The code was issued to another application.', cors);
      if (issued.redirectUri !== (form.get('redirect_uri') ?? ''))
        return tokenError(400, 'invalid_grant', 70000, 'The redirect_uri does not match the one the code was issued for.', cors);
      const verifier = form.get('code_verifier') ?? '';
      if (!verifier || b64url(createHash('sha256').update(verifier).digest()) !== issued.challenge)
        return tokenError(
          400,
          'invalid_grant',
          50148,
          'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
          cors,
        );
      return mintTokens(
        clientId,
        issued.user,
        scopes.length > 0 ? scopes : issued.scope,
        cors,
        issued.nonce,
        form.get('client_info') === '1' || issued.clientInfo,
      );
    }
    if (grant === 'refresh_token') {
      const rt = form.get('refresh_token') ?? '';
      const issued = refreshTokens.get(rt);
      if (!issued || issued.clientId !== clientId || issued.expiresAt <= now())
        return tokenError(
          400,
          'invalid_grant',
          700084,
          'The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended.',
          cors,
        );
      const answered = await mintTokens(clientId, issued.user, scopes, cors, undefined, form.get('client_info') === '1');
      // Replaced on use: the old one is refused from now on (a refused request leaves it as it was).
      if (answered.status === 200) refreshTokens.delete(rt);
      return answered;
    }
    return tokenError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`, cors);
  };

  const metadata = (tenant: string): EntraResponse => {
    note('metadata', { tenant });
    const base = `${ENTRA_ORIGIN}/${tenant}`;
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' },
      body: JSON.stringify({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${ENTRA_ORIGIN}/${tenant}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${ENTRA_ORIGIN}/${tenant}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'oid'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      }),
    };
  };

  return {
    events,
    endSessions: () => sessions.clear(),
    async handle(req) {
      const url = new URL(req.url);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
      if (url.host !== ENTRA_HOST) return { status: 404, headers: {}, body: '' };
      const parts = url.pathname.split('/').filter(Boolean);
      const tenant = parts[0] ?? '';
      const rest = parts.slice(1).join('/');
      if (req.method === 'OPTIONS')
        return {
          status: 204,
          headers: {
            'access-control-allow-origin': headers.origin ?? '*',
            'access-control-allow-methods': 'GET, POST, OPTIONS',
            'access-control-allow-headers': headers['access-control-request-headers'] ?? '',
            'access-control-max-age': '86400',
          },
          body: '',
        };
      if (req.method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') return metadata(tenant);
      if (req.method === 'GET' && rest === 'oauth2/v2.0/authorize') return authorize(url.searchParams, headers);
      if (req.method === 'POST' && rest === 'login') return signIn(new URLSearchParams(req.body ?? ''));
      if (req.method === 'POST' && rest === 'oauth2/v2.0/token') return tokenEndpoint(new URLSearchParams(req.body ?? ''), headers);
      note('unknown', { method: req.method, path: url.pathname });
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found' };
    },
  };
}
