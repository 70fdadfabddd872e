import type { EmailAddress } from './addresses';
import { normaliseAddress } from './addresses';

export type Direction = 'inbound' | 'outbound';

/** The mailbox owner: the primary address and any aliases (proxy addresses, send-as). */
export interface Owner {
  addresses: string[];
}

export function ownerSet(owner: Owner): Set<string> {
  const set = new Set<string>();
  for (const a of owner.addresses) {
    const n = normaliseAddress(a);
    if (n) set.add(n);
  }
  return set;
}

/** Outbound when From is the mailbox owner or one of their aliases; otherwise inbound. */
export function directionOf(from: readonly EmailAddress[], owner: Owner | Set<string>): Direction {
  const mine = owner instanceof Set ? owner : ownerSet(owner);
  return from.some((a) => mine.has(a.address)) ? 'outbound' : 'inbound';
}
