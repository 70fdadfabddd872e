import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createOutageDetector, assessOutage, isProviderSide, loadRecentFailures, type FailureRecord } from '../../src/server/outage';
import { migrate } from '../../src/server/store/db';
import { openTestStore } from '../support/store';
import type { Database } from '../../src/server/store/schema';
import { diagnose } from '../../src/core/diagnosis';
import { statusOf } from '../support/troubleshoot-fixtures';

const T0 = new Date('2026-11-23T10:00:00Z').getTime();
const min = (n: number) => n * 60_000;

function fakeClock(start = T0) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms), at: (ms: number) => new Date(start + ms) };
}

const fail = (over: Partial<FailureRecord>): FailureRecord => ({
  at: new Date(T0),
  userId: 'u1',
  tenantId: 't1',
  branchId: 'b1',
  code: 'server-unreachable',
  provider: 'microsoft365',
  ...over,
});

/** A detector fed the way the adapter feeds it: the whole list of recent failures, reloaded. */
function detector(opts: Parameters<typeof createOutageDetector>[0]) {
  const d = createOutageDetector(opts);
  const seen: FailureRecord[] = [];
  return {
    record(f: FailureRecord) {
      seen.push(f);
      d.load(seen);
    },
    assess: (tenantId: string, branchId: string) => d.assess(tenantId, branchId),
  };
}

describe('outage detector', () => {
  it('suspects an outage when 3 distinct users of a tenant fail within the window', () => {
    const c = fakeClock();
    const d = detector({ clock: c.clock });
    d.record(fail({ userId: 'u1', at: c.at(0) }));
    d.record(fail({ userId: 'u1', at: c.at(min(1)) })); // same user twice counts once
    d.record(fail({ userId: 'u2', at: c.at(min(2)), code: 'throttled', providerCode: '503' }));
    c.advance(min(3));
    expect(d.assess('t1', 'b1')).toBeUndefined();
    d.record(fail({ userId: 'u3', at: c.at(min(3)), code: 'outage-suspected' }));
    expect(d.assess('t1', 'b1')).toEqual({
      suspected: true,
      provider: 'microsoft365',
      affectedUsers: 3,
      since: '2026-11-23T10:00:00.000Z',
      message: 'Possible Microsoft 365 / Google service issue',
    });
    // Another branch in the same tenant sees it too: Office 365 is per tenant.
    expect(d.assess('t1', 'b2')?.affectedUsers).toBe(3);
    // Another tenant does not.
    expect(d.assess('t2', 'b1')).toBeUndefined();
  });

  it('ignores user-side causes and throttling that is not provider-side', () => {
    const c = fakeClock();
    const d = detector({ clock: c.clock });
    d.record(fail({ userId: 'u1', code: 'password-changed', providerCode: 'AADSTS50173' }));
    d.record(fail({ userId: 'u2', code: 'consent-missing' }));
    d.record(fail({ userId: 'u3', code: 'no-matching-group' }));
    d.record(fail({ userId: 'u4', code: 'throttled', providerCode: 'ApplicationThrottled' }));
    d.record(fail({ userId: 'u5', code: 'server-unreachable' }));
    d.record(fail({ userId: 'u6', code: 'server-unreachable' }));
    // Six users failed, only two provider-side: not yet three.
    expect(d.assess('t1', 'b1')).toBeUndefined();
    d.record(fail({ userId: 'u7', code: 'throttled', providerCode: '503' }));
    expect(d.assess('t1', 'b1')?.affectedUsers).toBe(3);
    expect(isProviderSide('throttled', '504')).toBe(true);
    expect(isProviderSide('throttled', '429')).toBe(false);
  });

  it('counts users from other tenants separately', () => {
    const c = fakeClock();
    const d = detector({ clock: c.clock });
    d.record(fail({ userId: 'u1' }));
    d.record(fail({ userId: 'u2' }));
    d.record(fail({ userId: 'x1', tenantId: 't2' }));
    d.record(fail({ userId: 'x2', tenantId: 't2' }));
    expect(d.assess('t1', 'b1')).toBeUndefined();
    expect(d.assess('t2', 'b1')).toBeUndefined();
  });

  it('slides old failures out of the window', () => {
    const c = fakeClock();
    const d = detector({ clock: c.clock, windowMs: min(10) });
    d.record(fail({ userId: 'u1', at: c.at(0) }));
    d.record(fail({ userId: 'u2', at: c.at(min(4)) }));
    d.record(fail({ userId: 'u3', at: c.at(min(8)) }));
    c.advance(min(9));
    expect(d.assess('t1', 'b1')?.affectedUsers).toBe(3);
    c.advance(min(2)); // now 11 minutes after u1's failure
    expect(d.assess('t1', 'b1')).toBeUndefined();
    d.record(fail({ userId: 'u4', at: c.at(min(11)) }));
    expect(d.assess('t1', 'b1')).toMatchObject({ affectedUsers: 3, since: c.at(min(4)).toISOString() });
  });

  it('groups IMAP failures by branch server', () => {
    const c = fakeClock();
    const d = detector({ clock: c.clock });
    for (const u of ['u1', 'u2', 'u3']) d.record(fail({ userId: u, provider: 'imap', branchId: 'b1' }));
    d.record(fail({ userId: 'u9', provider: 'imap', branchId: 'b2' }));
    expect(d.assess('t1', 'b1')).toMatchObject({ provider: 'imap', affectedUsers: 3, message: 'Possible issue with your branch’s mail server' });
    expect(d.assess('t1', 'b2')).toBeUndefined();
  });
});

