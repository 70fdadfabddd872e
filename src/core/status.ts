/** The connection state shown on the status card, and how a cause moves it. */
import type { CauseCode } from './causes';

export type ConnectionState = 'connected' | 'disconnected' | 'authorisation-failed' | 'syncing';

export const STATE_LABEL: Record<ConnectionState, string> = {
  connected: 'Connected',
  disconnected: 'Disconnected',
  'authorisation-failed': 'Authorisation failed',
  syncing: 'Syncing',
};

/** The state a failure leaves the account in. Per-mail causes leave the connection as it was. */
export function stateAfter(code: CauseCode): ConnectionState | undefined {
  switch (code) {
    case 'authorisation-expired':
    case 'password-changed':
    case 'consent-missing':
    case 'session-stale':
    case 'server-settings-changed':
      return 'authorisation-failed';
    case 'server-unreachable':
    case 'certificate-invalid':
    case 'outage-suspected':
    case 'not-configured':
      return 'disconnected';
    default:
      return undefined;
  }
}
