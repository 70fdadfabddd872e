/** Anything a service throws, as a PaneError the components can explain. */
import { CAUSE_CODES, type CauseCode, toSyncError } from '../core/causes';
import type { PaneError } from './services';

const KNOWN = new Set<string>(CAUSE_CODES);

export function toPaneError(e: unknown): PaneError {
  // Services may throw plain {code, message, detail} objects (e.g. across a structured clone), not SyncError instances.
  const plain = e as { code?: unknown; message?: unknown; detail?: { providerCode?: string; requestId?: string } } | null;
  const err =
    typeof plain === 'object' && plain !== null && typeof plain.code === 'string' && KNOWN.has(plain.code)
      ? { code: plain.code as CauseCode, message: String(plain.message ?? ''), detail: plain.detail ?? {} }
      : toSyncError(e);
  const out: PaneError = { code: err.code, message: err.message };
  if (err.detail?.providerCode) out.providerCode = err.detail.providerCode;
  if (err.detail?.requestId) out.requestId = err.detail.requestId;
  return out;
}
