/**
 * A filed mail's content into the store: bodies and attachments by hash in the ContentStore, one
 * timeline_content row per (owner, message) that every event of the mail shows. Whatever the mailbox
 * read, the branch's privacy level is applied again here, HTML is sanitised, names are made safe,
 * sizes are the bytes' own and the per-mail limit holds: a client cannot store more than its branch allows.
 */
import { allows, type ContentItem, type MailAttachment, type PrivacyLevel, safeAttachmentName } from '../../core/content';
import type { Kysely } from 'kysely';
import { canonicalMessageId, chunk } from '../directory/matching';
import type { Database, TimelineContentTable } from '../store/schema';
import { sanitiseHtml } from './sanitise';
import type { ContentStore } from './store';

/** Characters of plain-text body kept per mail. */
export const TEXT_MAX_CHARS = 2_000_000;

/** Room in one content request for a mail's text and HTML (each kept up to 2,000,000 characters) as JSON. */
const TEXT_ALLOWANCE_BYTES = 16 * 1024 * 1024;

/**
 * The largest POST /mail/content body: one mail with its attachments at the per-mail limit, in base64,
 * plus its bodies, so that what the branch keeps can always reach the adapter from the pane.
 */
export function contentRequestLimit(config: { bodyLimit: number; contentMaxBytesPerMail: number }): number {
  return Math.max(config.bodyLimit, Math.ceil((config.contentMaxBytesPerMail * 4) / 3) + TEXT_ALLOWANCE_BYTES);
}

export interface StoredAttachment {
  name: string;
  type: string;
  size: number;
  contentId?: string;
  inline: boolean;
  key: string;
}

export interface LeftOut {
  name: string;
  type: string;
  size: number;
  reason: string;
}

export interface AttachOptions {
  level: PrivacyLevel;
  maxBytes: number;
  now: Date;
}

export const sizeText = (n: number) => (n >= 1048576 ? `${Math.round((n / 1048576) * 10) / 10} MB` : `${Math.ceil(n / 1024)} KB`);
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const TNEF = (a: { name: string; type: string }) => a.type === 'application/ms-tnef' || a.name.toLowerCase() === 'winmail.dat';

/** Stores the content of the items whose mail has an event of `ownerId`'s; others are ignored. */
export async function attachContent(
  db: Kysely<Database>,
  store: ContentStore,
  ownerId: string,
  items: readonly ContentItem[],
  options: AttachOptions,
): Promise<void> {
  if (options.level === 'metadata') return;
  const keyed = items
    .map((item) => ({ item, key: canonicalMessageId(item.internetMessageId) }))
    .filter((x): x is { item: ContentItem; key: string } => !!x.key);
  const filed = new Set<string>();
  for (const part of chunk([...new Set(keyed.map((x) => x.key))], 500)) {
    // Any event the caller filed, including one a colleague filed first (they are among its filers).
    const rows = await db
      .selectFrom('timeline_events')
      .innerJoin('timeline_event_filers', 'timeline_event_filers.event_id', 'timeline_events.id')
      .select('timeline_events.internet_message_id')
      .where('timeline_event_filers.user_id', '=', ownerId)
      .where('timeline_events.internet_message_id', 'in', part)
      .execute();
    for (const r of rows) filed.add(r.internet_message_id);
  }
  for (const { item, key } of keyed) {
    if (!filed.has(key)) continue;
    const row = item.ok ? await capturedRow(store, ownerId, key, item, options) : failedRow(ownerId, key, item, options);
    const { owner_user_id: _owner, internet_message_id: _id, ...update } = row;
    await db
      .insertInto('timeline_content')
      .values(row)
      .onConflict((oc) => {
        const set = oc.columns(['owner_user_id', 'internet_message_id']).doUpdateSet(update);
        // A failed read never replaces content an earlier run captured.
        return item.ok ? set : set.where('timeline_content.status', '=', 'not-captured');
      })
      .execute();
  }
}

