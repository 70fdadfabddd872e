/**
 * A queued mail's content over IMAP, read only as far as the branch's privacy level allows.
 *
 * One UID FETCH of BODYSTRUCTURE and RFC822.SIZE for the whole call tells each mail's parts. A small
 * mail (most of them) then comes whole, in one shared FETCH, and is parsed with postal-mime, which
 * copes with broken boundaries, 8-bit headers and odd encodings; a large one has only the parts it
 * needs downloaded (its text and, at the attachments level, the attachments that fit the per-mail
 * limit), so a 40 MB attachment the branch does not keep never crosses the wire.
 */
import type { ImapFlow, MessageStructureObject } from 'imapflow';
import PostalMime from 'postal-mime';
import {
  allows,
  type ContentLimits,
  type ContentResult,
  type LeftOutAttachment,
  type MailAttachment,
  type MailContent,
  type PrivacyLevel,
} from '../../core/content';

/** Mails up to this size come whole (one FETCH for all of them); larger ones part by part. */
export const WHOLE_MAIL_BYTES = 256 * 1024;
/** Bytes of a text part read: well past the characters the store keeps of a body. */
const TEXT_PART_BYTES = 8 * 1024 * 1024;

interface Leaf {
  part: string;
  type: string;
  name: string;
  size: number;
  contentId?: string;
  inline: boolean;
  attachment: boolean;
}

/** The leaves of a BODYSTRUCTURE; an attached mail (message/rfc822) is one leaf, not opened. */
export function leavesOf(node: MessageStructureObject | undefined, out: Leaf[] = []): Leaf[] {
  if (!node) return out;
  if (node.childNodes?.length && node.type.toLowerCase() !== 'message/rfc822') {
    for (const child of node.childNodes) leavesOf(child, out);
    return out;
  }
  const type = node.type.toLowerCase();
  const name = node.dispositionParameters?.filename ?? node.parameters?.name ?? '';
  const disposition = node.disposition?.toLowerCase();
  const text = type === 'text/plain' || type === 'text/html';
  const attachment = disposition === 'attachment' || !text || (name !== '' && disposition !== 'inline');
  const encoded = node.size ?? 0;
  // The server states the encoded size: base64 (in lines of 76 plus CRLF) is about 4/3 of the bytes.
  const size = node.encoding?.toLowerCase() === 'base64' ? Math.floor(((encoded - 2 * Math.ceil(encoded / 78)) * 3) / 4) : encoded;
  out.push({ part: node.part ?? '1', type, name, size, contentId: node.id, inline: disposition === 'inline' || !!node.id, attachment });
  return out;
}

/** Whether the mail has parts the level keeps out (then it is not fetched whole). */
const keepsOut = (leaves: readonly Leaf[], level: PrivacyLevel) => !allows(level, 'attachments') && leaves.some((l) => l.attachment);

export function wantsWhole(size: number, leaves: readonly Leaf[], level: PrivacyLevel): boolean {
  return size <= WHOLE_MAIL_BYTES && !keepsOut(leaves, level);
}

/** A whole mail's content, parsed with postal-mime and cut to what the level and limit allow. */
export async function parseWhole(source: Buffer, level: PrivacyLevel, limits: ContentLimits): Promise<MailContent> {
  const email = await PostalMime.parse(source, { attachmentEncoding: 'arraybuffer', maxNestingDepth: 50 });
  const found: MailAttachment[] = email.attachments.map((a) => {
    const content = new Uint8Array(a.content as ArrayBuffer);
    return {
      name: a.filename ?? '',
      type: a.mimeType,
      size: content.length,
      ...(a.contentId ? { contentId: a.contentId.replace(/^<|>$/g, '') } : {}),
      inline: a.disposition === 'inline' || a.related === true,
      content,
    };
  });
  const { attachments, leftOut } = fitAttachments(found, level, limits);
  return { level, preview: '', text: email.text ?? '', ...(email.html ? { html: email.html } : {}), attachments, leftOut };
}

