/**
 * Which way a mail went: the one rule, used by the engine (Sent or Received) and by the adapter's
 * matching (the timeline event's direction), so the folder and the event always agree.
 */
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

/**
 * Outbound when From is the mailbox owner or one of their aliases; otherwise inbound. The From
 * addresses are normalised ones (EmailAddress.address, or the adapter's normalised strings); what a
 * client claims the direction is plays no part.
 */
export function directionOf(from: Iterable<EmailAddress | string>, owner: Owner | ReadonlySet<string>): Direction {
  const mine = owner instanceof Set ? owner : ownerSet(owner as Owner);
  for (const a of from) if (mine.has(typeof a === 'string' ? a : a.address)) return 'outbound';
  return 'inbound';
}