function failedRow(ownerId: string, key: string, item: ContentItem & { ok: false }, options: AttachOptions): TimelineContentTable {
  return {
    owner_user_id: ownerId,
    internet_message_id: key,
    status: 'not-captured',
    level: options.level,
    reason: item.message.slice(0, 2000),
    headers: JSON.stringify(item.headers),
    preview: '',
    text_key: null,
    html_key: null,
    attachments: '[]',
    left_out: '[]',
    updated_at: options.now.toISOString(),
  };
}

async function capturedRow(
  store: ContentStore,
  ownerId: string,
  key: string,
  item: ContentItem & { ok: true },
  options: AttachOptions,
): Promise<TimelineContentTable> {
  const { content } = item;
  const notes: string[] = [];
  const encode = (s: string) => new TextEncoder().encode(s);
  let textKey: string | null = null;
  let htmlKey: string | null = null;
  const budget = options.maxBytes;
  if (allows(options.level, 'body')) {
    const text = content.text.length > TEXT_MAX_CHARS ? content.text.slice(0, TEXT_MAX_CHARS) : content.text;
    if (text.length < content.text.length) notes.push(`Its text was cut at ${TEXT_MAX_CHARS.toLocaleString('en-GB')} characters.`);
    if (text) textKey = await store.put(encode(text));
    if (content.html) {
      const safe = sanitiseHtml(content.html);
      if (safe.cut) notes.push('Its HTML was cut at 2,000,000 characters.');
      if (safe.html) htmlKey = await store.put(encode(safe.html));
    }
  }
  const { stored, leftOut } = await storeAttachments(store, content.attachments, options, budget, notes);
  return {
    owner_user_id: ownerId,
    internet_message_id: key,
    status: 'captured',
    level: options.level,
    reason: notes.length > 0 ? notes.join(' ') : null,
    headers: JSON.stringify(item.headers),
    preview: allows(options.level, 'preview') ? content.preview.slice(0, 1000) : '',
    text_key: textKey,
    html_key: htmlKey,
    attachments: JSON.stringify(stored),
    left_out: JSON.stringify([...content.leftOut.map(tidyLeftOut), ...leftOut]),
    updated_at: options.now.toISOString(),
  };
}

export function tidyLeftOut(a: LeftOut): LeftOut {
  return { name: safeAttachmentName(a.name), type: tidyType(a.type), size: Math.max(0, Math.floor(a.size) || 0), reason: String(a.reason).slice(0, 500) };
}

export const tidyType = (type: string) => (MIME_TYPE.test(type.toLowerCase()) ? type.toLowerCase() : 'application/octet-stream');

async function storeAttachments(store: ContentStore, list: readonly MailAttachment[], options: AttachOptions, budget: number, notes: string[]) {
  const stored: StoredAttachment[] = [];
  const leftOut: LeftOut[] = [];
  const contentIds = new Set<string>();
  let left = budget;
  for (const a of list) {
    const name = safeAttachmentName(a.name);
    const type = tidyType(a.type);
    const size = a.content.length;
    if (!allows(options.level, 'attachments')) {
      leftOut.push({ name, type, size, reason: 'The branch keeps no attachments on the timeline.' });
      continue;
    }
    if (size > left) {
      leftOut.push({ name, type, size, reason: `Past the ${sizeText(options.maxBytes)} kept per mail.` });
      continue;
    }
    left -= size;
    const entry: StoredAttachment = { name, type, size, inline: a.inline === true, key: await store.put(a.content) };
    const cid = a.contentId?.replace(/^<|>$/g, '').trim().toLowerCase();
    if (cid && !contentIds.has(cid) && cid.length <= 998) {
      contentIds.add(cid);
      entry.contentId = cid;
    } else if (cid) notes.push(`${name} has a Content-ID another part already has; the body’s image shows the first.`);
    if (TNEF(entry)) notes.push(`${name} is an Outlook TNEF wrapper (winmail.dat), kept as sent: Rezi does not unpack it.`);
    stored.push(entry);
  }
  return { stored, leftOut };
}
