/**
 * Certificate credentials on the on-behalf-of and refresh grants: the adapter's GraphTokens signs a
 * client assertion, and the local issuer checks it as Entra ID does ("Microsoft identity platform
 * application authentication certificate credentials"), refusing each fault with its AADSTS code.
 */
import { constants, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { JWT_BEARER } from '../../../src/server/auth/obo-grants';
import { CLIENT_ASSERTION_TYPE, readClientCertificate, thumbprints } from '../../../src/server/graph/client-assertion';
import { causeOfRefusal, GraphTokens } from '../../../src/server/graph/graph-tokens';
import { startLocalIssuer, type LocalIssuer } from '../../support/issuer';
import { opensslThumbprint, removeCertificate, selfSigned, type TestCertificate } from './certificates';

const clientId = 'rezi-adapter';
let registered: TestCertificate;
let stranger: TestCertificate;
let issuer: LocalIssuer;
let tokenUrl: string;

beforeAll(() => {
  registered = selfSigned('Rezi adapter');
  stranger = selfSigned('Someone else');
});
afterAll(() => [registered, stranger].forEach(removeCertificate));
beforeEach(async () => {
  issuer = await startLocalIssuer({ oboClient: { clientId, certificates: [registered.certPem] } });
  tokenUrl = `${issuer.origin}/${issuer.tenant}/oauth2/v2.0/token`;
});
afterEach(() => issuer.close());

const post = async (form: Record<string, string>) => {
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** An assertion made by hand, so that each claim and header can be got wrong on purpose. */
function assertion(o: { header?: Record<string, unknown>; claims?: Record<string, unknown>; signWith?: TestCertificate; pss?: boolean } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const cert = new X509Certificate(registered.certPem);
  const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': thumbprints(cert).x5tS256, ...o.header };
  const claims = { aud: tokenUrl, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, iat: now, exp: now + 300, ...o.claims };
  const input = `${b64(header)}.${b64(claims)}`;
  const key = createPrivateKey((o.signWith ?? registered).keyPem);
  const pss = o.pss ?? header.alg === 'PS256';
  const padding = pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {};
  return `${input}.${sign('sha256', Buffer.from(input), { key, ...padding }).toString('base64url')}`;
}
const refresh = (clientAssertion: string, extra: Record<string, string> = {}) =>
  post({
    grant_type: 'refresh_token',
    client_id: clientId,
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: clientAssertion,
    refresh_token: 'rt.none',
    scope: 'x',
    ...extra,
  });
/** A well-proved client meets the refresh token check next: 400 invalid_grant, not a client refusal. */
const CLIENT_ACCEPTED = { status: 400, body: { error: 'invalid_grant', error_codes: [9002313] } };
const refusedWith = (status: number, error: string, code: number) => ({ status, body: { error, error_codes: [code] } });

test('the thumbprints are the base64url SHA-256 and SHA-1 of the certificate, as openssl computes them', () => {
  const cert = readClientCertificate(registered.pem);
  expect(cert.x5tS256).toBe(opensslThumbprint(registered, 'sha256'));
  expect(cert.x5t).toBe(opensslThumbprint(registered, 'sha1'));
});

test('GraphTokens with a certificate: the on-behalf-of grant, then refreshes, each with a fresh assertion', async () => {
  const tokens = new GraphTokens({ clientId, tokenUrl, certificate: readClientCertificate(registered.pem) });
  const { refreshToken } = await tokens.onBehalfOf(await issuer.mintToken({ preferred_username: 'agent@brightwells.co.uk' }));
  // Twice in a row: a reused jti would be refused the second time.
  expect((await tokens.refresh(refreshToken)).accessToken).toMatch(/^graph\./);
  expect(issuer.obo!.isGraphToken((await tokens.refresh(refreshToken)).accessToken)).toBe(true);
  // This app registration has no secret: one sent instead of an assertion is refused.
  expect(await post({ grant_type: 'refresh_token', client_id: clientId, client_secret: 'guess', refresh_token: refreshToken, scope: 'x' })).toMatchObject(
    refusedWith(401, 'invalid_client', 7000215),
  );
});

test('the older form is read too: RS256 with the SHA-1 x5t header', async () => {
  const x5t = thumbprints(new X509Certificate(registered.certPem)).x5t;
  expect(await refresh(assertion({ header: { alg: 'RS256', 'x5t#S256': undefined, x5t } }))).toMatchObject(CLIENT_ACCEPTED);
  expect(await refresh(assertion())).toMatchObject(CLIENT_ACCEPTED);
});

test('a certificate that is not registered, or a signature that does not hold, is AADSTS700027', async () => {
  const theirs = thumbprints(new X509Certificate(stranger.certPem)).x5tS256;
  const notRegistered = await refresh(assertion({ header: { 'x5t#S256': theirs }, signWith: stranger }));
  expect(notRegistered).toMatchObject(refusedWith(401, 'invalid_client', 700027));
  expect(String(notRegistered.body.error_description)).toContain('The key was not found');
  expect(await refresh(assertion({ signWith: stranger }))).toMatchObject(refusedWith(401, 'invalid_client', 700027));
  expect(await refresh(assertion({ header: { 'x5t#S256': undefined } }))).toMatchObject(refusedWith(401, 'invalid_client', 700027));
  // PS256 named but PKCS#1 v1.5 used, or an algorithm Entra does not take for assertions.
  expect(await refresh(assertion({ pss: false }))).toMatchObject(refusedWith(401, 'invalid_client', 700027));
  expect(await refresh(assertion({ header: { alg: 'HS256' } }))).toMatchObject(refusedWith(401, 'invalid_client', 700027));
  const [h, c] = assertion().split('.');
  expect(await refresh(`${h}.${c}.`)).toMatchObject(refusedWith(401, 'invalid_client', 700027));
  expect(await refresh('not-a-jwt')).toMatchObject(refusedWith(400, 'invalid_request', 50027));
});

test('iss and sub must be the client id (AADSTS700021, AADSTS50048), aud this tenant’s token endpoint (AADSTS700023)', async () => {
  expect(await refresh(assertion({ claims: { iss: 'another-app', sub: 'another-app' } }))).toMatchObject(refusedWith(401, 'invalid_client', 700021));
  expect(await refresh(assertion({ claims: { sub: 'someone' } }))).toMatchObject(refusedWith(401, 'invalid_client', 50048));
  const otherTenant = `${issuer.origin}/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token`;
  expect(await refresh(assertion({ claims: { aud: otherTenant } }))).toMatchObject(refusedWith(401, 'invalid_client', 700023));
  expect(await refresh(assertion({ claims: { aud: 'https://login.microsoftonline.com/common/oauth2/v2.0/token' } }))).toMatchObject(
    refusedWith(401, 'invalid_client', 700023),
  );
});

test('an assertion outside its time, or longer-lived than ten minutes, is AADSTS700024', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = await refresh(assertion({ claims: { nbf: now - 600, iat: now - 600, exp: now - 300 } }));
  expect(expired).toMatchObject(refusedWith(401, 'invalid_client', 700024));
  expect(String(expired.body.error_description)).toContain('not within its valid time range');
  expect(await refresh(assertion({ claims: { nbf: now + 3600, iat: now + 3600, exp: now + 3900 } }))).toMatchObject(refusedWith(401, 'invalid_client', 700024));
  expect(await refresh(assertion({ claims: { exp: now + 3600 } }))).toMatchObject(refusedWith(401, 'invalid_client', 700024));
  expect(await refresh(assertion({ claims: { exp: undefined } }))).toMatchObject(refusedWith(401, 'invalid_client', 700024));
  // Ten minutes is allowed.
  expect(await refresh(assertion({ claims: { exp: now + 600 } }))).toMatchObject(CLIENT_ACCEPTED);
});

test('a jti is needed, and used once (AADSTS90014, then AADSTS90023 for a replay)', async () => {
  expect(await refresh(assertion({ claims: { jti: undefined } }))).toMatchObject(refusedWith(401, 'invalid_client', 90014));
  const once = assertion();
  expect(await refresh(once)).toMatchObject(CLIENT_ACCEPTED);
  expect(await refresh(once)).toMatchObject(refusedWith(401, 'invalid_client', 90023));
  // A refused assertion does not use up its jti: the same jti, properly signed, still proves the client.
  const jti = randomUUID();
  expect(await refresh(assertion({ claims: { jti, sub: 'someone' } }))).toMatchObject(refusedWith(401, 'invalid_client', 50048));
  expect(await refresh(assertion({ claims: { jti } }))).toMatchObject(CLIENT_ACCEPTED);
});

test('one credential per request, of the documented type', async () => {
  expect(await refresh(assertion(), { client_secret: 'obo-secret' })).toMatchObject(refusedWith(400, 'invalid_request', 90023));
  expect(await refresh(assertion(), { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' })).toMatchObject(
    refusedWith(400, 'invalid_request', 90023),
  );
  expect(await refresh(assertion(), { client_assertion_type: '' })).toMatchObject(refusedWith(400, 'invalid_request', 900144));
  // The on-behalf-of grant authenticates the client the same way.
  const obo = {
    grant_type: JWT_BEARER,
    client_id: clientId,
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    assertion: await issuer.mintToken({ preferred_username: 'agent@brightwells.co.uk' }),
    scope: 'https://graph.microsoft.com/Mail.ReadWrite offline_access',
    requested_token_use: 'on_behalf_of',
  };
  expect(await post({ ...obo, client_assertion: assertion({ signWith: stranger }) })).toMatchObject(refusedWith(401, 'invalid_client', 700027));
  expect(await post({ ...obo, client_assertion: assertion() })).toMatchObject({ status: 200 });
});

test('GraphTokens with a certificate Entra does not know: the adapter’s credentials are refused, for IT to fix', async () => {
  const tokens = new GraphTokens({ clientId, tokenUrl, certificate: readClientCertificate(stranger.pem) });
  const refusal = await tokens.onBehalfOf(await issuer.mintToken({ preferred_username: 'agent@brightwells.co.uk' })).catch((e: unknown) => e);
  expect(refusal).toMatchObject({ reason: 'client-refused', providerCode: 'AADSTS700027', stop: true });
  expect(String((refusal as Error).message)).toContain('ask your IT administrator');
  expect(causeOfRefusal('client-refused')).toBe('not-configured');
});
