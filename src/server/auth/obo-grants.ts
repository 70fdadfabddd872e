/**
 * The local issuer's two grants for a confidential client acting for its user, as Microsoft Learn
 * documents them in "Microsoft identity platform and OAuth 2.0 On-Behalf-Of flow" and "Refresh
 * tokens in the Microsoft identity platform" (the refresh_token grant of "OAuth 2.0 authorization
 * code flow"):
 *
 * - OBO: grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer, client_id, client_secret (or a
 *   certificate's client_assertion_type + client_assertion, checked in client-assertion-check.ts),
 *   assertion (the access token the client was called with: its `aud` must be the client's own app),
 *   scope, requested_token_use=on_behalf_of. The answer carries an access token for the scope's
 *   resource and, when offline_access was asked for, a refresh token.
 * - refresh_token: grant_type=refresh_token, client_id, client_secret (or client assertion),
 *   refresh_token, scope.
 *
 * Errors are the documented ones, as JSON with `error`, `error_description` (AADSTS code first) and
 * `error_codes`: a missing parameter → 400 invalid_request AADSTS900144; a wrong client secret → 401
 * invalid_client AADSTS7000215 (also a secret sent for an app that registered none); a refused client
 * assertion → the codes client-assertion-check.ts lists; no consent → 400 invalid_grant AADSTS65001; a tenant policy that
 * needs the user present (MFA) → 400 interaction_required AADSTS50079 with `claims`; a revoked
 * refresh token → 400 invalid_grant AADSTS50173. Switches per variant: `consent`, `interaction`,
 * and `revoke(oid)`.
 */
import { randomBytes } from 'node:crypto';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { CLIENT_ASSERTION_TYPE } from '../graph/client-assertion';
import { ClientAssertionCheck } from './client-assertion-check';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The app registration: its client secret and/or its uploaded certificates (PEM), as Entra keeps them. */
export interface OboClient {
  clientId: string;
  clientSecret?: string;
  certificates?: string[];
}

export interface OboControls {
  /** 'missing': the user (or an administrator) has not consented to the scopes. */
  consent: 'granted' | 'missing';
  /** 'required': Conditional Access needs the user to sign in interactively (MFA). */
  interaction: 'none' | 'required';
  /** Revokes every refresh token of a user (as "Revoke sign-in sessions" does). */
  revoke(oid: string): void;
  /** Ends every access token handed out (as an hour passing would); refresh tokens stay valid. */
  expireAccessTokens(): void;
  /** Whether an access token for Graph was handed out by this issuer and has not expired. */
  isGraphToken(token: string): boolean;
  /** How many grants of each kind were answered with tokens (what tests can observe). */
  issued: { obo: number; refresh: number };
}

interface Grant {
  oid: string;
  tid: string;
  scope: string;
  revoked: boolean;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const ACCESS_SECONDS = 3600;

function failure(status: number, error: string, code: number, description: string, extra: Record<string, unknown> = {}): TokenAnswer {
  return {
    status,
    body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString(), ...extra },
  };
}

