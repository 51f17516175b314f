/**
 * Steps: the changes between consecutive slot targets, each with its write time, the slot it
 * serves, a deterministic id, a reason code and a message a person can check.
 *
 * Timing rules:
 * - online increase at slot t serving slot s*: written at start(s*) − lead when that falls inside
 *   slot t (the slot arrays already hold the new level from start(t)); earlier slot (coalesced) →
 *   start(t); too late → max(now, start(t)) with `lateByMs` and "late" in the message;
 * - offline release at slot t: start(t) ≤ start(served) − drain, so the replicas have drained
 *   before the online increase they make room for is written;
 * - decreases and offline restores: at the slot start (releases first, the controller orders them);
 * - nodes: at the slot start; an added node is Ready provisioningMs later.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import type { Forecast } from '../domain/forecast.ts';
import type { PlanStep, ReasonCode, Shortfall } from '../domain/plan.ts';
import { formatDurationMs } from '../domain/units.ts';
import type { OfflineWorkload, OnlineWorkload } from '../domain/workload.ts';
import { formatCores, formatRps, type ClockFormatter } from './format.ts';
import { percentile } from './online-need.ts';
import type { PlanningModel, PoolModel } from './planning-model.ts';
import { trailingExtreme, type WindowScratch } from './sliding-window.ts';
import { CAUSE } from './slot-causes.ts';
import { stepId } from './step-id.ts';

export interface LeadParts {
  readonly totalMs: number;
  readonly applyMs: number;
  readonly startupP95Ms: number;
  readonly nodeProvisioningMs: number;
}

export interface OnlineStepInput {
  readonly model: PlanningModel;
  readonly clock: ClockFormatter;
  readonly workload: OnlineWorkload;
  /** Home pool (the first the workload may use): offline releases there are named after its increases. */
  readonly pool: PoolModel;
  /** Every pool the workload may use, in fill order. */
  readonly pools: readonly PoolModel[];
  readonly allocated: Int32Array;
  readonly ready: Int32Array;
  readonly hold: Int32Array;
  readonly need: Int32Array;
  readonly demandRps: Float32Array;
  readonly causes: Uint8Array;
  readonly lead: LeadParts;
  readonly leadSlots: number;
  readonly quantile?: number;
  readonly forecast?: Forecast;
  readonly occurrences: readonly EventOccurrence[];
  readonly observedDesired?: number;
  readonly observedRps?: number;
  readonly stabilizationMs: number;
}

/** The largest online increase written in each slot of a pool, so offline releases can name it. */
export class PoolIncreases {
  private readonly cpuAdded: Float64Array;
  private readonly steps: (PlanStep | undefined)[];

  constructor(slots: number) {
    this.cpuAdded = new Float64Array(slots);
    this.steps = new Array<PlanStep | undefined>(slots);
  }

  record(slot: number, step: PlanStep, cpuAdded: number): void {
    if (cpuAdded > (this.cpuAdded[slot] as number)) {
      this.cpuAdded[slot] = cpuAdded;
      this.steps[slot] = step;
    }
  }

  at(slot: number): PlanStep | undefined {
    return this.steps[slot];
  }
}

function slotStart(model: PlanningModel, slot: number): number {
  return model.startMs + slot * model.slotMs;
}

export function describeLead(lead: LeadParts): string {
  const parts = [`startup p95 ${formatDurationMs(lead.startupP95Ms)}`, `apply ${formatDurationMs(lead.applyMs)}`];
  if (lead.nodeProvisioningMs > 0) parts.push(`node provisioning ${formatDurationMs(lead.nodeProvisioningMs)}`);
  return `lead ${formatDurationMs(lead.totalMs)} = ${parts.join(' + ')}`;
}

/**
 * The forecast's median at the bucket containing `timeMs` and its largest parts, e.g.
 * `median 16k = promotion:tmall-2000 14k + baseline 2k` (components are additive parts of the median).
 */
