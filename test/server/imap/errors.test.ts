import { AUTH_FAILED_MESSAGE, imapError } from '../../../src/server/imap/errors';

const err = (props: Record<string, unknown>, message = 'Command failed: LOGIN user secret-password') => Object.assign(new Error(message), props);

describe('IMAP error mapping', () => {
  it.each([
    [{ authenticationFailed: true }, 'password-changed'],
    [{ serverResponseCode: 'AUTHENTICATIONFAILED' }, 'password-changed'],
    [{ code: 'ECONNREFUSED' }, 'server-unreachable'],
    [{ code: 'ENOTFOUND' }, 'server-unreachable'],
    [{ code: 'EAI_AGAIN' }, 'server-unreachable'],
    [{ code: 'ETIMEDOUT' }, 'server-unreachable'],
    [{ code: 'ECONNRESET' }, 'server-unreachable'],
    [{ code: 'GREETING_TIMEOUT' }, 'server-unreachable'],
    [{ code: 'NoConnection' }, 'server-unreachable'],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'certificate-invalid'],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN' }, 'certificate-invalid'],
    [{ code: 'CERT_HAS_EXPIRED' }, 'certificate-invalid'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'certificate-invalid'],
    [{ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'certificate-invalid'],
    [{ code: 'SomethingElse' }, 'unknown'],
  ])('%j → %s, in our words only', (props, code) => {
    const mapped = imapError(err(props));
    expect(mapped.code).toBe(code);
    expect(mapped.message).not.toMatch(/secret-password|Command failed/);
  });

  it('names the certificate problem', () => {
    expect(imapError(err({ code: 'CERT_HAS_EXPIRED' })).message).toMatch(/certificate has expired/);
    expect(imapError(err({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })).message).toMatch(/for a different host name/);
    expect(imapError(err({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).message).toMatch(/self-signed/);
  });

  it('uses the seed words for a failed login and finds codes wrapped in a cause', () => {
    expect(imapError(err({ authenticationFailed: true })).message).toBe(AUTH_FAILED_MESSAGE);
    expect(AUTH_FAILED_MESSAGE).toMatch(/Authorisation failed.*has your email password changed recently\?/i);
    expect(imapError(err({ code: 'EConnectionClosed', cause: err({ code: 'CERT_HAS_EXPIRED' }) })).code).toBe('certificate-invalid');
  });
});

describe('providers that no longer take the mailbox password', () => {
  const refused = (responseText?: string) => err({ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED', responseText });
  it.each([
    ['imap.gmail.com', /app password.*Google/i, 'APP-PASSWORD-REQUIRED'],
    ['imap.googlemail.com', /app password/i, 'APP-PASSWORD-REQUIRED'],
    ['outlook.office365.com', /Office 365 sign-in/, 'OAUTH-REQUIRED'],
    ['imap-mail.outlook.com', /Office 365 sign-in/, 'OAUTH-REQUIRED'],
    ['imap.mail.me.com', /app-specific password/i, 'APP-PASSWORD-REQUIRED'],
    ['imap.mail.yahoo.com', /app password/i, 'APP-PASSWORD-REQUIRED'],
    ['imap.aol.com', /app password/i, 'APP-PASSWORD-REQUIRED'],
  ])('%s: a refused login says exactly what to do', (host, words, providerCode) => {
    const mapped = imapError(refused(), { host });
    expect(mapped.code).toBe('password-changed');
    expect(mapped.message).toMatch(words);
    expect(mapped.message).not.toMatch(/Has your email password changed/);
    expect(mapped.detail.providerCode).toBe(providerCode);
  });

  it('recognises the providers by their answers behind a custom host name', () => {
    expect(imapError(refused('[ALERT] Application-specific password required'), { host: 'mail.agency.example' }).message).toMatch(/Google/);
    expect(imapError(refused('AUTHENTICATE failed.'), { host: 'mail.agency.example' }).message).toMatch(/Office 365 sign-in/);
    expect(imapError(refused('Authentication failed.'), { host: 'mail.agency.example' }).message).toBe(AUTH_FAILED_MESSAGE);
    expect(imapError(refused(), { host: 'imap.example-gmail.com' }).message).toBe(AUTH_FAILED_MESSAGE);
  });
});
