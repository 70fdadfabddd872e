/**
 * Gathers what the automatic checks need, through PaneServices only: a fresh status, a silent
 * token attempt (Office 365) and a light Graph request (the folder check) as a ping, each with the
 * reason it failed. Never throws: every failure becomes an observation for the diagnosis.
 */
import type { ApiStatus } from '../../core/api';
import type { CauseCode } from '../../core/causes';
import type { DiagnosisInput, ObservedError } from '../../core/diagnosis';
import { settle } from '../../outlook/pane-error';
import type { PaneError, PaneServices } from '../../outlook/pane-port';

export interface Observations {
  input: DiagnosisInput;
  status?: ApiStatus;
  /** Errors seen while checking, for the support report. */
  errors: { source: string; code: CauseCode; message?: string; providerCode?: string; requestId?: string }[];
}

/** A check that reports its failure; one that throws anyway (a broken implementation) is observed all the same. */
async function reported<T extends { ok: true } | { ok: false; error: PaneError }>(p: () => Promise<T>): Promise<T | { ok: false; error: PaneError }> {
  const r = await settle(p);
  return r.ok ? r.value : r;
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
    const signIn = await reported(() => services.checkSignIn());
    if (!signIn.ok) {
      input.token = { obtained: false, error: observed(signIn.error) };
      // Not 'silent-token': the report's redaction takes "token: …" in its text for a secret and would hide the cause.
      errors.push({ source: 'silent-sign-in', ...signIn.error });
    } else {
      input.token = { obtained: true };
      const ping = await reported(() => services.pingGraph());
      input.ping = ping.ok ? { target: 'graph', ok: true } : { target: 'graph', ok: false, error: observed(ping.error) };
      if (!ping.ok) errors.push({ source: 'graph-ping', ...ping.error });
    }
  }
  if (opts.lastError) errors.push({ source: 'pane', ...opts.lastError });
  return { input, status: input.status, errors };
}