export function topContributors(forecast: Forecast | undefined, timeMs: number, limit = 3): string | undefined {
  if (forecast === undefined || forecast.components.length === 0) return undefined;
  const bucket = Math.floor((timeMs - forecast.startMs) / forecast.stepMs);
  const parts: { name: string; value: number }[] = [];
  let total = 0;
  for (const component of forecast.components) {
    const value = component.values[bucket];
    if (value === undefined || !(value === value)) continue;
    total += value;
    if (value > 0) parts.push({ name: component.name, value });
  }
  if (parts.length === 0) return undefined;
  parts.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1));
  const shown = parts.slice(0, limit).map((part) => `${part.name} ${formatRps(part.value)}`);
  if (parts.length > limit) shown.push(`${parts.length - limit} more`);
  return `median ${formatRps(total)} = ${shown.join(' + ')}`;
}

/** How long an event takes to reach its full uplift: increases served until then count as its start. */
function rampOf(occurrence: EventOccurrence): number {
  const event = occurrence.event;
  if (event.kind === 'promotion') return event.rampMs;
  if (event.kind === 'livestream') return event.pulse.riseMs;
  return 0;
}

export function occurrenceAt(occurrences: readonly EventOccurrence[], timeMs: number, slotMs: number): EventOccurrence | undefined {
  let found: EventOccurrence | undefined;
  for (const occurrence of occurrences) {
    if (occurrence.startMs - slotMs <= timeMs && timeMs < occurrence.endMs) {
      if (found === undefined || occurrence.startMs > found.startMs) found = occurrence;
    }
  }
  return found;
}

/** The stated brownout order, shortened for messages when it is long. */
export function brownoutOrderText(order: readonly string[]): string {
  if (order.length <= 6) return order.join(' → ');
  return `${order.slice(0, 5).join(' → ')} → … (${order.length} workloads)`;
}

function makeStep(fields: Omit<PlanStep, 'id'>, ids: Set<string>): PlanStep {
  const base = stepId({
    subject: fields.subject ?? 'workload',
    name: fields.workload,
    readyByMs: fields.readyByMs,
    toReplicas: fields.toReplicas,
    direction: fields.direction,
  });
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
  ids.add(id);
  return { id, ...fields };
}

export function onlineSteps(input: OnlineStepInput, ids: Set<string>, increases: PoolIncreases): PlanStep[] {
  const { model, workload, allocated, ready, hold, need, causes, lead } = input;
  const slots = model.slotCount;
  const steps: PlanStep[] = [];
  let previous = input.observedDesired ?? (allocated[0] as number);
  const searchSlots = input.leadSlots + model.stepIntervalSlots;
  for (let t = 0; t < slots; t++) {
    const level = allocated[t] as number;
    if (level === previous) continue;
    const from = previous;
    previous = level;
    const startMs = slotStart(model, t);
    if (level > from) {
      // The slot this increase serves: the first whose ready target exceeds the old level.
      let served = t;
      const last = Math.min(slots - 1, t + searchSlots);
      for (let s = t; s <= last; s++) {
        if ((ready[s] as number) > from) {
          served = s;
          break;
        }
      }
      const readyByMs = slotStart(model, served);
      const idealMs = readyByMs - lead.totalMs;
      let effectiveAtMs = idealMs >= startMs && idealMs < startMs + model.slotMs ? idealMs : startMs;
      if (effectiveAtMs < model.nowMs) effectiveAtMs = model.nowMs;
      const lateByMs = Math.max(0, effectiveAtMs - idealMs);
      const occurrence = occurrenceAt(input.occurrences, readyByMs, model.slotMs);
      const reason: ReasonCode = occurrence !== undefined && readyByMs <= occurrence.startMs + rampOf(occurrence) + model.slotMs ? 'event-start' : 'forecast-increase';
      const step = makeStep({
        workload: workload.name,
        effectiveAtMs,
        readyByMs,
        fromReplicas: from,
        toReplicas: level,
        direction: 'acquire',
        reason,
        message: increaseMessage(input, { from, to: level, effectiveAtMs, readyByMs, served, lateByMs, occurrence, cut: level < (hold[t] as number), wanted: hold[t] as number, writeSlot: t }),
        subject: 'workload',
        leadMs: lead.totalMs,
        ...(lateByMs > 0 ? { lateByMs } : {}),
      }, ids);
      steps.push(step);
      increases.record(t, step, (level - from) * workload.perReplica.cpuMillicores);
    } else {
      const brownout = causes[t] === CAUSE.brownout;
      const effectiveAtMs = Math.max(model.nowMs, startMs);
      steps.push(makeStep({
        workload: workload.name,
        effectiveAtMs,
        readyByMs: startMs,
        fromReplicas: from,
        toReplicas: level,
        direction: 'release',
        reason: brownout ? 'brownout' : 'scale-in-after-peak',
        message: brownout
          ? brownoutMessage(input, from, level, effectiveAtMs, hold[t] as number)
          : scaleInMessage(input, from, level, effectiveAtMs, need[t] as number, t),
        subject: 'workload',
      }, ids));
    }
  }
  return steps;
}

