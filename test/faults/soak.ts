/**
 * The fault soak: seeded randomised syncs of the whole flow on both paths, with faults at random points,
 * then a recovery sync with no faults, then the two invariants of DESIGN.md checked against the real
 * stores: every mail in exactly one of Sent/Received/Failed (by Message-ID, counting copies), and
 * exactly one timeline event per (message, group) in the adapter's SQLite file; and every mail that
 * left Queue has its outcome in one of the agent's runs (the engine records them through History).
 *
 * Graph path: GraphMailbox against the Graph stand-in + the adapter's HTTP ports (directory, history)
 * (startTestAdapter) behind a TCP proxy with a stable port, so the adapter can be killed and restarted
 * on the same SQLite file mid-batch. IMAP path: ImapMailbox on a real Dovecot behind a TCP proxy that
 * cuts the connection mid-FETCH or mid-MOVE, filing through the adapter's own directory.
 *
 * `broken: true` wraps the ports so a mail leaves Queue BEFORE its outcome is recorded: the soak must
 * then find losses (that is how we know it can fail).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAdapterClient } from '../../src/client/adapter-client';
import { adapterRun } from '../../src/client/http-history';
import { syncQueue } from '../../src/core/engine';
import type { Directory, FilingContext, FilingMessage, FolderRole, FolderTree, Mailbox, QueuedMessage } from '../../src/core/ports';
import { GraphMailbox } from '../../src/graph/graph-mailbox';
import type { AuthUser } from '../../src/server/context';
import { directoryFor } from '../../src/server/directory/core-adapter';
import { StoreHistory } from '../../src/server/history';
import { canonicalMessageId } from '../../src/server/directory/matching';
import { ImapMailbox } from '../../src/server/imap/mailbox';
import { DEMO_TENANT, DEMO_USERS } from '../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../support/adapter';
import { appendMessages, startDovecot, testClient, type DovecotInstance } from '../support/dovecot';
import { startGraphStandin, type GraphStandin, type StandinOptions } from '../../dev/graph-standin';

/** Microsoft's documented variants the code must be correct under (dev/graph-standin.ts names the pages). */
export const STRICT_GRAPH: Pick<StandinOptions, 'ids' | 'batchPrefer' | 'paging'> = { ids: 'real', batchPrefer: 'ignored', paging: 'skip' };
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { mulberry32 } from '../../dev/rng';

