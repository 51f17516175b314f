/**
 * Level-triggered targets: what every workload and node pool should have *now*, read from the plan's
 * per-slot replicas rather than replayed from step history, so a repeated or crashed-and-replayed
 * tick computes the same targets and writes nothing more.
 *
 * The planner's slot arrays already include lead time: slot t holds what must be *written* at t so
 * that capacity is Ready for the slots it serves (an online increase appears lead-time early, an
 * offline release drain-time early). So the target is simply the value at the slot containing
 * `now`; the due steps only name the provenance (plan step id, reason) of the write. Reading the
 * slot a step serves instead would apply the lead time twice.
 */
import { placeholderTargetName, poolOfPlaceholderTarget, type CapacityPlan, type PlanStep } from '../domain/plan.ts';

export interface LevelTarget {
  /** Workload or node-pool name (the plan's key). */
  readonly name: string;
  readonly replicas: number;
  /** Slot whose value is the target. */
  readonly slotIndex: number;
  /** The due step that set the level, when a step did (its id goes into the write's provenance). */
  readonly step?: PlanStep;
}

/** Index of the slot containing `timeMs` (may be outside [0, slotCount)). */
export function slotIndexAt(plan: Pick<CapacityPlan, 'startMs' | 'slotMs'>, timeMs: number): number {
  return Math.floor((timeMs - plan.startMs) / plan.slotMs);
}

interface StepIndex {
  /** All steps in due order: effective time, slot served, id. */
  readonly ordered: readonly PlanStep[];
}

// Plans are immutable values: sort their steps once, not on every tick.
const stepIndexes = new WeakMap<CapacityPlan, StepIndex>();

function stepIndex(plan: CapacityPlan): StepIndex {
  let index = stepIndexes.get(plan);
  if (index === undefined) {
    const ordered = [...plan.steps].sort((a, b) => a.effectiveAtMs - b.effectiveAtMs || a.readyByMs - b.readyByMs || compareText(a.id, b.id));
    index = { ordered };
    stepIndexes.set(plan, index);
  }
  return index;
}

/** Steps whose effective time has come, in a deterministic order (effective time, slot served, id). */
export function dueSteps(plan: CapacityPlan, nowMs: number): PlanStep[] {
  const { ordered } = stepIndex(plan);
  // Binary search for the first step not yet due.
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((ordered[middle] as PlanStep).effectiveAtMs <= nowMs) low = middle + 1;
    else high = middle;
  }
  return ordered.slice(0, low);
}

/**
 * Targets of every workload and pool the plan covers at `nowMs`.
 *
 * For each name: the target slot is the slot containing `now` (or, for a step whose write time lies
 * in the future of a plan made late, the step's write slot); the target is the plan's value at that slot (clamped to the horizon: a plan
 * past its end holds its last value). Before the plan starts, a name with no due step has no target:
 * the controller leaves it alone.
 */
export function levelTargets(plan: CapacityPlan, nowMs: number): Map<string, LevelTarget> {
  const stepsByName = new Map<string, PlanStep[]>();
  for (const step of dueSteps(plan, nowMs)) {
    const list = stepsByName.get(step.workload) ?? [];
    list.push(step);
    stepsByName.set(step.workload, list);
  }
  const placeholderNames = Object.keys(plan.placeholders ?? {}).map(placeholderTargetName);
  const names = new Set<string>([...Object.keys(plan.replicas), ...Object.keys(plan.nodes), ...placeholderNames, ...stepsByName.keys()]);
  const nowSlot = slotIndexAt(plan, nowMs);
  const targets = new Map<string, LevelTarget>();
  for (const name of [...names].sort(compareText)) {
    const placeholderPool = poolOfPlaceholderTarget(name);
    const series = placeholderPool !== undefined ? plan.placeholders?.[placeholderPool] : plan.replicas[name] ?? plan.nodes[name];
    const steps = stepsByName.get(name) ?? [];
    // The step serving the furthest slot sets the level (ties: the later step in due order).
    let leading: PlanStep | undefined;
    for (const step of steps) {
      if (leading === undefined || step.readyByMs >= leading.readyByMs) leading = step;
    }
    if (leading === undefined && nowSlot < 0) continue;
    const wantedSlot = leading === undefined ? nowSlot : Math.max(nowSlot, slotIndexAt(plan, leading.effectiveAtMs));
    if (series === undefined || series.length === 0) {
      // A step for a name without a slot array: its absolute `toReplicas` is the level.
      if (leading !== undefined) targets.set(name, { name, replicas: leading.toReplicas, slotIndex: wantedSlot, step: leading });
      continue;
    }
    const slotIndex = Math.min(series.length - 1, Math.max(0, wantedSlot));
    const replicas = series[slotIndex] as number;
    targets.set(name, leading === undefined ? { name, replicas, slotIndex } : { name, replicas, slotIndex, step: leading });
  }
  return targets;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
