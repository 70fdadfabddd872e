/**
 * A filed mail's content as the Rezi API is sent it (`PUT /timeline/{eventId}/content`,
 * docs/rezi-api.md). The same rules as the embedded store's (content/attach.ts): whatever the
 * mailbox read, the branch's privacy level is applied again here, HTML is sanitised, names made safe,
 * sizes are the bytes' own and the per-mail limit holds. Attachments go base64 in the body.
 */
import { createHash } from 'node:crypto';
import type { EmailAddress } from '../../core/addresses';
import { allows, type ContentItem, type MailAttachment, type PrivacyLevel, safeAttachmentName } from '../../core/content';
import { sizeText, TEXT_MAX_CHARS, tidyLeftOut, tidyType } from '../content/attach';
import { sanitiseHtml } from '../content/sanitise';

export interface ReziAttachment {
  name: string;
  type: string;
  size: number;
  contentId?: string;
  inline: boolean;
  sha256: string;
  contentBase64: string;
}

export interface ReziLeftOut {
  name: string;
  type: string;
  size: number;
  reason: string;
}

export interface ReziContentBody {
  status: 'captured' | 'not-captured';
  /** Whose filing it is (Rezi refuses content from someone who is not among the event's filers). */
  ownerEmail: string;
  internetMessageId: string;
  level: PrivacyLevel;
  from: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  preview: string;
  text: string;
  html: string | null;
  attachments: ReziAttachment[];
  leftOut: ReziLeftOut[];
  reason: string | null;
}

export interface ContentRules {
  level: PrivacyLevel;
  maxBytes: number;
}

/** The body that says an event's content is missing, and why. */
export function notCapturedBody(item: ContentItem, ownerEmail: string, key: string, level: PrivacyLevel, reason: string): ReziContentBody {
  const { from, to, cc } = item.headers;
  return {
    status: 'not-captured',
    ownerEmail,
    internetMessageId: key,
    level,
    from,
    to,
    cc,
    preview: '',
    text: '',
    html: null,
    attachments: [],
    leftOut: [],
    reason: reason.slice(0, 2000),
  };
}

/** The content body of a mail whose canonical Message-ID is `key`. */
export function contentBody(item: ContentItem, ownerEmail: string, key: string, rules: ContentRules): ReziContentBody {
  if (!item.ok) return notCapturedBody(item, ownerEmail, key, rules.level, item.message);
  const { content } = item;
  const notes: string[] = [];
  let text = '';
  let html: string | null = null;
  if (allows(rules.level, 'body')) {
    text = content.text.slice(0, TEXT_MAX_CHARS);
    if (text.length < content.text.length) notes.push(`Its text was cut at ${TEXT_MAX_CHARS.toLocaleString('en-GB')} characters.`);
    if (content.html) {
      const safe = sanitiseHtml(content.html);
      if (safe.cut) notes.push('Its HTML was cut at 2,000,000 characters.');
      html = safe.html || null;
    }
  }
  const { attachments, leftOut } = encodeAttachments(content.attachments, rules, notes);
  return {
    ...notCapturedBody(item, ownerEmail, key, rules.level, ''),
    status: 'captured',
    preview: allows(rules.level, 'preview') ? content.preview.slice(0, 1000) : '',
    text,
    html,
    attachments,
    leftOut: [...content.leftOut.map(tidyLeftOut), ...leftOut],
    reason: notes.length > 0 ? notes.join(' ') : null,
  };
}

function encodeAttachments(all: readonly MailAttachment[], rules: ContentRules, notes: string[]) {
  const attachments: ReziAttachment[] = [];
  const leftOut: ReziLeftOut[] = [];
  const contentIds = new Set<string>();
  let left = rules.maxBytes;
  for (const a of all) {
    const name = safeAttachmentName(a.name);
    const type = tidyType(a.type);
    const size = a.content.length;
    if (!allows(rules.level, 'attachments')) {
      leftOut.push({ name, type, size, reason: 'The branch keeps no attachments on the timeline.' });
      continue;
    }
    if (size > left) {
      leftOut.push({ name, type, size, reason: `Past the ${sizeText(rules.maxBytes)} kept per mail.` });
      continue;
    }
    left -= size;
    const bytes = Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength);
    const entry: ReziAttachment = {
      name,
      type,
      size,
      inline: a.inline === true,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentBase64: bytes.toString('base64'),
    };
    const cid = a.contentId?.replace(/^<|>$/g, '').trim().toLowerCase();
    if (cid && !contentIds.has(cid) && cid.length <= 998) {
      contentIds.add(cid);
      entry.contentId = cid;
    } else if (cid) notes.push(`${name} has a Content-ID another part already has; the body’s image shows the first.`);
    attachments.push(entry);
  }
  return { attachments, leftOut };
}
