/**
 * Packs message moves into $batch envelopes of up to 20, across destinations and across concurrent
 * move() calls, so that N mails take about ⌈N/20⌉ envelopes each way however the engine splits
 * them by destination.
 *
 * Packing rule (Nagle-like): a full envelope goes as soon as a slot is free; a partial one goes only
 * when no envelope is in flight — while one is, more moves may arrive (the engine's other worker,
 * the next destination) and share the next envelope. Nothing waits forever: in-flight envelopes
 * always finish, and then the remainder is sent.
 *
 * Each envelope is a serial chain (every sub-request dependsOn the previous), which Graph executes
 * one at a time, so one envelope holds one of the mailbox's 4 concurrent-request slots. Only failed
 * sub-requests are sent again: 424 (its predecessor failed) at once and without counting an
 * attempt; 429 after Retry-After; 503/504 after exponential backoff with jitter; after maxAttempts
 * the move fails with `throttled` or `server-unreachable`. 404 means the mail is gone.
 */
import { SyncError } from '../core/causes';
import { causeOfStatus, isRetryable, retryAfterMs } from '../core/http-status';
import type { MoveResult, QueuedMessage } from '../core/ports';
import { backoffMs } from './limiter';

export const MAX_BATCH = 20;

export interface BatchSubResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: { id?: string; error?: { code?: string; message?: string } } & Record<string, unknown>;
}

export interface DispatcherOptions {
  /** Sends one $batch body; resolves with its responses or throws a SyncError (after its own retries). */
  send(requests: unknown[]): Promise<BatchSubResponse[]>;
  immutablePrefer: string;
  /** Whose mailbox the messages are in: '/me', or '/users/{address}' for a shared one. */
  mailboxPath?: string;
  maxEnvelopes: number;
  maxAttempts: number;
  retryAfterUnitMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  random: () => number;
  /** The moved mail's metadata from a move's answer (Graph answers with the message), if it has it. */
  describe?: (body: NonNullable<BatchSubResponse['body']>) => QueuedMessage | undefined;
}

interface Call {
  results: Map<string, MoveResult>;
  remaining: number;
  settled: boolean;
  resolve(results: Map<string, MoveResult>): void;
  reject(e: unknown): void;
}

interface Item {
  messageId: string;
  destinationId: string;
  attempts: number;
  call: Call;
}

/** Whether a sub-response says the Prefer was applied (Preference-Applied, header names case-insensitive). */
function preferenceApplied(headers: Record<string, string> | undefined, prefer: string): boolean {
  const applied = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'preference-applied')?.[1];
  const norm = (x: string) => x.replace(/\s+/g, '').toLowerCase();
  return applied !== undefined && norm(applied).includes(norm(prefer));
}

export class MoveDispatcher {
  private queue: Item[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly o: DispatcherOptions) {}

