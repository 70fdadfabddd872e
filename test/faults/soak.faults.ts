/**
 * Driver of `npm run test:faults` (run through jest by test/faults/run.mjs): runs the soak with the
 * settings run.mjs passes in the environment and writes the summary where run.mjs reads it. run.mjs
 * prints it and sets the exit code.
 */
import { writeFileSync } from 'node:fs';
import { dovecotAvailable } from '../support/dovecot';
import { formatSummary, runSoak } from './soak';

const runs = Number(process.env.FAULT_RUNS ?? 200);
const seed = Number(process.env.FAULT_SEED ?? 1);
const broken = process.env.FAULT_BROKEN === '1';
const out = process.env.FAULT_SUMMARY_FILE;
const imap = dovecotAvailable();
const graphVariants = (process.env.FAULT_GRAPH_VARIANTS ?? 'mixed') as 'strict' | 'default' | 'mixed';

it(`fault soak: ${runs} runs, seed ${seed}${broken ? ', broken engine' : ''}`, async () => {
  if (!imap) process.stderr.write('Dovecot is not installed here: the IMAP path is skipped.\n');
  const summary = await runSoak({
    runs,
    seed,
    broken,
    graphVariants,
    paths: imap ? ['graph', 'imap'] : ['graph'],
    onRun: (r) => {
      if (!r.ok || (r.run + 1) % 25 === 0) process.stderr.write(`run ${r.run + 1}/${runs}: ${r.ok ? 'ok' : `FAILED ${r.problems.join('; ')}`}\n`);
    },
  });
  if (out) writeFileSync(out, JSON.stringify({ ...summary, imapSkipped: !imap, text: formatSummary(summary) }, null, 2));
  expect(summary.runs).toBe(runs);
  expect(summary.mailsChecked).toBeGreaterThan(0);
  const faultsInjected = Object.values(summary.faults).reduce((a, b) => a + b, 0);
  expect(faultsInjected).toBeGreaterThan(0);
  if (broken) {
    // The deliberately broken engine must be caught: a soak that passes it proves nothing.
    expect(summary.failed).toBeGreaterThan(0);
  } else {
    expect({
      lost: summary.lost,
      duplicated: summary.duplicated,
      misfiled: summary.misfiled,
      leftInQueue: summary.leftInQueue,
      failed: summary.failed,
    }).toEqual({
      lost: 0,
      duplicated: 0,
      misfiled: 0,
      leftInQueue: 0,
      failed: 0,
    });
  }
});
