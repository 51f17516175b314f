/**
 * Runs a grand shift under faults and asserts every invariant, with the seed and the rerun command
 * in every failure message.
 */
import { expect } from 'vitest';
import { runShift, type ShiftRunOptions, type ShiftRunReport } from './run-shift.ts';
import { recordRun, rerunHint } from './seeds.ts';

export interface FaultClass {
  /** Row name, as in RELIABILITY.md. */
  readonly kind: string;
  readonly options: Omit<ShiftRunOptions, 'seed'>;
  /** Fault kinds (`conflict`, `throttle`, `error`, `drop`, `lost-answer`) that must have been injected. */
  readonly expectInjected: readonly string[];
  /**
   * Every changed workload must carry chuanliu's provenance annotations. Not where the API is
   * down for longer than the adapter's retries right after a scale write: the annotations are
   * best effort (the replicas are what counts), and a later tick finds the level in place.
   */
  readonly expectAnnotated: boolean;
}

export async function expectShiftSurvives(fault: FaultClass, seed: number, testFile: string): Promise<ShiftRunReport> {
  const report = await runShift({ ...fault.options, seed });
  recordRun(fault.kind, report);
  const summary = JSON.stringify({ ...report, violations: report.violations.slice(0, 20) }, null, 1);
  const context = `${fault.kind}, seed ${seed} (${rerunHint(testFile, seed)})\n${summary}`;
  expect(report.violations, context).toEqual([]);
  expect(report.completed, context).toBe(true);
  const injected: Record<string, number> = { ...report.injected, 'lost-answer': report.lostAnswers };
  for (const kind of fault.expectInjected) expect(injected[kind] ?? 0, `${context}\nno ${kind} was injected`).toBeGreaterThan(0);
  if (fault.expectAnnotated) expect(report.unannotated, `${context}\nchanged workloads without provenance annotations`).toBe(0);
  return report;
}
