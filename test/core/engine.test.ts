import { SyncError } from '../../src/core/causes';
import { toApiReport } from '../../src/core/api';
import { finishNotStarted, notStartedReport, syncQueue, type SyncProgress } from '../../src/core/engine';
import type { FolderRole } from '../../src/core/ports';
import { Crash, FailingDirectory, MemoryDirectory, MemoryHistory, MemoryMailbox, mail, type MemoryGroup } from '../support/memory';

const OWNER = { addresses: ['agent@brightwells.co.uk', 'Lettings@Brightwells.co.uk'] };
const GROUPS: MemoryGroup[] = [
  { id: 'g1', name: '14 Elm Road — vendor', addresses: ['sarah.jones@gmail.com'] },
  { id: 'g2', name: 'Flat 3, Park House — tenant', addresses: ['tom@tenant.example', 'sarah.jones@gmail.com'] },
  { id: 'g3', name: '2 Mill Lane — buyer', addresses: ['buyer@example.org'] },
];

/** A mixed queue: inbound matched, outbound matched, several groups, unmatched, invalid. */
function seed(mb: MemoryMailbox, n = 12): void {
  for (let i = 0; i < n; i++) {
    switch (i % 6) {
      case 0:
        mb.add('queue', mail('Sarah Jones <sarah.jones@gmail.com>', 'agent@brightwells.co.uk', `<in-${i}@gmail.com>`));
        break;
      case 1:
        mb.add('queue', mail('agent@brightwells.co.uk', 'buyer@example.org', `<out-${i}@brightwells.co.uk>`));
        break;
      case 2:
        mb.add('queue', mail('lettings@brightwells.co.uk', 'TOM@tenant.example', `<alias-${i}@brightwells.co.uk>`));
        break;
      case 3:
        mb.add('queue', mail('stranger@nowhere.example', 'agent@brightwells.co.uk', `<none-${i}@nowhere.example>`));
        break;
      case 4:
        mb.add('queue', mail('agent@brightwells.co.uk', 'agent@brightwells.co.uk', `<self-${i}@brightwells.co.uk>`));
        break;
      default:
        mb.add('queue', mail('buyer@example.org', 'agent@brightwells.co.uk', '', { subject: `Draft ${i}` }));
        break;
    }
  }
}

/** The events a complete, correct run must have recorded: one per (message, matched group). */
function expectedEventKeys(mb: MemoryMailbox): Set<string> {
  const keys = new Set<string>();
  for (const m of mb.mails.values()) {
    const msg = m.message;
    if (!msg.internetMessageId) continue;
    const own = new Set(OWNER.addresses.map((a) => a.toLowerCase()));
    const addrs = [...msg.from, ...msg.to].map((a) => a.address).filter((a) => !own.has(a));
    for (const g of GROUPS) if (g.addresses.some((a) => addrs.includes(a))) keys.add(`agent@brightwells.co.uk|${msg.internetMessageId}|${g.id}`);
  }
  return keys;
}