export type PathKind = 'graph' | 'imap';
export const FAULT_KINDS = [
  'graph-429',
  'graph-503',
  'graph-slow',
  'graph-drop',
  'graph-cut-after-batch',
  'adapter-restart',
  'imap-drop-fetch',
  'imap-drop-move',
  // The COPY + STORE \Deleted + EXPUNGE fallback (a Dovecot without MOVE): cut between COPY and
  // STORE, between STORE and EXPUNGE; and a Queue whose permissions refuse \Deleted.
  'imap-cut-copy-store',
  'imap-cut-store-expunge',
  'imap-queue-refuses-delete',
  'pane-closed',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SoakOptions {
  runs: number;
  seed: number;
  /** Which paths (default both, alternating run by run). */
  paths?: PathKind[];
  /** Mails per run: min..max (default 20..60). */
  mails?: [number, number];
  broken?: boolean;
  /**
   * The Graph stand-in's documented variants: 'strict' = real-shaped ids, Prefer ignored inside $batch
   * and $skip paging on every Graph run; 'default' = none; 'mixed' (default) = every other Graph run.
   */
  graphVariants?: 'strict' | 'default' | 'mixed';
  /** Per-run line callback (progress). */
  onRun?: (r: RunResult) => void;
}

export interface RunResult {
  run: number;
  path: PathKind;
  seed: number;
  faults: FaultKind[];
  mails: number;
  lostMails: number;
  lostEvents: number;
  /** Mails that left Queue with no outcome in the run history. */
  unrecorded: number;
  duplicatedMails: number;
  duplicatedEvents: number;
  misfiled: number;
  leftInQueue: number;
  ok: boolean;
  /** What went wrong, for the first few problems. */
  problems: string[];
}

export interface SoakSummary {
  runs: number;
  seed: number;
  broken: boolean;
  byPath: Record<PathKind, number>;
  /** Graph runs on the strict variants (real-shaped ids, Prefer ignored inside $batch, $skip paging). */
  strictGraphRuns: number;
  faults: Record<FaultKind, number>;
  mailsChecked: number;
  lost: number;
  duplicated: number;
  misfiled: number;
  leftInQueue: number;
  passed: number;
  failed: number;
  failures: RunResult[];
  ms: number;
}

/** Seeded, so a failing run can be replayed with its seed. */
export const rngOf = mulberry32;

const AGENT = DEMO_USERS.agent;
const OWNER = { addresses: [AGENT.email] };
const FINAL: FolderRole[] = ['sent', 'received', 'failed'];

export const agentUser: AuthUser = {
  id: AGENT.id,
  tenantId: DEMO_TENANT,
  oid: null,
  email: AGENT.email,
  name: AGENT.name,
  branchId: AGENT.branch.id,
  branchName: AGENT.branch.name,
  role: AGENT.role,
};

interface SeededMail {
  messageId: string;
  from: string;
  to: string;
  expected: FolderRole;
  groups: string[];
}

/** Address → group ids of the agent's branch, from the store (the demo data set). */
async function contactsOf(adapter: TestAdapter): Promise<Map<string, string[]>> {
  const rows = await adapter.ctx.db
    .selectFrom('contact_addresses')
    .innerJoin('contacts', 'contacts.id', 'contact_addresses.contact_id')
    .innerJoin('groups', 'groups.id', 'contacts.group_id')
    .select(['contact_addresses.address', 'groups.id'])
    .where('groups.branch_id', '=', AGENT.branch.id)
    .execute();
  const map = new Map<string, string[]>();
  for (const r of rows) {
    // Plain ASCII addresses only: keeps the seeding independent of IDN encoding.
    if (!/^[a-z0-9._-]+@[a-z0-9.-]+$/.test(r.address)) continue;
    const list = map.get(r.address) ?? [];
    if (!list.includes(r.id)) list.push(r.id);
    map.set(r.address, list);
  }
  return map;
}

function seedMails(run: number, count: number, rng: () => number, contacts: Map<string, string[]>): SeededMail[] {
  const known = [...contacts.keys()];
  const out: SeededMail[] = [];
  for (let i = 0; i < count; i++) {
    const messageId = `<soak-${run}-${i}-${Math.floor(rng() * 1e9).toString(36)}@rezi-soak.test>`;
    const roll = rng();
    const contact = known[Math.floor(rng() * known.length)];
    if (roll < 0.4) out.push({ messageId, from: contact, to: AGENT.email, expected: 'received', groups: [...contacts.get(contact)!].sort() });
    else if (roll < 0.75) out.push({ messageId, from: AGENT.email, to: contact, expected: 'sent', groups: [...contacts.get(contact)!].sort() });
    else if (roll < 0.9) out.push({ messageId, from: `stranger${i}@unknown-soak.test`, to: AGENT.email, expected: 'failed', groups: [] });
    else out.push({ messageId, from: AGENT.email, to: `nobody${i}@unknown-soak.test`, expected: 'failed', groups: [] });
  }
  return out;
}

/** Where each seeded Message-ID was found (every copy), and the timeline events of this run's ids. */
interface Observed {
  /** folder label → canonical Message-IDs, one entry per copy */
  folders: Record<string, string[]>;
  events: { internet_message_id: string; group_id: string }[];
  /** Canonical Message-IDs with an outcome in one of the agent's sync runs (checked when given). */
  outcomes?: string[];
}

/**
 * `staysInQueue`: the mailbox refuses to let mail leave Queue, so each mail must be in Queue and
 * nowhere else (no copy left in a final folder), still with exactly one event per (message, group).
 */
export function judge(run: number, p: PathKind, seed: number, faults: FaultKind[], seeded: SeededMail[], seen: Observed, staysInQueue = false): RunResult {
  const problems: string[] = [];
  const note = (s: string) => problems.length < 5 && problems.push(s);
  let lostMails = 0;
  let lostEvents = 0;
  let duplicatedMails = 0;
  let duplicatedEvents = 0;
  let misfiled = 0;
  let leftInQueue = 0;
  let unrecorded = 0;
  const recorded = seen.outcomes && new Set(seen.outcomes);
  const copies = new Map<string, string[]>();
  for (const [folder, ids] of Object.entries(seen.folders)) for (const id of ids) copies.set(id, [...(copies.get(id) ?? []), folder]);
  const events = new Map<string, Map<string, number>>();
  for (const e of seen.events) {
    const byGroup = events.get(e.internet_message_id) ?? new Map<string, number>();
    byGroup.set(e.group_id, (byGroup.get(e.group_id) ?? 0) + 1);
    events.set(e.internet_message_id, byGroup);
  }
  for (const m of seeded) {
    const key = canonicalMessageId(m.messageId)!;
    const where = copies.get(key) ?? [];
    const final = where.filter((f) => (FINAL as string[]).includes(f));
    if (where.length > 1) {
      duplicatedMails++;
      note(`${m.messageId} in ${where.join(' + ')}`);
    }
    if (staysInQueue) {
      if (where.length === 0) {
        lostMails++;
        note(`${m.messageId} is in no folder`);
      } else if (final.length > 0) {
        misfiled++;
        note(`${m.messageId} left Queue (${final.join(', ')}) though Queue refuses deletion`);
      }
    } else if (final.length === 0) {
      if (where.length > 0) {
        leftInQueue++;
        note(`${m.messageId} left in ${where.join(', ')}`);
      } else {
        lostMails++;
        note(`${m.messageId} is in no folder`);
      }
    } else if (final.length === 1 && final[0] !== m.expected) {
      misfiled++;
      note(`${m.messageId} in ${final[0]}, expected ${m.expected}`);
    }
    if (recorded && final.length > 0 && !recorded.has(key)) {
      unrecorded++;
      note(`${m.messageId} left Queue with no outcome in the run history`);
    }
    const got = events.get(key) ?? new Map<string, number>();
    for (const g of m.groups) {
      const n = got.get(g) ?? 0;
      if (n === 0) {
        lostEvents++;
        note(`${m.messageId}: no timeline event on ${g}`);
      } else if (n > 1) {
        duplicatedEvents++;
        note(`${m.messageId}: ${n} timeline events on ${g}`);
      }
    }
    for (const g of got.keys()) {
      if (!m.groups.includes(g)) {
        misfiled++;
        note(`${m.messageId}: unexpected event on ${g}`);
      }
    }
  }
  const ok = lostMails + lostEvents + unrecorded + duplicatedMails + duplicatedEvents + misfiled + leftInQueue === 0;
  return {
    run,
    path: p,
    seed,
    faults,
    mails: seeded.length,
    lostMails,
    lostEvents,
    unrecorded,
    duplicatedMails,
    duplicatedEvents,
    misfiled,
    leftInQueue,
    ok,
    problems,
  };
}

/** The seeded mails with an outcome in one of the agent's runs, canonical. */
async function outcomesOf(adapter: TestAdapter, seeded: SeededMail[]): Promise<string[]> {
  const wanted = new Set(seeded.map((m) => canonicalMessageId(m.messageId)!));
  const rows = await adapter.ctx.db
    .selectFrom('sync_outcomes')
    .innerJoin('sync_runs', 'sync_runs.id', 'sync_outcomes.run_id')
    .select('sync_outcomes.internet_message_id')
    .where('sync_runs.user_id', '=', AGENT.id)
    .execute();
  return rows.map((r) => canonicalMessageId(r.internet_message_id) ?? '').filter((id) => wanted.has(id));
}

async function eventsOf(adapter: TestAdapter, seeded: SeededMail[]) {
  const ids = seeded.map((m) => canonicalMessageId(m.messageId)!);
  return adapter.ctx.db
    .selectFrom('timeline_events')
    .select(['internet_message_id', 'group_id'])
    .where('owner_user_id', '=', AGENT.id)
    .where('internet_message_id', 'in', ids)
    .execute();
}

/**
 * The broken engine: ports wrapped so that each mail is moved out of Queue (to Sent/Received by its
 * direction) BEFORE the directory is asked to record it — the rule the real engine keeps, broken.
 * `crash` runs once, right after the first early move: the run closes the pane there, so the window the
 * rule guards is always hit, not only when a random fault happens to land in it.
 */
export function breakPorts(mailbox: Mailbox, directory: Directory, crash?: () => void): { mailbox: Mailbox; directory: Directory } {
  let folders: FolderTree | undefined;
  let crashed = false;
  const idOf = new Map<string, string>();
  const wrappedMailbox: Mailbox = {
    ensureFolders: async (signal) => (folders = await mailbox.ensureFolders(signal)),
    listQueue: async (f, signal) => {
      const list: QueuedMessage[] = await mailbox.listQueue(f, signal);
      for (const m of list) idOf.set(m.internetMessageId, m.id);
      return list;
    },
    move: (ids, to, f, signal) => mailbox.move(ids, to, f, signal),
  };
  const wrappedDirectory: Directory = {
    async file(messages: readonly FilingMessage[], context: FilingContext, signal?: AbortSignal) {
      if (folders) {
        for (const role of ['sent', 'received'] as const) {
          const want = role === 'sent' ? 'outbound' : 'inbound';
          const ids = messages.filter((m) => m.direction === want).map((m) => idOf.get(m.internetMessageId)!);
          if (ids.length) await mailbox.move(ids, role, folders, signal).catch(() => undefined);
        }
        if (crash && !crashed) {
          crashed = true;
          crash();
          signal?.throwIfAborted();
        }
      }
      return directory.file(messages, context, signal);
    },
  };
  return { mailbox: wrappedMailbox, directory: wrappedDirectory };
}

/** Shared, long-lived parts: one adapter (behind a proxy), one Dovecot (behind a proxy). */
export interface SoakRig {
  adapter(): TestAdapter;
  adapterUrl: string;
  restartAdapter(): Promise<void>;
  dovecot?: DovecotInstance;
  imapProxy?: TcpProxy;
  /** A Dovecot without MOVE (the COPY fallback), behind its own proxy. */
  noMove?: DovecotInstance;
  noMoveProxy?: TcpProxy;
  /** A Dovecot without MOVE whose Queue refuses \Deleted (no 't'/'e' rights). */
  lockedQueue?: DovecotInstance;
  /** IMAP runs so far: picks the server variant in turn, so every soak covers each. */
  imapRuns: number;
  contacts: Map<string, string[]>;
  close(): Promise<void>;
}

export const IMAP_LOGIN = { user: AGENT.email, password: 'Soak-Pa55word' };

/** The client reaches the adapter through the proxy's port, so the Host it sends names that port. */
const PROXIED = { ALLOWED_HOSTS: '127.0.0.1' };

export async function startRig(options: { imap: boolean }): Promise<SoakRig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rezi-soak-'));
  const dbFile = path.join(dir, 'rezi.sqlite');
  let adapter = await startTestAdapter({ dbFile, logLevel: 'silent', env: PROXIED });
  const adapterProxy = await startTcpProxy(Number(new URL(adapter.url).port));
  const contacts = await contactsOf(adapter);
  let dovecot: DovecotInstance | undefined;
  let imapProxy: TcpProxy | undefined;
  let noMove: DovecotInstance | undefined;
  let noMoveProxy: TcpProxy | undefined;
  let lockedQueue: DovecotInstance | undefined;
  if (options.imap) {
    [dovecot, noMove, lockedQueue] = await Promise.all([
      startDovecot({ delimiter: '.', users: [IMAP_LOGIN], tls: false }),
      startDovecot({ delimiter: '.', users: [IMAP_LOGIN], tls: false, withoutCapabilities: ['MOVE'] }),
      startDovecot({ delimiter: '.', users: [IMAP_LOGIN], tls: false, withoutCapabilities: ['MOVE'], acl: { 'Rezi-Imported.Queue': 'lrswipk' } }),
    ]);
    imapProxy = await startTcpProxy(dovecot.port);
    noMoveProxy = await startTcpProxy(noMove.port);
  }
  return {
    adapter: () => adapter,
    adapterUrl: `http://127.0.0.1:${adapterProxy.port}`,
    async restartAdapter() {
      // The client sees a crash: every connection cut, nobody answering; then a new process on the same file.
      adapterProxy.down(true);
      adapterProxy.cutAll();
      await adapter.close();
      adapter = await startTestAdapter({ dbFile, logLevel: 'silent', env: PROXIED });
      adapterProxy.setTarget(Number(new URL(adapter.url).port));
      adapterProxy.down(false);
    },
    dovecot,
    imapProxy,
    noMove,
    noMoveProxy,
    lockedQueue,
    imapRuns: 0,
    contacts,
    async close() {
      await imapProxy?.close();
      await noMoveProxy?.close();
      await Promise.all([dovecot?.stop(), noMove?.stop(), lockedQueue?.stop()]);
      await adapterProxy.close();
      await adapter.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pick<T>(rng: () => number, list: readonly T[], min: number, max: number): T[] {
  const n = min + Math.floor(rng() * (max - min + 1));
  const pool = [...list];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]);
  return out;
}

async function graphRun(rig: SoakRig, run: number, seed: number, count: number, broken: boolean, variants: Partial<StandinOptions> = {}): Promise<RunResult> {
  const rng = rngOf(seed);
  const standin: GraphStandin = await startGraphStandin({ ...variants, seed, user: { mail: AGENT.email, userPrincipalName: AGENT.email } });
  // Graph is reached through a TCP proxy too, to cut a $batch's answer after Graph has done the moves.
  const graphProxy = await startTcpProxy(Number(new URL(standin.url).port));
  const faults = pick(
    rng,
    ['graph-429', 'graph-503', 'graph-slow', 'graph-drop', 'graph-cut-after-batch', 'adapter-restart', 'pane-closed'] as FaultKind[],
    1,
    3,
  );
  const seeded = seedMails(run, count, rng, rig.contacts);
  const injected: FaultKind[] = [];
  const timers: Promise<void>[] = [];
  try {
    const selection = seeded.map((m) => standin.addMessage('inbox', { from: m.from, to: [m.to], subject: `Soak ${run}`, internetMessageId: m.messageId }));
    const p = 0.05 + rng() * 0.15;
    // Faults: counted where they fire (a match function that says yes), so the totals are what happened.
    const firing = (kind: FaultKind) => (r: { path: string }) => {
      if (r.path === '/me' || rng() >= p) return false;
      injected.push(kind);
      return true;
    };
    if (faults.includes('graph-429')) standin.fault({ kind: 'throttle', probability: 1, retryAfter: 1, match: firing('graph-429') });
    if (faults.includes('graph-503')) standin.fault({ kind: '503', probability: 1, match: firing('graph-503') });
    if (faults.includes('graph-slow')) standin.fault({ kind: 'slow', probability: 1, delayMs: 20 + Math.floor(rng() * 60), match: firing('graph-slow') });
    if (faults.includes('graph-drop')) standin.fault({ kind: 'drop', probability: p, match: (r) => r.path === '/$batch' || r.path.endsWith('/messages') });
    if (faults.includes('graph-cut-after-batch')) {
      const arm = (): void =>
        graphProxy.armCut({
          trigger: /^POST \/v1\.0\/\$batch/,
          afterServerBytes: 1 + Math.floor(rng() * 300),
          onCut: () => {
            injected.push('graph-cut-after-batch');
            if (rng() < 0.5) arm();
          },
        });
      arm();
    }

    const controller = new AbortController();
    const at = Math.floor(rng() * 200);
    if (faults.includes('pane-closed'))
      timers.push(
        sleep(at).then(() => {
          injected.push('pane-closed');
          controller.abort();
        }),
      );
    if (faults.includes('adapter-restart'))
      timers.push(
        sleep(Math.floor(rng() * 250)).then(async () => {
          injected.push('adapter-restart');
          await rig.restartAdapter();
        }),
      );

    const closePane = () => {
      injected.push('pane-closed');
      controller.abort();
    };
    const pane = (crash?: () => void) => {
      const mailbox = new GraphMailbox({
        getToken: async () => standin.token,
        baseUrl: `http://127.0.0.1:${graphProxy.port}/v1.0`,
        retryAfterUnitMs: 5,
        backoffBaseMs: 2,
        backoffMaxMs: 20,
        maxAttempts: 4,
        random: rng,
      });
      const client = createAdapterClient({ baseUrl: rig.adapterUrl, getToken: () => rig.adapter().mintToken(AGENT.email), timeoutMs: 3000 });
      // The pane's own wiring: the engine records the run through the adapter (HttpHistory).
      const { directory, history } = adapterRun(client);
      return { history, ...(broken ? breakPorts(mailbox, directory, crash) : { mailbox, directory }) };
    };
    const first = pane(closePane);
    await syncQueue(first.mailbox, first.directory, {
      owner: OWNER,
      selection,
      batchSize: 10 + Math.floor(rng() * 30),
      concurrency: 2,
      signal: controller.signal,
      history: first.history,
    });
    await Promise.all(timers);
    injected.push(...standin.log.filter((l) => l.status === -1).map(() => 'graph-drop' as FaultKind));
    standin.clearFaults();
    graphProxy.armCut(undefined);

    // Recovery: a fresh pane, no faults; what is still in the inbox is selected again.
    const again = pane();
    const left = standin.messagesIn('inbox').map((m) => m.immutableId);
    await syncQueue(again.mailbox, again.directory, { owner: OWNER, selection: left, batchSize: 100, concurrency: 2, history: again.history });

    const folders: Record<string, string[]> = {};
    const labels: [string, string][] = [
      ['inbox', 'inbox'],
      ['queue', 'Rezi-Imported/Queue'],
      ['sent', 'Rezi-Imported/Sent'],
      ['received', 'Rezi-Imported/Received'],
      ['failed', 'Rezi-Imported/Failed'],
    ];
    for (const [label, p2] of labels) folders[label] = standin.messagesIn(p2).map((m) => canonicalMessageId(m.internetMessageId)!);
    return judge(run, 'graph', seed, injected, seeded, {
      folders,
      events: await eventsOf(rig.adapter(), seeded),
      outcomes: await outcomesOf(rig.adapter(), seeded),
    });
  } finally {
    await Promise.allSettled(timers);
    await graphProxy.close();
    await standin.close();
  }
}

async function imapFolders(server: DovecotInstance): Promise<Record<string, string[]>> {
  const client = testClient(server, IMAP_LOGIN);
  await client.connect();
  const out: Record<string, string[]> = {};
  try {
    for (const role of ['queue', 'sent', 'received', 'failed'] as const) {
      const name = `Rezi-Imported.${role[0].toUpperCase()}${role.slice(1)}`;
      const box = await client.mailboxOpen(name).catch(() => undefined);
      out[role] = [];
      if (!box || box.exists === 0) continue;
      for await (const m of client.fetch('1:*', { envelope: true })) out[role].push(canonicalMessageId(m.envelope?.messageId ?? '') ?? '');
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return out;
}

async function purgeImap(server: DovecotInstance): Promise<void> {
  // Runs as the user: a locked Queue keeps its mail (each run's Message-IDs are its own, so
  // leftovers never count against a later run).
  const client = testClient(server, IMAP_LOGIN);
  await client.connect();
  try {
    for (const role of ['Queue', 'Sent', 'Received', 'Failed']) {
      const box = await client.mailboxOpen(`Rezi-Imported.${role}`).catch(() => undefined);
      if (box && box.exists > 0) await client.messageDelete('1:*');
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function imapRun(rig: SoakRig, run: number, seed: number, count: number, broken: boolean): Promise<RunResult> {
  const rng = rngOf(seed);
  // In turn: three runs with MOVE, two without (the COPY fallback), one whose Queue refuses \Deleted.
  const turn = rig.imapRuns++ % 6;
  const server = turn < 3 ? 'move' : turn < 5 ? 'no-move' : 'locked';
  const dovecot = server === 'move' ? rig.dovecot! : server === 'no-move' ? rig.noMove! : rig.lockedQueue!;
  const proxy = server === 'no-move' ? rig.noMoveProxy! : rig.imapProxy!;
  // Without MOVE the two cuts alternate (so each soak has both); a closed pane may come on top.
  const faults: FaultKind[] =
    server === 'move'
      ? pick(rng, ['imap-drop-fetch', 'imap-drop-move', 'pane-closed'] as FaultKind[], 1, 2)
      : server === 'no-move'
        ? [turn === 3 ? 'imap-cut-copy-store' : 'imap-cut-store-expunge', ...(rng() < 0.25 ? (['pane-closed'] as const) : [])]
        : rng() < 0.5
          ? ['pane-closed']
          : [];
  const seeded = seedMails(run, count, rng, rig.contacts);
  const injected: FaultKind[] = server === 'locked' ? ['imap-queue-refuses-delete'] : [];
  const timers: Promise<void>[] = [];
  await purgeImap(dovecot);
  const direct = { host: dovecot.host, port: dovecot.port, ssl: false, starttls: false, verifyCertificates: true };
  const login = { username: IMAP_LOGIN.user, password: IMAP_LOGIN.password };
  const open = async (signal?: AbortSignal, port = dovecot.port, crash?: () => void) => {
    const mailbox = await ImapMailbox.open({ settings: { ...direct, port }, login, signal, timeouts: { socketMs: 5000 } });
    const directory = directoryFor(rig.adapter().ctx, agentUser);
    // As Start Sync runs it: the engine records the run in the store (StoreHistory).
    const history = new StoreHistory(rig.adapter().ctx.db, agentUser, 'imap');
    return { real: mailbox, history, ...(broken ? breakPorts(mailbox, directory, crash) : { mailbox, directory }) };
  };
  // The tree exists before the mails arrive, as after Authenticate.
  const setup = await open();
  await setup.real.ensureFolders();
  await setup.real.close();
  await appendMessages(
    dovecot,
    IMAP_LOGIN,
    'Rezi-Imported.Queue',
    seeded.map((m) => ({ from: m.from, to: m.to, subject: `Soak ${run}`, messageId: m.messageId })),
  );
  try {
    const drop = faults.find((f) => f === 'imap-drop-fetch' || f === 'imap-drop-move');
    if (drop) {
      proxy.armCut({
        trigger: drop === 'imap-drop-fetch' ? /UID FETCH/i : /UID MOVE/i,
        forward: rng() < 0.7,
        afterServerBytes: Math.floor(rng() * 600),
        onCut: () => injected.push(drop),
      });
    }
    const cut = faults.find((f) => f === 'imap-cut-copy-store' || f === 'imap-cut-store-expunge');
    if (cut) {
      proxy.armCut({
        // Between COPY and STORE: the STORE never reaches the server. Between STORE and EXPUNGE:
        // the STORE is done (its answer lost), or the EXPUNGE never arrives.
        trigger: cut === 'imap-cut-copy-store' || rng() < 0.5 ? /UID STORE/i : /EXPUNGE/i,
        forward: cut === 'imap-cut-store-expunge' && rng() < 0.5,
        afterServerBytes: 0,
        onCut: () => injected.push(cut),
      });
    }
    const controller = new AbortController();
    if (faults.includes('pane-closed'))
      timers.push(
        sleep(Math.floor(rng() * 60)).then(() => {
          injected.push('pane-closed');
          controller.abort();
        }),
      );
    let first: Awaited<ReturnType<typeof open>> | undefined;
    try {
      first = await open(controller.signal, server === 'locked' ? dovecot.port : proxy.port, () => {
        injected.push('pane-closed');
        controller.abort();
      });
      await syncQueue(first.mailbox, first.directory, { owner: OWNER, batchSize: 1000, concurrency: 1, signal: controller.signal, history: first.history });
    } catch {
      // Opening can fail when the pane is closed at once; the recovery run follows.
    } finally {
      await first?.real.close().catch(() => undefined);
      proxy.armCut(undefined);
    }
    await Promise.all(timers);

    const again = await open();
    try {
      await syncQueue(again.mailbox, again.directory, { owner: OWNER, batchSize: 1000, concurrency: 1, history: again.history });
    } finally {
      await again.real.close();
    }
    return judge(
      run,
      'imap',
      seed,
      injected,
      seeded,
      { folders: await imapFolders(dovecot), events: await eventsOf(rig.adapter(), seeded), outcomes: await outcomesOf(rig.adapter(), seeded) },
      server === 'locked',
    );
  } finally {
    proxy.armCut(undefined);
    await Promise.allSettled(timers);
  }
}

export async function runSoak(options: SoakOptions, rig?: SoakRig): Promise<SoakSummary> {
  const started = Date.now();
  const paths = options.paths ?? ['graph', 'imap'];
  const own = rig ? undefined : await startRig({ imap: paths.includes('imap') });
  const r = (rig ?? own)!;
  const [min, max] = options.mails ?? [20, 60];
  const master = rngOf(options.seed);
  const summary: SoakSummary = {
    runs: 0,
    seed: options.seed,
    broken: options.broken === true,
    byPath: { graph: 0, imap: 0 },
    strictGraphRuns: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    mailsChecked: 0,
    lost: 0,
    duplicated: 0,
    misfiled: 0,
    leftInQueue: 0,
    passed: 0,
    failed: 0,
    failures: [],
    ms: 0,
  };
  try {
    for (let i = 0; i < options.runs; i++) {
      const seed = Math.floor(master() * 2 ** 31);
      const count = min + Math.floor(master() * (max - min + 1));
      const p = paths[i % paths.length];
      const mode = options.graphVariants ?? 'mixed';
      const strict = mode === 'strict' || (mode === 'mixed' && summary.byPath.graph % 2 === 1);
      if (p === 'graph' && strict) summary.strictGraphRuns++;
      const result =
        p === 'graph'
          ? await graphRun(r, i, seed, count, options.broken === true, strict ? STRICT_GRAPH : {})
          : await imapRun(r, i, seed, count, options.broken === true);
      summary.runs++;
      summary.byPath[p]++;
      for (const f of result.faults) summary.faults[f]++;
      summary.mailsChecked += result.mails;
      summary.lost += result.lostMails + result.lostEvents + result.unrecorded;
      summary.duplicated += result.duplicatedMails + result.duplicatedEvents;
      summary.misfiled += result.misfiled;
      summary.leftInQueue += result.leftInQueue;
      if (result.ok) summary.passed++;
      else {
        summary.failed++;
        if (summary.failures.length < 10) summary.failures.push(result);
      }
      options.onRun?.(result);
    }
  } finally {
    await own?.close();
  }
  summary.ms = Date.now() - started;
  return summary;
}

const tally = (list: readonly string[]) => [...new Set(list)].map((k) => `${k}×${list.filter((x) => x === k).length}`).join('+');

export function formatSummary(s: SoakSummary): string {
  const faults = Object.entries(s.faults)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `fault soak${s.broken ? ' (BROKEN engine: mails leave Queue before their outcome is recorded)' : ''}: seed ${s.seed}, ${s.runs} runs (${s.byPath.graph} Graph, ${s.strictGraphRuns} of them with real-shaped ids, Prefer ignored in $batch and $skip paging; ${s.byPath.imap} IMAP) in ${(s.ms / 1000).toFixed(1)} s`,
    `faults injected: ${faults}`,
    `mails checked: ${s.mailsChecked}; lost: ${s.lost}; duplicated: ${s.duplicated}; misfiled: ${s.misfiled}; left in Queue: ${s.leftInQueue}`,
    ...s.failures.map((f) => `  run ${f.run} (${f.path}, seed ${f.seed}, faults ${tally(f.faults) || 'none'}): ${f.problems.join('; ')}`),
    `${s.passed} passed, ${s.failed} failed (${s.runs} runs)`,
  ];
  return lines.join('\n');
}