interface IncreaseFacts {
  readonly from: number;
  readonly to: number;
  readonly effectiveAtMs: number;
  readonly readyByMs: number;
  readonly served: number;
  readonly lateByMs: number;
  readonly occurrence: EventOccurrence | undefined;
  readonly cut: boolean;
  readonly wanted: number;
  readonly writeSlot: number;
}

function demandText(input: OnlineStepInput, slot: number): string {
  const rps = input.demandRps[slot] as number;
  const quantile = input.quantile === undefined ? '' : `p${percentile(input.quantile)} `;
  if (!(rps === rps)) return `need ${input.need[slot] as number} replicas`;
  const parts = topContributors(input.forecast, slotStart(input.model, slot));
  const cause = input.causes[slot];
  if (cause === CAUSE.observed && input.observedRps !== undefined) return `the observed ${formatRps(input.observedRps)} rps (above the forecast ${quantile}${formatRps(rps)} rps)`;
  const source = cause === CAUSE.noForecast ? 'carried ' : quantile;
  return `${source}${formatRps(rps)} rps${parts === undefined ? '' : ` (${parts})`}`;
}

function increaseMessage(input: OnlineStepInput, facts: IncreaseFacts): string {
  const { clock, workload, model } = input;
  const pieces = [`${workload.name} ${facts.from}→${facts.to} at ${clock.format(facts.effectiveAtMs)}: ready by ${clock.format(facts.readyByMs)} for ${demandText(input, facts.served)}`];
  if (facts.occurrence !== undefined) {
    pieces.push(`${facts.occurrence.kind} ${facts.occurrence.label} ${clock.format(facts.occurrence.startMs)}–${clock.format(facts.occurrence.endMs)}`);
  }
  pieces.push(describeLead(input.lead));
  if (facts.cut) pieces.push(`brownout: needs ${facts.wanted}, ${fullPoolsText(input.pools)}`);
  if (facts.lateByMs > 0) {
    const why = facts.effectiveAtMs <= model.nowMs ? 'the need is closer than the lead time' : 'room frees only at this slot';
    pieces.push(`late by ${formatDurationMs(facts.lateByMs)} (${why})`);
  }
  return pieces.join('; ');
}

function scaleInMessage(input: OnlineStepInput, from: number, to: number, effectiveAtMs: number, need: number, slot: number): string {
  const { clock, workload } = input;
  const window = input.stabilizationMs > 0 ? ` and stayed ≤ ${to} for the ${formatDurationMs(input.stabilizationMs)} stabilization window` : '';
  const observed = input.observedRps !== undefined && slot * input.model.slotMs < input.stabilizationMs + input.model.slotMs
    ? `; observed ${formatRps(input.observedRps)} rps allows it`
    : '';
  return `${workload.name} ${from}→${to} at ${clock.format(effectiveAtMs)}: peak over — ${demandText(input, slot)} needs ${need}${window}${observed}`;
}

function brownoutMessage(input: OnlineStepInput, from: number, to: number, effectiveAtMs: number, wanted: number): string {
  const { clock, workload } = input;
  return `${workload.name} ${from}→${to} at ${clock.format(effectiveAtMs)}: brownout — wants ${wanted} but ${fullPoolsText(input.pools)}; ` +
    `lower-priority work is degraded first (order: ${brownoutOrderText(input.model.brownoutOrder)})`;
}

