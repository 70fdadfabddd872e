/**
 * The sync engine: the flow of DESIGN.md, written once for the Graph and IMAP paths.
 *
 * The one rule that makes it safe: a mail leaves Queue only after the directory has filed it and
 * the run's history has recorded its outcome. Filing is idempotent per (owner, message, group), so an interruption anywhere — a crash,
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
import { captureContent } from './content-capture';
import type { ContentLimits } from './content';
import type { Directory, FilingMessage, FilingOutcome, FolderRole, FolderTree, History, Mailbox, MatchedGroup, MoveResult, QueuedMessage } from './ports';

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
  /** Filed, but its content (body, attachments) was not captured on the timeline: why. */
  contentMissing?: string;
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
  /** Where the run is recorded (opened, each batch's outcomes, the report); without one, nothing is. */
  history?: History;
  /** How much content is read per mail (the default: core/content DEFAULT_CONTENT_MAX_BYTES). */
  contentLimits?: ContentLimits;
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

/** Runs one sync: the steps below, in this order. */
export async function syncQueue(mailbox: Mailbox, directory: Directory, options: SyncOptions): Promise<SyncReport> {
  const run = new SyncRun(mailbox, directory, options);
  if (await run.prepare()) {
    // `concurrency` bounds directory calls in flight. A batch's moves out of Queue don't hold a
    // worker: the mailbox paces them itself, and the next directory call can go meanwhile.
    await Promise.all([run.produce(), ...Array.from({ length: run.concurrency }, () => run.work())]);
    await run.movesOut();
  }
  return run.finish();
}

/** The run that could not start (no token, no connection), recorded like any other: nothing moved, nothing filed. */
export async function finishNotStarted(
  history: History,
  e: unknown,
  detail: { providerCode?: string; startedAt?: Date; finishedAt?: Date } = {},
): Promise<SyncReport> {
  const report = notStartedReport(e, detail.startedAt, detail.finishedAt);
  await history.finish(report, detail.providerCode ? { providerCode: detail.providerCode } : {});
  return report;
}

const cancelledError = () => new SyncError('cancelled', 'The sync was cancelled.');

/**
 * Mails known to be in Queue, in the order they became known, waiting for a directory call.
 * `known` dedupes by id: a mail can be both in a move's answer and in the Queue listing.
 */
class Intake {
  readonly ready: QueuedMessage[] = [];
  private readonly known = new Set<string>();
  /** Selected mails whose move into Queue has not answered yet. */
  awaitingQueue = 0;
  /** Mails in this run: known, plus selected ones not yet in Queue. */
  total = 0;
  producing = true;
  private wake: { promise: Promise<void>; resolve(): void } | undefined;

  notify(): void {
    this.wake?.resolve();
    this.wake = undefined;
  }

  /** Resolves at the next change (mails offered, a batch taken, the producer done). */
  changed(): Promise<void> {
    if (!this.wake) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.wake = { promise, resolve };
    }
    return this.wake.promise;
  }

  expect(count: number): void {
    this.awaitingQueue = count;
    this.total = count;
  }

  offer(list: readonly QueuedMessage[]): void {
    for (const m of list) {
      if (this.known.has(m.id)) continue;
      this.known.add(m.id);
      this.ready.push(m);
    }
    this.total = this.known.size + this.awaitingQueue;
    this.notify();
  }

  close(): void {
    this.producing = false;
    this.awaitingQueue = 0;
    this.total = this.known.size;
    this.notify();
  }

  /** The next batch: full, or whatever is left once nothing more can arrive; undefined when done. */
  async next(size: number): Promise<QueuedMessage[] | undefined> {
    for (;;) {
      if (this.ready.length >= size || (!this.producing && this.ready.length > 0)) {
        const batch = this.ready.splice(0, size);
        this.notify(); // a chunked listing may be waiting for room
        return batch;
      }
      if (!this.producing) return undefined;
      await this.changed();
    }
  }
}

type Filed = { message: QueuedMessage; outcome: FilingOutcome };
/** Per mailbox id, why a mail's content is missing (from captureContent). */
type Missing = Map<string, string>;

class SyncRun {
  readonly concurrency: number;
  private readonly now: () => Date;
  private readonly startedAt: string;
  private readonly batchSize: number;
  private readonly signal?: AbortSignal;
  private readonly owner: Set<string>;
  private readonly ownerAddresses: string[];
  private readonly results: KeptResults;
  private readonly counts: Record<MessageStatus, number> = { sent: 0, received: 0, failed: 0, pending: 0 };
  private readonly notQueued: SyncReport['notQueued'] = [];
  private readonly intake = new Intake();
  private readonly moving: Promise<void>[] = [];
  private stop: SyncError | undefined;
  private done = 0;
  private phase: SyncPhase = 'preparing';
  private folders!: FolderTree;

