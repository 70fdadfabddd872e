/** Token helpers for tests: the local issuer, and forged tokens for attack tests. */
import { SignJWT, generateKeyPair, type KeyLike } from 'jose';
export { startLocalIssuer, type LocalIssuer, type LocalTokenClaims, type MintOptions } from '../../src/server/auth/local-issuer';
export { DEFAULT_LOCAL_AUDIENCE, LOCAL_DEMO_TENANT } from '../../src/server/config';

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** An unsigned token (`alg: none`). */
export function unsignedToken(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return `${b64url({ alg: 'none', typ: 'JWT', ...header })}.${b64url(payload)}.`;
}

/** HS256 with an arbitrary secret (e.g. the issuer's public key PEM: the classic key-confusion attack). */
export async function hs256Token(payload: Record<string, unknown>, secret: string | Uint8Array, kid?: string): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) }).sign(key);
}

/** The payload of a JWT, decoded without verification (to build tampered variants). */
export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The same header and signature with a different payload. */
export function tamperPayload(token: string, change: (p: Record<string, unknown>) => Record<string, unknown>): string {
  const [h, p, s] = token.split('.');
  const payload = change(JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>);
  return `${h}.${b64url(payload)}.${s}`;
}

/** A fresh RSA key the issuer does not publish. */
export async function strayKey(): Promise<KeyLike> {
  return (await generateKeyPair('RS256', { modulusLength: 2048 })).privateKey;
}
