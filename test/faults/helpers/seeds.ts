/**
 * Seeds and run counts of the fault and fuzz suites, from the environment so a failure can be
 * rerun exactly and a longer campaign run without editing code:
 *
 *   CHUANLIU_FAULT_SEED=<n>    first seed (default 1); run k uses seed n + k
 *   CHUANLIU_FAULT_RUNS=<n>    runs per fault class (default: the suite's CI count)
 *   CHUANLIU_FAULT_REPORT=<f>  append every run's report to this file as JSON lines
 *   CHUANLIU_FUZZ_SEED=<n>     fast-check seed of the fuzz suite (default 20251111)
 *   CHUANLIU_FUZZ_RUNS=<n>     fast-check runs per property (default: the property's CI count)
 */
import { appendFileSync } from 'node:fs';

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got "${text}"`);
  return value;
}

/** Seeds for the runs of one fault class: CHUANLIU_FAULT_SEED, +1, +2… (CHUANLIU_FAULT_RUNS of them). */
export function faultSeeds(defaultRuns: number): number[] {
  const first = positiveInteger('CHUANLIU_FAULT_SEED', 1);
  const runs = positiveInteger('CHUANLIU_FAULT_RUNS', defaultRuns);
  return Array.from({ length: runs }, (_, index) => first + index);
}

/** The command that reruns one failing seed of a fault test. */
export function rerunHint(testFile: string, seed: number): string {
  return `rerun: CHUANLIU_FAULT_SEED=${seed} CHUANLIU_FAULT_RUNS=1 npx vitest run ${testFile}`;
}

/** Appends a run's report to CHUANLIU_FAULT_REPORT (JSON lines), for RELIABILITY.md's figures. */
export function recordRun(kind: string, report: object): void {
  const path = process.env['CHUANLIU_FAULT_REPORT'];
  if (path !== undefined && path !== '') appendFileSync(path, `${JSON.stringify({ kind, ...report })}\n`);
}

/** fast-check parameters of a fuzz property: the suite's seed and run count, overridable. */
export function fuzzParameters(defaultRuns: number): { seed: number; numRuns: number } {
  return { seed: positiveInteger('CHUANLIU_FUZZ_SEED', 20251111), numRuns: positiveInteger('CHUANLIU_FUZZ_RUNS', defaultRuns) };
}
