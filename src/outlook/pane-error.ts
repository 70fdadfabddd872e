/** Anything a service throws, as a PaneError the components can explain. */
import { isCauseCode, toSyncError } from '../core/causes';
import type { PaneError } from './pane-port';

export function toPaneError(e: unknown): PaneError {
  // Services may throw plain {code, message, detail} objects (e.g. across a structured clone), not SyncError instances.
  const plain = e as { code?: unknown; message?: unknown; detail?: { providerCode?: string; requestId?: string } } | null;
  const err =
    typeof plain === 'object' && plain !== null && isCauseCode(plain.code)
      ? { code: plain.code, message: String(plain.message ?? ''), detail: plain.detail ?? {} }
      : toSyncError(e);
  const out: PaneError = { code: err.code, message: err.message };
  if (err.detail?.providerCode) out.providerCode = err.detail.providerCode;
  if (err.detail?.requestId) out.requestId = err.detail.requestId;
  return out;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: PaneError };

/** A service call as a value: its answer, or why it failed as a PaneError (the pane state and the checks both read calls this way). */
export async function settle<T>(p: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await p() };
  } catch (e) {
    return { ok: false, error: toPaneError(e) };
  }
}
