/**
 * Bearer token validation as Microsoft documents it for Entra ID access tokens: RS256 signature
 * against the issuer's JWKS (unknown kid → refetch, with a cooldown), `aud` = the adapter's app id
 * URI, `iss` (and `tid`) against the allow-list, exp/nbf with 60 s skew, scope `access_as_user`.
 * Then the token's user is mapped to a row in `users`.
 */
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { AuthConfig } from '../config';
import { type AuthUser, authUserOf, type TokenVerifier } from '../context';
import { ApiHttpError } from '../errors';
import type { Database } from '../store/schema';

export const REQUIRED_SCOPE = 'access_as_user';

export interface VerifierOptions {
  /** Key source; defaults to a remote JWKS at auth.jwksUrl. */
  keys?: JWTVerifyGetKey;
  /** Minimum time between JWKS refetches triggered by an unknown kid. */
  jwksCooldownMs?: number;
  /** How long a token identity's user mapping is reused (unknown users are never cached); default USER_CACHE_MS. */
  userCacheMs?: number;
}

/**
 * The bound on a stale user mapping, on every instance: each instance keeps its own mapping cache,
 * so a user removed from Rezi, moved to another branch or given another role (on any instance, or
 * in Rezi itself) is seen by all instances within this time. A cached verified token holds nothing
 * from `users`, so it cannot outlive such a change: its user is mapped through this cache.
 */
export const USER_CACHE_MS = 30_000;
const USER_CACHE_MAX = 10_000;
/**
 * A token that passed every check is taken as valid again, without jose, until its `exp` (and at most
 * this long). jose costs ~0.4 ms of CPU a request (async RSA verify, claim parsing), a tenth of a
 * 100-mail filing request, and a client sends the same token for its whole life. The result cannot
 * differ: the signature and claims of the same string are the same; time is re-checked by the expiry
 * (after it the token goes through jose again, which applies the clock skew); and a signing key
 * dropped from the JWKS is already trusted for up to an hour by jose's own key cache.
 */
const TOKEN_CACHE_MS = 5 * 60_000;
const TOKEN_CACHE_MAX = 10_000;

const bearer = 'Bearer realm="rezi-adapter"';

/** Entra object ids are GUIDs; anything else is not an identity. */
const OID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The address a first sign-in may bind by: the token's preferred_username exactly, with ASCII case
 * folding only. No Unicode compatibility folding: `ＩＴ@ｂｒｉｇｈｔｗｅｌｌｓ.co.uk` (fullwidth) is
 * another name, not a spelling of it@brightwells.co.uk.
 */
export function bindingAddress(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (!text || text.length > 254 || !text.includes('@')) return undefined;
  return text.replace(/[A-Z]+/g, (c) => c.toLowerCase());
}

function invalid(message: string, code = 'invalid-token'): ApiHttpError {
  const error = code === 'token-expired' ? 'invalid_token' : code === 'missing-token' ? 'invalid_request' : 'invalid_token';
  return new ApiHttpError(401, code, message, { cause: 'authorisation-expired', headers: { 'www-authenticate': `${bearer}, error="${error}"` } });
}

/** Maps jose's errors to plain 401s; the details stay out of the response. */
function fromJose(e: unknown): ApiHttpError {
  if (e instanceof ApiHttpError) return e;
  if (e instanceof errors.JWTExpired) return invalid('Your sign-in has expired. Sign in again to continue.', 'token-expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') return invalid('The sign-in token is not valid yet. Check the computer clock and sign in again.');
    if (e.claim === 'aud') return invalid('The sign-in token was issued for another application.');
    return invalid(`The sign-in token is not valid (${e.claim} claim).`);
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return invalid('The sign-in token is signed with an algorithm the adapter does not accept.');
  if (e instanceof errors.JWKSNoMatchingKey) return invalid('The sign-in token is signed with a key the issuer does not publish.');
  if (e instanceof errors.JWSSignatureVerificationFailed) return invalid('The sign-in token signature is not valid.');
  if (e instanceof errors.JWKSTimeout || (e instanceof errors.JOSEError && e.code === 'ERR_JWKS_INVALID')) {
    return new ApiHttpError(503, 'issuer-unreachable', 'The adapter could not fetch the sign-in keys. Try again in a minute.', { cause: 'server-unreachable' });
  }
  if (e instanceof errors.JOSEError) return invalid('The sign-in token is malformed.');
  if (e instanceof TypeError || (e as { code?: string })?.code === 'ECONNREFUSED') {
    return new ApiHttpError(503, 'issuer-unreachable', 'The adapter could not fetch the sign-in keys. Try again in a minute.', { cause: 'server-unreachable' });
  }
  return invalid('The sign-in token could not be validated.');
}

