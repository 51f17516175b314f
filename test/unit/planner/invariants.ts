/**
 * The design's safety invariants, checked on a plan from the outside: each function recomputes
 * what it needs from the input (not from the planner's internals) and returns the violations it
 * finds as readable strings, so a failing property prints what went wrong where.
 */
import type { EventOccurrence } from '../../../src/domain/calendar.ts';
import type { Forecast } from '../../../src/domain/forecast.ts';
import { SLOT_CAUSES, type CapacityPlan, type PlanStep } from '../../../src/domain/plan.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../../../src/domain/workload.ts';
import type { PlanningInput } from '../../../src/planner/planning-input.ts';
import { eligiblePools } from '../../../src/domain/pool-eligibility.ts';

const EPSILON = 1e-6;
const BROWNOUT = SLOT_CAUSES.indexOf('brownout');

export function slotStart(plan: CapacityPlan, slot: number): number {
  return plan.startMs + slot * plan.slotMs;
}

/** Pools a workload may use, in fill order, recomputed from its constraints. */
function poolsOf(input: PlanningInput, workload: OnlineWorkload | OfflineWorkload): NodePool[] {
  return eligiblePools(workload, input.inventory.nodePools).map((index) => input.inventory.nodePools[index] as NodePool);
}

/** Home pool: offline workloads live there; online ones start filling there. */
function poolOf(input: PlanningInput, workload: OnlineWorkload | OfflineWorkload): NodePool {
  return poolsOf(input, workload)[0] as NodePool;
}

/** Replicas of a workload on one pool at slot t: its per-pool placement when it may use several. */
function placedOn(input: PlanningInput, plan: CapacityPlan, workload: OnlineWorkload | OfflineWorkload, pool: NodePool, t: number): number {
  const perPool = plan.explanation?.workloads[workload.name]?.poolReplicas;
  if (perPool !== undefined) return perPool[pool.name]?.[t] ?? 0;
  return poolOf(input, workload).name === pool.name ? (series(plan, workload.name)[t] as number) : 0;
}

export function poolBounds(input: PlanningInput, pool: NodePool): { min: number; max: number; current: number } {
  const seen = input.observed.nodePools[pool.name];
  const observedNodes = seen === undefined ? undefined : seen.readyNodes + seen.provisioningNodes;
  if (pool.elastic === undefined) {
    const fixed = observedNodes ?? pool.baseNodes;
    return { min: fixed, max: fixed, current: fixed };
  }
  return { min: pool.baseNodes, max: pool.baseNodes + pool.elastic.maxNodes, current: observedNodes ?? pool.baseNodes };
}

function series(plan: CapacityPlan, name: string): Int32Array {
  const values = plan.replicas[name] ?? plan.nodes[name];
  if (values === undefined) throw new Error(`plan has no series for ${name}`);
  return values;
}

/**
 * Every slot fits its pool (CPU and memory), node counts stay inside the pool's bounds, and a
 * workload that may use several pools is placed only on those, its placements adding up to its target.
 */
export function fitViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  for (const workload of input.inventory.online) {
    const perPool = plan.explanation?.workloads[workload.name]?.poolReplicas;
    if (perPool === undefined) continue;
    const allowed = new Set(poolsOf(input, workload).map((pool) => pool.name));
    for (const name of Object.keys(perPool)) if (!allowed.has(name)) problems.push(`${workload.name} placed on pool ${name} it may not use`);
    const total = series(plan, workload.name);
    for (let t = 0; t < plan.slotCount; t++) {
      const sum = Object.values(perPool).reduce((acc, values) => acc + (values[t] as number), 0);
      if (sum !== total[t]) problems.push(`${workload.name} slot ${t}: placements add up to ${sum}, target ${total[t] as number}`);
    }
  }
  for (const pool of input.inventory.nodePools) {
    const nodes = series(plan, pool.name);
    const bounds = poolBounds(input, pool);
    const members = [...input.inventory.online, ...input.inventory.offline].filter((workload) => poolsOf(input, workload).some((candidate) => candidate.name === pool.name));
    for (let t = 0; t < plan.slotCount; t++) {
      const count = nodes[t] as number;
      if (count < bounds.min || count > bounds.max) problems.push(`pool ${pool.name} slot ${t}: ${count} nodes outside [${bounds.min}, ${bounds.max}]`);
      let cpu = 0;
      let memory = 0;
      for (const workload of members) {
        const replicas = placedOn(input, plan, workload, pool, t);
        cpu += replicas * workload.perReplica.cpuMillicores;
        memory += replicas * workload.perReplica.memoryBytes;
      }
      if (cpu > count * pool.perNode.cpuMillicores + EPSILON) problems.push(`pool ${pool.name} slot ${t}: CPU ${cpu}m > ${count} nodes × ${pool.perNode.cpuMillicores}m`);
      if (memory > count * pool.perNode.memoryBytes + EPSILON) problems.push(`pool ${pool.name} slot ${t}: memory ${memory} > ${count} nodes × ${pool.perNode.memoryBytes}`);
    }
  }
  return problems;
}

