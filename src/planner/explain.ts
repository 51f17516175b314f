/**
 * `explain(plan, workload, atMs)`: a slot's target and why, for `chuanliu explain`. Answers from the
 * plan alone (its per-slot causes and numbers), so a stored plan can be explained later.
 */
import { InputError } from '../domain/errors.ts';
import type { CapacityPlan, PlanStep, Shortfall, SlotCause, WorkloadPlanDetail } from '../domain/plan.ts';
import { formatDurationMs } from '../domain/units.ts';
import { ClockFormatter, formatCores, formatRps } from './format.ts';
import { percentile } from './online-need.ts';
import { describeLead } from './plan-steps.ts';
import { causeName } from './slot-causes.ts';

export interface SlotExplanation {
  readonly workload: string;
  readonly kind: 'online' | 'offline' | 'node-pool';
  readonly slotIndex: number;
  readonly slotStartMs: number;
  readonly targetReplicas: number;
  readonly cause?: SlotCause;
  /** Online: replicas the demand needs in this slot (before lead, stabilization, capacity). */
  readonly needReplicas?: number;
  /** Online: demand at the provisioning quantile, requests/s. */
  readonly demandRps?: number;
  readonly shortfall?: Shortfall;
  /** The step that set this level and any step serving this slot. */
  readonly steps: readonly PlanStep[];
  readonly message: string;
}

const SOURCE = 'explain';

export function explain(plan: CapacityPlan, workload: string, atMs: number): SlotExplanation {
  if (!Number.isFinite(atMs)) throw new InputError(`"${atMs}" is not a time`, { source: SOURCE, field: 'at' });
  const series = plan.replicas[workload] ?? plan.nodes[workload];
  if (series === undefined) {
    const names = [...Object.keys(plan.replicas), ...Object.keys(plan.nodes)].sort();
    const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
    throw new InputError(`"${workload}" is not in plan ${plan.id} (it has: ${shown})`, { source: SOURCE, field: 'workload' });
  }
  const slotIndex = Math.floor((atMs - plan.startMs) / plan.slotMs);
  const clock = new ClockFormatter(plan.explanation?.displayTimeZone ?? 'UTC', plan.startMs);
  if (slotIndex < 0 || slotIndex >= plan.slotCount) {
    const endMs = plan.startMs + plan.slotCount * plan.slotMs;
    throw new InputError(`${clock.format(atMs)} is outside plan ${plan.id} (${clock.format(plan.startMs)} to ${clock.format(endMs)})`, { source: SOURCE, field: 'at' });
  }
  const slotStartMs = plan.startMs + slotIndex * plan.slotMs;
  const targetReplicas = series[slotIndex] as number;
  const steps = relevantSteps(plan, workload, slotIndex);
  const time = clock.format(slotStartMs);

  if (plan.replicas[workload] === undefined) {
    const pool = plan.explanation?.pools[workload];
    const online = pool?.onlineCpuMillicores[slotIndex];
    const message = `pool ${workload} at ${time}: ${targetReplicas} nodes` +
      (pool === undefined ? '' : ` (bounds ${pool.minNodes}–${pool.maxNodes}; online holds ${formatCores(online ?? 0)} cores, offline ${formatCores(pool.offlineCpuMillicores[slotIndex] ?? 0)})`);
    return { workload, kind: 'node-pool', slotIndex, slotStartMs, targetReplicas, steps, message };
  }

  const detail = plan.explanation?.workloads[workload];
  if (detail === undefined) {
    return { workload, kind: 'online', slotIndex, slotStartMs, targetReplicas, steps, message: `${workload} at ${time}: ${targetReplicas} replicas (this plan carries no explanation data)` };
  }
  const cause = causeName(detail.causes[slotIndex] as number);
  const shortfall = plan.shortfalls.find((item) => item.workload === workload && item.slotIndex === slotIndex);
  const head = `${workload} at ${time}: ${targetReplicas} replicas`;
  if (detail.class === 'offline') {
    return {
      workload, kind: 'offline', slotIndex, slotStartMs, targetReplicas, cause, steps,
      message: `${head} — ${offlineReason(cause, detail, targetReplicas)}`,
    };
  }
  const need = detail.needReplicas?.[slotIndex];
  const demand = detail.demandRps?.[slotIndex];
  const reason = onlineReason(cause, detail, { plan, slotIndex, slotStartMs, workload, need: need ?? targetReplicas, demand, clock });
  const message = `${head} — ${reason}${shortfall !== undefined ? `; ${shortfall.message}` : ''}`;
  return {
    workload, kind: 'online', slotIndex, slotStartMs, targetReplicas, cause, steps, message,
    ...(need !== undefined ? { needReplicas: need } : {}),
    ...(demand !== undefined && demand === demand ? { demandRps: demand } : {}),
    ...(shortfall !== undefined ? { shortfall } : {}),
  };
}

