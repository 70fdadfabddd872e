/**
 * A mail's HTML body made safe to show in Rezi, with sanitize-html (a maintained allow-list
 * sanitiser; htmlparser2 underneath, so broken markup is parsed as browsers would rather than
 * rejected). Only what a reader needs survives: text structure, tables, links, inline images by
 * Content-ID. No scripts, event handlers, forms, frames, SVG or MathML, styles that could run
 * (CSS expressions) or load anything (url()), and no remote loads at all: an image is kept only
 * when it points at one of the mail's own attachments (`cid:`), so opening the event tells no
 * tracker it was read.
 */
import sanitizeHtml from 'sanitize-html';

/** Characters of HTML sanitised per mail: past it, the rest is cut (and the event says so). */
export const HTML_MAX_CHARS = 2_000_000;

const TAGS = [
  ...['p', 'br', 'div', 'span', 'blockquote', 'pre', 'code', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
  ...['b', 'strong', 'i', 'em', 'u', 's', 'strike', 'sub', 'sup', 'small', 'big', 'font', 'center', 'abbr'],
  ...['ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img'],
  ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'colgroup', 'col'],
];

/** A CSS value with no function call, no escape, no comment: nothing that could run or load. */
const PLAIN_VALUE = /^(?!.*(?:expression|javascript|url|behaviou?r|@import|\\|\/\*))[#\w\s.,%'"-]{1,200}$/i;
const COLOUR = [PLAIN_VALUE, /^rgba?\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*(?:,\s*[\d.]+\s*)?\)$/i];
const STYLE_PROPERTIES = [
  ...['font-family', 'font-size', 'font-weight', 'font-style', 'text-align', 'text-decoration', 'line-height', 'vertical-align', 'white-space'],
  ...['margin', 'margin-top', 'margin-bottom', 'margin-left', 'margin-right', 'padding', 'padding-top', 'padding-bottom', 'padding-left', 'padding-right'],
  ...['border', 'border-top', 'border-bottom', 'border-left', 'border-right', 'border-collapse', 'width', 'height', 'max-width'],
];
const allowedStyles = Object.fromEntries([...STYLE_PROPERTIES.map((p) => [p, [PLAIN_VALUE]]), ['color', COLOUR], ['background-color', COLOUR]]);

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: TAGS,
  allowedAttributes: {
    // rel and target are set by the transform below, whatever the mail said.
    a: ['href', 'title', 'name', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    font: ['color', 'size', 'face'],
    td: ['colspan', 'rowspan', 'align', 'valign', 'width'],
    th: ['colspan', 'rowspan', 'align', 'valign', 'width'],
    table: ['width', 'cellpadding', 'cellspacing', 'border', 'align'],
    col: ['span', 'width'],
    '*': ['style', 'dir', 'lang'],
  },
  allowedStyles: { '*': allowedStyles },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['cid'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  // Scripts, styles and the like go with their content; other unknown tags leave their text.
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'template', 'svg', 'math', 'xmp', 'iframe', 'object', 'head'],
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' } }),
  },
  // An image without its own attachment to show would be an empty box: dropped.
  exclusiveFilter: (frame) => frame.tag === 'img' && !/^cid:/i.test(frame.attribs.src ?? ''),
};

export interface SanitisedHtml {
  html: string;
  /** Content-IDs the body refers to (`cid:`), lower case, without brackets. */
  contentIds: string[];
  /** The HTML was longer than HTML_MAX_CHARS and was cut. */
  cut: boolean;
}

export function sanitiseHtml(raw: string): SanitisedHtml {
  const cut = raw.length > HTML_MAX_CHARS;
  const html = sanitizeHtml(cut ? raw.slice(0, HTML_MAX_CHARS) : raw, OPTIONS);
  const contentIds = new Set<string>();
  for (const m of html.matchAll(/src="cid:([^"]*)"/gi)) contentIds.add(decodeCid(m[1]));
  return { html, contentIds: [...contentIds], cut };
}

function decodeCid(value: string): string {
  let v = value.replace(/&amp;/g, '&');
  try {
    v = decodeURIComponent(v);
  } catch {
    // A stray % is part of the id as written.
  }
  return v.replace(/^<|>$/g, '').toLowerCase();
}