describe('outage from the failures table, through to the diagnosis', () => {
  let dir: string;
  let db: Kysely<Database>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-outage-'));
    db = await openTestStore(path.join(dir, 'store.db'));
    await migrate(db);
  });
  afterAll(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('3 users of the tenant failing provider-side → status outage → "wait and retry later"', async () => {
    const row = (id: string, user: string, at: number, code: string, provider_code: string | null, tenant = 't1', source: 'graph' | 'imap' = 'graph') =>
      ({
        id,
        at: new Date(T0 + at).toISOString(),
        user_id: user,
        tenant_id: tenant,
        branch_id: 'b1',
        code,
        provider_code,
        message: 'x',
        source,
      }) as Database['failures'];
    await db
      .insertInto('failures')
      .values([
        row('f1', 'u1', min(1), 'server-unreachable', null),
        row('f2', 'u2', min(2), 'throttled', '503'),
        row('f3', 'u4', min(3), 'password-changed', 'AADSTS50173'),
        row('f4', 'x1', min(3), 'server-unreachable', null, 't2'),
        row('f5', 'u0', -min(30), 'server-unreachable', null),
      ])
      .execute();
    const now = new Date(T0 + min(5));
    const rows = await loadRecentFailures(db, { since: new Date(now.getTime() - min(10)), tenantId: 't1' });
    expect(rows.map((r) => r.userId).sort()).toEqual(['u1', 'u2']);
    expect(await assessOutage(db, { tenantId: 't1', branchId: 'b1' }, { now })).toBeUndefined();

    await db
      .insertInto('failures')
      .values(row('f6', 'u3', min(4), 'outage-suspected', null))
      .execute();
    const outage = await assessOutage(db, { tenantId: 't1', branchId: 'b1' }, { now });
    expect(outage).toMatchObject({ suspected: true, provider: 'microsoft365', affectedUsers: 3 });

    const d = diagnose({
      status: statusOf({ account: { state: 'disconnected', cause: 'server-unreachable' }, outage }),
      token: { obtained: true },
      ping: { target: 'graph', ok: false },
    });
    expect(d.cause).toBe('outage-suspected');
    expect(d.title).toBe('Possible Microsoft 365 / Google service issue');
    expect(d.nextStep.label).toBe('Wait and retry later');
  });

  it('counts every non-IMAP failure as Office 365, whatever code the service answered with', async () => {
    // Only the Graph path reports non-IMAP failures: a Google-style code on one is still Office 365's.
    const at = (m: number) => new Date(T0 + m).toISOString();
    const row = (id: string, user: string, provider_code: string) =>
      ({
        id,
        at: at(min(1)),
        user_id: user,
        tenant_id: 't3',
        branch_id: 'b1',
        code: 'throttled',
        provider_code,
        message: 'x',
        source: 'graph',
      }) as Database['failures'];
    await db
      .insertInto('failures')
      .values([row('g1', 'v1', 'backendError'), row('g2', 'v2', 'UNAVAILABLE'), row('g3', 'v3', '503')])
      .execute();
    const rows = await loadRecentFailures(db, { since: new Date(T0), tenantId: 't3' });
    expect(rows.map((r) => r.provider)).toEqual(['microsoft365', 'microsoft365', 'microsoft365']);
    expect(await assessOutage(db, { tenantId: 't3', branchId: 'b1' }, { now: new Date(T0 + min(5)) })).toMatchObject({
      provider: 'microsoft365',
      affectedUsers: 3,
    });
  });
});

describe('outage window shared by every instance on the store', () => {
  it('a failure recorded through one instance counts on another at its next status, with no copy of its own to go stale', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-outage-shared-'));
    const file = path.join(dir, 'store.db');
    const one = await openTestStore(file);
    await migrate(one);
    const two = await openTestStore(file);
    try {
      const now = new Date(T0 + min(5));
      const failure = (id: string, user: string) =>
        ({
          id,
          at: new Date(T0 + min(1)).toISOString(),
          user_id: user,
          tenant_id: 't1',
          branch_id: 'b1',
          code: 'server-unreachable',
          provider_code: null,
          message: 'x',
          source: 'graph',
        }) as Database['failures'];
      await one
        .insertInto('failures')
        .values([failure('s1', 'u1'), failure('s2', 'u2')])
        .execute();
      expect(await assessOutage(two, { tenantId: 't1', branchId: 'b1' }, { now })).toBeUndefined();
      await one.insertInto('failures').values(failure('s3', 'u3')).execute();
      expect(await assessOutage(two, { tenantId: 't1', branchId: 'b1' }, { now })).toMatchObject({ suspected: true, affectedUsers: 3 });
    } finally {
      await two.destroy();
      await one.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