/** Online within [min, max] (below min only under a reported shortfall); offline within [0, max]. */
export function boundViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  const short = shortfallSet(plan);
  for (const workload of input.inventory.online) {
    series(plan, workload.name).forEach((value, t) => {
      const cutBelowMin = value < workload.minReplicas && short.has(`${workload.name}@${t}`);
      if ((value < workload.minReplicas && !cutBelowMin) || value > workload.maxReplicas) problems.push(`${workload.name} slot ${t}: ${value} outside [${workload.minReplicas}, ${workload.maxReplicas}]`);
    });
  }
  for (const workload of input.inventory.offline) {
    series(plan, workload.name).forEach((value, t) => {
      if (value < 0 || value > workload.maxReplicas) problems.push(`${workload.name} slot ${t}: ${value} outside [0, ${workload.maxReplicas}]`);
    });
  }
  return problems;
}

/** Band the workload should be provisioned for: its quantile or the nearest higher (else highest). */
function bandOf(forecast: Forecast, quantile: number): Float64Array {
  const index = forecast.quantiles.findIndex((q) => q >= quantile - 1e-9);
  return forecast.bands[index >= 0 ? index : forecast.bands.length - 1] as Float64Array;
}

/**
 * Replicas the forecast needs per slot, computed independently: NaN where the forecast does not
 * cover the slot (the planner's fallbacks are not asserted here).
 */
export function forecastNeed(input: PlanningInput, plan: CapacityPlan, workload: OnlineWorkload): Float64Array {
  const need = new Float64Array(plan.slotCount).fill(Number.NaN);
  const forecast = input.forecasts.get(workload.name);
  if (forecast === undefined) return need;
  const band = bandOf(forecast, workload.demandQuantile);
  for (let s = 0; s < plan.slotCount; s++) {
    const from = slotStart(plan, s);
    let best = Number.NaN;
    for (let i = 0; i < band.length; i++) {
      const bucketStart = forecast.startMs + i * forecast.stepMs;
      if (bucketStart + forecast.stepMs <= from || bucketStart >= from + plan.slotMs) continue;
      const value = band[i] as number;
      if (!(value <= best)) best = value;
    }
    if (best === best) need[s] = Math.min(workload.maxReplicas, Math.max(workload.minReplicas, Math.ceil(best / workload.rpsPerReplica - 1e-9)));
  }
  return need;
}

function shortfallSet(plan: CapacityPlan): Set<string> {
  return new Set(plan.shortfalls.map((item) => `${item.workload}@${item.slotIndex}`));
}

function baseLeadSlots(input: PlanningInput, workload: OnlineWorkload): number {
  return Math.ceil((input.settings.applyLatencyMs + workload.startup.p95Ms) / input.settings.slotMs);
}

function fullLeadSlots(input: PlanningInput, workload: OnlineWorkload): number {
  const provisioning = Math.max(0, ...poolsOf(input, workload).map((pool) => (pool.elastic === undefined ? 0 : input.settings.nodeProvisioningMs ?? pool.elastic.provisioningMs)));
  return Math.ceil((input.settings.applyLatencyMs + workload.startup.p95Ms + provisioning) / input.settings.slotMs);
}

/**
 * Online never below its quantile need when capacity exists: without a reported shortfall at slot
 * s, every slot from s's write time (at least the startup + apply lead) to s holds the need.
 * The observed rate is a floor in the first slots (scale-in follows observed demand).
 */