  /** Moves ids to destinationId; one result per distinct id. */
  move(ids: readonly string[], destinationId: string, signal?: AbortSignal): Promise<Map<string, MoveResult>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return Promise.resolve(new Map());
    if (signal?.aborted) return Promise.reject(new SyncError('cancelled', 'The sync was cancelled.'));
    return new Promise((resolve, reject) => {
      const call: Call = { results: new Map(), remaining: unique.length, settled: false, resolve, reject };
      for (const messageId of unique) this.queue.push({ messageId, destinationId, attempts: 0, call });
      if (signal) this.watch(signal, call);
      this.schedule();
    });
  }

  /**
   * A run's moves share its signal, and many can wait at once (moves out queue behind moves in): one
   * listener per signal, not one per call, taken off once no call waits on it.
   */
  private readonly watched = new Map<AbortSignal, { calls: Set<Call>; onAbort: () => void }>();

  private watch(signal: AbortSignal, call: Call): void {
    let entry = this.watched.get(signal);
    if (!entry) {
      const calls = new Set<Call>();
      const onAbort = () => {
        this.watched.delete(signal);
        // Not yet sent: drop them. Those in flight finish, but the callers stop waiting.
        this.queue = this.queue.filter((i) => !calls.has(i.call));
        for (const c of calls) this.fail(c, new SyncError('cancelled', 'The sync was cancelled.'));
      };
      entry = { calls, onAbort };
      this.watched.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.calls.add(call);
    const { resolve, reject } = call;
    const done = () => {
      const e = this.watched.get(signal);
      if (!e) return;
      e.calls.delete(call);
      if (e.calls.size === 0) {
        this.watched.delete(signal);
        signal.removeEventListener('abort', e.onAbort);
      }
    };
    call.resolve = (r) => (done(), resolve(r));
    call.reject = (e) => (done(), reject(e));
  }

  /** Pumps after the current task, so moves asked for together share envelopes. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.o.maxEnvelopes && this.queue.length > 0) {
      const full = this.queue.length >= MAX_BATCH;
      if (!full && this.inFlight > 0) return;
      const items = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.sendEnvelope(items).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private settle(item: Item, result: MoveResult): void {
    const call = item.call;
    if (call.settled || call.results.has(item.messageId)) return;
    call.results.set(item.messageId, result);
    if (--call.remaining === 0) {
      call.settled = true;
      call.resolve(call.results);
    }
  }

  private fail(call: Call, e: unknown): void {
    if (call.settled) return;
    call.settled = true;
    call.reject(e);
  }

  private async sendEnvelope(items: Item[]): Promise<void> {
    const live = items.filter((i) => !i.call.settled);
    if (live.length === 0) return;
    const requests = live.map((item, i) => ({
      id: String(i + 1),
      method: 'POST',
      url: `${this.o.mailboxPath ?? '/me'}/messages/${encodeURIComponent(item.messageId)}/move`,
      headers: { 'Content-Type': 'application/json', Prefer: this.o.immutablePrefer },
      body: { destinationId: item.destinationId },
      ...(i > 0 ? { dependsOn: [String(i)] } : {}),
    }));
    let responses: BatchSubResponse[];
    try {
      responses = await this.o.send(requests);
    } catch (e) {
      for (const item of live) this.fail(item.call, e);
      return;
    }
    const byId = new Map(responses.map((r) => [String(r.id), r]));
    const again: Item[] = [];
    const notRun: Item[] = [];
    let waitMs = 0;
    let backoff = false;
    live.forEach((item, i) => {
      const r = byId.get(String(i + 1));
      const status = r?.status ?? 0;
      if (status === 200 || status === 201) {
        // Only an answer in immutable ids can stand for the mail in Queue: were Prefer not applied
        // inside the batch, its id would be a mutable one that the Queue listing (immutable ids) never
        // shows, and the mail would be filed twice. Without Preference-Applied the listing finds it.
        const immutable = preferenceApplied(r?.headers, this.o.immutablePrefer);
        const moved = immutable && r?.body && this.o.describe ? this.o.describe(r.body) : undefined;
        return this.settle(item, { id: item.messageId, ok: true, ...(immutable ? { newId: r?.body?.id } : {}), ...(moved ? { moved } : {}) });
      }
      if (status === 424) return void notRun.push(item); // not executed: free retry, first in line
      const cause = causeOfStatus('graph-mail', status);
      if (cause === 'message-gone') return this.settle(item, { id: item.messageId, ok: false, cause, message: 'The mail is no longer there.' });
      // The sign-in, not this mail: the whole call fails, as a request outside the batch would.
      if (status === 401)
        return this.fail(item.call, new SyncError(cause, 'Microsoft 365 no longer accepts the sign-in.', { status, providerCode: r?.body?.error?.code }));
      item.attempts++;
      if (isRetryable(status) && item.attempts < this.o.maxAttempts) {
        again.push(item);
        const header = status === 429 && r?.headers ? Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1] : undefined;
        const ms = retryAfterMs(header, this.o.retryAfterUnitMs);
        if (ms === undefined) backoff = true;
        else waitMs = Math.max(waitMs, ms);
        return;
      }
      this.settle(item, { id: item.messageId, ok: false, cause, message: r?.body?.error?.message ?? `Graph answered ${status}.` });
    });
    this.queue.unshift(...notRun);
    if (again.length === 0) return;
    const round = Math.max(...again.map((i) => i.attempts));
    if (backoff) waitMs = Math.max(waitMs, backoffMs(round, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random));
    // The envelope's slot stays taken while its failures wait: a throttled mailbox gets no new work from us.
    await new Promise((r) => setTimeout(r, waitMs));
    this.queue.unshift(...again.filter((i) => !i.call.settled));
  }
}
