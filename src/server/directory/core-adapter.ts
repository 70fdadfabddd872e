/**
 * The core engine's Directory port over the adapter's own DirectoryStore, so the IMAP companion runs
 * the same engine server-side against the same store (and the same exactly-once key).
 */
import type { ApiFileOutcome, ApiFileRequest } from '../../core/api';
import { SyncError } from '../../core/causes';
import type { Directory, FilingContext, FilingMessage, FilingOutcome } from '../../core/ports';
import type { AuthUser, ServerContext } from '../context';
import { recordOutcomes } from '../history';
import { chunk } from './matching';

export interface DirectoryForOptions {
  includeCc?: boolean;
  /** Record per-message outcomes in this sync run (the run must exist: see history.ensureRun). */
  runId?: string;
}

export function toFilingOutcome(o: ApiFileOutcome): FilingOutcome {
  if (o.status === 'filed') return { status: 'filed', groups: o.groups };
  if (o.status === 'unmatched') return { status: 'unmatched', reason: o.reason, ...(o.message ? { message: o.message } : {}) };
  return { status: 'error', cause: o.cause, ...(o.message ? { message: o.message } : {}) };
}

export function directoryFor(ctx: Pick<ServerContext, 'directory' | 'db' | 'clock'>, user: AuthUser, options: DirectoryForOptions = {}): Directory {
  return {
    async file(messages: readonly FilingMessage[], context: FilingContext, signal?: AbortSignal): Promise<FilingOutcome[]> {
      const outcomes: FilingOutcome[] = [];
      for (const part of chunk(messages, 100)) {
        if (signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
        const request: ApiFileRequest = {
          ownerAddresses: context.ownerAddresses,
          includeCc: options.includeCc === true,
          messages: part.map((m) => ({
            internetMessageId: m.internetMessageId,
            from: m.from.map((a) => ({ address: a.address, name: a.name })),
            to: m.to.map((a) => ({ address: a.address, name: a.name })),
            cc: m.cc.map((a) => ({ address: a.address, name: a.name })),
            date: m.date,
            subject: m.subject,
            preview: m.preview,
            direction: m.direction,
          })),
        };
        const result = await ctx.directory.fileBatch(user, request);
        if (options.runId) await recordOutcomes(ctx.db, options.runId, result);
        outcomes.push(...result.map(toFilingOutcome));
      }
      return outcomes;
    },
  };
}
