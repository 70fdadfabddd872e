import fc from 'fast-check';
import {
  domainToAscii,
  isWellFormedText,
  normaliseAddress,
  normaliseAddressList,
  normaliseAddressQuickly,
  parseAddress,
  parseAddressHeader,
} from '../../src/core/addresses';
import { directionOf, ownerSet } from '../../src/core/direction';

describe('address parsing and normalisation', () => {
  it.each([
    ['Sarah.Jones@Gmail.COM', 'sarah.jones@gmail.com'],
    ['  sarah.jones@gmail.com  ', 'sarah.jones@gmail.com'],
    ['"Jones, Sarah" <Sarah.Jones@gmail.com>', 'sarah.jones@gmail.com'],
    ['"sarah.jones"@gmail.com', 'sarah.jones@gmail.com'],
    ['"sarah jones"@gmail.com', '"sarah jones"@gmail.com'],
    ['Søren <søren@bücher.de>', 'søren@xn--bcher-kva.de'],
    ['info@BÜCHER.de', 'info@xn--bcher-kva.de'],
    ['lettings@xn--bcher-kva.de', 'lettings@xn--bcher-kva.de'],
  ])('normalises %s', (input, expected) => {
    expect(normaliseAddress(input)).toBe(expected);
  });

  it.each(['', '   ', 'not an address', '@example.com', 'user@', 'a@b@c.com', 'user@exa mple.com', 'x'.repeat(1000) + '@a.com'])('rejects %j', (input) => {
    expect(normaliseAddress(input)).toBeUndefined();
  });

  it('keeps the display name', () => {
    expect(parseAddress('  "Jones, Sarah"  <sarah@gmail.com>')).toEqual({ address: 'sarah@gmail.com', name: 'Jones, Sarah' });
    expect(parseAddress('sarah@gmail.com')).toEqual({ address: 'sarah@gmail.com', name: '' });
  });

  it('parses several addresses, groups and folded headers in one header', () => {
    const list = parseAddressHeader('"Jones, Sarah" <sarah@gmail.com>, tom@tenant.example,\r\n\tLettings: a@b.example, c@d.example;, SARAH@gmail.com');
    expect(list.map((a) => a.address)).toEqual(['sarah@gmail.com', 'tom@tenant.example', 'a@b.example', 'c@d.example']);
  });

  it('skips a broken entry but keeps the good ones', () => {
    const list = parseAddressHeader('good@one.example, <<broken, "Quoted, Name" <two@two.example>');
    expect(list.map((a) => a.address)).toEqual(['good@one.example', 'two@two.example']);
  });

  it('returns nothing for empty headers', () => {
    expect(parseAddressHeader('')).toEqual([]);
    expect(parseAddressHeader(undefined as unknown as string)).toEqual([]);
  });

  it('normalises Graph-style recipient objects and strings', () => {
    expect(normaliseAddressList([{ address: 'A@B.example', name: ' A ' }, { address: null }, 'c@d.example, A@b.example', { address: 'nope' }])).toEqual([
      { address: 'a@b.example', name: 'A' },
      { address: 'c@d.example', name: '' },
    ]);
  });

  it('converts IDN domains to their ASCII form and refuses invalid hosts', () => {
    expect(domainToAscii('Bücher.DE')).toBe('xn--bcher-kva.de');
    expect(domainToAscii('exa mple.com')).toBeUndefined();
    expect(domainToAscii('')).toBeUndefined();
    expect(domainToAscii('[127.0.0.1]')).toBeUndefined();
  });

  it('is idempotent and case-insensitive (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const local = fc.stringMatching(/^[a-zA-Z0-9._%+-]{1,20}$/).filter((s) => !s.startsWith('.') && !s.endsWith('.') && !s.includes('..'));
    fc.assert(
      fc.property(local, fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'co.uk', 'org'), (l, labels, tld) => {
        const raw = `${l}@${labels.join('.')}.${tld}`;
        const n = normaliseAddress(raw);
        expect(n).toBeDefined();
        expect(normaliseAddress(n!)).toBe(n);
        expect(normaliseAddress(raw.toUpperCase())).toBe(n);
        expect(normaliseAddress(`"Some Name" <${raw}>`)).toBe(n);
      }),
    );
  });

  it('keeps to the RFC 5321 lengths: an address of at most 254 characters, a local part of at most 64', () => {
    expect(normaliseAddress(`${'a'.repeat(64)}@example.com`)).toBe(`${'a'.repeat(64)}@example.com`);
    expect(normaliseAddress(`${'a'.repeat(65)}@example.com`)).toBeUndefined();
    expect(normaliseAddress(`"${'a '.repeat(40)}"@example.com`)).toBeUndefined();
    const domain = `${'d'.repeat(60)}.`.repeat(4);
    expect(normaliseAddress(`a@${domain}com`)).toHaveLength(2 + domain.length + 3);
    expect(normaliseAddress(`abcdefgh@${domain}com`)).toBeUndefined();
    expect(normaliseAddress(`Name <${'a.'.repeat(150)}a@x.com>`)).toBeUndefined();
    expect(parseAddress(`Name <${'a.'.repeat(150)}a@x.com>`)).toBeUndefined();
  });

  it('decides the common forms by hand, exactly as the full parser would (property)', () => {
    const atom = fc.stringMatching(/^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~ßéü-]{1,12}$/);
    const local = fc.oneof(
      fc.array(atom, { minLength: 1, maxLength: 4 }).map((a) => a.join('.')),
      fc.stringMatching(/^[a-z .,@()<>]{0,12}$/).map((q) => `"${q}"`),
    );
    const domain = fc
      .array(fc.stringMatching(/^[a-zA-Z0-9ü]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/), { minLength: 1, maxLength: 3 })
      .map((l) => `${l.join('.')}.com`);
    const name = fc.oneof(
      fc.constant(''),
      fc.stringMatching(/^[A-Za-z .é]{0,12}$/),
      fc.stringMatching(/^[A-Za-z ,<>]{0,12}$/).map((n) => `"${n}"`),
    );
    const entry = fc.tuple(name, local, domain, fc.boolean()).map(([n, l, d, bracket]) => (bracket || n ? `${n} <${l}@${d}>` : `${l}@${d}`));
    let decided = 0;
    fc.assert(
      fc.property(fc.oneof(entry, fc.emailAddress(), fc.string({ maxLength: 40 })), (s) => {
        const quick = normaliseAddressQuickly(s);
        if (quick !== null) {
          decided++;
          expect([s, quick]).toEqual([s, parseAddress(s)?.address]);
        }
      }),
      { numRuns: 3000 },
    );
    expect(decided).toBeGreaterThan(2000);
  });

  it('tells a lone UTF-16 surrogate from a well-formed pair', () => {
    expect(isWellFormedText('a\ud83d\ude00b')).toBe(true);
    for (const bad of ['\ud800', 'a\udc00', '\ude00\ud83d', 'x\ud83d']) expect(isWellFormedText(bad)).toBe(false);
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const list = parseAddressHeader(s);
        for (const a of list) expect(normaliseAddress(a.address)).toBe(a.address);
      }),
    );
  });
});

describe('direction', () => {
  const owner = { addresses: ['Agent@Brightwells.co.uk', 'lettings@brightwells.co.uk', 'not valid'] };
  it('is outbound when From is the owner or an alias', () => {
    expect(directionOf(parseAddressHeader('agent@brightwells.co.uk'), owner)).toBe('outbound');
    expect(directionOf(parseAddressHeader('Lettings <LETTINGS@brightwells.co.uk>'), owner)).toBe('outbound');
  });
  it('is inbound otherwise, including when From is missing', () => {
    expect(directionOf(parseAddressHeader('sarah@gmail.com'), owner)).toBe('inbound');
    expect(directionOf([], owner)).toBe('inbound');
  });
  it('accepts a prepared owner set and drops invalid aliases', () => {
    const set = ownerSet(owner);
    expect([...set]).toEqual(['agent@brightwells.co.uk', 'lettings@brightwells.co.uk']);
    expect(directionOf(parseAddressHeader('agent@brightwells.co.uk'), set)).toBe('outbound');
  });
});