/** Checks `iss` against the allow-list; `{tenantid}` entries need `tid` to be an allowed tenant. */
export function issuerAllowed(payload: JWTPayload, auth: Pick<AuthConfig, 'issuers' | 'allowedTenants'>): boolean {
  const iss = payload.iss;
  const tid = typeof payload.tid === 'string' ? payload.tid : undefined;
  if (typeof iss !== 'string') return false;
  for (const entry of auth.issuers) {
    if (entry.includes('{tenantid}')) {
      if (tid && /^[0-9a-zA-Z-]{1,64}$/.test(tid) && iss === entry.replace('{tenantid}', tid) && auth.allowedTenants.includes(tid)) return true;
    } else if (iss === entry) {
      if (auth.allowedTenants.length === 0 || (tid !== undefined && auth.allowedTenants.includes(tid))) return true;
    }
  }
  return false;
}

type Verify = (token: string) => Promise<JWTPayload>;
type MapUser = (payload: JWTPayload) => Promise<AuthUser>;

/** Signature and claims as Entra documents them, then the issuer allow-list and the scope. */
function claimsVerifier(auth: AuthConfig, options: VerifierOptions): Verify {
  if (!options.keys && !auth.jwksUrl) throw new Error('No JWKS URL configured for token validation.');
  const keys =
    options.keys ??
    createRemoteJWKSet(new URL(auth.jwksUrl as string), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 60 * 60 * 1000,
      timeoutDuration: 5_000,
    });
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        audience: auth.audience,
        clockTolerance: 60,
        requiredClaims: ['exp', 'iss', 'aud'],
      }));
    } catch (e) {
      throw fromJose(e);
    }
    if (!issuerAllowed(payload, auth)) throw invalid('The sign-in token comes from an issuer or organisation this adapter does not trust.');
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
    if (!scopes.includes(REQUIRED_SCOPE)) throw invalid(`The sign-in token lacks the ${REQUIRED_SCOPE} permission. Sign in again and approve it.`);
    return payload;
  };
}

type UserQuery = ReturnType<typeof usersOfTenant>;
type UserRow = NonNullable<Awaited<ReturnType<UserQuery['executeTakeFirst']>>>;

function usersOfTenant(db: Kysely<Database>, tid: string) {
  return db
    .selectFrom('users')
    .innerJoin('branches', 'branches.id', 'users.branch_id')
    .select(['users.id', 'users.tenant_id', 'users.oid', 'users.email', 'users.name', 'users.branch_id', 'branches.name as branch_name', 'users.role'])
    .where('users.tenant_id', '=', tid);
}

/**
 * First sign-in: binds the oid to a row of the same tenant with exactly this address and no oid yet.
 * Never over an existing oid (a recycled mailbox is another person).
 */
