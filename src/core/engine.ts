/**
 * The sync engine: the flow of DESIGN.md, written once for the Graph and IMAP paths.
 *
 * The one rule that makes it safe: a mail leaves Queue only after the directory has recorded its
 * outcome. Filing is idempotent per (owner, message, group), so an interruption anywhere — a crash,
 * a closed pane, a dropped connection — leaves unfinished mails in Queue, and the next run files
 * them again without duplicating a timeline event.
 *
 * Speed comes from overlap: the selection moves into Queue in chunks of one directory batch, and a
 * chunk whose moves answered with the mails' metadata (Graph's do) goes to the directory at once,
 * while later chunks are still moving in and earlier ones are moving out. Queue is then listed once,
 * for everything else in it (an earlier run's leftovers, moves that answered without metadata).
 */
import type { EmailAddress } from './addresses';
import { type CauseCode, SyncError, stopsTheRun, toSyncError } from './causes';
import { type Direction, type Owner, directionOf, ownerSet } from './direction';
import type { Directory, FilingMessage, FilingOutcome, FolderRole, FolderTree, Mailbox, MatchedGroup, MoveResult, QueuedMessage } from './ports';

export type MessageStatus = 'sent' | 'received' | 'failed' | 'pending';
export type FailureReason = 'no-matching-group' | 'invalid-message' | CauseCode;

export interface MessageResult {
  /** The mailbox id the mail had in Queue. */
  id: string;
  internetMessageId: string;
  subject: string;
  from: EmailAddress[];
  direction: Direction;
  /** sent/received/failed: where the mail now is. pending: still in Queue, picked up next sync. */
  status: MessageStatus;
  groups: MatchedGroup[];
  /** Why it failed or is still pending. */
  reason?: FailureReason;
  message?: string;
}

export type SyncPhase = 'preparing' | 'queueing' | 'filing' | 'done';

export interface SyncProgress {
  phase: SyncPhase;
  /** Mails finished (moved, or given up on for this run). */
  done: number;
  /** Mails in this run: those known to be in Queue, plus selected ones whose move into Queue hasn't answered yet. */
  total: number;
  /** The mail just finished, when this update is about one. */
  result?: MessageResult;
}

export interface SyncOptions {
  owner: Owner;
  /** Mailbox ids to move into Queue first (the selected mails); omitted: sync what is in Queue. */
  selection?: readonly string[];
  /** Mails per directory call (the adapter accepts up to 100). */
  batchSize?: number;
  /** Directory calls in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * At most this many per-mail results in the report (default: all of them). A run larger than that
   * keeps exact counts, every failed or still-pending mail first (up to the limit), then the most
   * recent of the rest, and says how many it left out (`resultsOmitted`), so its memory stays bounded.
   */
  keepResults?: number;
}

export interface SyncReport {
  total: number;
  sent: number;
  received: number;
  failed: number;
  pending: number;
  /** Per-mail results, in the order they finished; at most SyncOptions.keepResults of them. */
  results: MessageResult[];
  /** Per-mail results left out of `results` (the counts above still include them); absent when none were. */
  resultsOmitted?: number;
  /** Selected mails that could not be moved into Queue (they stay where they were). */
  notQueued: { id: string; cause: CauseCode; message?: string }[];
  /** What stopped the run early, if anything. */
  error?: { code: CauseCode; message: string };
  cancelled: boolean;
  startedAt: string;
  finishedAt: string;
}

const DESTINATION: Record<Direction, FolderRole> = { outbound: 'sent', inbound: 'received' };

