/**
 * Gathers what the automatic checks need, through PaneServices only: a fresh status, a silent
 * token attempt (Office 365) and a light Graph request (folder counts) as a ping. Never throws:
 * every failure becomes an observation for the diagnosis.
 */
import type { ApiStatus } from '../../core/api';
import type { CauseCode } from '../../core/causes';
import type { DiagnosisInput, ObservedError } from '../../core/diagnosis';
import { toPaneError } from '../errors';
import type { PaneError, PaneServices } from '../services';

export interface Observations {
  input: DiagnosisInput;
  status?: ApiStatus;
  /** Errors seen while checking, for the support report. */
  errors: { source: string; code: CauseCode; message?: string; providerCode?: string; requestId?: string }[];
}

const AUTH_CAUSES = new Set<CauseCode>(['authorisation-expired', 'password-changed', 'consent-missing', 'session-stale']);

async function settle<T>(p: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: PaneError }> {
  try {
    return { ok: true, value: await p() };
  } catch (e) {
    return { ok: false, error: toPaneError(e) };
  }
}

const observed = (e: PaneError): ObservedError => ({ code: e.code, message: e.message, providerCode: e.providerCode, requestId: e.requestId });

export async function observe(
  services: PaneServices,
  opts: { lastError?: PaneError; reconnectAttempt?: { failedWith?: CauseCode } } = {},
): Promise<Observations> {
  const errors: Observations['errors'] = [];
  const input: DiagnosisInput = { reconnectAttempt: opts.reconnectAttempt };
  try {
    const h = services.host();
    input.host = { host: h.host, platform: h.platform, version: h.version };
  } catch {
    // Host info is a nicety for the report; its absence must not stop the checks.
  }
  if (opts.lastError) input.paneError = observed(opts.lastError);

  const status = await settle(() => services.status());
  if (status.ok) input.status = status.value;
  else {
    input.statusError = observed(status.error);
    errors.push({ source: 'status', ...status.error });
  }

  // IMAP accounts sign in on the server with a username and password: no token to test here.
  if (input.status?.account.kind !== 'imap') {
    const account = await settle(() => services.currentAccount());
    if (account.ok && account.value) input.token = { obtained: true };
    else if (account.ok) {
      const known = opts.lastError && AUTH_CAUSES.has(opts.lastError.code) ? observed(opts.lastError) : undefined;
      input.token = { obtained: false, error: known };
    } else {
      input.token = { obtained: false, error: observed(account.error) };
      errors.push({ source: 'silent-token', ...account.error });
    }
    if (input.token.obtained) {
      const ping = await settle(() => services.folderCounts());
      // Resolving with no counts means Graph didn't answer (the Outlook services swallow the reason there).
      input.ping = ping.ok ? { target: 'graph', ok: ping.value !== undefined } : { target: 'graph', ok: false, error: observed(ping.error) };
      if (!ping.ok) errors.push({ source: 'graph-ping', ...ping.error });
    }
  }
  if (opts.lastError) errors.push({ source: 'pane', ...opts.lastError });
  return { input, status: input.status, errors };
}
