/** The local issuer's on-behalf-of and refresh grants, as "Microsoft identity platform and OAuth 2.0 On-Behalf-Of flow" documents them. */
import { JWT_BEARER } from '../../../src/server/auth/obo-grants';
import { GrantRefused, GraphTokens } from '../../../src/server/graph/graph-tokens';
import { startLocalIssuer, type LocalIssuer } from '../../support/issuer';

const client = { clientId: 'rezi-adapter', clientSecret: 'obo-secret' };
let issuer: LocalIssuer;
let tokenUrl: string;
beforeEach(async () => {
  issuer = await startLocalIssuer({ oboClient: client });
  tokenUrl = `${issuer.origin}/${issuer.tenant}/oauth2/v2.0/token`;
});
afterEach(() => issuer.close());

const post = async (form: Record<string, string>) => {
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const obo = async (extra: Record<string, string> = {}) => ({
  grant_type: JWT_BEARER,
  client_id: client.clientId,
  client_secret: client.clientSecret,
  assertion: await issuer.mintToken({ preferred_username: 'agent@brightwells.co.uk' }),
  scope: 'https://graph.microsoft.com/Mail.ReadWrite offline_access',
  requested_token_use: 'on_behalf_of',
  ...extra,
});

test('OBO answers a Graph access token and, with offline_access, a refresh token that the refresh grant accepts', async () => {
  const first = await post(await obo());
  expect(first.status).toBe(200);
  expect(issuer.obo!.isGraphToken(String(first.body.access_token))).toBe(true);
  const again = await post({
    grant_type: 'refresh_token',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    refresh_token: String(first.body.refresh_token),
    scope: 'x offline_access',
  });
  expect(again.status).toBe(200);
  expect(again.body.access_token).not.toBe(first.body.access_token);
  const noOffline = await post(await obo({ scope: 'https://graph.microsoft.com/Mail.ReadWrite' }));
  expect(noOffline.body.refresh_token).toBeUndefined();
});

test('the documented refusals: wrong secret, missing parameter, an assertion for another app, a revoked refresh token', async () => {
  expect(await post(await obo({ client_secret: 'wrong' }))).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000215] } });
  const { scope: _scope, ...noScope } = await obo();
  expect(await post(noScope)).toMatchObject({ status: 400, body: { error: 'invalid_request', error_codes: [900144] } });
  const foreign = await issuer.mintToken({ preferred_username: 'agent@brightwells.co.uk', aud: 'api://someone-else' });
  expect(await post(await obo({ assertion: foreign }))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  expect(await post(await obo({ requested_token_use: 'something' }))).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  const granted = await post(await obo());
  issuer.obo!.revoke(issuer.oidFor('agent@brightwells.co.uk'));
  const refused = await post({
    grant_type: 'refresh_token',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    refresh_token: String(granted.body.refresh_token),
    scope: 'x',
  });
  expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_codes: [50173] } });
});

test('GraphTokens names each refusal’s cause and says whether polling can go on', async () => {
  const tokens = new GraphTokens({ ...client, tokenUrl });
  const { refreshToken } = await tokens.onBehalfOf(await issuer.mintToken({ preferred_username: 'agent@brightwells.co.uk' }));
  expect((await tokens.refresh(refreshToken)).accessToken).toMatch(/^graph\./);
  issuer.obo!.interaction = 'required';
  await expect(tokens.refresh(refreshToken)).rejects.toMatchObject({ reason: 'interaction-required', providerCode: 'AADSTS50079', stop: true });
  issuer.obo!.interaction = 'none';
  issuer.obo!.consent = 'missing';
  await expect(tokens.refresh(refreshToken)).rejects.toMatchObject({ reason: 'consent-missing', providerCode: 'AADSTS65001' });
  issuer.obo!.consent = 'granted';
  issuer.obo!.revoke(issuer.oidFor('agent@brightwells.co.uk'));
  await expect(tokens.refresh(refreshToken)).rejects.toMatchObject({ reason: 'grant-revoked' });
  await expect(new GraphTokens({ ...client, clientSecret: 'wrong', tokenUrl }).refresh(refreshToken)).rejects.toMatchObject({ reason: 'client-refused' });
  const gone = new GraphTokens({ ...client, tokenUrl: 'http://127.0.0.1:9/token' });
  const e = await gone.refresh(refreshToken).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(GrantRefused);
  expect(e).toMatchObject({ reason: 'unreachable', stop: false });
  // Without offline_access there is no refresh token to poll with.
  await expect(
    new GraphTokens({ ...client, tokenUrl, scope: 'https://graph.microsoft.com/Mail.ReadWrite' }).onBehalfOf(
      await issuer.mintToken({ preferred_username: 'a@b.co.uk' }),
    ),
  ).rejects.toMatchObject({
    reason: 'consent-missing',
  });
});

test('the demo sign-in by username still answers', async () => {
  expect(await post({ username: 'agent@brightwells.co.uk' })).toMatchObject({ status: 200 });
});