export function needViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  const short = shortfallSet(plan);
  const floorSlots = Math.max(1, Math.ceil(input.settings.scaleInStabilizationMs / input.settings.slotMs));
  for (const workload of input.inventory.online) {
    const replicas = series(plan, workload.name);
    const need = forecastNeed(input, plan, workload);
    const observedRps = input.observed.demandRps[workload.name];
    const lead = baseLeadSlots(input, workload);
    for (let s = 0; s < plan.slotCount; s++) {
      if (short.has(`${workload.name}@${s}`)) continue;
      let wanted = need[s] as number;
      if (observedRps !== undefined && s < floorSlots) {
        const observedNeed = Math.min(workload.maxReplicas, Math.max(workload.minReplicas, Math.ceil(observedRps / workload.rpsPerReplica - 1e-9)));
        wanted = wanted === wanted ? Math.max(wanted, observedNeed) : observedNeed;
      }
      if (!(wanted === wanted)) continue;
      for (let t = Math.max(0, s - lead); t <= s; t++) {
        if ((replicas[t] as number) < wanted) {
          problems.push(`${workload.name}: slot ${s} needs ${wanted} but slot ${t} (inside its lead window) holds ${replicas[t] as number} and no shortfall is reported`);
          break;
        }
      }
    }
  }
  return problems;
}

/**
 * A shortfall is reported only when capacity lacks, and degradation follows ascending priority:
 * for a shortfall of w at s there is a slot t of s's lead window where w holds less than its need
 * and the pool at its largest, filled with every workload before w in allocation order at its
 * planned level and every workload after w (lower in the brownout order) at its minimum, has no
 * room for one more replica of w.
 */
export function shortfallViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  const order = plan.brownoutOrder;
  for (const item of plan.shortfalls) {
    const workload = input.inventory.online.find((candidate) => candidate.name === item.workload);
    if (workload === undefined) {
      problems.push(`shortfall for unknown workload ${item.workload}`);
      continue;
    }
    const pools = poolsOf(input, workload);
    const rank = order.indexOf(workload.name);
    const need = plan.explanation?.workloads[workload.name]?.needReplicas?.[item.slotIndex];
    if (need === undefined || item.missingReplicas <= 0) {
      problems.push(`shortfall ${item.workload}@${item.slotIndex}: no need recorded or nothing missing`);
      continue;
    }
    const replicas = series(plan, workload.name);
    // Full = no pool the workload may use has room for one more replica, counting higher-priority
    // peers at their planned placement and lower-priority peers at most at their minimum there.
    const fullAt = (t: number): boolean => pools.every((pool) => {
      const bounds = poolBounds(input, pool);
      let cpu = 0;
      let memory = 0;
      for (const peer of input.inventory.online) {
        const on = placedOn(input, plan, peer, pool, t);
        if (on === 0) continue;
        const level = order.indexOf(peer.name) < rank ? Math.min(on, peer.minReplicas) : on;
        cpu += level * peer.perReplica.cpuMillicores;
        memory += level * peer.perReplica.memoryBytes;
      }
      return cpu + workload.perReplica.cpuMillicores > bounds.max * pool.perNode.cpuMillicores + EPSILON
        || memory + workload.perReplica.memoryBytes > bounds.max * pool.perNode.memoryBytes + EPSILON;
    });
    let justified = false;
    for (let t = Math.max(0, item.slotIndex - fullLeadSlots(input, workload)); t <= item.slotIndex && !justified; t++) {
      if ((replicas[t] as number) < need && fullAt(t)) justified = true;
    }
    if (!justified) problems.push(`shortfall ${item.workload}@${item.slotIndex} (missing ${item.missingReplicas}) while its pool had room with lower-priority work at minimum`);
  }
  return problems;
}

export function affects(occurrence: EventOccurrence, name: string): boolean {
  return occurrence.event.workloads.length === 0 || occurrence.event.workloads.includes(name);
}