async function bindFirstSignIn(db: Kysely<Database>, base: UserQuery, who: { tid: string; oid: string; username: string }): Promise<UserRow | undefined> {
  const { tid, oid, username } = who;
  const candidate = await base.where('users.email', '=', username).where('users.oid', 'is', null).executeTakeFirst();
  // None unbound: a concurrent first sign-in may have bound this oid since the caller looked it up (on
  // PostgreSQL, 3 of 5 adapters refused some of 10 simultaneous first requests from one user with 403).
  if (!candidate) return base.where('users.oid', '=', oid).executeTakeFirst();
  const bound = await db.updateTable('users').set({ oid }).where('id', '=', candidate.id).where('oid', 'is', null).executeTakeFirst();
  // Bound by a concurrent first sign-in: only its own oid maps to the row.
  if (Number(bound.numUpdatedRows) !== 1) return base.where('users.oid', '=', oid).executeTakeFirst();
  await db
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      at: new Date().toISOString(),
      actor_user_id: candidate.id,
      branch_id: candidate.branch_id,
      action: 'user.bind-identity',
      details: JSON.stringify({ tenantId: tid, oid, preferredUsername: username }),
    })
    .execute();
  return { ...candidate, oid };
}

/** The token's user as a row of `users`. Identity is (tid, oid), as Microsoft's guidance says: names and addresses can be reassigned. */
export function userMapper(db: Kysely<Database>): MapUser {
  return async (payload) => {
    const tid = String(payload.tid ?? '');
    const oid = typeof payload.oid === 'string' && OID.test(payload.oid) ? payload.oid : undefined;
    if (!oid) throw invalid('The sign-in token does not say who you are (it has no object id). Sign in again with your work account.');
    const base = usersOfTenant(db, tid);
    const username = bindingAddress(payload.preferred_username);
    const row =
      (await base.where('users.oid', '=', oid).executeTakeFirst()) ?? (username ? await bindFirstSignIn(db, base, { tid, oid, username }) : undefined);
    if (!row) {
      throw new ApiHttpError(
        403,
        'unknown-user',
        'You are signed in, but your account is not set up in Rezi. Ask your Rezi administrator to add you to a branch.',
      );
    }
    return authUserOf({ ...row, user_id: row.id });
  };
}

/** Wall-clock time for the caches: a token's expiry is wall-clock, and tests move the clock with fake timers. */
const wallClock = { now: () => Date.now() };

/**
 * Every request maps its token's user to a row (a query, and the full address parser on the
 * username); a client filing a queue sends dozens of requests a minute with the same identity.
 * Unknown users are never cached: mapUser throws for them.
 */
function cachedUsers(mapUser: MapUser, ttl: number): MapUser {
  const users = new LRUCache<string, AuthUser>({ max: USER_CACHE_MAX, ttl, ttlResolution: 0, perf: wallClock });
  return async (payload) => {
    const key = JSON.stringify([payload.tid ?? '', payload.oid ?? null, payload.preferred_username ?? null]);
    const hit = users.get(key);
    if (hit) return hit;
    // Frozen: one object now serves many requests.
    const user = Object.freeze(await mapUser(payload));
    users.set(key, user);
    return user;
  };
}

/** Only tokens that passed are kept, until their `exp`; a failure is never cached, so its error is always current. */
function cachedTokens(verify: Verify): Verify {
  const tokens = new LRUCache<string, JWTPayload>({ max: TOKEN_CACHE_MAX, ttlResolution: 0, perf: wallClock });
  return async (token) => {
    const hit = tokens.get(token);
    if (hit) return hit;
    const payload = await verify(token);
    // requiredClaims makes exp a number here; a non-numeric one would have failed in jose.
    const ttl = Math.min((payload.exp as number) * 1000 - Date.now(), TOKEN_CACHE_MS);
    if (ttl > 0) tokens.set(token, Object.freeze(payload), { ttl });
    return payload;
  };
}

export function createTokenVerifier(db: Kysely<Database>, auth: AuthConfig, options: VerifierOptions = {}): TokenVerifier {
  const verify = cachedTokens(claimsVerifier(auth, options));
  const mapUser = cachedUsers(userMapper(db), options.userCacheMs ?? USER_CACHE_MS);
  return {
    async authenticate(authorization) {
      if (!authorization) throw invalid('Sign in to Rezi to continue (no sign-in token was sent).', 'missing-token');
      const m = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)$/i.exec(authorization.trim());
      if (!m || m[1].length > 16 * 1024) throw invalid('The Authorization header must be "Bearer <token>".');
      return mapUser(await verify(m[1]));
    },
  };
}
