/**
 * The planning input checked and resolved into the shape the algorithm works on: slots, pools with
 * their node bounds, workloads grouped per pool in allocation order. Bad input is refused here with
 * an `InputError` naming the field, so the algorithm itself never meets a NaN or a dangling name.
 */
import { InputError } from '../domain/errors.ts';
import { eligiblePools } from '../domain/pool-eligibility.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../domain/workload.ts';
import type { PlanningInput } from './planning-input.ts';

const SOURCE = 'planning input';

export interface PoolModel {
  readonly pool: NodePool;
  readonly index: number;
  /** Nodes the pool keeps (elastic: base; fixed: what is there). */
  readonly minNodes: number;
  /** Nodes the pool may reach (elastic: base + elastic.maxNodes). */
  readonly maxNodes: number;
  /** Nodes there or on their way now: the pool grows when it needs more than this. */
  readonly currentNodes: number;
  /** Nodes Ready now: offline may count only on these until new nodes have had time to come up. */
  readonly readyNodesNow: number;
  readonly provisioningMs: number;
  readonly elastic: boolean;
  /**
   * Elastic pool pre-provisioned through placeholder pods: the plan asks for its nodes a
   * provisioning time ahead, so online increases there need no node provisioning in their lead.
   */
  readonly preProvisioned: boolean;
  /** Indices into `online` that may use this pool, highest priority first (ties by name). */
  readonly online: number[];
  /** Indices into `offline`, highest priority first (ties by name). */
  readonly offline: number[];
}

export interface PlanningModel {
  readonly nowMs: number;
  readonly startMs: number;
  readonly slotMs: number;
  readonly slotCount: number;
  readonly applyLatencyMs: number;
  readonly stabilizationSlots: number;
  readonly stepIntervalSlots: number;
  readonly displayTimeZone: string;
  readonly online: readonly OnlineWorkload[];
  readonly offline: readonly OfflineWorkload[];
  /** Home pool of each online workload: the first it may use (fill order, see pool-eligibility.ts). */
  readonly onlinePool: Int32Array;
  /** Pools each online workload may use, in fill order (fixed pools, then elastic ones). */
  readonly onlineEligible: readonly (readonly number[])[];
  /** Online indices, highest priority first (ties by name): the allocation order across pools. */
  readonly onlineOrder: readonly number[];
  /** The pool of each offline workload (offline never spills: it only gets what online leaves). */
  readonly offlinePool: Int32Array;
  readonly pools: readonly PoolModel[];
  /** Online names, lowest priority first (ties by name): the stated brownout order. */
  readonly brownoutOrder: readonly string[];
}

export function slotStartMs(model: Pick<PlanningModel, 'startMs' | 'slotMs'>, slot: number): number {
  return model.startMs + slot * model.slotMs;
}

function fail(message: string, field: string): never {
  throw new InputError(message, { source: SOURCE, field });
}

function requireNumber(value: number, field: string, options: { min?: number; integer?: boolean; positive?: boolean } = {}): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`expected a finite number, got ${String(value)}`, field);
  if (options.integer === true && !Number.isInteger(value)) fail(`expected an integer, got ${value}`, field);
  if (options.positive === true && value <= 0) fail(`expected a value > 0, got ${value}`, field);
  if (options.min !== undefined && value < options.min) fail(`expected a value ≥ ${options.min}, got ${value}`, field);
}

