/**
 * Content capture, once for both paths: after a batch is filed and recorded (and, unless the mailbox
 * reads content after moves, before its mails leave Queue), the mails that matched have their
 * content read (as far as their branch's privacy level allows) and attached to their events.
 * Nothing here can lose or duplicate a mail: a failure only means the event says its content was
 * not captured, and the mail moves out all the same.
 */
import { toSyncError } from './causes';
import { type ContentItem, type ContentLimits, type ContentResult, DEFAULT_CONTENT_MAX_BYTES, type PrivacyLevel } from './content';
import type { Directory, FilingOutcome, FolderTree, Mailbox, QueuedMessage } from './ports';

/**
 * Mails per read: few when attachments come along (up to 25 MB each), so a batch's content is never
 * all in memory at once; bodies 40, a multiple of Graph's 20 requests per $batch, so that their
 * envelopes go full.
 */
const READ_CHUNK: Record<PrivacyLevel, number> = { metadata: 0, preview: 100, body: 40, attachments: 10 };

interface Wanted {
  message: QueuedMessage;
  eventIds: string[];
}

export interface CaptureInput {
  mailbox: Mailbox;
  directory: Directory;
  folders: FolderTree;
  limits?: ContentLimits;
  signal?: AbortSignal;
}

/** Reads and attaches the content of a filed batch; answers, per mailbox id, why its content is missing. */
export async function captureContent(input: CaptureInput, batch: readonly QueuedMessage[], outcomes: readonly FilingOutcome[]): Promise<Map<string, string>> {
  const missing = new Map<string, string>();
  const { directory } = input;
  if (!directory.attachContent) return missing;
  const byLevel = new Map<PrivacyLevel, Wanted[]>();
  batch.forEach((message, i) => {
    const o = outcomes[i];
    if (o.status !== 'filed' || !o.privacy || o.privacy === 'metadata') return;
    const list = byLevel.get(o.privacy) ?? [];
    list.push({ message, eventIds: o.groups.map((g) => g.eventId) });
    byLevel.set(o.privacy, list);
  });
  for (const [level, wanted] of byLevel) {
    for (let i = 0; i < wanted.length; i += READ_CHUNK[level]) {
      const part = wanted.slice(i, i + READ_CHUNK[level]);
      const items = await readItems(input, level, part);
      try {
        const notStored = (await directory.attachContent(items, input.signal)) ?? [];
        for (const item of items) if (!item.ok) missing.set(idOf(part, item.internetMessageId), item.message);
        for (const n of notStored) missing.set(idOf(part, n.internetMessageId), n.message);
      } catch (e) {
        const err = toSyncError(e);
        for (const w of part) missing.set(w.message.id, `Its content could not be stored: ${err.message}`);
      }
    }
  }
  return missing;
}

const idOf = (part: readonly Wanted[], internetMessageId: string) => part.find((w) => w.message.internetMessageId === internetMessageId)?.message.id ?? '';

async function readItems(input: CaptureInput, level: PrivacyLevel, part: readonly Wanted[]): Promise<ContentItem[]> {
  const results = await readResults(input, level, part);
  return part.map((w, i): ContentItem => {
    const r = results[i];
    const { from, to, cc, subject, date } = w.message;
    const base = { internetMessageId: w.message.internetMessageId, eventIds: w.eventIds, headers: { from, to, cc, subject, date } };
    return r.ok
      ? { ...base, ok: true, content: { ...r.content, preview: r.content.preview || w.message.preview } }
      : { ...base, ok: false, cause: r.cause, message: r.message };
  });
}

async function readResults(input: CaptureInput, level: PrivacyLevel, part: readonly Wanted[]): Promise<ContentResult[]> {
  // The preview came with the listing: nothing more is read from the mailbox for it.
  if (level === 'preview' || !input.mailbox.readContent) {
    return part.map((w) => ({ id: w.message.id, ok: true, content: { level: 'preview', preview: w.message.preview, text: '', attachments: [], leftOut: [] } }));
  }
  const ids = part.map((w) => w.message.id);
  try {
    const limits = input.limits ?? { maxBytes: DEFAULT_CONTENT_MAX_BYTES };
    const results = await input.mailbox.readContent(ids, level, limits, input.folders, input.signal);
    if (results.length !== ids.length) throw new Error(`The mailbox answered ${results.length} contents for ${ids.length} mails.`);
    return results;
  } catch (e) {
    const err = toSyncError(e);
    return ids.map((id) => ({ id, ok: false, cause: err.code, message: `Its content could not be read: ${err.message}` }));
  }
}
