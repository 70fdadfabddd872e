/**
 * The core engine's Directory port over the adapter's own DirectoryStore, so the IMAP companion runs
 * the same engine server-side against the same store (and the same exactly-once key). The run's
 * outcomes are the engine's to record, through the History port (history.ts StoreHistory).
 */
import { SyncError } from '../../core/causes';
import type { ContentItem } from '../../core/content';
import type { Directory, FilingContext, FilingMessage, FilingOutcome } from '../../core/ports';
import type { AuthUser, ServerContext } from '../context';
import { chunk } from './matching';

/** Mails per store call: the size of one HTTP filing request, which the stores are tuned for. */
const STORE_BATCH = 100;

export interface DirectoryForOptions {
  includeCc?: boolean;
}

export function directoryFor(ctx: Pick<ServerContext, 'directory'>, user: AuthUser, options: DirectoryForOptions = {}): Directory {
  const store = ctx.directory;
  return {
    ...(store.attachContent ? { attachContent: (items: readonly ContentItem[]) => store.attachContent!(user, items) } : {}),
    async file(messages: readonly FilingMessage[], context: FilingContext, signal?: AbortSignal): Promise<FilingOutcome[]> {
      const outcomes: FilingOutcome[] = [];
      for (const part of chunk(messages, STORE_BATCH)) {
        if (signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
        outcomes.push(...(await ctx.directory.fileBatch(user, part, { ...context, includeCc: options.includeCc === true })));
      }
      return outcomes;
    },
  };
}