function byPriorityDescThenName(a: { priority: number; name: string }, b: { priority: number; name: string }): number {
  return b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export function buildPlanningModel(input: PlanningInput): PlanningModel {
  const { settings, inventory, observed } = input;
  requireNumber(input.nowMs, 'nowMs');
  requireNumber(settings.slotMs, 'settings.slotMs', { integer: true, positive: true });
  requireNumber(settings.horizonMs, 'settings.horizonMs', { positive: true });
  if (settings.horizonMs < settings.slotMs) fail(`horizon ${settings.horizonMs} ms is shorter than one slot (${settings.slotMs} ms)`, 'settings.horizonMs');
  requireNumber(settings.applyLatencyMs, 'settings.applyLatencyMs', { min: 0 });
  requireNumber(settings.scaleInStabilizationMs, 'settings.scaleInStabilizationMs', { min: 0 });
  if (settings.nodeProvisioningMs !== undefined) requireNumber(settings.nodeProvisioningMs, 'settings.nodeProvisioningMs', { min: 0 });
  if (settings.minStepIntervalMs !== undefined) requireNumber(settings.minStepIntervalMs, 'settings.minStepIntervalMs', { positive: true });
  if (typeof settings.planId !== 'string' || settings.planId.length === 0) fail('expected a non-empty plan id', 'settings.planId');

  const slotMs = settings.slotMs;
  const slotCount = Math.ceil(settings.horizonMs / slotMs);
  // Slots sit on multiples of the slot width, so re-planning a minute later keeps the same slot
  // starts, the same `readyByMs` and therefore the same step ids.
  const startMs = Math.floor(input.nowMs / slotMs) * slotMs;

  const names = new Map<string, string>();
  const claim = (name: string, field: string): void => {
    if (typeof name !== 'string' || name.length === 0) fail('expected a non-empty name', field);
    const previous = names.get(name);
    if (previous !== undefined) fail(`name "${name}" is used twice (also at ${previous}); workload and pool names must be unique`, field);
    names.set(name, field);
  };

  if (inventory.nodePools.length === 0 && (inventory.online.length > 0 || inventory.offline.length > 0)) {
    fail('no node pool: workloads need at least one pool to run on', 'inventory.nodePools');
  }
  const poolIndex = new Map<string, number>();
  const pools: PoolModel[] = inventory.nodePools.map((pool, index) => {
    const field = `inventory.nodePools[${index}]`;
    claim(pool.name, `${field}.name`);
    requireNumber(pool.perNode.cpuMillicores, `${field}.perNode.cpuMillicores`, { positive: true });
    requireNumber(pool.perNode.memoryBytes, `${field}.perNode.memoryBytes`, { positive: true });
    requireNumber(pool.baseNodes, `${field}.baseNodes`, { integer: true, min: 0 });
    const seen = observed.nodePools[pool.name];
    if (seen !== undefined) {
      requireNumber(seen.readyNodes, `observed.nodePools.${pool.name}.readyNodes`, { integer: true, min: 0 });
      requireNumber(seen.provisioningNodes, `observed.nodePools.${pool.name}.provisioningNodes`, { integer: true, min: 0 });
    }
    const elastic = pool.elastic !== undefined;
    if (pool.elastic !== undefined) {
      requireNumber(pool.elastic.maxNodes, `${field}.elastic.maxNodes`, { integer: true, min: 0 });
      requireNumber(pool.elastic.provisioningMs, `${field}.elastic.provisioningMs`, { min: 0 });
    }
    const observedNodes = seen === undefined ? undefined : seen.readyNodes + seen.provisioningNodes;
    // A fixed pool has what is there (a failed node shrinks it); an elastic pool keeps its base and
    // may add `elastic.maxNodes` on top (the config's meaning of maxNodes).
    const minNodes = elastic ? pool.baseNodes : observedNodes ?? pool.baseNodes;
    const maxNodes = elastic ? pool.baseNodes + (pool.elastic?.maxNodes ?? 0) : minNodes;
    poolIndex.set(pool.name, index);
    return {
      pool,
      index,
      minNodes,
      maxNodes,
      currentNodes: observedNodes ?? pool.baseNodes,
      readyNodesNow: Math.min(seen?.readyNodes ?? pool.baseNodes, maxNodes),
      provisioningMs: elastic ? settings.nodeProvisioningMs ?? pool.elastic?.provisioningMs ?? 0 : 0,
      elastic,
      preProvisioned: elastic && pool.elastic?.placeholders !== undefined,
      online: [],
      offline: [],
    };
  });

  // Pools a workload may use: its pin, or every pool whose labels and taints admit it and whose
  // node holds one replica. None is an input error naming the workload (the config catches it first).
  const resolvePools = (workload: OnlineWorkload | OfflineWorkload, field: string): number[] => {
    requireNumber(workload.perReplica.cpuMillicores, `${field}.perReplica.cpuMillicores`, { min: 0 });
    requireNumber(workload.perReplica.memoryBytes, `${field}.perReplica.memoryBytes`, { min: 0 });
    if (workload.nodePool !== undefined && !poolIndex.has(workload.nodePool)) {
      fail(`unknown node pool "${workload.nodePool}" (pools: ${[...poolIndex.keys()].join(', ')})`, `${field}.nodePool`);
    }
    const eligible = eligiblePools(workload, inventory.nodePools);
    if (eligible.length === 0) {
      fail(`one replica (${workload.perReplica.cpuMillicores}m CPU, ${workload.perReplica.memoryBytes} B memory) does not fit on a node of any pool its placement allows`, `${field}.perReplica`);
    }
    return eligible;
  };

  const onlinePool = new Int32Array(inventory.online.length);
  const onlineEligible: number[][] = new Array<number[]>(inventory.online.length);
  inventory.online.forEach((workload, index) => {
    const field = `inventory.online[${index}]`;
    claim(workload.name, `${field}.name`);
    requireNumber(workload.rpsPerReplica, `${field}.rpsPerReplica`, { positive: true });
    requireNumber(workload.minReplicas, `${field}.minReplicas`, { integer: true, min: 0 });
    requireNumber(workload.maxReplicas, `${field}.maxReplicas`, { integer: true, min: workload.minReplicas });
    requireNumber(workload.priority, `${field}.priority`);
    requireNumber(workload.demandQuantile, `${field}.demandQuantile`, { positive: true });
    if (workload.demandQuantile >= 1) fail(`expected a quantile in (0, 1), got ${workload.demandQuantile}`, `${field}.demandQuantile`);
    requireNumber(workload.startup.p95Ms, `${field}.startup.p95Ms`, { min: 0 });
    const eligible = resolvePools(workload, field);
    onlineEligible[index] = eligible;
    onlinePool[index] = eligible[0] as number;
    for (const pool of eligible) (pools[pool] as PoolModel).online.push(index);
    const seen = observed.workloads[workload.name];
    if (seen !== undefined) requireNumber(seen.desiredReplicas, `observed.workloads.${workload.name}.desiredReplicas`, { integer: true, min: 0 });
    const rps = observed.demandRps[workload.name];
    if (rps !== undefined) requireNumber(rps, `observed.demandRps.${workload.name}`, { min: 0 });
  });

  const offlinePool = new Int32Array(inventory.offline.length);
  inventory.offline.forEach((workload, index) => {
    const field = `inventory.offline[${index}]`;
    claim(workload.name, `${field}.name`);
    requireNumber(workload.minReplicas, `${field}.minReplicas`, { integer: true, min: 0 });
    requireNumber(workload.maxReplicas, `${field}.maxReplicas`, { integer: true, min: workload.minReplicas });
    requireNumber(workload.priority, `${field}.priority`);
    requireNumber(workload.drainMs, `${field}.drainMs`, { min: 0 });
    if (workload.workCoreHours !== undefined) requireNumber(workload.workCoreHours, `${field}.workCoreHours`, { min: 0 });
    if (workload.deadlineMs !== undefined) requireNumber(workload.deadlineMs, `${field}.deadlineMs`);
    const pool = resolvePools(workload, field)[0] as number;
    offlinePool[index] = pool;
    (pools[pool] as PoolModel).offline.push(index);
    const seen = observed.workloads[workload.name];
    if (seen !== undefined) requireNumber(seen.desiredReplicas, `observed.workloads.${workload.name}.desiredReplicas`, { integer: true, min: 0 });
    const remaining = observed.offlineRemainingCoreHours[workload.name];
    if (remaining !== undefined) requireNumber(remaining, `observed.offlineRemainingCoreHours.${workload.name}`, { min: 0 });
  });

  // Online minimums that do not fit are not refused here: the allocation gives them what fits,
  // lowest priority last, and the plan reports the shortfall with its brownout order.
  for (const pool of pools) {
    pool.online.sort((a, b) => byPriorityDescThenName(inventory.online[a] as OnlineWorkload, inventory.online[b] as OnlineWorkload));
    pool.offline.sort((a, b) => byPriorityDescThenName(inventory.offline[a] as OfflineWorkload, inventory.offline[b] as OfflineWorkload));
  }
  const onlineOrder = inventory.online.map((_, index) => index)
    .sort((a, b) => byPriorityDescThenName(inventory.online[a] as OnlineWorkload, inventory.online[b] as OnlineWorkload));

  const brownoutOrder = [...inventory.online]
    .sort((a, b) => -byPriorityDescThenName(a, b))
    .map((workload) => workload.name);

  const displayTimeZone = settings.displayTimeZone ?? 'UTC';
  return {
    nowMs: input.nowMs,
    startMs,
    slotMs,
    slotCount,
    applyLatencyMs: settings.applyLatencyMs,
    stabilizationSlots: Math.ceil(settings.scaleInStabilizationMs / slotMs),
    stepIntervalSlots: Math.max(1, Math.ceil((settings.minStepIntervalMs ?? slotMs) / slotMs)),
    displayTimeZone,
    online: inventory.online,
    offline: inventory.offline,
    onlinePool,
    onlineEligible,
    onlineOrder,
    offlinePool,
    pools,
    brownoutOrder,
  };
}