/** No online decrease at a slot starting inside an event window, unless it is a brownout cut. */
export function eventViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  for (const workload of input.inventory.online) {
    const replicas = series(plan, workload.name);
    const causes = plan.explanation?.workloads[workload.name]?.causes;
    for (const occurrence of input.occurrences) {
      if (!affects(occurrence, workload.name)) continue;
      for (let t = 0; t < plan.slotCount; t++) {
        const start = slotStart(plan, t);
        if (start < occurrence.startMs || start >= occurrence.endMs) continue;
        const previous = t > 0 ? (replicas[t - 1] as number) : input.observed.workloads[workload.name]?.desiredReplicas;
        if (previous === undefined) continue;
        const floor = Math.min(previous, workload.maxReplicas);
        const brownout = causes?.[t] === BROWNOUT;
        if ((replicas[t] as number) < floor && !brownout) problems.push(`${workload.name} scales in ${floor}→${replicas[t] as number} at slot ${t} inside ${occurrence.label}`);
      }
    }
  }
  for (const step of plan.steps) {
    if (step.direction !== 'release' || step.reason === 'brownout' || step.subject === 'node-pool') continue;
    const workload = input.inventory.online.find((candidate) => candidate.name === step.workload);
    // Bringing a workload observed above its maxReplicas down to the max is a correction, not a scale-in.
    if (workload === undefined || step.toReplicas >= Math.min(step.fromReplicas, workload.maxReplicas)) continue;
    const inside = input.occurrences.find((occurrence) => affects(occurrence, step.workload) && step.readyByMs >= occurrence.startMs && step.readyByMs < occurrence.endMs);
    if (inside !== undefined) problems.push(`step ${step.id} (${step.reason}) scales ${step.workload} in inside ${inside.label}`);
  }
  return problems;
}

/**
 * Increases start early enough: the lead allowed covers apply + startup p95 (+ node provisioning
 * when the elastic pool has to grow); a step that cannot be that early is marked late, says so and
 * is written as early as possible (now, or the slot where room frees).
 */
export function leadViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  for (const step of plan.steps) {
    if (step.direction !== 'acquire') continue;
    const workload = input.inventory.online.find((candidate) => candidate.name === step.workload);
    if (workload === undefined) continue;
    // Every elastic pool the workload may use that has to grow puts its provisioning in the lead.
    let provisioning = 0;
    for (const pool of poolsOf(input, workload)) {
      const needed = plan.explanation?.pools[pool.name]?.nodesNeeded;
      // A pre-provisioned pool (placeholders) asks for its nodes ahead instead: see preProvisionViolations.
      const growing = pool.elastic !== undefined && pool.elastic.placeholders === undefined && needed !== undefined && needed.some((count) => count > poolBounds(input, pool).current);
      if (growing && pool.elastic !== undefined) provisioning = Math.max(provisioning, input.settings.nodeProvisioningMs ?? pool.elastic.provisioningMs);
    }
    const grows = provisioning > 0;
    const minimum = input.settings.applyLatencyMs + workload.startup.p95Ms + provisioning;
    const lead = step.leadMs ?? 0;
    if (lead < minimum) problems.push(`${step.id} ${step.workload}: lead ${lead} < apply + startup p95${grows ? ' + provisioning' : ''} = ${minimum}`);
    const late = step.lateByMs ?? 0;
    if (late === 0 && step.readyByMs - step.effectiveAtMs < lead) problems.push(`${step.id} ${step.workload}: written ${step.readyByMs - step.effectiveAtMs} ms before ready-by, lead is ${lead}, not marked late`);
    if (late > 0) {
      if (!step.message.includes('late')) problems.push(`${step.id}: late by ${late} ms but the message does not say so`);
      if (step.readyByMs - step.effectiveAtMs + late !== lead) problems.push(`${step.id}: late accounting off (${step.readyByMs} − ${step.effectiveAtMs} + ${late} ≠ ${lead})`);
      const slot = Math.floor((step.effectiveAtMs - plan.startMs) / plan.slotMs);
      if (step.effectiveAtMs !== input.nowMs && step.effectiveAtMs !== slotStart(plan, slot)) problems.push(`${step.id}: late but not written at the earliest moment (${step.effectiveAtMs})`);
    }
    if (step.effectiveAtMs < input.nowMs) problems.push(`${step.id}: effective before now`);
  }
  return problems;
}

/** The level a workload has at `timeMs` according to its steps (starting from its observed level). */
function levelAt(steps: readonly PlanStep[], initial: number, timeMs: number): number {
  let level = initial;
  for (const step of steps) if (step.effectiveAtMs <= timeMs) level = step.toReplicas;
  return level;
}

/**
 * Offline is released (drained) before online acquires: at the moment an online increase is
 * written, the offline replicas still draining (level at any time in the last drain interval) plus
 * the online levels of that slot fit the pool. Checked for increases written after now + drain.
 */
