import { BrowserAuthError, ClientAuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-browser';
import { SyncError } from '../../src/core/causes';
import { aadstsCode, mapAuthError } from '../../src/outlook/auth-errors';

// MSAL 5 keeps Entra's number (error_codes[0]) in errorNo; its message text is replaced by a docs link.
// MSAL 5: ServerError(errorCode, correlationId, errorMessage, subError, errorNo, status);
// InteractionRequiredAuthError(errorCode, correlationId, errorMessage, subError, timestamp, traceId, claims, errorNo).
const server = (code: string, aadsts: string, text: string) => new ServerError(code, 'corr-1', `${aadsts}: ${text}`, '', aadsts.replace('AADSTS', ''), 400);
const interaction = (code: string, message: string, subError = '', errorNo?: string) =>
  new InteractionRequiredAuthError(code, 'corr-1', message, subError, '', '', '', errorNo);

describe('mapAuthError', () => {
  test.each([
    [
      'AADSTS50173 (grant revoked after a password change)',
      server('invalid_grant', 'AADSTS50173', 'The provided grant has expired due to it being revoked.'),
      'password-changed',
      'AADSTS50173',
    ],
    [
      'AADSTS50133 (session revoked: password expired or changed)',
      server('invalid_grant', 'AADSTS50133', 'Session is invalid due to expiration or recent password change.'),
      'password-changed',
      'AADSTS50133',
    ],
    ['AADSTS50055 (password expired)', server('invalid_grant', 'AADSTS50055', 'The password is expired.'), 'password-changed', 'AADSTS50055'],
    [
      'AADSTS700082 (refresh token expired through inactivity)',
      server('invalid_grant', 'AADSTS700082', 'The refresh token has expired due to inactivity.'),
      'authorisation-expired',
      'AADSTS700082',
    ],
    [
      'AADSTS70043 (sign-in frequency)',
      server('invalid_grant', 'AADSTS70043', 'The refresh token has expired or is invalid due to sign-in frequency checks.'),
      'authorisation-expired',
      'AADSTS70043',
    ],
    [
      'AADSTS65001 (consent)',
      server('invalid_grant', 'AADSTS65001', 'The user or administrator has not consented to use the application.'),
      'consent-missing',
      'AADSTS65001',
    ],
    ['AADSTS90094 (admin consent)', server('invalid_grant', 'AADSTS90094', 'Admin consent is required.'), 'consent-missing', 'AADSTS90094'],
  ])('%s', (_label, error, code, providerCode) => {
    const mapped = mapAuthError(error);
    expect(mapped).toBeInstanceOf(SyncError);
    expect(mapped.code).toBe(code);
    expect(mapped.detail.providerCode).toBe(providerCode);
  });

  test('interaction_required and consent_required without an AADSTS code mean consent missing', () => {
    expect(mapAuthError(interaction('interaction_required', 'Interaction is required.')).code).toBe('consent-missing');
    expect(mapAuthError(interaction('consent_required', 'Consent is required.')).code).toBe('consent-missing');
    expect(mapAuthError(interaction('interaction_required', 'x')).detail.providerCode).toBe('interaction_required');
  });

  test('an AADSTS number on an InteractionRequiredAuthError wins over its generic code, and the correlation id is kept', () => {
    const mapped = mapAuthError(interaction('invalid_grant', 'AADSTS50173: The provided grant has expired', '', '50173'));
    expect(mapped).toMatchObject({ code: 'password-changed', detail: { providerCode: 'AADSTS50173', requestId: 'corr-1' } });
  });

  test('AADSTS50058 (no session yet) means not signed in, worded calmly, in every shape MSAL gives it', () => {
    const text = 'AADSTS50058: A silent sign-in request was sent but no user is signed in.';
    const shapes = [
      // ssoSilent / a hidden window: Authorize.validateAuthorizationResponse keeps error_description and reads errorNo from error_uri.
      interaction('login_required', text, '', '50058'),
      // The same answer without error_uri: only the description carries the number.
      interaction('login_required', text),
      // Entra's number without its words (MSAL 5 puts a docs link in the message when the description is empty).
      interaction('interaction_required', '', '', '50058'),
      new ServerError('login_required', 'corr-1', text, '', '50058', 400),
    ];
    for (const shape of shapes) {
      const mapped = mapAuthError(shape);
      expect(mapped).toMatchObject({ code: 'not-signed-in', detail: { providerCode: 'AADSTS50058' } });
      expect(mapped.message).toMatch(/^Sign in to Rezi Email Sync to start — your Microsoft 365 account is needed once/);
      expect(mapped.message).not.toMatch(/expired/);
    }
    // An expiry is still an expiry.
    expect(mapAuthError(interaction('login_required', 'Session expired')).code).toBe('authorisation-expired');
  });

  test('token expiry codes mean authorisation expired', () => {
    expect(mapAuthError(interaction('refresh_token_expired', 'Refresh token has expired.')).code).toBe('authorisation-expired');
    expect(mapAuthError(interaction('bad_token', 'Identity provider returned bad_token.')).code).toBe('authorisation-expired');
  });

  test('network failures mean server unreachable', () => {
    expect(mapAuthError(new BrowserAuthError('no_network_connectivity', 'c')).code).toBe('server-unreachable');
    expect(mapAuthError(new ClientAuthError('network_error', 'corr-3')).code).toBe('server-unreachable');
    expect(mapAuthError(new TypeError('Failed to fetch')).code).toBe('server-unreachable');
    expect(mapAuthError(new TypeError('fetch failed')).code).toBe('server-unreachable');
  });

  test('a sign-in window that never reported back (MSAL 5 without its redirect bridge) needs sign-in, not the network', () => {
    // MSAL 5's ssoSilent iframe and popups finish only through the redirect bridge page; a timeout there says nothing about the network.
    const timedOut = mapAuthError(new BrowserAuthError('timed_out', 'corr-3'));
    expect(timedOut).toMatchObject({ code: 'authorisation-expired', detail: { providerCode: 'timed_out' } });
    expect(timedOut.message).toMatch(/sign-in window is needed/);
    expect(mapAuthError(new BrowserAuthError('monitor_window_timeout', 'corr-3')).code).toBe('authorisation-expired');
  });

  test('a closed or blocked sign-in window means cancelled', () => {
    expect(mapAuthError(new BrowserAuthError('user_cancelled', 'corr-3')).code).toBe('cancelled');
    expect(mapAuthError(new BrowserAuthError('popup_window_error', 'corr-3')).code).toBe('cancelled');
    expect(mapAuthError(new BrowserAuthError('empty_window_error', 'corr-3')).code).toBe('cancelled');
    // Office dialog API: 12006 = the user closed the dialog.
    expect(mapAuthError({ code: 12006, message: 'Dialog closed' })).toMatchObject({ code: 'cancelled', detail: { providerCode: '12006' } });
  });

  test('stale local state means session stale', () => {
    expect(mapAuthError(new BrowserAuthError('interaction_in_progress', 'corr-3')).code).toBe('session-stale');
    expect(mapAuthError(interaction('no_tokens_found', 'No refresh token found in the cache.')).code).toBe('session-stale');
    expect(mapAuthError(new ClientAuthError('multiple_matching_tokens', 'corr-3')).code).toBe('session-stale');
    expect(mapAuthError(new BrowserAuthError('no_account_error', 'corr-3')).code).toBe('session-stale');
  });

  test('anything else is unknown, with what the provider said but no trace noise', () => {
    const mapped = mapAuthError(new ServerError('server_error', 'corr-2', 'AADSTS90033: A transient error has occurred.', '', '90033', 500));
    expect(mapped.code).toBe('unknown');
    expect(mapped.detail).toMatchObject({ providerCode: 'AADSTS90033', status: 500 });
    // A plain error whose text names the code (e.g. from the Office dialog page) keeps it, minus trace noise.
    const plain = mapAuthError(new Error('AADSTS90033: A transient error has occurred. Trace ID: 1234'));
    expect(plain.detail.providerCode).toBe('AADSTS90033');
    expect(plain.message).toContain('A transient error has occurred.');
    expect(plain.message).not.toContain('Trace ID');
    expect(mapAuthError('weird').code).toBe('unknown');
  });

  test('a SyncError passes through unchanged', () => {
    const e = new SyncError('throttled', 'busy');
    expect(mapAuthError(e)).toBe(e);
  });

  test('aadstsCode reads errorNo before the message', () => {
    expect(aadstsCode({ errorNo: '700082', errorMessage: 'AADSTS50173: x' })).toBe('AADSTS700082');
    expect(aadstsCode({ errorMessage: 'AADSTS50173: x' })).toBe('AADSTS50173');
    expect(aadstsCode({ message: 'nothing here' })).toBeUndefined();
  });
});