describe('syncQueue', () => {
  it('files each mail into Sent, Received or Failed by direction and match', async () => {
    const mb = new MemoryMailbox();
    seed(mb, 6);
    const dir = new MemoryDirectory(GROUPS);
    const report = await syncQueue(mb, dir, { owner: OWNER });

    expect(report.total).toBe(6);
    expect(mb.in('queue')).toHaveLength(0);
    const subjects = (place: string) =>
      mb
        .in(place as never)
        .map((m) => m.message.internetMessageId)
        .sort();
    expect(subjects('received')).toEqual(['<in-0@gmail.com>']);
    expect(subjects('sent')).toEqual(['<alias-2@brightwells.co.uk>', '<out-1@brightwells.co.uk>']);
    expect(subjects('failed')).toEqual(['', '<none-3@nowhere.example>', '<self-4@brightwells.co.uk>']);
    expect(report).toMatchObject({ sent: 2, received: 1, failed: 3, pending: 0, cancelled: false });
    expect(report.error).toBeUndefined();

    const inbound = report.results.find((r) => r.internetMessageId === '<in-0@gmail.com>')!;
    expect(inbound.direction).toBe('inbound');
    expect(inbound.groups.map((g) => g.groupId).sort()).toEqual(['g1', 'g2']);
    expect(report.results.find((r) => r.internetMessageId === '<none-3@nowhere.example>')!.reason).toBe('no-matching-group');
    expect(report.results.find((r) => r.internetMessageId === '')!.reason).toBe('invalid-message');
    // The owner's own address never matches a group, even when it is the only address.
    expect(report.results.find((r) => r.internetMessageId === '<self-4@brightwells.co.uk>')!.status).toBe('failed');
    expect(dir.events.size).toBe(4);
  });

  it('moves the selected mails into Queue first and also picks up mails left there', async () => {
    const mb = new MemoryMailbox();
    const a = mb.add('inbox', mail('sarah.jones@gmail.com', 'agent@brightwells.co.uk', '<a@x>'));
    const b = mb.add('inbox', mail('agent@brightwells.co.uk', 'buyer@example.org', '<b@x>'));
    mb.add('inbox', mail('buyer@example.org', 'agent@brightwells.co.uk', '<not-selected@x>'));
    mb.add('queue', mail('buyer@example.org', 'agent@brightwells.co.uk', '<left-over@x>'));
    const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER, selection: [a, b, a] });
    expect(report.total).toBe(3);
    expect(report).toMatchObject({ sent: 1, received: 2 });
    expect(mb.in('inbox').map((m) => m.message.internetMessageId)).toEqual(['<not-selected@x>']);
    expect(mb.calls.filter((c) => c.startsWith('move:queue'))).toEqual(['move:queue:2']);
  });

  it('files mails as soon as their move into Queue answers with their metadata, then lists Queue once for the rest', async () => {
    const mb = new MemoryMailbox();
    mb.carryMetadata = true;
    const selection = Array.from({ length: 25 }, (_, i) => mb.add('inbox', mail('sarah.jones@gmail.com', 'agent@brightwells.co.uk', `<sel-${i}@x>`)));
    mb.add('queue', mail('buyer@example.org', 'agent@brightwells.co.uk', '<left-over@x>'));
    // Hold the last chunk's move into Queue until the first chunk has reached the directory.
    const dir = new MemoryDirectory(GROUPS);
    let firstFiled!: () => void;
    const filed = new Promise<void>((r) => (firstFiled = r));
    const file = dir.file.bind(dir);
    dir.file = async (msgs, ctx) => {
      mb.calls.push(`file:${msgs.length}`);
      firstFiled();
      return file(msgs, ctx);
    };
    const move = mb.move.bind(mb);
    let queueMoves = 0;
    mb.move = async (ids, to) => {
      if (to === 'queue' && ++queueMoves === 3) await filed;
      return move(ids, to);
    };
    const progress: SyncProgress[] = [];
    const report = await syncQueue(mb, dir, { owner: OWNER, selection, batchSize: 10, concurrency: 2, onProgress: (p) => progress.push(p) });

    expect(report).toMatchObject({ total: 26, received: 26, pending: 0 });
    expect(mb.in('queue')).toHaveLength(0);
    // Filing began while the third chunk was still on its way into Queue; Queue was listed once, last.
    expect(mb.calls.indexOf('file:10')).toBeLessThan(mb.calls.indexOf('move:queue:5'));
    expect(mb.calls.filter((c) => c === 'listQueue')).toHaveLength(1);
    expect(mb.calls.indexOf('listQueue')).toBeGreaterThan(mb.calls.indexOf('move:queue:5'));
    // The left-over mail came from the listing; no mail was filed twice.
    expect(mb.calls.filter((c) => c.startsWith('file:'))).toEqual(['file:10', 'file:10', 'file:6']);
    expect(report.results.map((r) => r.internetMessageId).filter((id) => id === '<left-over@x>')).toHaveLength(1);
    // Totals while moving in count the mails still on their way, so the bar never runs backwards.
    const perMail = progress.filter((p) => p.result);
    expect(perMail.every((p) => p.total === 26 || p.total === 25)).toBe(true);
    expect(perMail.map((p) => p.done)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
  });

  it("files the next batch while a batch's moves out of Queue are still running", async () => {
    const mb = new MemoryMailbox();
    seed(mb, 30);
    const dir = new MemoryDirectory(GROUPS);
    // Moves out of Queue are held until the third directory call: with one directory worker, that
    // call only comes if the worker does not wait for the earlier batches' moves.
    const order: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const held = setTimeout(release, 1000); // a regression then fails on the order below, not on a timeout
    const move = mb.move.bind(mb);
    mb.move = async (ids, to) => {
      if (to === 'queue') return move(ids, to);
      await released;
      order.push('moved out');
      return move(ids, to);
    };
    const file = dir.file.bind(dir);
    dir.file = async (msgs, ctx) => {
      order.push('filed');
      if (dir.calls === 2) release();
      return file(msgs, ctx);
    };
    const report = await syncQueue(mb, dir, { owner: OWNER, batchSize: 10, concurrency: 1 });
    clearTimeout(held);
    expect(order.slice(0, 3)).toEqual(['filed', 'filed', 'filed']);
    expect(report).toMatchObject({ total: 30, sent: 10, received: 5, failed: 15, pending: 0 });
    expect(mb.in('queue')).toHaveLength(0);
  });

  it('reports selected mails that could not be queued and carries on', async () => {
    const mb = new MemoryMailbox();
    const a = mb.add('inbox', mail('sarah.jones@gmail.com', 'agent@brightwells.co.uk', '<a@x>'));
    const orig = mb.move.bind(mb);
    mb.move = async (ids: readonly string[], to: FolderRole) => {
      if (to !== 'queue') return orig(ids, to);
      return ids.map((id) =>
        id === a ? { id, ok: false as const, cause: 'throttled' as const, message: 'slow down' } : { id, ok: false as const, cause: 'message-gone' as const },
      );
    };
    const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER, selection: [a, 'vanished'] });
    expect(report.notQueued).toEqual([{ id: a, cause: 'throttled', message: 'slow down' }]);
    expect(report.total).toBe(0);
  });

  it('batches directory calls and bounds how many are in flight', async () => {
    const mb = new MemoryMailbox();
    seed(mb, 45);
    const dir = new MemoryDirectory(GROUPS);
    let inFlight = 0;
    let peak = 0;
    const file = dir.file.bind(dir);
    dir.file = async (msgs, ctx) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      expect(msgs.length).toBeLessThanOrEqual(10);
      return file(msgs, ctx);
    };
    const progress: SyncProgress[] = [];
    const report = await syncQueue(mb, dir, { owner: OWNER, batchSize: 10, concurrency: 2, onProgress: (p) => progress.push(p) });
    expect(dir.calls).toBe(5);
    expect(peak).toBe(2);
    expect(report.total).toBe(45);
    const perMail = progress.filter((p) => p.result);
    expect(perMail).toHaveLength(45);
    expect(perMail.map((p) => p.done)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(perMail.every((p) => p.total === 45)).toBe(true);
    expect(progress[progress.length - 1].phase).toBe('done');
  });

  it('stops on a cause no retry fixes and leaves every unfiled mail in Queue', async () => {
    const mb = new MemoryMailbox();
    seed(mb, 30);
    const err = new SyncError('authorisation-expired', 'Token expired', { providerCode: 'AADSTS700082' });
    const report = await syncQueue(mb, new FailingDirectory(err), { owner: OWNER, batchSize: 10, concurrency: 1 });
    expect(report.error).toEqual({ code: 'authorisation-expired', message: 'Token expired' });
    expect(report.pending).toBe(30);
    expect(mb.in('queue')).toHaveLength(30);
    expect(report.results.every((r) => r.reason === 'authorisation-expired')).toBe(true);
  });

  it('keeps a mail in Queue when the directory answers a per-mail error, or when its move fails', async () => {
    const mb = new MemoryMailbox();
    mb.add('queue', mail('sarah.jones@gmail.com', 'agent@brightwells.co.uk', '<a@x>'));
    mb.add('queue', mail('buyer@example.org', 'agent@brightwells.co.uk', '<b@x>'));
    const dir = new MemoryDirectory(GROUPS);
    const file = dir.file.bind(dir);
    dir.file = async (msgs, ctx) => {
      const out = await file(msgs, ctx);
      return out.map((o, i) => (msgs[i].internetMessageId === '<b@x>' ? { status: 'error' as const, cause: 'unknown' as const, message: 'store busy' } : o));
    };
    mb.move = async (ids) => ids.map((id) => ({ id, ok: false as const, cause: 'throttled' as const }));
    const report = await syncQueue(mb, dir, { owner: OWNER });
    expect(report.pending).toBe(2);
    expect(report.results.map((r) => r.reason).sort()).toEqual(['throttled', 'unknown']);
    // Filed but not moved: its groups are still reported, so the user sees it reached Rezi.
    expect(report.results.find((r) => r.internetMessageId === '<a@x>')!.groups).toHaveLength(2);
    expect(mb.in('queue')).toHaveLength(2);
  });

  it('treats a mail already moved by another pane as done', async () => {
    const mb = new MemoryMailbox();
    mb.add('queue', mail('sarah.jones@gmail.com', 'agent@brightwells.co.uk', '<a@x>'));
    const listed = await mb.listQueue();
    mb.listQueue = async () => listed;
    const other = new MemoryMailbox();
    other.mails = mb.mails;
    await syncQueue(other, new MemoryDirectory(GROUPS), { owner: OWNER });
    const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER });
    expect(report.results[0].status).toBe('received');
  });

  it('stops when the signal aborts, leaving the rest in Queue', async () => {
    const mb = new MemoryMailbox();
    seed(mb, 40);
    const controller = new AbortController();
    const dir = new MemoryDirectory(GROUPS);
    const file = dir.file.bind(dir);
    dir.file = async (msgs, ctx) => {
      if (dir.calls === 0) controller.abort();
      return file(msgs, ctx);
    };
    const report = await syncQueue(mb, dir, { owner: OWNER, batchSize: 10, concurrency: 1, signal: controller.signal });
    expect(report.cancelled).toBe(true);
    expect(report.error?.code).toBe('cancelled');
    expect(mb.in('queue').length).toBe(40);
    expect(report.pending).toBe(40);

    const again = await syncQueue(mb, dir, { owner: OWNER, batchSize: 10 });
    expect(again.pending).toBe(0);
    expect(mb.in('queue')).toHaveLength(0);
  });

  it('reports a failure to prepare the folders as the run error', async () => {
    const mb = new MemoryMailbox();
    mb.ensureFolders = async () => {
      throw new SyncError('server-unreachable', 'ECONNREFUSED');
    };
    const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER });
    expect(report.error?.code).toBe('server-unreachable');
    expect(report.total).toBe(0);
  });

  it('reports a run that could not start with its cause and nothing moved', () => {
    const started = new Date('2026-11-23T09:00:00Z');
    const r = notStartedReport(new SyncError('password-changed', 'AUTHENTICATIONFAILED'), started, new Date('2026-11-23T09:00:02Z'));
    expect(r).toMatchObject({ total: 0, pending: 0, results: [], cancelled: false, error: { code: 'password-changed', message: 'AUTHENTICATIONFAILED' } });
    expect([r.startedAt, r.finishedAt]).toEqual(['2026-11-23T09:00:00.000Z', '2026-11-23T09:00:02.000Z']);
    expect(notStartedReport(Object.assign(new Error('stop'), { name: 'AbortError' })).cancelled).toBe(true);
  });

  it('summarises a report for the sync history the same way for both paths', () => {
    const r = notStartedReport(new SyncError('password-changed', 'Login failed'), new Date('2026-11-23T09:00:00Z'));
    expect(toApiReport(r, 'run-1', 'imap', { providerCode: 'AUTHENTICATIONFAILED', client: { version: 'imap-companion' } })).toEqual({
      runId: 'run-1',
      source: 'imap',
      total: 0,
      sent: 0,
      received: 0,
      failed: 0,
      pending: 0,
      startedAt: '2026-11-23T09:00:00.000Z',
      finishedAt: '2026-11-23T09:00:00.000Z',
      error: { code: 'password-changed', message: 'Login failed', providerCode: 'AUTHENTICATIONFAILED' },
      client: { version: 'imap-companion' },
    });
    const { error, client, ...clean } = toApiReport({ ...r, error: undefined }, 'run-2', 'graph');
    expect([error, client, clean.source]).toEqual([undefined, undefined, 'graph']);
  });

  describe('the run history', () => {
    /** Wraps the mailbox so every move out of Queue is checked against what the history holds at that moment. */
    function watchMovesOut(mb: MemoryMailbox, history: MemoryHistory): string[] {
      const unrecorded: string[] = [];
      const move = mb.move.bind(mb);
      mb.move = async (ids, to, ...rest) => {
        if (to !== 'queue')
          for (const id of ids) {
            const messageId = mb.mails.get(id)?.message.internetMessageId ?? '?';
            if (!history.outcomes.has(messageId)) unrecorded.push(messageId);
          }
        return move(ids, to, ...rest);
      };
      return unrecorded;
    }

    it('opens the run, records every outcome before its mail leaves Queue, and finishes with the report', async () => {
      const mb = new MemoryMailbox();
      seed(mb, 24);
      const history = new MemoryHistory();
      const unrecorded = watchMovesOut(mb, history);
      const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER, batchSize: 5, concurrency: 2, history });

      expect(unrecorded).toEqual([]);
      expect(mb.in('queue')).toHaveLength(0);
      expect(history.report).toBe(report);
      // One outcome per distinct Message-ID, each the one the mail was filed by.
      const distinct = new Set([...mb.mails.values()].map((m) => m.message.internetMessageId));
      expect(new Set(history.outcomes.keys())).toEqual(distinct);
      for (const r of report.results) {
        const recorded = history.outcomes.get(r.internetMessageId)!;
        expect(recorded.status === 'filed' ? 'filed' : 'unmatched').toBe(r.status === 'failed' ? 'unmatched' : 'filed');
      }
    });

    it('a batch whose outcomes cannot be recorded stays in Queue, pending', async () => {
      const mb = new MemoryMailbox();
      seed(mb, 6);
      const history = new MemoryHistory();
      history.refuseRecord = new SyncError('server-unreachable', 'The adapter could not be reached.');
      const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER, history });

      expect(mb.in('queue')).toHaveLength(6);
      expect(report).toMatchObject({ pending: 6, sent: 0, received: 0, failed: 0 });
      expect(report.results.every((r) => r.reason === 'server-unreachable')).toBe(true);
      expect(history.report).toBe(report);
    });

    it('a run the history refuses to open files and moves nothing, and is finished with why', async () => {
      const mb = new MemoryMailbox();
      seed(mb, 3);
      const dir = new MemoryDirectory(GROUPS);
      const history = new MemoryHistory();
      history.refuseStart = new SyncError('unknown', 'This sync run id belongs to another user. Start a new sync.');
      const report = await syncQueue(mb, dir, { owner: OWNER, history });

      expect(mb.in('queue')).toHaveLength(3);
      expect(dir.events.size).toBe(0);
      expect(history.report).toBe(report);
      expect(report.error).toEqual({ code: 'unknown', message: 'This sync run id belongs to another user. Start a new sync.' });
    });

    it('a run that could not start is finished in the history like any other', async () => {
      const history = new MemoryHistory();
      const report = await finishNotStarted(history, new SyncError('password-changed', 'AUTHENTICATIONFAILED'));
      expect(history.report).toBe(report);
      expect(report).toMatchObject({ total: 0, error: { code: 'password-changed' } });
    });
  });

  it('rejects a directory answer of the wrong length rather than misfiling', async () => {
    const mb = new MemoryMailbox();
    seed(mb, 3);
    const report = await syncQueue(mb, { file: async () => [] }, { owner: OWNER });
    expect(report.pending).toBe(3);
    expect(mb.in('queue')).toHaveLength(3);
  });

  it('a run larger than keepResults keeps exact counts, every failed mail and the most recent of the rest, and says how many it left out', async () => {
    const mb = new MemoryMailbox();
    for (let i = 0; i < 5000; i++) {
      // Ten mails nobody matches, spread through the run; the rest are matched.
      if (i % 500 === 250) mb.add('queue', mail('stranger@nowhere.example', 'agent@brightwells.co.uk', `<none-${i}@nowhere.example>`));
      else mb.add('queue', mail('Sarah Jones <sarah.jones@gmail.com>', 'agent@brightwells.co.uk', `<in-${i}@gmail.com>`));
    }
    const dir = new MemoryDirectory(GROUPS);
    const finished: string[] = [];
    const report = await syncQueue(mb, dir, {
      owner: OWNER,
      keepResults: 100,
      onProgress: (p) => void (p.result && finished.push(p.result.internetMessageId)),
    });

    expect(report).toMatchObject({ total: 5000, received: 4990, failed: 10, sent: 0, pending: 0, resultsOmitted: 4900 });
    expect(report.results).toHaveLength(100);
    expect(mb.in('queue')).toHaveLength(0);
    expect(mb.in('received')).toHaveLength(4990);
    // All ten failures are listed, with the 90 most recent of the others, in the order they finished.
    const kept = report.results.map((r) => r.internetMessageId);
    expect(report.results.filter((r) => r.status === 'failed')).toHaveLength(10);
    const received = finished.filter((id) => id.startsWith('<in-'));
    expect(kept.filter((id) => id.startsWith('<in-'))).toEqual(received.slice(-90));
    expect(kept).toEqual(finished.filter((id) => kept.includes(id)));
  });

  it('more failures than keepResults: the earliest of them are kept, and the counts still add up', async () => {
    const mb = new MemoryMailbox();
    for (let i = 0; i < 300; i++) mb.add('queue', mail('stranger@nowhere.example', 'agent@brightwells.co.uk', `<none-${i}@nowhere.example>`));
    mb.add('queue', mail('Sarah Jones <sarah.jones@gmail.com>', 'agent@brightwells.co.uk', '<in-last@gmail.com>'));
    const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER, keepResults: 50 });
    expect(report).toMatchObject({ total: 301, failed: 300, received: 1, resultsOmitted: 251 });
    expect(report.results.every((r) => r.status === 'failed')).toBe(true);
    expect(report.results).toHaveLength(50);
  });

  it('a run within keepResults lists every mail and omits nothing', async () => {
    const mb = new MemoryMailbox();
    seed(mb, 12);
    const report = await syncQueue(mb, new MemoryDirectory(GROUPS), { owner: OWNER, keepResults: 12 });
    expect(report.results).toHaveLength(12);
    expect(report.resultsOmitted).toBeUndefined();
  });
});