export interface OfflineStepInput {
  readonly model: PlanningModel;
  readonly clock: ClockFormatter;
  readonly workload: OfflineWorkload;
  readonly pool: PoolModel;
  readonly replicas: Int32Array;
  readonly raw: Int32Array;
  readonly causes: Uint8Array;
  readonly observedDesired?: number;
  readonly increases: PoolIncreases;
}

export function offlineSteps(input: OfflineStepInput, ids: Set<string>): PlanStep[] {
  const { model, clock, workload, replicas, raw, causes } = input;
  const slots = model.slotCount;
  const steps: PlanStep[] = [];
  let previous = input.observedDesired ?? (replicas[0] as number);
  for (let t = 0; t < slots; t++) {
    const level = replicas[t] as number;
    if (level === previous) continue;
    const from = previous;
    previous = level;
    const startMs = slotStart(model, t);
    const effectiveAtMs = Math.max(model.nowMs, startMs);
    if (level > from) {
      const deadline = causes[t] === CAUSE.deadline;
      steps.push(makeStep({
        workload: workload.name,
        effectiveAtMs,
        readyByMs: startMs,
        fromReplicas: from,
        toReplicas: level,
        direction: 'acquire',
        reason: 'offline-restore',
        message: `${workload.name} ${from}→${level} at ${clock.format(effectiveAtMs)}: takes back capacity online leaves in pool ${input.pool.pool.name}` +
          (deadline ? ` (ahead of other offline work: deadline ${clock.format(workload.deadlineMs ?? startMs)})` : ''),
        subject: 'workload',
      }, ids));
      continue;
    }
    // The slot the release serves: where the room-allowed count first reaches the new level.
    let served = t;
    for (let u = t; u < slots; u++) {
      if ((raw[u] as number) <= level) {
        served = u;
        break;
      }
    }
    const readyByMs = slotStart(model, served);
    const workDone = causes[served] === CAUSE.workDone;
    // A finished workload needs no drain ahead of anything: it is never late.
    const idealMs = workDone ? readyByMs : readyByMs - workload.drainMs;
    const lateByMs = Math.max(0, effectiveAtMs - idealMs);
    const online = input.increases.at(served);
    let why: string;
    if (workDone) why = level === 0 ? 'its work is done' : `its work finishes: ${level} replicas do what is left`;
    else if (online !== undefined) why = `drains ${formatDurationMs(workload.drainMs)} before ${online.workload} ${online.fromReplicas}→${online.toReplicas} at ${clock.format(online.effectiveAtMs)}`;
    else why = `less room from ${clock.format(readyByMs)} (online grows, the pool shrinks or higher-priority offline takes it; drain ${formatDurationMs(workload.drainMs)})`;
    const late = lateByMs > 0 ? `; late by ${formatDurationMs(lateByMs)}: the controller must wait for the drain before acquiring` : '';
    steps.push(makeStep({
      workload: workload.name,
      effectiveAtMs,
      readyByMs,
      fromReplicas: from,
      toReplicas: level,
      direction: 'release',
      reason: 'offline-release',
      message: `${workload.name} ${from}→${level} at ${clock.format(effectiveAtMs)}: ${why}${late}`,
      subject: 'workload',
      ...(lateByMs > 0 ? { lateByMs } : {}),
    }, ids));
  }
  return steps;
}

export interface PoolStepInput {
  readonly model: PlanningModel;
  readonly clock: ClockFormatter;
  readonly pool: PoolModel;
  readonly nodes: Int32Array;
  /** Pre-provisioned pools: placeholder pods per slot. */
  readonly placeholders?: Int32Array;
  readonly onlineCpuMillicores: Float64Array;
  readonly stabilizationMs: number;
  /** Nodes there now (ready + provisioning), if observed. */
  readonly observedNodes?: number;
}