const missing = (name: string) => failure(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

/** The client proves itself with one credential: its secret, or an assertion signed by its certificate. */
function clientRefused(client: OboClient, assertions: ClientAssertionCheck, form: Record<string, string>, tokenUrl: string): TokenAnswer | undefined {
  if (!form.client_id) return missing('client_id');
  if (form.client_id !== client.clientId)
    return failure(400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id}' was not found in the directory.`);
  if (!form.client_secret && !form.client_assertion) return missing("client_assertion' or 'client_secret");
  if (form.client_secret && form.client_assertion)
    return failure(400, 'invalid_request', 90023, "Only one client credential may be presented: 'client_assertion' or 'client_secret'.");
  if (form.client_secret) {
    if (!client.clientSecret || form.client_secret !== client.clientSecret)
      return failure(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.');
    return undefined;
  }
  if (!form.client_assertion_type) return missing('client_assertion_type');
  if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE)
    return failure(400, 'invalid_request', 90023, `The client_assertion_type must be '${CLIENT_ASSERTION_TYPE}'.`);
  const no = assertions.refusal(form.client_assertion, tokenUrl);
  return no ? failure(no.status, no.error, no.code, no.description) : undefined;
}

/** The policy switches every grant for a user meets. */
function policyRefused(client: OboClient, controls: OboControls, form: Record<string, string>): TokenAnswer | undefined {
  if (!form.scope) return missing('scope');
  if (controls.consent === 'missing')
    return failure(
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${client.clientId}'. Send an interactive authorization request for this user and resource.`,
      { suberror: 'consent_required' },
    );
  if (controls.interaction === 'required')
    return failure(
      400,
      'interaction_required',
      50079,
      'Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication.',
      {
        claims: '{"access_token":{"capolids":{"essential":true,"values":["local-policy"]}}}',
      },
    );
  return undefined;
}

export function oboGrants(client: OboClient, keys: JWTVerifyGetKey, audience: string) {
  const assertions = new ClientAssertionCheck(client.clientId, client.certificates ?? []);
  const refused = (form: Record<string, string>, tokenUrl: string) =>
    clientRefused(client, assertions, form, tokenUrl) ?? policyRefused(client, controls, form);
  const refreshTokens = new Map<string, Grant>();
  const accessTokens = new Map<string, number>();
  const controls: OboControls = {
    consent: 'granted',
    interaction: 'none',
    revoke(oid) {
      for (const g of refreshTokens.values()) if (g.oid === oid) g.revoked = true;
    },
    expireAccessTokens: () => accessTokens.clear(),
    isGraphToken: (token) => (accessTokens.get(token) ?? 0) > Date.now(),
    issued: { obo: 0, refresh: 0 },
  };

  const tokens = (grant: Grant): TokenAnswer => {
    const access = `graph.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(access, Date.now() + ACCESS_SECONDS * 1000);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: grant.scope,
      expires_in: ACCESS_SECONDS,
      ext_expires_in: ACCESS_SECONDS,
      access_token: access,
    };
    if (grant.scope.split(' ').includes('offline_access')) {
      const refresh = `rt.${randomBytes(32).toString('base64url')}`;
      refreshTokens.set(refresh, { ...grant });
      body.refresh_token = refresh;
    }
    return { status: 200, body };
  };

  async function onBehalfOf(form: Record<string, string>, tokenUrl: string): Promise<TokenAnswer> {
    const early = refused(form, tokenUrl);
    if (early) return early;
    if (!form.assertion) return missing('assertion');
    if (form.requested_token_use !== 'on_behalf_of') return missing('requested_token_use');
    try {
      const { payload } = await jwtVerify(form.assertion, keys, { audience, algorithms: ['RS256'] });
      if (typeof payload.oid !== 'string' || typeof payload.tid !== 'string') throw new Error('no user');
      controls.issued.obo++;
      return tokens({ oid: payload.oid, tid: payload.tid, scope: form.scope, revoked: false });
    } catch {
      return failure(400, 'invalid_grant', 50013, 'Assertion failed signature validation, has expired, or was issued for another application.');
    }
  }

  function refresh(form: Record<string, string>, tokenUrl: string): TokenAnswer {
    const early = refused(form, tokenUrl);
    if (early) return early;
    if (!form.refresh_token) return missing('refresh_token');
    const grant = refreshTokens.get(form.refresh_token);
    if (!grant) return failure(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (grant.revoked)
      return failure(
        400,
        'invalid_grant',
        50173,
        'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
      );
    controls.issued.refresh++;
    return tokens({ ...grant, scope: form.scope });
  }

  return {
    controls,
    /**
     * Answers a token request whose grant_type is one of these two; undefined for any other.
     * `tokenUrl` is the endpoint it was sent to: a client assertion's aud must name it.
     */
    answer(form: Record<string, string>, tokenUrl: string): Promise<TokenAnswer> | undefined {
      if (form.grant_type === JWT_BEARER) return onBehalfOf(form, tokenUrl);
      if (form.grant_type === 'refresh_token') return Promise.resolve(refresh(form, tokenUrl));
      return undefined;
    },
  };
}
