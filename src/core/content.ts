/**
 * A mail's content on the timeline: what a colleague needs to read it in Rezi, beyond the metadata
 * filing already carries. The mailbox reads it (only for mails that matched, only as far as the
 * branch's privacy level allows); the directory stores it beside the mail's timeline events.
 */
import type { EmailAddress } from './addresses';
import type { CauseCode } from './causes';

/** How much of a mail leaves the mailbox, set per branch: each level includes the ones before it. */
export type PrivacyLevel = 'metadata' | 'preview' | 'body' | 'attachments';
export const PRIVACY_LEVELS: readonly PrivacyLevel[] = ['metadata', 'preview', 'body', 'attachments'];
/** A branch whose admin has not chosen: bodies and attachments (what a timeline is for). */
export const DEFAULT_PRIVACY: PrivacyLevel = 'attachments';

/** Whether `level` allows `part` (a level includes every level before it). */
export function allows(level: PrivacyLevel, part: PrivacyLevel): boolean {
  return PRIVACY_LEVELS.indexOf(level) >= PRIVACY_LEVELS.indexOf(part);
}

/** The largest total of attachment bytes kept per mail unless configured (CONTENT_MAX_BYTES_PER_MAIL). */
export const DEFAULT_CONTENT_MAX_BYTES = 25 * 1024 * 1024;

export interface ContentLimits {
  /** Attachment bytes kept per mail; past it, the rest are listed as left out. Bodies count too. */
  maxBytes: number;
}

export interface MailAttachment {
  /** As the mail names it (the store never uses it as a path). */
  name: string;
  /** MIME type, lower case. */
  type: string;
  size: number;
  /** Content-ID without brackets, for inline images an HTML body refers to (`cid:`). */
  contentId?: string;
  inline: boolean;
  content: Uint8Array;
}

/** An attachment that was not kept, and why (too large, refused, not allowed by the privacy level). */
export interface LeftOutAttachment {
  name: string;
  type: string;
  size: number;
  reason: string;
}

/** What the mailbox read of a mail. HTML is as the mail has it: the adapter sanitises it before storing. */
export interface MailContent {
  /** The level it was read at: a lower one leaves the parts it does not allow empty. */
  level: PrivacyLevel;
  preview: string;
  text: string;
  html?: string;
  attachments: MailAttachment[];
  leftOut: LeftOutAttachment[];
}

export type ContentResult = { id: string; ok: true; content: MailContent } | { id: string; ok: false; cause: CauseCode; message: string };

/** Who and when, as the mailbox listed the mail: what an event shows even when its content is not captured. */
export interface ContentHeaders {
  from: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  subject: string;
  date: string;
}

interface ContentItemBase {
  internetMessageId: string;
  eventIds: string[];
  headers: ContentHeaders;
}

/** What the directory is asked to attach to a filed mail's events: its content, or why there is none. */
export type ContentItem = (ContentItemBase & { ok: true; content: MailContent }) | (ContentItemBase & { ok: false; cause: CauseCode; message: string });

/** Names an attachment may be stored and shown under: no path parts, no control characters, not empty. */
export function safeAttachmentName(raw: unknown, fallback = 'attachment'): string {
  const text = typeof raw === 'string' ? raw : '';
  const last = text.split(/[\\/]/).pop() ?? '';
  const clean = [...last]
    .filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f && !'<>:"|?*'.includes(c))
    .join('')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 255);
  return clean || fallback;
}
