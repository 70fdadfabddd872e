/**
 * A limit per client address that applies before a token is checked: the per-user limit needs a
 * user, so requests that never authenticate would otherwise go unlimited (every forged token costs
 * a signature check and a log line). Each failed authentication counts; once an address has used
 * its budget for the minute, its requests are answered 429 without looking at the token.
 */

export interface AddressLimit {
  /** Seconds until the address may try again, or 0 when it is within its budget. */
  blockedFor(address: string, now?: number): number;
  /** One failed authentication from this address. */
  failed(address: string, now?: number): void;
}

export function addressLimit(maxFailures: number, windowMs = 60_000): AddressLimit {
  const windows = new Map<string, { start: number; failures: number }>();
  let lastSweep = 0;
  const current = (address: string, now: number) => {
    // Forget finished windows now and then, so a scan from many addresses cannot grow the map forever.
    if (now - lastSweep > windowMs) {
      lastSweep = now;
      for (const [k, w] of windows) if (now - w.start >= windowMs) windows.delete(k);
    }
    const w = windows.get(address);
    return w && now - w.start < windowMs ? w : undefined;
  };
  return {
    blockedFor(address, now = Date.now()) {
      const w = current(address, now);
      return w && w.failures >= maxFailures ? Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)) : 0;
    },
    failed(address, now = Date.now()) {
      const w = current(address, now);
      if (w) w.failures++;
      else windows.set(address, { start: now, failures: 1 });
    },
  };
}