/** The report of a run that could not start (no token, no connection): nothing moved, nothing filed. */
export function notStartedReport(e: unknown, startedAt = new Date(), finishedAt = startedAt): SyncReport {
  const err = toSyncError(e);
  return {
    total: 0,
    sent: 0,
    received: 0,
    failed: 0,
    pending: 0,
    results: [],
    notQueued: [],
    error: { code: err.code, message: err.message },
    cancelled: err.code === 'cancelled',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

export async function syncQueue(mailbox: Mailbox, directory: Directory, options: SyncOptions): Promise<SyncReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 100));
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  const signal = options.signal;
  const owner = ownerSet(options.owner);
  const ownerAddresses = [...owner];
  const results = new KeptResults(options.keepResults ?? Infinity);
  const counts: Record<MessageStatus, number> = { sent: 0, received: 0, failed: 0, pending: 0 };
  const notQueued: SyncReport['notQueued'] = [];
  let stop: SyncError | undefined;
  let total = 0;
  let done = 0;
  let phase: SyncPhase = 'preparing';
  const emit = (at: SyncPhase, result?: MessageResult) => options.onProgress?.({ phase: at, done, total, result });

  const finish = (): SyncReport => {
    const cancelled = stop?.code === 'cancelled' || (signal?.aborted ?? false);
    const report: SyncReport = {
      total,
      ...counts,
      results: results.list(),
      notQueued,
      cancelled,
      startedAt,
      finishedAt: now().toISOString(),
    };
    if (results.omitted > 0) report.resultsOmitted = results.omitted;
    if (stop) report.error = { code: stop.code, message: stop.message };
    else if (cancelled) report.error = { code: 'cancelled', message: 'The sync was cancelled.' };
    emit('done');
    return report;
  };

  const checkAbort = () => {
    if (signal?.aborted) throw new SyncError('cancelled', 'The sync was cancelled.');
  };

  let folders: FolderTree;
  try {
    emit('preparing');
    checkAbort();
    folders = await mailbox.ensureFolders(signal);
  } catch (e) {
    stop = toSyncError(e);
    return finish();
  }

  // Mails known to be in Queue, in the order they became known, waiting for a directory call.
  // `known` dedupes by id: a mail can be both in a move's answer and in the Queue listing.
  const ready: QueuedMessage[] = [];
  const known = new Set<string>();
  let awaitingQueue = 0; // selected mails whose move into Queue has not answered yet
  let producing = true;
  let wake: { promise: Promise<void>; resolve(): void } | undefined;
  const notify = () => {
    wake?.resolve();
    wake = undefined;
  };
  const changed = (): Promise<void> => {
    if (!wake) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      wake = { promise, resolve };
    }
    return wake.promise;
  };
  const offer = (list: readonly QueuedMessage[]) => {
    for (const m of list) {
      if (known.has(m.id)) continue;
      known.add(m.id);
      ready.push(m);
    }
    total = known.size + awaitingQueue;
    notify();
  };

  // Producer: the selection goes into Queue in chunks, and each chunk can be filed as soon as it is
  // there (when the mailbox hands back the moved mails' metadata, as Graph does), so moving in and
  // filing overlap. Then Queue is listed once, for mails left by an earlier run, dragged in by the
  // user, or moved without metadata (IMAP).
  const produce = async () => {
    try {
      const unique = [...new Set(options.selection ?? [])];
      if (unique.length > 0) {
        phase = 'queueing';
        emit('queueing');
        checkAbort();
        awaitingQueue = unique.length;
        total = awaitingQueue;
        const chunks: string[][] = [];
        for (let i = 0; i < unique.length; i += batchSize) chunks.push(unique.slice(i, i + batchSize));
        const settled = await Promise.allSettled(
          chunks.map(async (chunk) => {
            let moved: MoveResult[];
            try {
              moved = await mailbox.move(chunk, 'queue', folders, signal);
            } finally {
              awaitingQueue -= chunk.length;
            }
            const carried: QueuedMessage[] = [];
            for (const r of moved) {
              if (r.ok) {
                if (r.moved) carried.push(r.moved);
              } else if (r.cause !== 'message-gone') {
                // Already gone means another pane (or the user) moved it; whatever is in Queue is listed below.
                notQueued.push({ id: r.id, cause: r.cause, message: r.message });
              }
            }
            offer(carried);
          }),
        );
        const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failure) throw failure.reason;
      }
      checkAbort();
      // A chunked listing waits while two batches are ready: filing and moving keep up with reading.
      const onChunk = async (chunk: QueuedMessage[]) => {
        offer(chunk);
        while (ready.length >= 2 * batchSize && !stop && !signal?.aborted) await changed();
      };
      offer(await mailbox.listQueue(folders, signal, onChunk));
    } catch (e) {
      stop ??= toSyncError(e);
    } finally {
      producing = false;
      awaitingQueue = 0;
      total = known.size;
      notify();
    }
  };

  const settle = (result: MessageResult) => {
    counts[result.status]++;
    results.add(result);
    done++;
    emit(phase, result);
  };

  const leavePending = (batch: readonly QueuedMessage[], code: CauseCode, message: string) => {
    for (const m of batch) settle(baseResult(m, owner, 'pending', [], code, message));
  };

  /**
   * Files a batch; resolves when its outcomes are recorded, with the moves out of Queue still running
   * in `moves` (boxed: an async function returning a bare promise would wait for it).
   */
  const fileBatch = async (batch: QueuedMessage[]): Promise<{ moves: Promise<void> } | undefined> => {
    const filing: FilingMessage[] = batch.map((m) => ({
      internetMessageId: m.internetMessageId,
      from: m.from,
      to: m.to,
      cc: m.cc,
      date: m.date,
      subject: m.subject,
      preview: m.preview,
      direction: directionOf(m.from, owner),
    }));
    let outcomes: FilingOutcome[];
    try {
      checkAbort();
      outcomes = await directory.file(filing, { ownerAddresses }, signal);
      if (outcomes.length !== batch.length) {
        throw new SyncError('unknown', `The directory answered ${outcomes.length} outcomes for ${batch.length} mails.`);
      }
    } catch (e) {
      const err = toSyncError(e);
      if (stopsTheRun(err.code)) stop ??= err;
      leavePending(batch, err.code, err.message);
      return undefined;
    }

    // Outcomes are recorded: now, and only now, may these mails leave Queue.
    const byDestination = new Map<FolderRole, { message: QueuedMessage; outcome: FilingOutcome }[]>();
    batch.forEach((message, i) => {
      const outcome = outcomes[i];
      if (outcome.status === 'error') {
        settle(baseResult(message, owner, 'pending', [], outcome.cause, outcome.message));
        return;
      }
      const destination: FolderRole = outcome.status === 'filed' ? DESTINATION[filing[i].direction] : 'failed';
      const list = byDestination.get(destination) ?? [];
      list.push({ message, outcome });
      byDestination.set(destination, list);
    });

    // The destinations are independent: move them at once, so a mailbox that packs moves into shared
    // requests (Graph $batch) can fill them, and one slow folder doesn't hold up the others.
    const groupsOf = (o: FilingOutcome) => (o.status === 'filed' ? o.groups : []);
    const moveTo = async (destination: FolderRole, items: { message: QueuedMessage; outcome: FilingOutcome }[]) => {
      if (signal?.aborted) {
        for (const { message, outcome } of items)
          settle(baseResult(message, owner, 'pending', groupsOf(outcome), 'cancelled', 'Filed in Rezi; it will leave Queue on the next sync.'));
        return;
      }
      let moves;
      try {
        moves = await mailbox.move(
          items.map((x) => x.message.id),
          destination,
          folders,
          signal,
        );
      } catch (e) {
        const err = toSyncError(e);
        if (stopsTheRun(err.code)) stop ??= err;
        for (const { message, outcome } of items) settle(baseResult(message, owner, 'pending', groupsOf(outcome), err.code, err.message));
        return;
      }
      const moveById = new Map(moves.map((m) => [m.id, m]));
      for (const { message, outcome } of items) {
        const move = moveById.get(message.id);
        const groups = groupsOf(outcome);
        if (move && (move.ok || move.cause === 'message-gone')) {
          const status: MessageStatus = destination === 'failed' ? 'failed' : destination === 'sent' ? 'sent' : 'received';
          const reason = outcome.status === 'unmatched' ? outcome.reason : undefined;
          settle(baseResult(message, owner, status, groups, reason, outcome.status === 'unmatched' ? outcome.message : undefined));
        } else {
          const cause = move && !move.ok ? move.cause : 'unknown';
          settle(baseResult(message, owner, 'pending', groups, cause, move && !move.ok ? move.message : 'The mail could not be moved; it stays in Queue.'));
        }
      }
    };
    return { moves: Promise.all([...byDestination].map(([destination, items]) => moveTo(destination, items))).then(() => undefined) };
  };

  /** The next batch: full, or whatever is left once nothing more can arrive; undefined when done. */
  const nextBatch = async (): Promise<QueuedMessage[] | undefined> => {
    for (;;) {
      if (ready.length >= batchSize || (!producing && ready.length > 0)) {
        const batch = ready.splice(0, batchSize);
        notify(); // a chunked listing may be waiting for room
        return batch;
      }
      if (!producing) return undefined;
      await changed();
    }
  };

  // `concurrency` bounds directory calls in flight. A batch's moves out of Queue don't hold a
  // worker: the mailbox paces them itself, and the next directory call can go meanwhile.
  const moving: Promise<void>[] = [];
  const worker = async () => {
    for (let batch = await nextBatch(); batch; batch = await nextBatch()) {
      if (stop || signal?.aborted) {
        const err = stop ?? new SyncError('cancelled', 'The sync was cancelled.');
        leavePending(batch, err.code, err.message);
        continue;
      }
      if (phase !== 'filing') {
        phase = 'filing';
        emit('filing');
      }
      const filed = await fileBatch(batch);
      if (filed) moving.push(filed.moves);
    }
  };
  await Promise.all([produce(), ...Array.from({ length: concurrency }, worker)]);
  await Promise.all(moving);
  if (!stop && signal?.aborted) stop = new SyncError('cancelled', 'The sync was cancelled.');
  return finish();
}