export function poolSteps(input: PoolStepInput, ids: Set<string>): PlanStep[] {
  const { model, clock, pool, nodes } = input;
  if (!pool.elastic) return [];
  const steps: PlanStep[] = [];
  let previous = input.observedNodes ?? (nodes[0] as number);
  for (let t = 0; t < model.slotCount; t++) {
    const level = nodes[t] as number;
    if (level === previous) continue;
    const from = previous;
    previous = level;
    const startMs = slotStart(model, t);
    const effectiveAtMs = Math.max(model.nowMs, startMs);
    const name = pool.pool.name;
    if (level > from) {
      const readyByMs = startMs + pool.provisioningMs;
      steps.push(makeStep({
        workload: name,
        effectiveAtMs,
        readyByMs,
        fromReplicas: from,
        toReplicas: level,
        direction: 'acquire',
        reason: 'node-provision',
        message: `pool ${name} ${from}→${level} nodes at ${clock.format(effectiveAtMs)}: ` +
          (input.placeholders !== undefined
            ? `pre-provisioned for the online pods due by ${clock.format(readyByMs)}: ${input.placeholders[t] as number} placeholder pods hold the room so the node autoscaler brings the nodes (provisioning ${formatDurationMs(pool.provisioningMs)}); online pods preempt them on arrival`
            : `online needs ${formatCores(input.onlineCpuMillicores[t] as number)} cores; Ready by ${clock.format(readyByMs)} (provisioning ${formatDurationMs(pool.provisioningMs)})`),
        subject: 'node-pool',
        leadMs: pool.provisioningMs,
      }, ids));
    } else {
      steps.push(makeStep({
        workload: name,
        effectiveAtMs,
        readyByMs: startMs,
        fromReplicas: from,
        toReplicas: level,
        direction: 'release',
        reason: 'node-release',
        message: `pool ${name} ${from}→${level} nodes at ${clock.format(effectiveAtMs)}: online needs fell to ${formatCores(input.onlineCpuMillicores[t] as number)} cores` +
          (input.stabilizationMs > 0 ? ` and stayed there for the ${formatDurationMs(input.stabilizationMs)} stabilization window` : ''),
        subject: 'node-pool',
      }, ids));
    }
  }
  return steps;
}

/** "pool a is full at 10 nodes" / "pools a (10 nodes), b (40 nodes) are full". */
export function fullPoolsText(pools: readonly PoolModel[]): string {
  if (pools.length === 1) return `pool ${(pools[0] as PoolModel).pool.name} is full at ${(pools[0] as PoolModel).maxNodes} nodes`;
  return `pools ${pools.map((pool) => `${pool.pool.name} (${pool.maxNodes} nodes)`).join(', ')} are full`;
}

export interface ShortfallInput {
  readonly model: PlanningModel;
  readonly clock: ClockFormatter;
  readonly workload: OnlineWorkload;
  /** Every pool the workload may use. */
  readonly pools: readonly PoolModel[];
  readonly allocated: Int32Array;
  readonly need: Int32Array;
  readonly leadSlots: number;
  readonly scratch: WindowScratch;
  readonly served: Int32Array;
}

/**
 * Replicas Ready at slot s are at most the smallest target held from its write slot to s; a
 * shortfall is a need above that. Lateness alone is not a shortfall (the window starts at now):
 * only the pool being full cuts a target below its need.
 */
export function shortfalls(input: ShortfallInput, out: Shortfall[]): void {
  const { model, workload, allocated, need, served } = input;
  trailingExtreme(allocated, input.leadSlots, 'min', served, input.scratch);
  for (let s = 0; s < model.slotCount; s++) {
    const missing = (need[s] as number) - (served[s] as number);
    if (missing <= 0) continue;
    out.push({
      slotIndex: s,
      workload: workload.name,
      missingReplicas: missing,
      message: `${workload.name} short ${missing} replicas at ${input.clock.format(slotStart(model, s))} (needs ${need[s] as number}, can have ${served[s] as number}): ` +
        `${fullPoolsText(input.pools)}${(need[s] as number) > 0 && (served[s] as number) < workload.minReplicas ? ` (below its minimum of ${workload.minReplicas})` : ''}; brownout degrades lower priority first (${brownoutOrderText(model.brownoutOrder)})`,
    });
  }
}