function relevantSteps(plan: CapacityPlan, workload: string, slotIndex: number): PlanStep[] {
  const slotStart = plan.startMs + slotIndex * plan.slotMs;
  const slotEnd = slotStart + plan.slotMs;
  let setter: PlanStep | undefined;
  const serving: PlanStep[] = [];
  for (const step of plan.steps) {
    if (step.workload !== workload) continue;
    if (step.effectiveAtMs < slotEnd && (setter === undefined || step.effectiveAtMs >= setter.effectiveAtMs)) setter = step;
    if (step.readyByMs >= slotStart && step.readyByMs < slotEnd) serving.push(step);
  }
  const result = setter === undefined ? [] : [setter];
  for (const step of serving) if (step !== setter) result.push(step);
  return result;
}

interface OnlineContext {
  readonly plan: CapacityPlan;
  readonly slotIndex: number;
  readonly slotStartMs: number;
  readonly workload: string;
  readonly need: number;
  readonly demand: number | undefined;
  readonly clock: ClockFormatter;
}

function demandText(detail: WorkloadPlanDetail, demand: number | undefined): string {
  if (demand === undefined || !(demand === demand)) return 'no demand figure';
  const quantile = detail.quantile === undefined ? '' : `p${percentile(detail.quantile)} `;
  return `${quantile}${formatRps(demand)} rps`;
}

function onlineReason(cause: SlotCause, detail: WorkloadPlanDetail, context: OnlineContext): string {
  const { need, demand } = context;
  const perReplica = detail.rpsPerReplica === undefined ? '' : ` ÷ ${formatRps(detail.rpsPerReplica)} rps per replica`;
  const stabilization = context.plan.explanation?.scaleInStabilizationMs ?? 0;
  switch (cause) {
    case 'forecast':
      return `forecast ${demandText(detail, demand)}${perReplica} = ${need}`;
    case 'observed':
      return `the observed rate needs ${need}, more than the forecast; scale-in follows observed demand`;
    case 'no-forecast':
      return `no forecast covers this slot; ${demandText(detail, demand)} (carried from the last forecast or the observed rate) needs ${need}`;
    case 'min':
      return `clamped up to minReplicas ${detail.minReplicas} (${demandText(detail, demand)} needs fewer)`;
    case 'max':
      return `capped at maxReplicas ${detail.maxReplicas}: ${demandText(detail, demand)} would need more`;
    case 'lead': {
      const upcoming = nextIncrease(context);
      const lead = detail.lead === undefined ? 'lead time' : describeLead(detail.lead);
      return `raised ahead of a later need (${need} needed now)` +
        (upcoming === undefined ? '' : `: ${upcoming.toReplicas} must be Ready by ${context.clock.format(upcoming.readyByMs)}`) + `; ${lead}`;
    }
    case 'stabilization':
      return `held after the peak: the need is ${need}, and a scale-in waits until the need has stayed lower for the ${formatDurationMs(stabilization)} stabilization window`;
    case 'event-hold': {
      const event = eventAt(context);
      return `held inside ${event ?? 'a calendar event'}: no scale-in during an event (the need is ${need})`;
    }
    case 'coalesced':
      return `raised early so the next increases become one step (the need is ${need})`;
    case 'brownout':
      return `cut by brownout: pool ${detail.pool} is full, and ${context.workload} (priority ${detail.priority}) gives way before higher-priority work (order: ${context.plan.brownoutOrder.slice(0, 6).join(' → ')}${context.plan.brownoutOrder.length > 6 ? ' → …' : ''})`;
    default:
      return `${cause}`;
  }
}

function offlineReason(cause: SlotCause, detail: WorkloadPlanDetail, target: number): string {
  switch (cause) {
    case 'leftover':
      return `what online leaves in pool ${detail.pool}, shared by priority (this workload: ${detail.priority})`;
    case 'max':
      return `at its maxReplicas ${detail.maxReplicas}: online leaves enough room`;
    case 'no-room':
      return `online needs all of pool ${detail.pool}; offline waits`;
    case 'work-done':
      return target === 0 ? 'its work is finished' : 'its work finishes in this slot: no more replicas than the work left needs';
    case 'deadline':
      return `ahead of other offline work so its deadline is met (${target} replicas)`;
    case 'drain':
      return `lowered early: replicas drain ${formatDurationMs(detail.drainMs ?? 0)} before online takes the room`;
    default:
      return `${cause}`;
  }
}

function nextIncrease(context: OnlineContext): PlanStep | undefined {
  let next: PlanStep | undefined;
  for (const step of context.plan.steps) {
    if (step.workload !== context.workload || step.direction !== 'acquire' || step.readyByMs <= context.slotStartMs) continue;
    if (next === undefined || step.readyByMs < next.readyByMs) next = step;
  }
  return next;
}

function eventAt(context: OnlineContext): string | undefined {
  const occurrences = context.plan.explanation?.occurrences ?? [];
  for (const occurrence of occurrences) {
    const applies = occurrence.workloads.length === 0 || occurrence.workloads.includes(context.workload);
    if (applies && occurrence.startMs <= context.slotStartMs && context.slotStartMs < occurrence.endMs) {
      return `${occurrence.label} (${context.clock.format(occurrence.startMs)}–${context.clock.format(occurrence.endMs)})`;
    }
  }
  return undefined;
}