/**
 * The per-mail results a report keeps: all of them up to `limit`; past it, the failed and pending
 * ones first (what the user has to act on, the earliest `limit` of them), then the most recent of
 * the rest. Memory is bounded by the limit, whatever the size of the run; `list()` answers them in
 * the order they finished.
 */
class KeptResults {
  private seq = 0;
  private readonly attention: { seq: number; result: MessageResult }[] = [];
  private rest: { seq: number; result: MessageResult }[] = [];
  private restStart = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  add(result: MessageResult): void {
    const item = { seq: this.seq++, result };
    if (result.status === 'failed' || result.status === 'pending') {
      if (this.attention.length < this.limit) this.attention.push(item);
      else this.dropped++;
    } else {
      this.rest.push(item);
    }
    // The room left for the rest only shrinks (attention only grows): drop its oldest beyond it.
    const room = this.limit - this.attention.length;
    while (this.rest.length - this.restStart > room) {
      this.restStart++;
      this.dropped++;
    }
    // Compact now and then, so the dropped entries don't stay referenced.
    if (this.restStart > 1024 && this.restStart * 2 > this.rest.length) {
      this.rest = this.rest.slice(this.restStart);
      this.restStart = 0;
    }
  }

  get omitted(): number {
    return this.dropped;
  }

  list(): MessageResult[] {
    const out: MessageResult[] = [];
    const a = this.attention;
    let i = 0;
    let j = this.restStart;
    while (i < a.length || j < this.rest.length) {
      if (j >= this.rest.length || (i < a.length && a[i].seq < this.rest[j].seq)) out.push(a[i++].result);
      else out.push(this.rest[j++].result);
    }
    return out;
  }
}

function baseResult(
  m: QueuedMessage,
  owner: Set<string>,
  status: MessageStatus,
  groups: MatchedGroup[],
  reason?: FailureReason,
  message?: string,
): MessageResult {
  const r: MessageResult = {
    id: m.id,
    internetMessageId: m.internetMessageId,
    subject: m.subject,
    from: m.from,
    direction: directionOf(m.from, owner),
    status,
    groups,
  };
  if (reason) r.reason = reason;
  if (message) r.message = message;
  return r;
}