/**
 * Interruption at every step: the process "dies" at the k-th fault point (every later call also
 * fails, as a dead process would), then a fresh run completes. Whatever k is, every mail ends in
 * exactly one of Sent/Received/Failed and every (message, group) has exactly one event.
 */
describe.each([
  ['moves answered without metadata (IMAP)', false, 48],
  ['moves into Queue answered with metadata (Graph)', true, 48],
])('syncQueue interrupted at every point, then re-run: %s', (_name, carryMetadata, RUNS) => {
  async function countPoints(): Promise<{ hits: number; kinds: Set<string> }> {
    const mb = new MemoryMailbox();
    mb.carryMetadata = carryMetadata;
    const ids = seedWithSelection(mb);
    const dir = new MemoryDirectory(GROUPS);
    let hits = 0;
    const kinds = new Set<string>();
    mb.fault = dir.fault = (point) => {
      hits++;
      kinds.add(point.replace(/:(sent|received|failed|queue)/, ''));
    };
    await syncQueue(mb, dir, { owner: OWNER, batchSize: 4, concurrency: 2, selection: ids });
    return { hits, kinds };
  }

  function seedWithSelection(mb: MemoryMailbox): string[] {
    seed(mb, 14);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(mb.add('inbox', mail('sarah.jones@gmail.com', 'agent@brightwells.co.uk', `<sel-${i}@gmail.com>`)));
    return ids;
  }

  it('covers every fault point of a run, of every kind', async () => {
    const { hits, kinds } = await countPoints();
    expect(hits).toBe(RUNS);
    expect([...kinds].sort()).toEqual(['ensureFolders', 'file:after', 'file:before', 'listQueue', 'move:after', 'move:before', 'move:partial']);
  });

  for (let k = 1; k <= RUNS; k++) {
    it(`loses and duplicates nothing when interrupted at fault point ${k}`, async () => {
      const mb = new MemoryMailbox();
      mb.carryMetadata = carryMetadata;
      const selection = seedWithSelection(mb);
      const dir = new MemoryDirectory(GROUPS);
      let hits = 0;
      let dead = false;
      const hook = (point: string) => {
        if (dead) throw new Crash(point);
        if (++hits === k) {
          dead = true;
          throw new Crash(point);
        }
      };
      mb.fault = hook;
      dir.fault = hook;
      const first = await syncQueue(mb, dir, { owner: OWNER, batchSize: 4, concurrency: 2, selection });
      // A crash never reads as a clean run: it shows as the run's error, mails pending or mails not queued.
      const clean = first.error === undefined && first.pending === 0 && first.notQueued.length === 0;
      expect(clean).toBe(!dead);

      // Restart: healthy ports over the same state. Selected mails that never reached Queue are
      // selected again, as the user would.
      mb.fault = () => {};
      dir.fault = () => {};
      const stillSelected = mb.in('inbox').map((m) => m.id);
      const second = await syncQueue(mb, dir, { owner: OWNER, batchSize: 4, concurrency: 2, selection: stillSelected });
      expect(second.error).toBeUndefined();

      expect(mb.in('queue')).toHaveLength(0);
      expect(mb.in('inbox')).toHaveLength(0);
      expect(mb.mails.size).toBe(18);
      const ids = [...mb.mails.values()].map((m) => `${m.message.internetMessageId}#${m.message.subject}`);
      expect(new Set(ids).size).toBe(18);
      // Exactly one event per (message, group): the store is keyed, so compare keys with what is due.
      expect(new Set(dir.events.keys())).toEqual(expectedEventKeys(mb));
      expect(new Set(dir.events.values()).size).toBe(dir.events.size);
    });
  }
});
