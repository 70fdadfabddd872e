/**
 * Mail content between the pane and the adapter (POST /mail/content): the engine's ContentItem with
 * attachment bytes as base64. Core does no I/O; base64 is done here without Buffer, so both sides share it.
 */
import type { ContentItem } from './content';
import type { ApiContentItem } from './contract/content';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

export function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (ALPHABET.indexOf(clean[i]) << 18) |
      (ALPHABET.indexOf(clean[i + 1]) << 12) |
      (Math.max(0, ALPHABET.indexOf(clean[i + 2] ?? 'A')) << 6) |
      Math.max(0, ALPHABET.indexOf(clean[i + 3] ?? 'A'));
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export function toApiContentItem(item: ContentItem): ApiContentItem {
  if (!item.ok) return item;
  const { attachments, ...content } = item.content;
  return { ...item, content: { ...content, attachments: attachments.map(({ content: bytes, ...a }) => ({ ...a, contentBase64: toBase64(bytes) })) } };
}

export function fromApiContentItem(item: ApiContentItem): ContentItem {
  if (!item.ok) return item;
  const { attachments, ...content } = item.content;
  return { ...item, content: { ...content, attachments: attachments.map(({ contentBase64, ...a }) => ({ ...a, content: fromBase64(contentBase64) })) } };
}