export function drainViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  const stepsOf = new Map<string, PlanStep[]>();
  for (const step of plan.steps) {
    const list = stepsOf.get(step.workload) ?? [];
    list.push(step);
    stepsOf.set(step.workload, list);
  }
  for (const step of plan.steps) {
    if (step.direction !== 'acquire') continue;
    const workload = input.inventory.online.find((candidate) => candidate.name === step.workload);
    if (workload === undefined) continue;
    for (const pool of poolsOf(input, workload)) {
      const offline = input.inventory.offline.filter((candidate) => poolOf(input, candidate).name === pool.name);
      if (offline.some((candidate) => step.effectiveAtMs - candidate.drainMs < input.nowMs)) continue;
      const slot = Math.floor((step.effectiveAtMs - plan.startMs) / plan.slotMs);
      let cpu = 0;
      let memory = 0;
      for (const peer of input.inventory.online) {
        const level = placedOn(input, plan, peer, pool, slot);
        cpu += level * peer.perReplica.cpuMillicores;
        memory += level * peer.perReplica.memoryBytes;
      }
      for (const candidate of offline) {
        const own = stepsOf.get(candidate.name) ?? [];
        const initial = input.observed.workloads[candidate.name]?.desiredReplicas ?? (series(plan, candidate.name)[0] as number);
        // Levels can only change at step times: check the window's start and every step inside it.
        const from = step.effectiveAtMs - candidate.drainMs;
        let holding = levelAt(own, initial, from);
        for (const change of own) {
          if (change.effectiveAtMs > from && change.effectiveAtMs <= step.effectiveAtMs) holding = Math.max(holding, change.toReplicas);
        }
        cpu += holding * candidate.perReplica.cpuMillicores;
        memory += holding * candidate.perReplica.memoryBytes;
      }
      const nodes = series(plan, pool.name)[slot] as number;
      if (cpu > nodes * pool.perNode.cpuMillicores + EPSILON || memory > nodes * pool.perNode.memoryBytes + EPSILON) {
        problems.push(`${step.id} ${step.workload} ${step.fromReplicas}→${step.toReplicas} at ${step.effectiveAtMs}: offline still draining, pool ${pool.name} over (${cpu}m of ${nodes * pool.perNode.cpuMillicores}m)`);
      }
    }
  }
  const workDone = SLOT_CAUSES.indexOf('work-done');
  for (const step of plan.steps) {
    if (step.reason !== 'offline-release') continue;
    const workload = input.inventory.offline.find((candidate) => candidate.name === step.workload) as OfflineWorkload;
    // A job that finishes frees its replicas for nothing in particular: no drain lead to keep.
    const served = Math.floor((step.readyByMs - plan.startMs) / plan.slotMs);
    if (plan.explanation?.workloads[step.workload]?.causes[served] === workDone) continue;
    if ((step.lateByMs ?? 0) === 0 && step.effectiveAtMs > step.readyByMs - workload.drainMs) {
      problems.push(`${step.id}: release at ${step.effectiveAtMs} leaves less than the drain ${workload.drainMs} before ${step.readyByMs}, not marked late`);
    }
  }
  return problems;
}

/** Steps are exactly the changes of the slot arrays, in time order, with unique ids. */
export function stepConsistencyViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const step of plan.steps) {
    if (ids.has(step.id)) problems.push(`duplicate step id ${step.id}`);
    ids.add(step.id);
    if (step.fromReplicas === step.toReplicas) problems.push(`${step.id}: no-op step`);
    if ((step.direction === 'acquire') !== (step.toReplicas > step.fromReplicas)) problems.push(`${step.id}: direction ${step.direction} for ${step.fromReplicas}→${step.toReplicas}`);
  }
  const names = [...Object.keys(plan.replicas), ...Object.keys(plan.nodes)];
  for (const name of names) {
    const values = series(plan, name);
    const isPool = plan.nodes[name] !== undefined;
    if (isPool && input.inventory.nodePools.find((pool) => pool.name === name)?.elastic === undefined) continue;
    const observed = isPool
      ? (() => { const seen = input.observed.nodePools[name]; return seen === undefined ? undefined : seen.readyNodes + seen.provisioningNodes; })()
      : input.observed.workloads[name]?.desiredReplicas;
    const expected: string[] = [];
    let previous = observed ?? (values[0] as number);
    values.forEach((value, t) => {
      if (value !== previous) expected.push(`${t}:${previous}→${value}`);
      previous = value;
    });
    const actual = plan.steps
      .filter((step) => step.workload === name)
      .map((step) => {
        const slot = Math.max(0, Math.floor((step.effectiveAtMs - plan.startMs) / plan.slotMs));
        return `${slot}:${step.fromReplicas}→${step.toReplicas}`;
      });
    if (expected.join(' ') !== actual.join(' ')) problems.push(`${name}: steps ${actual.join(' ')} do not match slot changes ${expected.join(' ')}`);
  }
  return problems;
}

