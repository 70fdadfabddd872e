/**
 * A limit per client address that applies before a token is checked: the per-user limit needs a
 * user, so requests that never authenticate would otherwise go unlimited (every forged token costs
 * a signature check and a log line). Each failed authentication counts; once an address has used
 * its budget for the minute, its requests are answered 429 without looking at the token. The count
 * is kept in the store (coordination/counters.ts), so it is the same on every instance.
 */
import type { Counters } from './coordination/counters';

export interface AddressLimit {
  /** Seconds until the address may try again, or 0 when it is within its budget. */
  blockedFor(address: string): Promise<number>;
  /** One failed authentication from this address. */
  failed(address: string): Promise<void>;
}

export function addressLimit(counters: Counters, maxFailures: number, windowMs = 60_000): AddressLimit {
  const key = (address: string) => `failed-sign-in:${address}`;
  return {
    async blockedFor(address) {
      const w = await counters.peek(key(address));
      return w.hits >= maxFailures ? Math.max(1, Math.ceil(w.ttlMs / 1000)) : 0;
    },
    async failed(address) {
      await counters.hit(key(address), windowMs);
    },
  };
}
