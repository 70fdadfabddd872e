/**
 * Token attacks against the running adapter: each must get a 401 with a machine-readable code and a
 * plain message, and write nothing.
 */
import { SignJWT } from 'jose';
import { DEMO_ADDRESSES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';
import { decodePayload, hs256Token, strayKey, tamperPayload, unsignedToken } from '../../support/issuer';

let adapter: TestAdapter;
beforeAll(async () => {
  adapter = await startTestAdapter({ overrides: { jwksCooldownMs: 0 } });
});
afterAll(() => adapter.close());

const body = () => ({
  ownerAddresses: [DEMO_USERS.agent.email],
  messages: [
    {
      internetMessageId: `<attack-${Math.random()}@example.com>`,
      from: [{ address: DEMO_ADDRESSES.cliftonVendor }],
      to: [{ address: DEMO_USERS.agent.email }],
      date: '2026-11-20T10:00:00Z',
      subject: 'x',
      preview: 'x',
      direction: 'inbound',
    },
  ],
});

async function fileWith(authorization: string | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(`${adapter.url}/api/v1/mail/file`, { method: 'POST', headers, body: JSON.stringify(body()) });
  return { status: res.status, json: (await res.json()) as { code: string; message: string; requestId: string }, headers: res.headers };
}

async function events(): Promise<number> {
  return (await adapter.ctx.db.selectFrom('timeline_events').select('id').execute()).length;
}

const agent = DEMO_USERS.agent.email;

const REASON: Record<string, RegExp> = {
  'no Authorization header': /no sign-in token/,
  'not a bearer token': /must be "Bearer/,
  garbage: /malformed/,
  expired: /expired/,
  'not yet valid (nbf in the future, beyond skew)': /not valid yet/,
  'wrong audience': /another application/,
  'wrong issuer': /does not trust/,
  'wrong tenant (issuer form matches, tenant not allowed)': /does not trust/,
  'tenant claim that does not match the issuer': /does not trust/,
  'missing access_as_user scope': /access_as_user/,
  'alg none': /algorithm/,
  'HS256 signed with the public key': /algorithm/,
  'tampered payload (other user)': /signature/,
  'tampered payload (later expiry)': /signature/,
  'unknown kid': /key the issuer does not publish/,
  'known kid, key the issuer does not hold': /signature/,
  'RS512 (only RS256 is accepted)': /algorithm/,
};

describe('token validation', () => {
  it('accepts a valid token (the control case)', async () => {
    const r = await fileWith(`Bearer ${await adapter.mintToken(agent)}`);
    expect(r.status).toBe(200);
  });

  const attacks: [string, () => Promise<string | undefined>, string][] = [
    ['no Authorization header', async () => undefined, 'missing-token'],
    ['not a bearer token', async () => 'Basic YWdlbnQ6cGFzc3dvcmQ=', 'invalid-token'],
    ['garbage', async () => 'Bearer not.a.jwt', 'invalid-token'],
    ['expired', async () => `Bearer ${await adapter.mintToken(agent, {}, { issuedAtOffset: -7200, expiresIn: 3600 })}`, 'token-expired'],
    ['not yet valid (nbf in the future, beyond skew)', async () => `Bearer ${await adapter.mintToken(agent, {}, { notBeforeIn: 600 })}`, 'invalid-token'],
    ['wrong audience', async () => `Bearer ${await adapter.mintToken(agent, { aud: 'api://someone-else' })}`, 'invalid-token'],
    ['wrong issuer', async () => `Bearer ${await adapter.mintToken(agent, { iss: 'https://login.evil.example/x/v2.0' })}`, 'invalid-token'],
    [
      'wrong tenant (issuer form matches, tenant not allowed)',
      async () => `Bearer ${await adapter.mintToken(agent, { tid: '00000000-0000-4000-8000-000000000bad' })}`,
      'invalid-token',
    ],
    [
      'tenant claim that does not match the issuer',
      async () => `Bearer ${await adapter.mintToken(agent, { iss: adapter.issuer.issuerFor('00000000-0000-4000-8000-000000000bad') })}`,
      'invalid-token',
    ],
    ['missing access_as_user scope', async () => `Bearer ${await adapter.mintToken(agent, { scp: 'User.Read' })}`, 'invalid-token'],
    ['alg none', async () => `Bearer ${unsignedToken(decodePayload(await adapter.mintToken(agent)), { kid: adapter.issuer.kid })}`, 'invalid-token'],
    [
      'HS256 signed with the public key',
      async () => `Bearer ${await hs256Token(decodePayload(await adapter.mintToken(agent)), await adapter.issuer.publicKeyPem(), adapter.issuer.kid)}`,
      'invalid-token',
    ],
    [
      'tampered payload (other user)',
      async () => `Bearer ${tamperPayload(await adapter.mintToken(agent), (p) => ({ ...p, preferred_username: DEMO_USERS.admin.email, oid: 'x' }))}`,
      'invalid-token',
    ],
    [
      'tampered payload (later expiry)',
      async () => `Bearer ${tamperPayload(await adapter.mintToken(agent), (p) => ({ ...p, exp: Number(p.exp) + 86400 }))}`,
      'invalid-token',
    ],
    ['unknown kid', async () => `Bearer ${await adapter.mintToken(agent, {}, { kid: 'unknown-kid', privateKey: await strayKey() })}`, 'invalid-token'],
    ['known kid, key the issuer does not hold', async () => `Bearer ${await adapter.mintToken(agent, {}, { privateKey: await strayKey() })}`, 'invalid-token'],
    [
      'RS512 (only RS256 is accepted)',
      async () => {
        const p = decodePayload(await adapter.mintToken(agent));
        const { generateKeyPair } = await import('jose');
        const { privateKey } = await generateKeyPair('RS512');
        return `Bearer ${await new SignJWT(p).setProtectedHeader({ alg: 'RS512', kid: adapter.issuer.kid }).sign(privateKey)}`;
      },
      'invalid-token',
    ],
  ];

  it.each(attacks)('%s → 401', async (_name, make, code) => {
    const before = await events();
    const r = await fileWith(await make());
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
    expect(r.json.message.length).toBeGreaterThan(10);
    // The right reason, not just any 401.
    expect(r.json.message).toMatch(REASON[_name]);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await events()).toBe(before);
  });

  it('refuses a valid token for a user who is not in Rezi with 403 unknown-user', async () => {
    const r = await fileWith(`Bearer ${await adapter.mintToken('stranger@brightwells.co.uk')}`);
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('unknown-user');
  });

  it('binds the object id on first sign-in: the same email with another oid is refused', async () => {
    const token = await adapter.mintToken(DEMO_USERS.southvilleAgent.email);
    expect((await fileWith(`Bearer ${token}`)).status).toBe(200);
    const impostor = await adapter.mintToken(DEMO_USERS.southvilleAgent.email, { oid: '11111111-1111-4111-8111-111111111111' });
    expect((await fileWith(`Bearer ${impostor}`)).status).toBe(403);
  });

  it('binds a first sign-in only by the exact address (ASCII case folding only), never by a Unicode look-alike, and audits it', async () => {
    const adminRow = () => adapter.ctx.db.selectFrom('users').select('oid').where('id', '=', DEMO_USERS.admin.id).executeTakeFirstOrThrow();
    expect((await adminRow()).oid).toBeNull();
    // Fullwidth letters fold to "brightwells" under Unicode compatibility (NFKC / IDNA), not under ASCII rules.
    const lookAlike = await adapter.mintToken('IT@ＢＲＩＧＨＴＷＥＬＬＳ.co.uk', { oid: '22222222-2222-4222-8222-222222222222' });
    const refused = await fileWith(`Bearer ${lookAlike}`);
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('unknown-user');
    expect((await adminRow()).oid).toBeNull();

    const oid = '33333333-3333-4333-8333-333333333333';
    const real = await adapter.mintToken('IT@Brightwells.CO.UK', { oid });
    expect((await fileWith(`Bearer ${real}`)).status).toBe(200);
    expect((await adminRow()).oid).toBe(oid);
    const audit = await adapter.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'user.bind-identity')
      .where('actor_user_id', '=', DEMO_USERS.admin.id)
      .execute();
    expect(audit.map((a) => [a.actor_user_id, JSON.parse(a.details ?? '{}').oid])).toEqual([[DEMO_USERS.admin.id, oid]]);
  });

  it('refuses a token without an object id with 401, even for a user whose row is bound', async () => {
    const bound = await adapter.mintToken(agent);
    expect((await fileWith(`Bearer ${bound}`)).status).toBe(200);
    const noOid = await adapter.mintToken(agent, { oid: undefined, sub: 'someone' });
    const r = await fileWith(`Bearer ${noOid}`);
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ code: 'invalid-token', message: expect.stringMatching(/no object id/) });
  });

  it('follows key rotation: a token signed with a new key is accepted after the JWKS is refetched', async () => {
    await adapter.issuer.rotateKey();
    const r = await fileWith(`Bearer ${await adapter.mintToken(agent)}`);
    expect(r.status).toBe(200);
  });

  it('accepts a token within the 60 s clock skew', async () => {
    const r = await fileWith(`Bearer ${await adapter.mintToken(agent, {}, { notBeforeIn: 30 })}`);
    expect(r.status).toBe(200);
  });
});

