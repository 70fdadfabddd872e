/**
 * Outage detection (seed 000: "If multiple users are affected, check the Microsoft 365 / Google
 * status"). Counts recent provider-side failures over a sliding window: when several distinct users
 * of the same tenant (Office 365) or the same branch server (IMAP) fail within minutes, the trouble
 * is most likely the provider's, and the pane advises waiting and retrying.
 *
 * The detector itself is pure (records in, assessment out, clock injected); loadRecentFailures reads
 * the adapter's `failures` table. assessOutage reads the window from the store at every status
 * request and keeps nothing between requests, so every instance on one database sees a failure
 * recorded through any of them at once (bound: 0 s; cost: one indexed read per GET /status).
 */
import type { Kysely } from 'kysely';
import type { ApiStatus } from '../core/api';
import { CAUSES, type CauseCode } from '../core/causes';
import type { Database } from './store/schema';

/** Office 365 mailboxes share a tenant; IMAP mailboxes share their branch's server. */
export type OutageProvider = 'microsoft365' | 'imap';

export interface FailureRecord {
  at: Date;
  userId: string;
  tenantId: string;
  branchId: string;
  code: CauseCode;
  providerCode?: string | null;
  provider: OutageProvider;
}

export type OutageAssessment = NonNullable<ApiStatus['outage']>;

export const OUTAGE_MESSAGE = 'Possible Microsoft 365 / Google service issue';
export const BRANCH_SERVER_MESSAGE = 'Possible issue with your branch’s mail server';

export interface OutageDetectorOptions {
  windowMs?: number;
  minUsers?: number;
  clock?: () => Date;
}

/** Provider-side 5xx-like codes a throttled failure may carry (HTTP status or Graph/Google code). */
const SERVICE_SIDE =
  /^(5\d\d|serviceunavailable|gatewaytimeout|badgateway|internalservererror|backendError|UNAVAILABLE|server_error|temporarily_unavailable)$/i;

/**
 * Only failures that point at the provider count. A changed password, missing consent or an
 * unmatched mail is about one person, however many people have it at once.
 */
export function isProviderSide(code: CauseCode, providerCode?: string | null): boolean {
  const side = CAUSES[code]?.providerSide ?? 'never';
  if (side === 'if-service-code') return !!providerCode && SERVICE_SIDE.test(providerCode.trim());
  return side === 'always';
}

export interface OutageDetector {
  /** Replaces the records (e.g. after reading the failures table). */
  load(records: FailureRecord[]): void;
  assess(tenantId: string, branchId: string): OutageAssessment | undefined;
}

export function createOutageDetector(opts: OutageDetectorOptions = {}): OutageDetector {
  const windowMs = opts.windowMs ?? 10 * 60_000;
  const minUsers = opts.minUsers ?? 3;
  const clock = opts.clock ?? (() => new Date());
  let records: FailureRecord[] = [];

  const prune = () => {
    const from = clock().getTime() - windowMs;
    records = records.filter((r) => r.at.getTime() >= from);
  };

  return {
    load(list) {
      records = list.filter((f) => isProviderSide(f.code, f.providerCode));
      prune();
    },
    assess(tenantId, branchId) {
      prune();
      // Cloud mailboxes share a tenant; IMAP mailboxes share the branch's server.
      const groups: { provider: OutageProvider; rows: FailureRecord[] }[] = [
        { provider: 'microsoft365', rows: records.filter((r) => r.provider === 'microsoft365' && r.tenantId === tenantId) },
        { provider: 'imap', rows: records.filter((r) => r.provider === 'imap' && r.tenantId === tenantId && r.branchId === branchId) },
      ];
      let best: OutageAssessment | undefined;
      for (const g of groups) {
        const users = new Set(g.rows.map((r) => r.userId));
        if (users.size < minUsers) continue;
        const since = new Date(Math.min(...g.rows.map((r) => r.at.getTime()))).toISOString();
        const candidate: OutageAssessment = {
          suspected: true,
          provider: g.provider,
          affectedUsers: users.size,
          since,
          message: g.provider === 'imap' ? BRANCH_SERVER_MESSAGE : OUTAGE_MESSAGE,
        };
        if (!best || candidate.affectedUsers > best.affectedUsers) best = candidate;
      }
      return best;
    },
  };
}

function providerOf(source: string | null): OutageProvider {
  return source === 'imap' ? 'imap' : 'microsoft365';
}

/** Reads the provider-side failures of the last window from the adapter's `failures` table. */
export async function loadRecentFailures(db: Kysely<Database>, opts: { since: Date; tenantId?: string }): Promise<FailureRecord[]> {
  let q = db
    .selectFrom('failures')
    .select(['at', 'user_id', 'tenant_id', 'branch_id', 'code', 'provider_code', 'source'])
    .where('at', '>=', opts.since.toISOString())
    .where('code', 'in', ['server-unreachable', 'throttled', 'outage-suspected']);
  if (opts.tenantId) q = q.where('tenant_id', '=', opts.tenantId);
  const rows = await q.orderBy('at', 'asc').limit(5000).execute();
  return rows.map((r) => ({
    at: new Date(r.at),
    userId: r.user_id,
    tenantId: r.tenant_id,
    branchId: r.branch_id,
    code: r.code,
    providerCode: r.provider_code,
    provider: providerOf(r.source),
  }));
}

/** One call for buildStatus: read the window from the store, assess the caller's tenant and branch. */
export async function assessOutage(
  db: Kysely<Database>,
  who: { tenantId: string; branchId: string },
  opts: { now: Date; windowMs?: number; minUsers?: number },
): Promise<OutageAssessment | undefined> {
  const windowMs = opts.windowMs ?? 10 * 60_000;
  const detector = createOutageDetector({ windowMs, minUsers: opts.minUsers, clock: () => opts.now });
  detector.load(await loadRecentFailures(db, { since: new Date(opts.now.getTime() - windowMs), tenantId: who.tenantId }));
  return detector.assess(who.tenantId, who.branchId);
}
