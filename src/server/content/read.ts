/** A filed mail's content read back from the store, as the timeline shows it. */
import type { Kysely } from 'kysely';
import type { ContentHeaders, PrivacyLevel } from '../../core/content';
import { canonicalMessageId } from '../directory/matching';
import type { Database } from '../store/schema';
import type { LeftOut, StoredAttachment } from './attach';
import type { ContentStore } from './store';

export interface TimelineContent {
  status: 'captured' | 'not-captured';
  level: PrivacyLevel;
  reason?: string;
  headers: ContentHeaders;
  preview: string;
  text: string;
  /** Sanitised. */
  html?: string;
  attachments: (StoredAttachment & { content: Uint8Array | undefined })[];
  leftOut: LeftOut[];
}

export async function readTimelineContent(
  db: Kysely<Database>,
  store: ContentStore,
  ownerId: string,
  internetMessageId: string,
): Promise<TimelineContent | undefined> {
  const key = canonicalMessageId(internetMessageId);
  if (!key) return undefined;
  const row = await db
    .selectFrom('timeline_content')
    .selectAll()
    .where('owner_user_id', '=', ownerId)
    .where('internet_message_id', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  const decode = async (k: string | null) => (k ? new TextDecoder().decode(await store.get(k)) : '');
  const attachments = JSON.parse(row.attachments) as StoredAttachment[];
  const html = await decode(row.html_key);
  return {
    status: row.status === 'captured' ? 'captured' : 'not-captured',
    level: row.level,
    ...(row.reason ? { reason: row.reason } : {}),
    headers: JSON.parse(row.headers) as ContentHeaders,
    preview: row.preview,
    text: await decode(row.text_key),
    ...(html ? { html } : {}),
    attachments: await Promise.all(attachments.map(async (a) => ({ ...a, content: await store.get(a.key) }))),
    leftOut: JSON.parse(row.left_out) as LeftOut[],
  };
}
