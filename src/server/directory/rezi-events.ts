/**
 * Timeline events through the Rezi API, shared by colleagues as in the embedded store: one event per
 * (tenant, message, group), whoever files it. The idempotency key is that triple, so a retry, a second
 * adapter instance or a colleague filing the same mail all get the event the first call created, and
 * each filer joins its filers list (Rezi answers it, first filer first).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { SyncError } from '../../core/causes';
import type { AlreadyOnTimeline } from '../../core/ports';
import type { AuthUser } from '../context';
import { eventKey, type ValidMessage } from './matching';
import type { ReziApiClient, ReziTimelineEvent } from './rezi-http';

/** The stable idempotency key of the event of one message on one group: the same for every filer. */
export function idempotencyKey(user: Pick<AuthUser, 'tenantId'>, messageKey: string, groupId: string): string {
  return createHash('sha256').update(`${user.tenantId}\n${messageKey}\n${groupId}`).digest('hex');
}

/**
 * The key of an event's content: per (tenant, message, event), so a retry replaces, never duplicates.
 * The event id stands in for the group, which a content request (the pane's, after filing) does not carry.
 */
export function contentKey(user: Pick<AuthUser, 'tenantId'>, messageKey: string, eventId: string): string {
  return `${createHash('sha256').update(`${user.tenantId}\n${messageKey}\n${eventId}`).digest('hex')}:content`;
}

export interface EventJob {
  m: Pick<ValidMessage, 'key' | 'direction' | 'subject' | 'occurredAt'>;
  groupId: string;
}

export interface PostedEvents {
  /** By eventKey(message, group). */
  ids: Map<string, string>;
  /** By eventKey: events a colleague filed first. */
  already: Map<string, AlreadyOnTimeline>;
  /** The first failure, when any event could not be recorded. */
  failed?: SyncError;
}

/** Posts each job's event, `concurrency` at a time; a failed one is left without an id (its mail stays in Queue). */
export async function postEvents(
  client: ReziApiClient,
  user: AuthUser,
  jobs: readonly EventJob[],
  options: { mailbox?: string; concurrency?: number; log?: Logger },
): Promise<PostedEvents> {
  const out: PostedEvents = { ids: new Map(), already: new Map() };
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const { m, groupId } = job;
      const event: ReziTimelineEvent = {
        kind: 'email',
        internetMessageId: m.key,
        direction: m.direction,
        subject: m.subject,
        occurredAt: m.occurredAt,
        ownerEmail: user.email,
        ...(options.mailbox && options.mailbox !== user.email ? { mailbox: options.mailbox } : {}),
      };
      try {
        const { id, filers } = await client.addTimelineEvent(groupId, event, idempotencyKey(user, m.key, groupId));
        const key = eventKey(m.key, groupId);
        out.ids.set(key, id);
        const first = filers[0];
        if (first && first.email !== user.email.toLowerCase()) out.already.set(key, { firstFiledBy: first.name ?? first.email, firstFiledAt: first.filedAt });
      } catch (e) {
        out.failed ??= e instanceof SyncError ? e : new SyncError('server-unreachable', 'The Rezi API could not record the event.');
        options.log?.warn({ cause: out.failed.code }, 'Rezi API timeline post failed');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, worker));
  return out;
}