  constructor(
    private readonly mailbox: Mailbox,
    private readonly directory: Directory,
    private readonly options: SyncOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.startedAt = this.now().toISOString();
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 100));
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
    this.signal = options.signal;
    this.owner = ownerSet(options.owner);
    this.ownerAddresses = [...this.owner];
    this.results = new KeptResults(options.keepResults ?? Infinity);
  }

  private emit(at: SyncPhase, result?: MessageResult): void {
    this.options.onProgress?.({ phase: at, done: this.done, total: this.intake.total, result });
  }

  private checkAbort(): void {
    if (this.signal?.aborted) throw cancelledError();
  }

  private get halted(): boolean {
    return this.stop !== undefined || (this.signal?.aborted ?? false);
  }

  /** Step 1: the folder tree, and the run opened in the history. False when the run cannot go on. */
  async prepare(): Promise<boolean> {
    try {
      this.emit('preparing');
      this.checkAbort();
      this.folders = await this.mailbox.ensureFolders(this.signal);
      await this.options.history?.start(this.signal);
      return true;
    } catch (e) {
      this.stop = toSyncError(e);
      return false;
    }
  }

  /**
   * Step 2, the producer: the selection goes into Queue in chunks, and each chunk can be filed as
   * soon as it is there (when the mailbox hands back the moved mails' metadata, as Graph does), so
   * moving in and filing overlap. Then Queue is listed once, for mails left by an earlier run,
   * dragged in by the user, or moved without metadata (IMAP).
   */
  async produce(): Promise<void> {
    try {
      await this.queueSelection();
      this.checkAbort();
      // A chunked listing waits while two batches are ready: filing and moving keep up with reading.
      const onChunk = async (chunk: QueuedMessage[]) => {
        this.intake.offer(chunk);
        while (this.intake.ready.length >= 2 * this.batchSize && !this.halted) await this.intake.changed();
      };
      this.intake.offer(await this.mailbox.listQueue(this.folders, this.signal, onChunk));
    } catch (e) {
      this.stop ??= toSyncError(e);
    } finally {
      this.intake.close();
    }
  }

  private async queueSelection(): Promise<void> {
    const unique = [...new Set(this.options.selection ?? [])];
    if (unique.length === 0) return;
    this.phase = 'queueing';
    this.emit('queueing');
    this.checkAbort();
    this.intake.expect(unique.length);
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += this.batchSize) chunks.push(unique.slice(i, i + this.batchSize));
    const settled = await Promise.allSettled(chunks.map((chunk) => this.queueChunk(chunk)));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async queueChunk(chunk: string[]): Promise<void> {
    let moved: MoveResult[];
    try {
      moved = await this.mailbox.move(chunk, 'queue', this.folders, this.signal);
    } finally {
      this.intake.awaitingQueue -= chunk.length;
    }
    const carried: QueuedMessage[] = [];
    for (const r of moved) {
      if (r.ok) {
        if (r.moved) carried.push(r.moved);
      } else if (r.cause !== 'message-gone') {
        // Already gone means another pane (or the user) moved it; whatever is in Queue is listed below.
        this.notQueued.push({ id: r.id, cause: r.cause, message: r.message });
      }
    }
    this.intake.offer(carried);
  }

  /**
   * Step 3, a worker: takes batches as they fill and files them, one directory call at a time. A
   * batch's content is read behind its filing; the worker files the next batch meanwhile, but waits
   * for that read before filing a third, so at most two reads per worker hold content in memory.
   */
  async work(): Promise<void> {
    let reading: Promise<unknown> = Promise.resolve();
    for (let batch = await this.intake.next(this.batchSize); batch; batch = await this.intake.next(this.batchSize)) {
      if (this.halted) {
        const err = this.stop ?? cancelledError();
        this.leavePending(batch, err.code, err.message);
        continue;
      }
      if (this.phase !== 'filing') {
        this.phase = 'filing';
        this.emit('filing');
      }
      const filed = await this.fileBatch(batch);
      if (!filed) continue;
      this.moving.push(filed.moves);
      await reading.catch(() => undefined); // its failure is the moves' to report
      reading = filed.reading;
    }
  }

  /**
   * Step 4: files a batch and records its outcomes in the history; resolves when they are recorded,
   * with its content being read in `reading` and the moves out of Queue still running in `moves`
   * (boxed: an async function returning a bare promise would wait for it).
   */
  private async fileBatch(batch: QueuedMessage[]): Promise<{ moves: Promise<void>; reading: Promise<Missing> } | undefined> {
    const filing: FilingMessage[] = batch.map((m) => ({
      internetMessageId: m.internetMessageId,
      from: m.from,
      to: m.to,
      cc: m.cc,
      date: m.date,
      subject: m.subject,
      preview: m.preview,
      direction: directionOf(m.from, this.owner),
    }));
    let outcomes: FilingOutcome[];
    try {
      this.checkAbort();
      outcomes = await this.directory.file(filing, { ownerAddresses: this.ownerAddresses }, this.signal);
      if (outcomes.length !== batch.length) {
        throw new SyncError('unknown', `The directory answered ${outcomes.length} outcomes for ${batch.length} mails.`);
      }
      await this.options.history?.record(filing, outcomes, this.signal);
    } catch (e) {
      const err = toSyncError(e);
      if (stopsTheRun(err.code)) this.stop ??= err;
      this.leavePending(batch, err.code, err.message);
      return undefined;
    }
    // Outcomes are recorded: the matched mails' content goes to their events. A mailbox whose ids
    // survive moves reads it while the mails move out; any other reads it while they are still in
    // Queue (where it can find them), and then, and only then, may these mails leave Queue.
    const reading = captureContent(
      { mailbox: this.mailbox, directory: this.directory, folders: this.folders, limits: this.options.contentLimits, signal: this.signal },
      batch,
      outcomes,
    );
    const mayMove = this.mailbox.readsContentAfterMove ? Promise.resolve() : reading;
    const byDestination = new Map<FolderRole, Filed[]>();
    batch.forEach((message, i) => {
      const outcome = outcomes[i];
      if (outcome.status === 'error') {
        this.settle(baseResult(message, this.owner, 'pending', [], outcome.cause, outcome.message));
        return;
      }
      const destination: FolderRole = outcome.status === 'filed' ? DESTINATION[filing[i].direction] : 'failed';
      const list = byDestination.get(destination) ?? [];
      list.push({ message, outcome });
      byDestination.set(destination, list);
    });
    // The destinations are independent: move them at once, so a mailbox that packs moves into shared
    // requests (Graph $batch) can fill them, and one slow folder doesn't hold up the others.
    const moves = [...byDestination].map(([destination, items]) => mayMove.then(() => this.moveOut(destination, items, reading)));
    // The run ends only once the content is stored too, even for mails that could not move.
    return { moves: Promise.all([...moves, reading]).then(() => undefined), reading };
  }

  /**
   * Step 5: filed mails leave Queue for their destination; each settles, once its content is read,
   * as moved (saying whether its content is missing) or still pending.
   */
  private async moveOut(destination: FolderRole, items: Filed[], reading: Promise<Missing>): Promise<void> {
    if (this.signal?.aborted) {
      for (const { message, outcome } of items)
        this.settle(baseResult(message, this.owner, 'pending', groupsOf(outcome), 'cancelled', 'Filed in Rezi; it will leave Queue on the next sync.'));
      return;
    }
    let moves;
    try {
      moves = await this.mailbox.move(
        items.map((x) => x.message.id),
        destination,
        this.folders,
        this.signal,
      );
    } catch (e) {
      const err = toSyncError(e);
      if (stopsTheRun(err.code)) this.stop ??= err;
      for (const { message, outcome } of items) this.settle(baseResult(message, this.owner, 'pending', groupsOf(outcome), err.code, err.message));
      return;
    }
    const moveById = new Map(moves.map((m) => [m.id, m]));
    const missing = await reading;
    for (const { message, outcome } of items) {
      const contentMissing = missing.get(message.id);
      const move = moveById.get(message.id);
      const groups = groupsOf(outcome);
      if (move && (move.ok || move.cause === 'message-gone')) {
        const status: MessageStatus = destination === 'failed' ? 'failed' : destination === 'sent' ? 'sent' : 'received';
        const reason = outcome.status === 'unmatched' ? outcome.reason : undefined;
        const result = baseResult(message, this.owner, status, groups, reason, outcome.status === 'unmatched' ? outcome.message : undefined);
        if (contentMissing) result.contentMissing = contentMissing;
        this.settle(result);
      } else {
        const cause = move && !move.ok ? move.cause : 'unknown';
        this.settle(
          baseResult(message, this.owner, 'pending', groups, cause, move && !move.ok ? move.message : 'The mail could not be moved; it stays in Queue.'),
        );
      }
    }
  }

  /** Waits for every batch's moves out of Queue. */
  async movesOut(): Promise<void> {
    await Promise.all(this.moving);
    if (!this.stop && this.signal?.aborted) this.stop = cancelledError();
  }

  private settle(result: MessageResult): void {
    this.counts[result.status]++;
    this.results.add(result);
    this.done++;
    this.emit(this.phase, result);
  }

  private leavePending(batch: readonly QueuedMessage[], code: CauseCode, message: string): void {
    for (const m of batch) this.settle(baseResult(m, this.owner, 'pending', [], code, message));
  }

  /** Step 6: the report, and the run closed in the history with it. */
  async finish(): Promise<SyncReport> {
    const cancelled = this.stop?.code === 'cancelled' || (this.signal?.aborted ?? false);
    const report: SyncReport = {
      total: this.intake.total,
      ...this.counts,
      results: this.results.list(),
      notQueued: this.notQueued,
      cancelled,
      startedAt: this.startedAt,
      finishedAt: this.now().toISOString(),
    };
    if (this.results.omitted > 0) report.resultsOmitted = this.results.omitted;
    if (this.stop) report.error = { code: this.stop.code, message: this.stop.message };
    else if (cancelled) report.error = { code: 'cancelled', message: 'The sync was cancelled.' };
    this.emit('done');
    await this.options.history?.finish(report);
    return report;
  }
}

const groupsOf = (o: FilingOutcome): MatchedGroup[] => (o.status === 'filed' ? o.groups : []);

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
