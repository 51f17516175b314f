/**
 * The time-sharing planner: forecast bands in, a capacity plan out. Pure: same input, same plan.
 *
 * Per online workload: need per slot (quantile / rps per replica, clamped; observed rate as a floor
 * near now) → ready target (scale-in stabilization, no scale-in inside events) → held target (lead
 * time: max of the next `lead` slots) → coalesced level. Per pool and slot: online by priority
 * (brownout order when the pool at its largest is short), nodes for online (elastic pools, with the
 * same scale-in stabilization), offline from what online leaves. Then steps, shortfalls, outlook.
 *
 * Slot arrays (`replicas`, `nodes`) are what must be *in place* during each slot: an online array
 * already includes replicas starting for later slots, an offline array already excludes replicas
 * that are draining for a later online increase. Steps give the exact write times.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import type {
  CapacityPlan, OfflineOutlook, PlanStep, PoolPlanDetail, Shortfall, WorkloadPlanDetail,
} from '../domain/plan.ts';
import type { OfflineWorkload, OnlineWorkload } from '../domain/workload.ts';
import { ClockFormatter } from './format.ts';
import { planPoolOffline } from './offline-allocation.ts';
import { allocateOnline, newPoolUsage, type PoolOnlineUsage } from './online-allocation.ts';
import { fillOnlineNeed } from './online-need.ts';
import { fillOnlineTargets } from './online-targets.ts';
import { offlineSteps, onlineSteps, poolSteps, PoolIncreases, shortfalls, type LeadParts } from './plan-steps.ts';
import type { PlanningInput } from './planning-input.ts';
import { buildPlanningModel, type PlanningModel, type PoolModel } from './planning-model.ts';
import { forwardExtreme, trailingExtreme, WindowScratch } from './sliding-window.ts';
import { CAUSE } from './slot-causes.ts';

export type { ObservedState, PlanningInput, PlanningSettings } from './planning-input.ts';

export function planCapacity(input: PlanningInput): CapacityPlan {
  const model = buildPlanningModel(input);
  const clock = new ClockFormatter(model.displayTimeZone, model.startMs);
  const slots = model.slotCount;
  const onlineCount = model.online.length;
  const size = onlineCount * slots;
  const scratch = new WindowScratch();
  const notes: string[] = [];
  const { observed } = input;

  // Online arrays, workload-major (cell = workload × slots + slot), allocated once.
  const need = new Int32Array(size);
  const demandRps = new Float32Array(size);
  const causes = new Uint8Array(size);
  const ready = new Int32Array(size);
  const hold = new Int32Array(size);
  const level = new Int32Array(size);
  const allocated = new Int32Array(size);
  const eventMask = new Uint8Array(size);
  const eventHeld = new Uint8Array(size);
  const quantiles: (number | undefined)[] = new Array<number | undefined>(onlineCount);
  const workloadsByNote = new Map<string, string[]>();
  const view = <T extends Int32Array | Float32Array | Uint8Array>(array: T, index: number): T => array.subarray(index * slots, (index + 1) * slots) as T;

  model.online.forEach((workload, index) => {
    const seen = observed.workloads[workload.name];
    const result = fillOnlineNeed(model, workload, input.forecasts.get(workload.name), {
      ...(observed.demandRps[workload.name] !== undefined ? { demandRps: observed.demandRps[workload.name] } : {}),
      ...(seen !== undefined ? { desiredReplicas: seen.desiredReplicas } : {}),
    }, { need: view(need, index), demandRps: view(demandRps, index), causes: view(causes, index) });
    quantiles[index] = result.quantile;
    for (const note of result.notes) {
      const names = workloadsByNote.get(note) ?? [];
      names.push(workload.name);
      workloadsByNote.set(note, names);
    }
  });
  // One line per remark, naming the workloads it applies to (10,000 workloads are not 10,000 lines).
  for (const [note, names] of workloadsByNote) {
    const who = names.length === 1 ? names[0] : `${names.length} workloads (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`;
    notes.push(`${who}: ${note}`);
  }

  const occurrencesOf = indexOccurrences(input.occurrences);
  model.online.forEach((workload, index) => markEvents(model, occurrencesOf(workload.name), view(eventMask, index)));

  const window = model.stabilizationSlots;
  const extended = new Int32Array(window + slots);
  const extendedOut = new Int32Array(window + slots);
  const leads: LeadParts[] = new Array<LeadParts>(onlineCount);
  const leadSlots = new Int32Array(onlineCount);
  const needsBeforeStart: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(onlineCount);
  const nodes: Record<string, Int32Array> = {};
  const placeholders: Record<string, Int32Array> = {};
  const poolDetails: Record<string, PoolPlanDetail> = {};
  const onlineCpuByPool: Float64Array[] = [];
  const replicas: Record<string, Int32Array> = {};
  const fillTargets = (index: number, nodeProvisioningMs: number): void => {
    const workload = model.online[index] as OnlineWorkload;
    const lead = leadOf(model, workload, nodeProvisioningMs);
    leads[index] = lead;
    leadSlots[index] = Math.ceil(lead.totalMs / model.slotMs);
    const seen = observed.workloads[workload.name];
    const before = previousNeed(input, model, workload.name);
    needsBeforeStart[index] = before;
    fillOnlineTargets(
      { need: view(need, index), ready: view(ready, index), eventHeld: view(eventHeld, index), hold: view(hold, index), level: view(level, index) },
      {
        stabilizationSlots: window,
        leadSlots: leadSlots[index] as number,
        stepIntervalSlots: model.stepIntervalSlots,
        ...(before !== undefined ? { needBeforeNow: before } : {}),
        eventMask: view(eventMask, index),
        ...(seen !== undefined ? { observedDesired: seen.desiredReplicas } : {}),
        maxReplicas: workload.maxReplicas,
        scratch,
        extended,
        extendedOut,
      },
    );
  };
  // Lead times: first without node provisioning; every elastic pool that then has to grow adds its
  // provisioning to the lead of each workload that may use it, and the allocation runs again, until
  // no further pool starts growing (at most one round per pool).
  const usages = model.pools.map(() => newPoolUsage(slots));
  const provisioningMs = new Float64Array(onlineCount);
  const growing = new Set<number>();
  let placements = new Map<number, Int32Array[]>();
  let changed: number[] = [...model.onlineOrder];
  for (;;) {
    for (const index of changed) fillTargets(index, provisioningMs[index] as number);
    placements = new Map();
    allocateOnline(model, slots, { hold, level, allocated, eventMask }, usages, placements);
    const newlyGrowing = model.pools.filter((pool) => !growing.has(pool.index) && pool.elastic && !pool.preProvisioned && pool.provisioningMs > 0
      && (usages[pool.index] as PoolOnlineUsage).nodesNeeded.some((count) => count > pool.currentNodes));
    if (newlyGrowing.length === 0) break;
    const affected = new Set<number>();
    for (const pool of newlyGrowing) {
      growing.add(pool.index);
      for (const index of pool.online) {
        if (pool.provisioningMs > (provisioningMs[index] as number)) {
          provisioningMs[index] = pool.provisioningMs;
          affected.add(index);
        }
      }
    }
    changed = [...affected];
    if (changed.length === 0) break;
  }

  const offlineResults = model.pools.map((pool) => {
    const usage = usages[pool.index] as PoolOnlineUsage;

    const nodesBeforeStart = new Int32Array(window);
    const poolNodes = stabilizedNodes(input, model, pool, usage.nodesNeeded, scratch, nodesBeforeStart);
    nodes[pool.pool.name] = poolNodes;
    onlineCpuByPool[pool.index] = usage.cpuMillicores;
    if (pool.preProvisioned) {
      const ahead = preProvision(model, pool, usage.nodesNeeded, poolNodes, scratch);
      nodes[pool.pool.name] = ahead.nodes;
      placeholders[pool.pool.name] = ahead.placeholders;
    }

    const remaining = new Float64Array(model.offline.length);
    const desired = new Int32Array(model.offline.length).fill(-1);
    for (const index of pool.offline) {
      const workload = model.offline[index] as OfflineWorkload;
      remaining[index] = observed.offlineRemainingCoreHours[workload.name] ?? workload.workCoreHours ?? Number.POSITIVE_INFINITY;
      desired[index] = observed.workloads[workload.name]?.desiredReplicas ?? -1;
    }
    const offline = planPoolOffline({
      model, pool, nodes: poolNodes,
      onlineCpuMillicores: usage.cpuMillicores, onlineMemoryBytes: usage.memoryBytes,
      remainingCoreHours: remaining, observedDesired: desired, scratch, clock,
    });
    const capacity = new Float64Array(slots);
    for (let t = 0; t < slots; t++) capacity[t] = (poolNodes[t] as number) * pool.pool.perNode.cpuMillicores;
    poolDetails[pool.pool.name] = {
      nodesNeeded: usage.nodesNeeded,
      nodesNeededBeforeStart: nodesBeforeStart,
      minNodes: pool.minNodes,
      maxNodes: pool.maxNodes,
      provisioningMs: pool.provisioningMs,
      onlineCpuMillicores: usage.cpuMillicores,
      offlineCpuMillicores: offline.cpuMillicores,
      capacityCpuMillicores: capacity,
    };
    return offline;
  });

  // Why each online slot is what it is.
  for (let cell = 0; cell < size; cell++) {
    const a = allocated[cell] as number;
    const h = hold[cell] as number;
    // Inside an event a coalesced level is a hold too (see allocatePoolOnline): cutting it is a brownout.
    const held = eventMask[cell] === 1 && (level[cell] as number) > h ? (level[cell] as number) : h;
    if (a < held) causes[cell] = CAUSE.brownout;
    else if (a > h) causes[cell] = CAUSE.coalesced;
    else if (h > (ready[cell] as number)) causes[cell] = CAUSE.lead;
    else if ((ready[cell] as number) > (need[cell] as number)) causes[cell] = eventHeld[cell] === 1 ? CAUSE.eventHold : CAUSE.stabilization;
  }

  const ids = new Set<string>();
  const steps: PlanStep[] = [];
  const shortfallList: Shortfall[] = [];
  const increases = model.pools.map(() => new PoolIncreases(slots));
  const served = new Int32Array(slots);
  const workloadDetails: Record<string, WorkloadPlanDetail> = {};
  model.online.forEach((workload, index) => {
    const poolIndex = model.onlinePool[index] as number;
    const pool = model.pools[poolIndex] as PoolModel;
    const seen = observed.workloads[workload.name];
    const observedRps = observed.demandRps[workload.name];
    const lead = leads[index] as LeadParts;
    const forecast = input.forecasts.get(workload.name);
    const quantile = quantiles[index];
    const eligible = (model.onlineEligible[index] as readonly number[]).map((p) => model.pools[p] as PoolModel);
    steps.push(...onlineSteps({
      model, clock, workload, pool, pools: eligible,
      allocated: view(allocated, index), ready: view(ready, index), hold: view(hold, index), need: view(need, index),
      demandRps: view(demandRps, index), causes: view(causes, index),
      lead, leadSlots: leadSlots[index] as number,
      ...(quantile !== undefined ? { quantile } : {}),
      ...(forecast !== undefined ? { forecast } : {}),
      occurrences: occurrencesOf(workload.name),
      ...(seen !== undefined ? { observedDesired: seen.desiredReplicas } : {}),
      ...(observedRps !== undefined ? { observedRps } : {}),
      stabilizationMs: input.settings.scaleInStabilizationMs,
    }, ids, increases[poolIndex] as PoolIncreases));
    shortfalls({
      model, clock, workload, pools: eligible, allocated: view(allocated, index), need: view(need, index),
      leadSlots: leadSlots[index] as number, scratch, served,
    }, shortfallList);
    replicas[workload.name] = view(allocated, index).slice();
    const placed = placements.get(index);
    workloadDetails[workload.name] = {
      class: 'online',
      pool: pool.pool.name,
      ...(eligible.length > 1 ? { pools: eligible.map((candidate) => candidate.pool.name) } : {}),
      ...(placed !== undefined ? { poolReplicas: Object.fromEntries(eligible.map((candidate, j) => [candidate.pool.name, placed[j] as Int32Array])) } : {}),
      priority: workload.priority,
      minReplicas: workload.minReplicas,
      maxReplicas: workload.maxReplicas,
      causes: view(causes, index).slice(),
      demandRps: view(demandRps, index).slice(),
      ...(quantile !== undefined ? { quantile } : {}),
      rpsPerReplica: workload.rpsPerReplica,
      needReplicas: view(need, index).slice(),
      needBeforeStartReplicas: needsBeforeStart[index] ?? new Int32Array(window),
      lead,
    };
  });

  const outlook: OfflineOutlook[] = [];
  model.pools.forEach((pool, poolIndex) => {
    const result = offlineResults[poolIndex];
    if (result === undefined) return;
    for (const index of pool.offline) {
      const workload = model.offline[index] as OfflineWorkload;
      const final = result.replicas.get(index) as Int32Array;
      const seen = observed.workloads[workload.name];
      steps.push(...offlineSteps({
        model, clock, workload, pool, replicas: final,
        raw: result.raw.get(index) as Int32Array, causes: result.causes.get(index) as Uint8Array,
        ...(seen !== undefined ? { observedDesired: seen.desiredReplicas } : {}),
        increases: increases[poolIndex] as PoolIncreases,
      }, ids));
      replicas[workload.name] = final;
      workloadDetails[workload.name] = {
        class: 'offline',
        pool: pool.pool.name,
        priority: workload.priority,
        minReplicas: workload.minReplicas,
        maxReplicas: workload.maxReplicas,
        causes: result.causes.get(index) as Uint8Array,
        drainMs: workload.drainMs,
      };
      const line = result.outlook.get(index);
      if (line !== undefined) {
        outlook.push(line);
        if (line.deadlineMet === false) notes.push(line.message);
      }
    }
    const seenPool = observed.nodePools[pool.pool.name];
    steps.push(...poolSteps({
      model, clock, pool, nodes: nodes[pool.pool.name] as Int32Array,
      ...(placeholders[pool.pool.name] !== undefined ? { placeholders: placeholders[pool.pool.name] } : {}),
      onlineCpuMillicores: onlineCpuByPool[pool.index] as Float64Array,
      stabilizationMs: input.settings.scaleInStabilizationMs,
      ...(seenPool !== undefined ? { observedNodes: seenPool.readyNodes + seenPool.provisioningNodes } : {}),
    }, ids));
  });

  steps.sort(compareSteps);
  if (shortfallList.length > 0) {
    const short = new Set(shortfallList.map((item) => item.workload));
    notes.push(`capacity shortfall in ${new Set(shortfallList.map((item) => item.slotIndex)).size} slots for ${[...short].sort().join(', ')}; brownout order (lowest priority first): ${model.brownoutOrder.join(' → ')}`);
  }
  outlook.sort((a, b) => (a.workload < b.workload ? -1 : a.workload > b.workload ? 1 : 0));

  return {
    id: input.settings.planId,
    createdAtMs: model.nowMs,
    startMs: model.startMs,
    slotMs: model.slotMs,
    slotCount: slots,
    replicas,
    nodes,
    ...(Object.keys(placeholders).length > 0 ? { placeholders } : {}),
    steps,
    shortfalls: shortfallList,
    brownoutOrder: model.brownoutOrder,
    offlineOutlook: outlook,
    notes,
    explanation: {
      scaleInStabilizationMs: input.settings.scaleInStabilizationMs,
      applyLatencyMs: model.applyLatencyMs,
      displayTimeZone: model.displayTimeZone,
      workloads: workloadDetails,
      pools: poolDetails,
      occurrences: input.occurrences.map((occurrence) => ({
        label: occurrence.label,
        startMs: occurrence.startMs,
        endMs: occurrence.endMs,
        workloads: occurrence.event.workloads,
      })),
    },
  };
}

/** Deterministic order: by write time, releases before acquires, then slot served, name, id. */
export function compareSteps(a: PlanStep, b: PlanStep): number {
  if (a.effectiveAtMs !== b.effectiveAtMs) return a.effectiveAtMs - b.effectiveAtMs;
  if (a.direction !== b.direction) return a.direction === 'release' ? -1 : 1;
  if (a.readyByMs !== b.readyByMs) return a.readyByMs - b.readyByMs;
  if (a.workload !== b.workload) return a.workload < b.workload ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function leadOf(model: PlanningModel, workload: OnlineWorkload, nodeProvisioningMs: number): LeadParts {
  return {
    totalMs: model.applyLatencyMs + workload.startup.p95Ms + nodeProvisioningMs,
    applyMs: model.applyLatencyMs,
    startupP95Ms: workload.startup.p95Ms,
    nodeProvisioningMs,
  };
}

/** Occurrences affecting each workload (an event with no workloads listed affects all). */
function indexOccurrences(occurrences: readonly EventOccurrence[]): (name: string) => readonly EventOccurrence[] {
  const everyone: EventOccurrence[] = [];
  const specific = new Map<string, EventOccurrence[]>();
  for (const occurrence of occurrences) {
    const names = occurrence.event.workloads;
    if (names.length === 0) {
      everyone.push(occurrence);
      continue;
    }
    for (const name of names) {
      const list = specific.get(name) ?? [];
      list.push(occurrence);
      specific.set(name, list);
    }
  }
  const cache = new Map<string, readonly EventOccurrence[]>();
  return (name) => {
    const own = specific.get(name);
    if (own === undefined) return everyone;
    let merged = cache.get(name);
    if (merged === undefined) {
      merged = [...everyone, ...own];
      cache.set(name, merged);
    }
    return merged;
  };
}

/** mask[s] = 1 when slot s starts inside one of the occurrences: no scale-in at that slot. */
function markEvents(model: PlanningModel, occurrences: readonly EventOccurrence[], mask: Uint8Array): void {
  for (const occurrence of occurrences) {
    const first = Math.max(0, Math.ceil((occurrence.startMs - model.startMs) / model.slotMs));
    const last = Math.min(model.slotCount - 1, Math.ceil((occurrence.endMs - model.startMs) / model.slotMs) - 1);
    for (let s = first; s <= last; s++) mask[s] = 1;
  }
}

/** Needs of the previous plan in the stabilization window before this plan's first slot. */
function previousNeed(input: PlanningInput, model: PlanningModel, name: string): Int32Array | undefined {
  const previous = input.previousPlan;
  const detail = previous?.explanation?.workloads[name];
  const needs = detail?.needReplicas;
  if (previous === undefined || needs === undefined || previous.slotMs !== model.slotMs || model.stabilizationSlots === 0) return undefined;
  return previousSeries(previous.startMs, needs, detail?.needBeforeStartReplicas, model);
}

/**
 * The window of `stabilizationSlots` before this plan's start, read from the previous plan's slots
 * and, further back, from the window it carried itself; 0 where neither reaches.
 */
function previousSeries(previousStartMs: number, series: Int32Array, before: Int32Array | undefined, model: PlanningModel): Int32Array | undefined {
  const window = model.stabilizationSlots;
  const offset = (model.startMs - previousStartMs) / model.slotMs;
  if (!Number.isInteger(offset)) return undefined;
  const out = new Int32Array(window);
  for (let k = 0; k < window; k++) {
    const index = offset - window + k;
    if (index >= 0) out[k] = index < series.length ? (series[index] as number) : 0;
    else if (before !== undefined && index >= -before.length) out[k] = before[before.length + index] as number;
  }
  return out;
}

/**
 * Pre-provisioning through placeholder pods. Online replicas on the pool were planned with a lead
 * of startup + apply only, so the nodes they need at slot t must be asked for a provisioning time
 * (plus the placeholder write's own apply latency) earlier: nodes(t) = the most needed in
 * [t, t + provisioning + apply] (and at least the stabilized count).
 * The placeholders hold the room online does not fill yet — one pod per node still to be filled —
 * so the node autoscaler brings those nodes; when the online pods arrive the placeholders drop in
 * the same slot (and are preempted if the pods come first).
 */
function preProvision(model: PlanningModel, pool: PoolModel, needed: Int32Array, stabilized: Int32Array, scratch: WindowScratch): { nodes: Int32Array; placeholders: Int32Array } {
  const slots = model.slotCount;
  // The placeholder write itself takes the apply latency before the autoscaler can see its pods.
  const provisioningSlots = Math.ceil((pool.provisioningMs + model.applyLatencyMs) / model.slotMs);
  const ahead = new Int32Array(slots);
  forwardExtreme(needed, provisioningSlots, 'max', ahead, scratch);
  const nodes = new Int32Array(slots);
  const placeholders = new Int32Array(slots);
  for (let t = 0; t < slots; t++) {
    const wanted = Math.min(pool.maxNodes, ahead[t] as number);
    nodes[t] = Math.max(wanted, stabilized[t] as number);
    placeholders[t] = Math.max(0, wanted - (needed[t] as number));
  }
  return { nodes, placeholders };
}

/** Nodes per slot: the pool scales in only after the stabilization window, within its bounds. */
function stabilizedNodes(input: PlanningInput, model: PlanningModel, pool: PoolModel, needed: Int32Array, scratch: WindowScratch, beforeStart: Int32Array): Int32Array {
  const slots = model.slotCount;
  const out = new Int32Array(slots);
  if (!pool.elastic) return out.fill(pool.minNodes);
  const window = model.stabilizationSlots;
  const extended = new Int32Array(window + slots);
  const previous = input.previousPlan;
  const before = previous !== undefined && previous.slotMs === model.slotMs && window > 0
    ? previous.explanation?.pools[pool.pool.name]?.nodesNeeded
    : undefined;
  const prefix = before === undefined || previous === undefined
    ? undefined
    : previousSeries(previous.startMs, before, previous.explanation?.pools[pool.pool.name]?.nodesNeededBeforeStart, model);
  if (prefix !== undefined) extended.set(prefix, 0);
  beforeStart.set(prefix ?? new Int32Array(window));
  extended.set(needed, window);
  const smoothed = new Int32Array(extended.length);
  trailingExtreme(extended, window, 'max', smoothed, scratch);
  for (let t = 0; t < slots; t++) {
    const value = smoothed[window + t] as number;
    out[t] = value < pool.minNodes ? pool.minNodes : value > pool.maxNodes ? pool.maxNodes : value;
  }
  return out;
}