/**
 * Scale-in after the peak: an online decrease (not a brownout) at slot t keeps at least the need of
 * every slot in the trailing stabilization window, and never goes below what the observed rate
 * needs in the first window.
 */
export function scaleInViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  const window = Math.ceil(input.settings.scaleInStabilizationMs / input.settings.slotMs);
  for (const workload of input.inventory.online) {
    const replicas = series(plan, workload.name);
    const need = plan.explanation?.workloads[workload.name]?.needReplicas;
    const causes = plan.explanation?.workloads[workload.name]?.causes;
    if (need === undefined) continue;
    for (let t = 1; t < plan.slotCount; t++) {
      if ((replicas[t] as number) >= (replicas[t - 1] as number) || causes?.[t] === BROWNOUT) continue;
      for (let u = Math.max(0, t - window); u <= t; u++) {
        if ((need[u] as number) > (replicas[t] as number)) {
          problems.push(`${workload.name} scales in to ${replicas[t] as number} at slot ${t} though slot ${u} (inside the stabilization window) needed ${need[u] as number}`);
          break;
        }
      }
    }
  }
  return problems;
}

/**
 * Pre-provisioned pools: the nodes the online replicas of slot t take (their CPU and memory over the
 * node size) were already asked for one provisioning time plus the apply latency earlier, and placeholders are whole,
 * non-negative and never ask for more than the pool's maximum.
 */
export function preProvisionViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  const problems: string[] = [];
  for (const pool of input.inventory.nodePools) {
    if (pool.elastic?.placeholders === undefined) continue;
    const placeholders = plan.placeholders?.[pool.name];
    if (placeholders === undefined) {
      problems.push(`pool ${pool.name} has placeholders configured but the plan has no placeholder series`);
      continue;
    }
    const nodes = series(plan, pool.name);
    const bounds = poolBounds(input, pool);
    const provisioningSlots = Math.ceil(((input.settings.nodeProvisioningMs ?? pool.elastic.provisioningMs) + input.settings.applyLatencyMs) / plan.slotMs);
    for (let t = 0; t < plan.slotCount; t++) {
      let cpu = 0;
      let memory = 0;
      for (const workload of input.inventory.online) {
        const on = placedOn(input, plan, workload, pool, t);
        cpu += on * workload.perReplica.cpuMillicores;
        memory += on * workload.perReplica.memoryBytes;
      }
      const taken = Math.max(bounds.min, Math.ceil(Math.max(cpu / pool.perNode.cpuMillicores, memory / pool.perNode.memoryBytes) - 1e-9));
      const askedAt = t - provisioningSlots;
      if (askedAt >= 0 && (nodes[askedAt] as number) < Math.min(taken, bounds.max)) {
        problems.push(`pool ${pool.name}: slot ${t} takes ${taken} nodes but slot ${askedAt} (one provisioning time before) asked for ${nodes[askedAt] as number}`);
      }
      const held = placeholders[t] as number;
      if (!Number.isInteger(held) || held < 0 || taken + held > Math.max(bounds.max, taken)) problems.push(`pool ${pool.name} slot ${t}: ${held} placeholders with ${taken} nodes taken (max ${bounds.max})`);
    }
  }
  return problems;
}

export function allViolations(input: PlanningInput, plan: CapacityPlan): string[] {
  return [
    ...fitViolations(input, plan),
    ...boundViolations(input, plan),
    ...needViolations(input, plan),
    ...shortfallViolations(input, plan),
    ...eventViolations(input, plan),
    ...leadViolations(input, plan),
    ...drainViolations(input, plan),
    ...stepConsistencyViolations(input, plan),
    ...scaleInViolations(input, plan),
    ...preProvisionViolations(input, plan),
  ];
}
