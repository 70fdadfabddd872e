/**
 * The adapter's certificate credential for its own app registration, as "Microsoft identity platform
 * application authentication certificate credentials" on Microsoft Learn documents it: instead of a
 * client secret, each token request carries a short-lived JWT signed with the certificate's private
 * key (client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer). The header
 * names the certificate by `x5t#S256` (base64url SHA-256 of its DER form) and, for older readers,
 * `x5t` (the same with SHA-1); it is signed PS256 (RSA-PSS, SHA-256) as that page now asks. The
 * claims: aud = the token endpoint, iss = sub = the client id, a fresh jti, nbf/iat now and exp a few
 * minutes on (the page: "keep it short - 5-10 minutes after nbf at most").
 */
import { constants, createHash, createPrivateKey, type KeyObject, randomUUID, sign, X509Certificate } from 'node:crypto';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** How long one assertion may be used: well inside the ten minutes the page allows. */
export const ASSERTION_SECONDS = 5 * 60;

export interface ClientCertificate {
  privateKey: KeyObject;
  /** The certificate alone, as IT uploads it to the app registration (the local issuer registers it). */
  certificatePem: string;
  /** base64url SHA-256 of the certificate's DER encoding. */
  x5tS256: string;
  /** base64url SHA-1 of the same: the older header, which Entra still reads. */
  x5t: string;
  notAfter: Date;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function thumbprints(cert: X509Certificate): { x5tS256: string; x5t: string } {
  return { x5tS256: b64url(createHash('sha256').update(cert.raw).digest()), x5t: b64url(createHash('sha1').update(cert.raw).digest()) };
}

/**
 * The certificate and its private key from one PEM text (either order). Throws an Error whose message
 * says in plain words what is wrong with the file.
 */
export function readClientCertificate(pem: string): ClientCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new Error('it holds no certificate (a "-----BEGIN CERTIFICATE-----" block is needed besides the private key).');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(
      'it holds no readable private key (an unencrypted "-----BEGIN PRIVATE KEY-----" block is needed besides the certificate; remove a passphrase with `openssl pkey -in key.pem -out plain.pem`).',
    );
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('its key is not an RSA key: Microsoft Entra ID takes RSA certificates for client assertions.');
  if (!cert.checkPrivateKey(privateKey)) throw new Error('its private key does not belong to its certificate.');
  return { privateKey, certificatePem: cert.toString(), ...thumbprints(cert), notAfter: new Date(cert.validTo) };
}

/** A fresh client assertion for one token request to `tokenUrl`. */
export function clientAssertion(cert: ClientCertificate, clientId: string, tokenUrl: string, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': cert.x5tS256, x5t: cert.x5t };
  const claims = { aud: tokenUrl, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, iat: now, exp: now + ASSERTION_SECONDS };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  // PS256 (RFC 7518 §3.5): RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt as long as the hash.
  const signature = sign('sha256', Buffer.from(input), {
    key: cert.privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  });
  return `${input}.${b64url(signature)}`;
}
