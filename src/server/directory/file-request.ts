/**
 * POST /api/v1/mail/file at the edge: the wire format (core/api.ts) becomes the engine's types for
 * the DirectoryStore, and its outcomes go back as the wire format. The batch's run and outcomes are
 * recorded with the filing, in the store's one transaction where the store has one.
 */
import type { ApiAddress, ApiFileMessage, ApiFileOutcome, ApiFileRequest, ApiFileResponse } from '../../core/api';
import type { FilingContext, FilingMessage, FilingOutcome } from '../../core/ports';
import type { AuthUser, ServerContext } from '../context';
import { StoreHistory } from '../history';

const addresses = (list: readonly ApiAddress[] | undefined) => (list ?? []).map((a) => ({ address: a.address, name: a.name ?? '' }));

export function fromApiMessage(m: ApiFileMessage): FilingMessage {
  return {
    internetMessageId: m.internetMessageId,
    from: addresses(m.from),
    to: addresses(m.to),
    cc: addresses(m.cc),
    date: m.date,
    subject: m.subject,
    preview: m.preview,
    direction: m.direction,
  };
}

/** The outcome as the wire carries it: keyed by the Message-ID the client sent. */
export function toApiOutcome(internetMessageId: string, o: FilingOutcome): ApiFileOutcome {
  return { internetMessageId, ...o };
}

export async function fileRequest(ctx: Pick<ServerContext, 'db' | 'directory' | 'clock'>, user: AuthUser, body: ApiFileRequest): Promise<ApiFileResponse> {
  const messages = body.messages.map(fromApiMessage);
  const context: FilingContext = {
    ownerAddresses: body.ownerAddresses,
    includeCc: body.includeCc === true,
    ...(body.mailbox ? { mailbox: body.mailbox.toLowerCase() } : {}),
  };
  const run = new StoreHistory(ctx.db, user, 'graph', { runId: body.runId, clock: ctx.clock });
  let outcomes: FilingOutcome[];
  if (ctx.directory.fileBatchAndRecord) {
    // Events, run and outcomes in one transaction (one commit); someone else's run id throws and rolls it all back.
    ({ outcomes } = await ctx.directory.fileBatchAndRecord(user, messages, context, async (trx, filed) => {
      const within = run.within(trx);
      await within.start();
      await within.record(messages, filed);
    }));
  } else {
    // Refuse someone else's run id before anything is written.
    await run.assertUsable();
    outcomes = await ctx.directory.fileBatch(user, messages, context);
    await run.start();
    await run.record(messages, outcomes);
  }
  return { runId: run.runId, outcomes: outcomes.map((o, i) => toApiOutcome(body.messages[i].internetMessageId, o)) };
}
