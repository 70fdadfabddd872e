/**
 * A short fault soak for CI (the long one is `npm run test:faults`): Graph and IMAP syncs with faults at
 * random points end with every mail in exactly one final folder and one timeline event per (message,
 * group); and the same soak over a deliberately broken engine reports losses.
 */
import { dovecotAvailable } from '../support/dovecot';
import { formatSummary, runSoak, startRig, type SoakRig } from './soak';

const RUNS = Number(process.env.FAULT_CI_RUNS ?? 30);
const imap = dovecotAvailable();

describe('fault soak (short)', () => {
  let rig: SoakRig;
  beforeAll(async () => {
    rig = await startRig({ imap });
  }, 60_000);
  afterAll(() => rig?.close());

  it(`${RUNS} seeded runs on ${imap ? 'both paths' : 'the Graph path (no Dovecot here)'}: nothing lost, nothing duplicated`, async () => {
    const summary = await runSoak({ runs: RUNS, seed: 20261123, paths: imap ? ['graph', 'imap'] : ['graph'], mails: [10, 30] }, rig);
    console.log(formatSummary(summary));
    expect(summary.runs).toBe(RUNS);
    expect(Object.values(summary.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // The COPY fallback's own faults are among them whenever the IMAP path runs.
    if (imap)
      for (const f of ['imap-cut-copy-store', 'imap-cut-store-expunge', 'imap-queue-refuses-delete'] as const) expect(summary.faults[f]).toBeGreaterThan(0);
    expect(summary).toMatchObject({ lost: 0, duplicated: 0, misfiled: 0, leftInQueue: 0, failed: 0, passed: RUNS });
  }, 120_000);

  it('detects a broken engine that moves mails out of Queue before recording them', async () => {
    const summary = await runSoak({ runs: 8, seed: 7, paths: imap ? ['graph', 'imap'] : ['graph'], mails: [10, 20], broken: true }, rig);
    expect(summary.failed).toBeGreaterThan(0);
    expect(summary.lost + summary.duplicated).toBeGreaterThan(0);
  }, 120_000);
});
