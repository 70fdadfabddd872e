/**
 * The Entra ID stand-in refuses what Microsoft's identity platform refuses for a single-page app
 * (Microsoft Learn: "Microsoft identity platform and OAuth 2.0 authorization code flow"), so the e2e's
 * sign-in through the Office dialog proves the pane's MSAL requests are ones Entra would accept.
 */
import { createHash } from 'node:crypto';
import { createEntraStandin, ENTRA_ORIGIN, type EntraStandin } from '../../dev/entra-standin';

const CLIENT = '5e0e2e7a-9d7a-4c55-8a0e-2d3c1b4a5f60';
const TENANT = 'tid-1';
const PANE = 'http://127.0.0.1:3000';
const REDIRECT = `${PANE}/auth-dialog.html`;
const VERIFIER = 'a-code-verifier-of-forty-three-characters-at-least-0123';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

function standin(): EntraStandin {
  return createEntraStandin({
    app: { clientId: CLIENT, spaRedirectUris: [REDIRECT] },
    users: [{ email: 'agent@brightwells.co.uk', name: 'Alex Morgan', oid: 'oid-1', tenantId: TENANT }],
    mint: async (ask) => ({ access_token: `token-for:${ask.scope}`, expires_in: 3600 }),
  });
}

const authorizeUrl = (over: Record<string, string | undefined> = {}) => {
  const q = new URLSearchParams();
  const params: Record<string, string | undefined> = {
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    response_type: 'code',
    response_mode: 'fragment',
    scope: 'Mail.ReadWrite User.Read openid profile offline_access',
    state: 'st',
    nonce: 'n-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    client_info: '1',
    ...over,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${ENTRA_ORIGIN}/${TENANT}/oauth2/v2.0/authorize?${q}`;
};

const fragmentOf = (location: string) => new URLSearchParams(location.split('#')[1] ?? '');

/** Authorize, then the sign-in page's own POST: the code Entra redirects back with. */
async function codeFrom(e: EntraStandin): Promise<string> {
  const page = await e.handle({ method: 'GET', url: authorizeUrl(), headers: {} });
  expect(page.status).toBe(200);
  const ctx = /name="ctx" value="([^"]*)"/.exec(page.body)![1].replace(/&#38;/g, '&');
  const res = await e.handle({
    method: 'POST',
    url: `${ENTRA_ORIGIN}/${TENANT}/login`,
    headers: {},
    body: new URLSearchParams({ ctx, login: 'agent@brightwells.co.uk' }).toString(),
  });
  expect(res.status).toBe(302);
  expect(res.headers.location.startsWith(`${REDIRECT}#`)).toBe(true);
  return fragmentOf(res.headers.location).get('code')!;
}

const redeem = (e: EntraStandin, form: Record<string, string>, headers: Record<string, string> = { origin: PANE }) =>
  e.handle({ method: 'POST', url: `${ENTRA_ORIGIN}/${TENANT}/oauth2/v2.0/token`, headers, body: new URLSearchParams(form).toString() });

const codeForm = (code: string, over: Record<string, string> = {}) => ({
  client_id: CLIENT,
  grant_type: 'authorization_code',
  code,
  redirect_uri: REDIRECT,
  code_verifier: VERIFIER,
  scope: 'Mail.ReadWrite User.Read openid profile offline_access',
  client_info: '1',
  ...over,
});

const errorOf = (r: { body: string }) => (JSON.parse(r.body) as { error_description: string }).error_description.split(':')[0];

describe('Entra ID stand-in (SPA auth code flow with PKCE)', () => {
  test('an unregistered redirect URI is refused on Entra’s own page, never redirected to', async () => {
    const r = await standin().handle({ method: 'GET', url: authorizeUrl({ redirect_uri: `${PANE}/taskpane.html` }), headers: {} });
    expect([r.status, r.headers.location, /AADSTS50011/.test(r.body)]).toEqual([400, undefined, true]);
  });

  test('without PKCE S256 the request is answered with an error', async () => {
    for (const over of [{ code_challenge: undefined }, { code_challenge_method: 'plain' }]) {
      const r = await standin().handle({ method: 'GET', url: authorizeUrl(over), headers: {} });
      expect(fragmentOf(r.headers.location).get('error_description')).toMatch(/^AADSTS9002325/);
    }
  });

  test('prompt=none with no session: login_required (AADSTS50058)', async () => {
    const r = await standin().handle({ method: 'GET', url: authorizeUrl({ prompt: 'none' }), headers: {} });
    const f = fragmentOf(r.headers.location);
    expect([f.get('error'), f.get('error_description')?.slice(0, 13), f.get('state')]).toEqual(['login_required', 'AADSTS50058: ', 'st']);
  });

  test('the token endpoint requires the Origin header, the matching code_verifier, and takes a code once', async () => {
    const e = standin();
    const code = await codeFrom(e);
    expect(errorOf(await redeem(e, codeForm(code), {}))).toBe('AADSTS9002327');
    const ok = await redeem(e, codeForm(code));
    expect(ok.status).toBe(200);
    const body = JSON.parse(ok.body);
    expect(Object.keys(body).sort()).toEqual(
      ['access_token', 'client_info', 'expires_in', 'ext_expires_in', 'id_token', 'refresh_token', 'refresh_token_expires_in', 'scope', 'token_type'].sort(),
    );
    expect(JSON.parse(Buffer.from(body.id_token.split('.')[1], 'base64url').toString()).nonce).toBe('n-1');
    expect(ok.headers['access-control-allow-origin']).toBe(PANE);
    expect(errorOf(await redeem(e, codeForm(code)))).toBe('AADSTS54005');

    const other = await codeFrom(e);
    expect(errorOf(await redeem(e, codeForm(other, { code_verifier: `${VERIFIER}x` })))).toBe('AADSTS50148');
    const third = await codeFrom(e);
    expect((await redeem(e, codeForm(third, { redirect_uri: `${PANE}/redirect.html` }))).status).toBe(400);
  });

  test('no refresh token without offline_access; a refresh token is replaced on use; one resource per request', async () => {
    const e = standin();
    const noOffline = JSON.parse((await redeem(e, codeForm(await codeFrom(e), { scope: 'Mail.ReadWrite openid' }))).body);
    expect(noOffline.refresh_token).toBeUndefined();
    const first = JSON.parse((await redeem(e, codeForm(await codeFrom(e)))).body);
    const refresh = (rt: string, scope: string) => redeem(e, { client_id: CLIENT, grant_type: 'refresh_token', refresh_token: rt, scope });
    const mixed = await refresh(first.refresh_token, 'Mail.ReadWrite api://rezi/access_as_user offline_access');
    expect(errorOf(mixed)).toBe('AADSTS28000');
    const renewed = await refresh(first.refresh_token, 'api://rezi/access_as_user openid offline_access');
    expect(JSON.parse(renewed.body).access_token).toBe('token-for:api://rezi/access_as_user');
    expect(errorOf(await refresh(first.refresh_token, 'api://rezi/access_as_user openid offline_access'))).toBe('AADSTS700084');
  });
});
