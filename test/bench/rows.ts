/** One row of the bench table; each bench file appends its rows to BENCH_ROWS_FILE (JSON lines) for run.mjs. */
import { appendFileSync } from 'node:fs';

export interface BenchRow {
  name: string;
  /** The measured figure, with its unit. */
  figure: string;
  /** The baseline measured in the same run, with its unit (or why there is none). */
  baseline: string;
  /** figure ÷ baseline (or baseline ÷ figure where bigger is better), as text like "×0.12". */
  ratio: string;
  goal: string;
  /** null: not measured, or no goal. */
  met: boolean | null;
  note?: string;
}

export function addRow(row: BenchRow): void {
  const file = process.env.BENCH_ROWS_FILE;
  console.log(
    `${row.name}: ${row.figure} | baseline ${row.baseline} | ${row.ratio} | goal ${row.goal} | ${row.met === null ? 'n/a' : row.met ? 'met' : 'NOT met'}${row.note ? ` | ${row.note}` : ''}`,
  );
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

export const ratio = (a: number, b: number) => {
  if (!(b > 0)) return 'n/a';
  const r = a / b;
  return `×${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}`;
};

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A row that could not be measured, said plainly. */
export function notMeasured(name: string, goal: string, why: string): void {
  addRow({ name, figure: `not measured (${why})`, baseline: '—', ratio: '—', goal, met: null });
}
