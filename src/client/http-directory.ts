/**
 * The core Directory port over the adapter's POST /api/v1/mail/file: batches of at most
 * MAX_FILE_BATCH mails per call, one runId for the whole pane sync so the adapter's history shows one
 * run. The adapter answers one outcome per mail, in order, keyed by internet message id.
 */
import { MAX_FILE_BATCH, type ApiFileMessage, type ApiFileOutcome } from '../core/api';
import { SyncError } from '../core/causes';
import type { Directory, FilingContext, FilingMessage, FilingOutcome } from '../core/ports';
import type { AdapterClient } from './adapter-client';

export interface HttpDirectoryOptions {
  runId?: string;
  includeCc?: boolean;
}

export function toApiMessage(m: FilingMessage): ApiFileMessage {
  const addr = (list: FilingMessage['from']) => list.map((a) => (a.name ? { address: a.address, name: a.name } : { address: a.address }));
  return {
    internetMessageId: m.internetMessageId,
    from: addr(m.from),
    to: addr(m.to),
    cc: addr(m.cc),
    date: m.date,
    subject: m.subject,
    preview: m.preview,
    direction: m.direction,
  };
}

export function toFilingOutcome(o: ApiFileOutcome): FilingOutcome {
  switch (o.status) {
    case 'filed':
      return { status: 'filed', groups: o.groups.map((g) => ({ groupId: g.groupId, name: g.name, link: g.link, eventId: g.eventId })) };
    case 'unmatched':
      return o.message ? { status: 'unmatched', reason: o.reason, message: o.message } : { status: 'unmatched', reason: o.reason };
    case 'error':
      return o.message ? { status: 'error', cause: o.cause, message: o.message } : { status: 'error', cause: o.cause };
    default:
      return { status: 'error', cause: 'unknown', message: 'The adapter answered an outcome this version does not understand.' };
  }
}

export class HttpDirectory implements Directory {
  readonly runId: string;
  /** Adapter calls made (for the benchmark). */
  calls = 0;
  constructor(
    private readonly client: AdapterClient,
    private readonly options: HttpDirectoryOptions = {},
  ) {
    this.runId = options.runId ?? globalThis.crypto.randomUUID();
  }

  async file(messages: readonly FilingMessage[], context: FilingContext, signal?: AbortSignal): Promise<FilingOutcome[]> {
    const out: FilingOutcome[] = [];
    for (let i = 0; i < messages.length; i += MAX_FILE_BATCH) {
      const batch = messages.slice(i, i + MAX_FILE_BATCH);
      this.calls++;
      const res = await this.client.file(
        {
          runId: this.runId,
          ownerAddresses: context.ownerAddresses,
          ...(this.options.includeCc ? { includeCc: true } : {}),
          messages: batch.map(toApiMessage),
        },
        { signal },
      );
      if (!Array.isArray(res?.outcomes) || res.outcomes.length !== batch.length) {
        throw new SyncError('unknown', `The adapter answered ${res?.outcomes?.length ?? 0} outcomes for ${batch.length} mails.`);
      }
      batch.forEach((m, j) => {
        const o = res.outcomes[j];
        // Outcomes are in order; a mismatched id means the answer cannot be trusted for this mail.
        out.push(
          o.internetMessageId === m.internetMessageId
            ? toFilingOutcome(o)
            : { status: 'error', cause: 'unknown', message: 'The adapter’s answer did not match this mail.' },
        );
      });
    }
    return out;
  }
}
