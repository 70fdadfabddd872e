import { toRestId, toRestIds } from '../../src/outlook/ids';

function office(platform: string) {
  const calls: [string, string][] = [];
  const stub = {
    MailboxEnums: { RestVersion: { v2_0: 'v2.0' } },
    context: {
      diagnostics: { platform },
      mailbox: {
        convertToRestId: (id: string, version: string) => {
          calls.push([id, version]);
          return id.replace(/\//g, '-').replace(/\+/g, '_');
        },
      },
    },
  } as unknown as typeof Office;
  return { stub, calls };
}

describe('toRestId', () => {
  test('converts EWS ids with convertToRestId(id, RestVersion.v2_0)', () => {
    const { stub, calls } = office('PC');
    expect(toRestId('AAMkAD/abc+def=', stub)).toBe('AAMkAD-abc_def=');
    expect(calls).toEqual([['AAMkAD/abc+def=', 'v2.0']]);
  });

  test('leaves ids alone on mobile (already REST) and ids that are already URL-safe', () => {
    const ios = office('iOS');
    expect(toRestId('AAMkAD/abc+def=', ios.stub)).toBe('AAMkAD/abc+def=');
    expect(ios.calls).toHaveLength(0);
    const web = office('OfficeOnline');
    expect(toRestId('AAMkAD-abc_def=', web.stub)).toBe('AAMkAD-abc_def=');
    expect(web.calls).toHaveLength(0);
  });

  test('without Office (tests, Node) ids pass through; lists convert each id', () => {
    expect(toRestId('AAMk/x', undefined)).toBe('AAMk/x');
    const { stub } = office('Mac');
    expect(toRestIds(['a/b', 'c+d'], stub)).toEqual(['a-b', 'c_d']);
  });
});
