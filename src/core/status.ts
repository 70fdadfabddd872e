/** The connection state shown on the status card, and how a cause moves it. */
import { CAUSES, type CauseCode } from './causes';

export type ConnectionState = 'connected' | 'disconnected' | 'authorisation-failed' | 'syncing';

export const STATE_LABEL: Record<ConnectionState, string> = {
  connected: 'Connected',
  disconnected: 'Disconnected',
  'authorisation-failed': 'Authorisation failed',
  syncing: 'Syncing',
};

/** The state a failure leaves the account in (CAUSES' `leaves`). Per-mail causes leave the connection as it was. */
export function stateAfter(code: CauseCode): ConnectionState | undefined {
  return Object.hasOwn(CAUSES, code) ? CAUSES[code].leaves : undefined;
}
