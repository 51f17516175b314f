/**
 * What an event does to a plan, in the words an operations room needs at 19:40: which workloads go
 * from→to, which offline work gives way, when chuanliu writes and by when capacity is Ready, and
 * whether the lead time still fits before the start ("starts in 25 min; payment needs 7 min; fits")
 * or not ("shortfall 40 replicas; brownout …"). Pure: plans and times in, data and sentences out.
 */
import type { CapacityPlan, PlanStep } from '../domain/plan.ts';
import { formatDurationMs } from '../domain/units.ts';

export interface EventWindow {
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Online workloads it touches. */
  readonly workloads: readonly string[];
}

export interface ReplicaChange {
  readonly workload: string;
  /** Largest target over the event window without / with the event. */
  readonly fromReplicas: number;
  readonly toReplicas: number;
}

export interface EventImpact {
  readonly online: readonly ReplicaChange[];
  /** Offline workloads whose targets over the window go down (they give way). */
  readonly offlineGivingWay: readonly ReplicaChange[];
  /** First write for the event's workloads, and the time its capacity is due Ready. */
  readonly firstWriteAtMs?: number;
  readonly readyByMs?: number;
  /** Longest lead (apply + startup p95 [+ nodes]) of the event's workloads, and whose it is. */
  readonly leadMs: number;
  readonly leadWorkload?: string;
  readonly startsInMs: number;
  /** Replicas the plan cannot give in the event window (largest per workload, summed). */
  readonly shortfallReplicas: number;
  readonly brownoutOrder: readonly string[];
  /** Steps that could not be written early enough, and by how much the latest is late. */
  readonly lateByMs: number;
  readonly fits: boolean;
  /** "starts in 25m; payment needs 7m; fits" or "shortfall 40 replicas; brownout: etl, reports". */
  readonly verdict: string;
}

/** Slots of `plan` overlapping [startMs, endMs). */
function slotRange(plan: CapacityPlan, startMs: number, endMs: number): { first: number; end: number } {
  const first = Math.max(0, Math.floor((startMs - plan.startMs) / plan.slotMs));
  const end = Math.min(plan.slotCount, Math.ceil((endMs - plan.startMs) / plan.slotMs));
  return { first, end };
}

function peakOver(plan: CapacityPlan | undefined, workload: string, startMs: number, endMs: number): number {
  const series = plan?.replicas[workload];
  if (plan === undefined || series === undefined) return 0;
  const { first, end } = slotRange(plan, startMs, endMs);
  let peak = 0;
  for (let slot = first; slot < end; slot++) peak = Math.max(peak, series[slot] ?? 0);
  return peak;
}

function lowOver(plan: CapacityPlan | undefined, workload: string, startMs: number, endMs: number): number {
  const series = plan?.replicas[workload];
  if (plan === undefined || series === undefined) return 0;
  const { first, end } = slotRange(plan, startMs, endMs);
  let low = Infinity;
  for (let slot = first; slot < end; slot++) low = Math.min(low, series[slot] ?? 0);
  return Number.isFinite(low) ? low : 0;
}

/**
 * The event's effect: `after` is the plan with it, `before` the plan without it (undefined when
 * only `after` is known — the controller's status — then from→to compares with the replicas the
 * plan starts from).
 */
export function eventImpact(options: {
  readonly event: EventWindow;
  readonly after: CapacityPlan;
  readonly before?: CapacityPlan;
  readonly nowMs: number;
  readonly offlineWorkloads: readonly string[];
}): EventImpact {
  const { event, after, before, nowMs } = options;
  const online = event.workloads.map((workload) => ({
    workload,
    fromReplicas: before !== undefined ? peakOver(before, workload, event.startMs, event.endMs) : (after.replicas[workload]?.[0] ?? 0),
    toReplicas: peakOver(after, workload, event.startMs, event.endMs),
  }));
  const offlineGivingWay = before === undefined ? [] : options.offlineWorkloads
    .map((workload) => ({ workload, fromReplicas: lowOver(before, workload, event.startMs, event.endMs), toReplicas: lowOver(after, workload, event.startMs, event.endMs) }))
    .filter((change) => change.toReplicas < change.fromReplicas);

  const acquires: PlanStep[] = after.steps.filter((step) => step.direction === 'acquire' && (step.subject ?? 'workload') === 'workload'
    && event.workloads.includes(step.workload) && step.readyByMs <= event.endMs && step.readyByMs >= nowMs - after.slotMs);
  const first = acquires.reduce<PlanStep | undefined>((earliest, step) => (earliest === undefined || step.effectiveAtMs < earliest.effectiveAtMs ? step : earliest), undefined);
  // Late for the event, not for the slot: a slot wider than the lead may start before now while
  // the event itself is still minutes away. Late = written (now at the earliest) + lead after the
  // later of the step's ready-by and the event's start.
  const lateByMs = Math.max(0, ...acquires.map((step) => Math.max(step.effectiveAtMs, nowMs) + (step.leadMs ?? 0) - Math.max(step.readyByMs, event.startMs)));

  let leadMs = 0;
  let leadWorkload: string | undefined;
  for (const workload of event.workloads) {
    const lead = after.explanation?.workloads[workload]?.lead?.totalMs ?? Math.max(0, ...acquires.filter((step) => step.workload === workload).map((step) => step.leadMs ?? 0));
    if (lead > leadMs) {
      leadMs = lead;
      leadWorkload = workload;
    }
  }

  const { first: firstSlot, end: endSlot } = slotRange(after, event.startMs, event.endMs);
  const missing = new Map<string, number>();
  for (const shortfall of after.shortfalls) {
    if (shortfall.slotIndex < firstSlot || shortfall.slotIndex >= endSlot) continue;
    missing.set(shortfall.workload, Math.max(missing.get(shortfall.workload) ?? 0, shortfall.missingReplicas));
  }
  const shortfallReplicas = [...missing.values()].reduce((sum, value) => sum + value, 0);
  const startsInMs = event.startMs - nowMs;
  const fits = shortfallReplicas === 0 && lateByMs === 0 && startsInMs >= leadMs;

  const parts: string[] = [startsInMs >= 0 ? `starts in ${formatDurationMs(roundToSecond(startsInMs))}` : `started ${formatDurationMs(roundToSecond(-startsInMs))} ago`];
  if (leadWorkload !== undefined) parts.push(`${leadWorkload} needs ${formatDurationMs(roundToSecond(leadMs))}`);
  if (shortfallReplicas > 0) {
    parts.push(`shortfall ${shortfallReplicas} replicas${after.brownoutOrder.length > 0 ? `; brownout: ${after.brownoutOrder.join(', ')}` : ''}`);
  } else if (!fits) {
    parts.push(lateByMs > 0 ? `late by ${formatDurationMs(roundToSecond(lateByMs))}` : 'too late for the full lead');
  } else {
    parts.push('fits');
  }
  return {
    online,
    offlineGivingWay,
    ...(first !== undefined ? { firstWriteAtMs: Math.max(first.effectiveAtMs, nowMs), readyByMs: first.readyByMs } : {}),
    leadMs,
    ...(leadWorkload !== undefined ? { leadWorkload } : {}),
    startsInMs,
    shortfallReplicas,
    brownoutOrder: shortfallReplicas > 0 ? after.brownoutOrder : [],
    lateByMs,
    fits,
    verdict: parts.join('; '),
  };
}

function roundToSecond(ms: number): number {
  return Math.round(ms / 1_000) * 1_000;
}
