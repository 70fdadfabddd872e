/** The server's fast address normalisation agrees with the core parser on every input. */
import fc from 'fast-check';
import { normaliseAddress } from '../../../src/core/addresses';
import { canonicalMessageId, normaliseFast } from '../../../src/server/directory/matching';

describe('normaliseFast', () => {
  it('agrees with core normaliseAddress on generated and hand-picked addresses', () => {
    const tricky = [
      'A@B.CO.UK',
      ' a@b.com ',
      'a..b@c.com',
      '.a@b.com',
      'a@-b.com',
      'a@b-.com',
      'a@0x7f.1',
      'a@1.2.3.4',
      'a@xn--bcher-kva.example',
      'a@xn--zz.example',
      'zoë@bücher.example',
      '"a b"@c.com',
      'Name <a@b.com>',
      'a@b',
      'a@b.c1',
      'a@b.1c',
      `${'a'.repeat(64)}@b.com`,
      `${'a'.repeat(65)}@b.com`,
      `${'a'.repeat(250)}@b.com`,
      `a@${'b'.repeat(64)}.com`,
      'a@b..com',
      'a@b.com.',
      '',
    ];
    for (const t of tricky) expect([t, normaliseFast(t)]).toEqual([t, normaliseAddress(t)]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.emailAddress(),
          fc.string({ maxLength: 30 }),
          fc.emailAddress().map((e) => e.toUpperCase()),
        ),
        (s) => {
          expect(normaliseFast(s)).toBe(normaliseAddress(s));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('canonicalMessageId', () => {
  it('treats bracketed and bare ids as one, and refuses what cannot be a Message-ID', () => {
    expect(canonicalMessageId('<a@b>')).toBe('<a@b>');
    expect(canonicalMessageId(' a@b ')).toBe('<a@b>');
    for (const bad of ['', '<>', 'a b@c', '<a<b>', 42, null]) expect(canonicalMessageId(bad)).toBeUndefined();
  });
});
