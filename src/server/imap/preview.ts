/**
 * A mail's preview from the first bytes of its body (the peek BODY.PEEK[TEXT]<0.256> that comes with
 * the envelopes in Queue's one UID FETCH).
 *
 * Decoded here rather than by postal-mime, on a measurement: postal-mime copes with the cut-short
 * body (given the Content-Type and Content-Transfer-Encoding headers, fetched in the same command),
 * but listing 1,000 queued mails on Dovecot took a median 1,047 ms with it against 642 ms with this
 * (best 623 ms against 439 ms; 8 alternating runs in one process, same server and mails): about
 * 0.4 ms a mail for a 200-character preview.
 */
const PREVIEW_CHARS = 200;

/**
 * A best-effort preview from the first bytes of the body: for a multipart mail, skip the boundary
 * and the first part's headers; decode base64 and quoted-printable; collapse whitespace.
 */
export function previewOf(bytes: Buffer | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  let text = bytes.toString('latin1');
  let encoding = '';
  if (/^\s*--/.test(text)) {
    const end = text.search(/\r?\n\r?\n/);
    if (end < 0) return '';
    const headers = text.slice(0, end);
    const type = /content-type:\s*([^;\s]+)/i.exec(headers)?.[1].toLowerCase();
    if (type && !type.startsWith('text/')) return '';
    encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1].toLowerCase() ?? '';
    text = text.slice(end).replace(/^\s+/, '');
    text = text.split(/\r?\n--/)[0];
  }
  let buf: Buffer;
  if (encoding === 'base64') {
    const clean = text.replace(/[^A-Za-z0-9+/=]/g, '');
    buf = Buffer.from(clean.slice(0, clean.length - (clean.length % 4)), 'base64');
  } else if (encoding === 'quoted-printable' || /=[0-9A-F]{2}|=\r?\n/.test(text)) {
    buf = Buffer.from(
      text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  } else {
    buf = Buffer.from(text, 'latin1');
  }
  // The peek may cut a UTF-8 sequence in half: drop the replacement character that leaves.
  return buf
    .toString('utf8')
    .replace(/\uFFFD+$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, PREVIEW_CHARS);
}
