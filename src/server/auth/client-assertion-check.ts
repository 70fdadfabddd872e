/**
 * How the local issuer checks a confidential client's certificate credential, as Microsoft Entra ID
 * does and no less strictly. The format is "Microsoft identity platform application authentication
 * certificate credentials" on Microsoft Learn; the codes are those of "Microsoft Entra authentication
 * and authorization error codes" and the Azure SDK for Java's "Troubleshoot service principal
 * authentication" page:
 *
 * - the header names a registered certificate by `x5t#S256` (or the older SHA-1 `x5t`), alg PS256
 *   (the page now) or RS256 (the page before), typ JWT if given; an unknown thumbprint, another
 *   algorithm or a bad signature → invalid_client AADSTS700027;
 * - iss = the client id → else AADSTS700021; sub = iss → else AADSTS50048;
 * - aud = the token endpoint the request was sent to → else AADSTS700023;
 * - exp in the future, nbf/iat not ahead of now (five minutes' clock skew, as Entra allows), and at
 *   most ten minutes from nbf to exp — the page's "5-10 minutes after nbf at most", which Entra does
 *   not yet enforce and this issuer does → else AADSTS700024;
 * - a jti, used once: RFC 7523 §3 lets the server refuse a repeat within the assertion's lifetime,
 *   for which Entra documents no code of its own, so the generic AADSTS90023 (InvalidRequest) says it;
 *   a missing jti is AADSTS90014 (MissingRequiredField).
 */
import { constants, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { thumbprints } from '../graph/client-assertion';

export interface Refusal {
  status: number;
  error: string;
  code: number;
  description: string;
}

const SKEW_SECONDS = 5 * 60;
const MAX_LIFETIME_SECONDS = 10 * 60;

const invalidClient = (code: number, description: string): Refusal => ({ status: 401, error: 'invalid_client', code, description });
const badSignature = (reason: string) => invalidClient(700027, `Client assertion contains an invalid signature. [Reason - ${reason}]`);

interface Registered {
  x5tS256: string;
  x5t: string;
  publicKey: KeyObject;
}

interface Parsed {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  input: string;
  signature: Buffer;
}

function parse(jwt: string): Parsed | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [header, claims] = parts.slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as unknown);
    if (typeof header !== 'object' || !header || typeof claims !== 'object' || !claims) return undefined;
    return {
      header: header as Parsed['header'],
      claims: claims as Parsed['claims'],
      input: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** RS256 is RSASSA-PKCS1-v1_5; PS256 RSASSA-PSS with a salt as long as the hash (RFC 7518 §3.3, §3.5). */
function signatureHolds(alg: string, p: Parsed, key: KeyObject): boolean {
  const padding = alg === 'PS256' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {};
  return verify('sha256', Buffer.from(p.input), { key, ...padding }, p.signature);
}

export class ClientAssertionCheck {
  private readonly certificates: Registered[];
  /** jti → the end of its assertion's lifetime (ms): a repeat before then is a replay. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly clientId: string,
    certificatePems: string[],
    private readonly now: () => number = Date.now,
  ) {
    this.certificates = certificatePems.map((pem) => {
      const cert = new X509Certificate(pem);
      return { ...thumbprints(cert), publicKey: cert.publicKey };
    });
  }

  /** Why `jwt` does not prove the client for a request to `tokenUrl`, or undefined when it does. */
  refusal(jwt: string, tokenUrl: string): Refusal | undefined {
    const p = parse(jwt);
    if (!p) return { status: 400, error: 'invalid_request', code: 50027, description: 'JWT token is invalid or malformed.' };
    const signed = this.signatureRefusal(p);
    if (signed) return signed;
    const { iss, sub, aud } = p.claims;
    if (iss !== this.clientId) return invalidClient(700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
    if (sub !== iss) return invalidClient(50048, 'Subject mismatches Issuer claim in the client assertion.');
    if (Array.isArray(aud) ? !aud.includes(tokenUrl) : aud !== tokenUrl)
      return invalidClient(700023, `Client assertion audience claim does not match Realm issuer. Expected audience: '${tokenUrl}'.`);
    return this.timeRefusal(p.claims) ?? this.replayRefusal(p.claims);
  }

  private signatureRefusal(p: Parsed): Refusal | undefined {
    const { alg, typ } = p.header;
    const s256 = p.header['x5t#S256'];
    const sha1 = p.header.x5t;
    const cert = this.certificates.find((c) => (s256 === undefined || s256 === c.x5tS256) && (sha1 === undefined || sha1 === c.x5t));
    if (!cert || (s256 === undefined && sha1 === undefined))
      return badSignature(`The key was not found., Thumbprint of key used by client: '${String(s256 ?? sha1 ?? '')}'`);
    if (alg !== 'PS256' && alg !== 'RS256') return badSignature(`The algorithm '${String(alg)}' is not supported; use PS256.`);
    if (typ !== undefined && typ !== 'JWT') return badSignature(`The token type '${String(typ)}' is not JWT.`);
    if (!signatureHolds(alg, p, cert.publicKey)) return badSignature('The provided signature value did not match the expected signature value.');
    return undefined;
  }

  private timeRefusal(claims: Record<string, unknown>): Refusal | undefined {
    const now = this.now() / 1000;
    const { exp, nbf, iat } = claims;
    const start = typeof nbf === 'number' ? nbf : typeof iat === 'number' ? iat : now;
    const ahead = (t: unknown) => typeof t === 'number' && t > now + SKEW_SECONDS;
    if (typeof exp !== 'number' || exp <= now || ahead(nbf) || ahead(iat) || exp - start > MAX_LIFETIME_SECONDS) {
      const at = (t: unknown) => (typeof t === 'number' ? new Date(t * 1000).toISOString() : 'none');
      return invalidClient(
        700024,
        `Client assertion is not within its valid time range. Current time: ${at(now)}, assertion valid from ${at(start)}, expiry time of assertion ${at(exp)}.`,
      );
    }
    return undefined;
  }

  private replayRefusal(claims: Record<string, unknown>): Refusal | undefined {
    const { jti, exp } = claims;
    if (typeof jti !== 'string' || !jti) return invalidClient(90014, "The required field 'jti' is missing from the credential.");
    const now = this.now();
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
    if (this.seen.has(jti)) return invalidClient(90023, `The client assertion with jti '${jti}' has already been used: sign a new one for each request.`);
    this.seen.set(jti, (exp as number) * 1000);
    return undefined;
  }
}