describe('local issuer token endpoint', () => {
  it('mints a token for a demo user that the adapter accepts', async () => {
    const res = await fetch(`${adapter.issuer.origin}/${adapter.issuer.tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: agent }).toString(),
    });
    const json = (await res.json()) as { access_token: string; token_type: string };
    expect(json.token_type).toBe('Bearer');
    const status = await fetch(`${adapter.url}/api/v1/status`, { headers: { authorization: `Bearer ${json.access_token}` } });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { user: { email: string } }).user.email).toBe(agent);
  });

  it('serves its JWKS and OpenID metadata', async () => {
    const meta = (await (await fetch(`${adapter.issuer.origin}/${adapter.issuer.tenant}/v2.0/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(meta.issuer).toBe(adapter.issuer.issuerFor());
    const jwks = (await (await fetch(meta.jwks_uri)).json()) as { keys: { kid: string; kty: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(adapter.issuer.kid);
    for (const k of jwks.keys) expect(k.d).toBeUndefined();
  });
});

describe('rate limit per user', () => {
  it('answers 429 rate-limited past the per-user limit, without affecting another user', async () => {
    const small = await startTestAdapter({ env: { RATE_LIMIT_PER_MINUTE: '3' }, logLevel: 'silent' });
    try {
      const a = await small.mintToken(DEMO_USERS.agent.email);
      const b = await small.mintToken(DEMO_USERS.admin.email);
      const get = (t: string) => fetch(`${small.url}/api/v1/status`, { headers: { authorization: `Bearer ${t}` } });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await get(a)).status);
      expect(codes).toEqual([200, 200, 200, 429]);
      const limited = await get(a);
      expect(((await limited.json()) as { code: string }).code).toBe('rate-limited');
      expect((await get(b)).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
