/**
 * A small summary of a plan for CLIs and logs: what changes, how often, where it is short.
 */
import type { CapacityPlan, PlanStep, ReasonCode } from '../domain/plan.ts';

export interface PlanSummary {
  readonly planId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly slotMs: number;
  readonly slotCount: number;
  readonly onlineWorkloads: number;
  readonly offlineWorkloads: number;
  readonly stepCount: number;
  readonly stepsByReason: Readonly<Partial<Record<ReasonCode, number>>>;
  /** Steps written later than their lead time asks (the need came too close to now). */
  readonly lateSteps: number;
  /** Slots in which at least one online workload is short of its need. */
  readonly shortfallSlots: number;
  /** Sum over shortfalls of missing replicas × slots. */
  readonly missingReplicaSlots: number;
  readonly shortWorkloads: readonly string[];
  /** Per pool: fewest and most nodes over the horizon. */
  readonly nodes: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
  /** Pre-provisioned pools: most placeholder pods at once over the horizon. */
  readonly placeholders?: Readonly<Record<string, number>>;
  /** Per workload: fewest and most replicas over the horizon. */
  readonly replicas: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
  readonly deadlinesMissed: readonly string[];
  readonly nextStep?: PlanStep;
}

function range(series: Int32Array): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of series) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return series.length === 0 ? { min: 0, max: 0 } : { min, max };
}

export function summarizePlan(plan: CapacityPlan): PlanSummary {
  const stepsByReason: Partial<Record<ReasonCode, number>> = {};
  let lateSteps = 0;
  for (const step of plan.steps) {
    stepsByReason[step.reason] = (stepsByReason[step.reason] ?? 0) + 1;
    if ((step.lateByMs ?? 0) > 0) lateSteps++;
  }
  const details = plan.explanation?.workloads ?? {};
  const names = Object.keys(plan.replicas).sort();
  const onlineWorkloads = names.filter((name) => details[name]?.class !== 'offline').length;
  const replicas: Record<string, { min: number; max: number }> = {};
  for (const name of names) replicas[name] = range(plan.replicas[name] as Int32Array);
  const nodes: Record<string, { min: number; max: number }> = {};
  for (const name of Object.keys(plan.nodes).sort()) nodes[name] = range(plan.nodes[name] as Int32Array);
  const nextStep = plan.steps[0];
  return {
    planId: plan.id,
    startMs: plan.startMs,
    endMs: plan.startMs + plan.slotCount * plan.slotMs,
    slotMs: plan.slotMs,
    slotCount: plan.slotCount,
    onlineWorkloads,
    offlineWorkloads: names.length - onlineWorkloads,
    stepCount: plan.steps.length,
    stepsByReason,
    lateSteps,
    shortfallSlots: new Set(plan.shortfalls.map((item) => item.slotIndex)).size,
    missingReplicaSlots: plan.shortfalls.reduce((sum, item) => sum + item.missingReplicas, 0),
    shortWorkloads: [...new Set(plan.shortfalls.map((item) => item.workload))].sort(),
    nodes,
    ...(plan.placeholders !== undefined ? { placeholders: Object.fromEntries(Object.entries(plan.placeholders).map(([name, series]) => [name, range(series).max])) } : {}),
    replicas,
    deadlinesMissed: (plan.offlineOutlook ?? []).filter((line) => line.deadlineMet === false).map((line) => line.workload),
    ...(nextStep !== undefined ? { nextStep } : {}),
  };
}
