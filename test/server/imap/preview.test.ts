import { previewOf } from '../../../src/server/imap/preview';

describe('previewOf', () => {
  it('makes a preview from the first bytes of the body', () => {
    expect(previewOf(Buffer.from('Hello   there,\r\nsee you at the viewing.'))).toBe('Hello there, see you at the viewing.');
    expect(
      previewOf(Buffer.from('--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nwqM1MDAgb2ZmZXI=\r\n--b1\r\n')),
    ).toBe('£500 offer');
    expect(previewOf(Buffer.from('Caf=C3=A9 at 10=\r\nam'))).toBe('Café at 10am');
    expect(previewOf(Buffer.from('--b1\r\nContent-Type: image/png\r\n\r\niVBORw0KGgo'))).toBe('');
    expect(previewOf(undefined)).toBe('');
  });
});
