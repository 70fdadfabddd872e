/**
 * The core Directory port over the adapter's POST /api/v1/mail/file: batches of at most
 * MAX_FILE_BATCH mails per call, one runId for the whole pane sync so the adapter's history shows one
 * run. The adapter answers one outcome per mail, in order, keyed by internet message id.
 */
import { MAX_FILE_BATCH, type ApiFileMessage, type ApiFileOutcome } from '../core/api';
import { SyncError } from '../core/causes';
import type { ContentItem } from '../core/content';
import { toApiContentItem } from '../core/content-wire';
import { type ApiContentItem, MAX_CONTENT_ITEMS } from '../core/contract/content';

/** Characters of content per POST /mail/content: room under the default BODY_LIMIT (1 MB) for JSON and escapes. */
const CONTENT_REQUEST_CHARS = 400_000;
import type { ContentNotStored, Directory, FilingContext, FilingMessage, FilingOutcome } from '../core/ports';
import type { AdapterClient } from './adapter-client';

export interface HttpDirectoryOptions {
  runId?: string;
  includeCc?: boolean;
  /** The shared or delegated mailbox being filed from (absent: the user's own). */
  mailbox?: string;
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
      return {
        status: 'filed',
        groups: o.groups.map((g) => ({ groupId: g.groupId, name: g.name, link: g.link, eventId: g.eventId })),
        ...(o.privacy ? { privacy: o.privacy } : {}),
      };
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
  constructor(
    private readonly client: AdapterClient,
    private readonly options: HttpDirectoryOptions = {},
  ) {
    this.runId = options.runId ?? globalThis.crypto.randomUUID();
  }

  /**
   * Mails packed into requests of at most CONTENT_REQUEST_CHARS (the default BODY_LIMIT is 1 MB), and
   * at most MAX_CONTENT_ITEMS each; a mail larger than that goes alone (BODY_LIMIT decides then).
   */
  async attachContent(items: readonly ContentItem[], signal?: AbortSignal): Promise<ContentNotStored[]> {
    let pack: ApiContentItem[] = [];
    let chars = 0;
    const notStored: ContentNotStored[] = [];
    // A refused request costs its own mails' content only: the other requests still go.
    const send = async () => {
      if (pack.length > 0) {
        try {
          await this.client.request('attachContent', { body: { items: pack } }, { signal });
        } catch (e) {
          if (signal?.aborted) throw e;
          const why = e instanceof Error ? e.message : String(e);
          for (const item of pack) notStored.push({ internetMessageId: item.internetMessageId, message: `Its content could not be stored: ${why}` });
        }
      }
      pack = [];
      chars = 0;
    };
    for (const item of items) {
      const wire = toApiContentItem(item);
      const size = wire.ok
        ? wire.content.text.length + (wire.content.html?.length ?? 0) + wire.content.attachments.reduce((n, a) => n + a.contentBase64.length, 0) + 2000
        : 2000;
      if (pack.length >= MAX_CONTENT_ITEMS || (pack.length > 0 && chars + size > CONTENT_REQUEST_CHARS)) await send();
      pack.push(wire);
      chars += size;
    }
    await send();
    return notStored;
  }

  async file(messages: readonly FilingMessage[], context: FilingContext, signal?: AbortSignal): Promise<FilingOutcome[]> {
    const out: FilingOutcome[] = [];
    for (let i = 0; i < messages.length; i += MAX_FILE_BATCH) {
      const batch = messages.slice(i, i + MAX_FILE_BATCH);
      const res = await this.client.file(
        {
          runId: this.runId,
          ownerAddresses: context.ownerAddresses,
          ...(this.options.includeCc ? { includeCc: true } : {}),
          ...(this.options.mailbox ? { mailbox: this.options.mailbox } : {}),
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