function fitAttachments(found: readonly MailAttachment[], level: PrivacyLevel, limits: ContentLimits) {
  const attachments: MailAttachment[] = [];
  const leftOut: LeftOutAttachment[] = [];
  let left = limits.maxBytes;
  for (const a of found) {
    if (!allows(level, 'attachments')) leftOut.push({ name: a.name, type: a.type, size: a.size, reason: 'The branch keeps no attachments on the timeline.' });
    else if (a.size > left) leftOut.push({ name: a.name, type: a.type, size: a.size, reason: 'Past the size kept per mail.' });
    else {
      left -= a.size;
      attachments.push(a);
    }
  }
  return { attachments, leftOut };
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/** A large mail's content, part by part: its first plain and HTML text, and the attachments that fit. */
export async function readParts(client: ImapFlow, uid: number, leaves: readonly Leaf[], level: PrivacyLevel, limits: ContentLimits): Promise<MailContent> {
  const download = async (part: string, maxBytes: number) => {
    const got = await client.download(String(uid), part, { uid: true, maxBytes });
    return got.content ? readStream(got.content) : Buffer.alloc(0);
  };
  const plain = leaves.find((l) => !l.attachment && l.type === 'text/plain');
  const html = leaves.find((l) => !l.attachment && l.type === 'text/html');
  const text = plain ? (await download(plain.part, TEXT_PART_BYTES)).toString('utf8') : '';
  const markup = html ? (await download(html.part, TEXT_PART_BYTES)).toString('utf8') : undefined;
  const wanted = leaves.filter((l) => l.attachment || (l.type !== 'text/plain' && l.type !== 'text/html'));
  const planned = fitAttachments(
    wanted.map((l) => ({
      name: l.name,
      type: l.type,
      size: l.size,
      inline: l.inline,
      content: new Uint8Array(),
      ...(l.contentId ? { contentId: l.contentId.replace(/^<|>$/g, '') } : {}),
      part: l.part,
    })),
    level,
    limits,
  );
  const attachments: MailAttachment[] = [];
  for (const a of planned.attachments as (MailAttachment & { part: string })[]) {
    const { part, ...rest } = a;
    const content = new Uint8Array(await download(part, limits.maxBytes));
    attachments.push({ ...rest, size: content.length, content });
  }
  return { level, preview: '', text, ...(markup ? { html: markup } : {}), attachments, leftOut: planned.leftOut };
}

export type Settled = Map<string, ContentResult>;

/** Reads the content of queued mails (UID → mailbox id) into `results`; a mail it cannot read says why there. */
export async function readQueued(
  client: ImapFlow,
  uidOf: ReadonlyMap<number, string>,
  level: PrivacyLevel,
  limits: ContentLimits,
  pack: (uids: number[]) => string,
  results: Settled,
): Promise<void> {
  const rows = await client.fetchAll(pack([...uidOf.keys()]), { uid: true, size: true, bodyStructure: true }, { uid: true });
  const plans = new Map<number, Leaf[]>();
  const whole = new Set<number>();
  for (const row of rows) {
    if (!uidOf.has(row.uid)) continue;
    const leaves = leavesOf(row.bodyStructure);
    plans.set(row.uid, leaves);
    if (wantsWhole(row.size ?? Infinity, leaves, level)) whole.add(row.uid);
  }
  const settle = async (uid: number, read: () => Promise<MailContent>) => {
    const id = uidOf.get(uid)!;
    try {
      results.set(id, { id, ok: true, content: await read() });
    } catch (e) {
      // A dead connection is the run's problem (the moves fail too); a mail that cannot be parsed is this mail's.
      if (!client.usable) throw e;
      const why = e instanceof Error ? e.message : String(e);
      results.set(id, { id, ok: false, cause: 'unknown', message: `Its content could not be read: ${why.slice(0, 300)}` });
    }
  };
  if (whole.size > 0) {
    for (const row of await client.fetchAll(pack([...whole]), { uid: true, source: true }, { uid: true })) {
      if (uidOf.has(row.uid)) await settle(row.uid, () => parseWhole(row.source ?? Buffer.alloc(0), level, limits));
    }
  }
  for (const [uid, leaves] of plans) if (!whole.has(uid)) await settle(uid, () => readParts(client, uid, leaves, level, limits));
}
