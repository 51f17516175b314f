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
  // Every changed workload carries chuanliu's provenance once the shift is over (an annotation
  // patch the API failed is retried by the adapter in the background).
  expect(report.unannotated, `${context}\nchanged workloads without provenance annotations`).toBe(0);
  return report;
}
