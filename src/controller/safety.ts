/**
 * Safety checks that refuse a tick before anything is written. A refused tick writes nothing (no
 * half-applied plan) and says why, so an operator can fix the plan, the inventory or the policy.
 */
import type { CapacityPlan } from '../domain/plan.ts';
import type { Inventory, Workload } from '../domain/workload.ts';
import type { ClusterSnapshot } from '../ports/cluster.ts';
import type { Refusal, ResolvedTarget } from './decision.ts';

export interface SafetyPolicy {
  /** Namespaces the controller may write to; undefined or empty = any namespace. */
  readonly namespaceAllowlist?: readonly string[];
  /**
   * Largest change of one workload's replicas in one tick; a bigger jump is treated as a bug
   * (a unit error in a plan, a runaway forecast) and refused. @defaultValue 1000
   */
  readonly maxStepReplicas: number;
}

export const DEFAULT_SAFETY_POLICY: SafetyPolicy = { maxStepReplicas: 1000 };

export interface SafetyInput {
  readonly plan: CapacityPlan | undefined;
  readonly inventory: Inventory;
  readonly snapshot: ClusterSnapshot;
  readonly nowMs: number;
  readonly targets: readonly ResolvedTarget[];
  readonly policy: SafetyPolicy;
}

export function checkSafety(input: SafetyInput): Refusal[] {
  return [...checkTargets(input), ...checkCapacity(input)];
}

function checkTargets({ plan, targets, policy, nowMs }: SafetyInput): Refusal[] {
  const refusals: Refusal[] = [];
  const allow = policy.namespaceAllowlist !== undefined && policy.namespaceAllowlist.length > 0
    ? new Set(policy.namespaceAllowlist)
    : undefined;
  const planLabel = plan === undefined ? 'the guard' : `plan ${plan.id}`;
  const at = new Date(nowMs).toISOString();
  for (const target of targets) {
    const workload = target.workload;
    if (workload === undefined) continue;
    if (allow !== undefined && !allow.has(workload.ref.namespace)) {
      refusals.push({
        code: 'namespace-not-allowed',
        target: target.name,
        message: `${workload.name} is in namespace "${workload.ref.namespace}", which is not in the allowlist (${[...allow].join(', ')})`,
      });
    }
    const requested = target.requested;
    if (requested < 0 || !Number.isInteger(requested)) {
      refusals.push({ code: 'invalid-replicas', target: target.name, message: `${planLabel} asks for ${requested} replicas of ${workload.name}; replicas are whole numbers ≥ 0` });
    }
    // Below the minimum is refused unless the plan itself states it: a shortfall at this slot is a
    // planned brownout (the pools cannot hold the minimum), and writing it beats refusing every write.
    if (workload.class === 'online' && requested < workload.minReplicas && !plannedShortfall(plan, workload.name, nowMs)) {
      refusals.push({
        code: 'online-below-min',
        target: target.name,
        message: `${planLabel} puts online ${workload.name} at ${requested} replicas at ${at}, below its minimum of ${workload.minReplicas}`,
      });
    }
    if (kindLimit(workload, requested) > workload.maxReplicas) {
      refusals.push({
        code: 'above-max',
        target: target.name,
        message: `${planLabel} puts ${workload.name} at ${requested} replicas at ${at}, above its maximum of ${workload.maxReplicas}`,
      });
    }
    const jump = Math.abs(target.target - target.current);
    if (jump > policy.maxStepReplicas) {
      refusals.push({
        code: 'step-too-large',
        target: target.name,
        message: `${planLabel} moves ${workload.name} from ${target.current} to ${target.target} replicas in one step (${jump} > maxStepReplicas ${policy.maxStepReplicas})`,
      });
    }
  }
  return refusals;
}

function plannedShortfall(plan: CapacityPlan | undefined, name: string, nowMs: number): boolean {
  if (plan === undefined) return false;
  const slot = Math.min(plan.slotCount - 1, Math.max(0, Math.floor((nowMs - plan.startMs) / plan.slotMs)));
  return plan.shortfalls.some((item) => item.workload === name && item.slotIndex === slot);
}

/** CronJob targets are 0/1 (suspend or not); compare the others as replicas. */
function kindLimit(workload: Workload, replicas: number): number {
  return workload.ref.apiKind === 'CronJob' ? Math.min(replicas, 1) : replicas;
}

interface Resources { cpuMillicores: number; memoryBytes: number }

/**
 * The targets (plus what unplanned managed workloads hold now) must fit the cluster: in total, and
 * on each pool that workloads are pinned to. A pool's capacity is the larger of what the snapshot
 * reports allocatable and what the plan's node count for it would give (nodes being provisioned
 * for the slot count). Without any pool information the check cannot judge and passes.
 */
function checkCapacity({ plan, inventory, snapshot, targets, nowMs }: SafetyInput): Refusal[] {
  const capacityByPool = poolCapacities(inventory, snapshot, targets, plan, nowMs);
  if (capacityByPool.size === 0) return [];
  const targetByName = new Map(targets.map((target) => [target.name, target] as const));
  const stateByRef = new Map(snapshot.workloads.map((state) => [refKey(state.ref), state] as const));
  const demandByPool = new Map<string | undefined, Resources>();
  const total: Resources = { cpuMillicores: 0, memoryBytes: 0 };
  for (const workload of [...inventory.online, ...inventory.offline]) {
    const resolved = targetByName.get(workload.name);
    const replicas = resolved !== undefined
      ? kindLimitHeld(workload, resolved.target)
      : kindLimitHeld(workload, stateByRef.get(refKey(workload.ref))?.desiredReplicas ?? 0);
    const cpu = replicas * workload.perReplica.cpuMillicores;
    const memory = replicas * workload.perReplica.memoryBytes;
    total.cpuMillicores += cpu;
    total.memoryBytes += memory;
    const pooled = demandByPool.get(workload.nodePool) ?? { cpuMillicores: 0, memoryBytes: 0 };
    pooled.cpuMillicores += cpu;
    pooled.memoryBytes += memory;
    demandByPool.set(workload.nodePool, pooled);
  }
  const refusals: Refusal[] = [];
  const label = plan === undefined ? 'targets' : `plan ${plan.id} targets`;
  const totalCapacity = sumResources([...capacityByPool.values()]);
  const over = describeExcess(total, totalCapacity);
  if (over !== undefined) {
    refusals.push({ code: 'capacity-exceeded', message: `${label} need ${over} the cluster can hold` });
  }
  for (const [pool, demand] of [...demandByPool].sort(([a], [b]) => String(a).localeCompare(String(b)))) {
    if (pool === undefined) continue;
    const capacity = capacityByPool.get(pool) ?? { cpuMillicores: 0, memoryBytes: 0 };
    const poolOver = describeExcess(demand, capacity);
    if (poolOver !== undefined) {
      refusals.push({ code: 'capacity-exceeded', target: pool, message: `${label} pinned to pool ${pool} need ${poolOver} the pool can hold` });
    }
  }
  return refusals;
}

function kindLimitHeld(workload: Workload, replicas: number): number {
  return Math.max(0, kindLimit(workload, replicas));
}

function poolCapacities(inventory: Inventory, snapshot: ClusterSnapshot, targets: readonly ResolvedTarget[], plan: CapacityPlan | undefined, nowMs: number): Map<string, Resources> {
  const capacities = new Map<string, Resources>();
  for (const pool of snapshot.nodePools) {
    capacities.set(pool.pool, { cpuMillicores: pool.allocatableCpuMillicores, memoryBytes: pool.allocatableMemoryBytes });
  }
  const plannedNodes = new Map(targets.filter((target) => target.class === 'pool').map((target) => [target.name, target.target] as const));
  for (const pool of inventory.nodePools) {
    // A pre-provisioned pool has no node target (its nodes come from the node autoscaler, asked
    // for by placeholder pods): the plan's node count now is what is on its way.
    const nodes = plannedNodes.get(pool.name) ?? (pool.elastic?.placeholders !== undefined ? planNodesNow(plan, pool.name, nowMs) : undefined) ?? pool.baseNodes;
    const fromPlan = { cpuMillicores: nodes * pool.perNode.cpuMillicores, memoryBytes: nodes * pool.perNode.memoryBytes };
    const fromSnapshot = capacities.get(pool.name);
    capacities.set(pool.name, fromSnapshot === undefined ? fromPlan : {
      cpuMillicores: Math.max(fromSnapshot.cpuMillicores, fromPlan.cpuMillicores),
      memoryBytes: Math.max(fromSnapshot.memoryBytes, fromPlan.memoryBytes),
    });
  }
  return capacities;
}

function planNodesNow(plan: CapacityPlan | undefined, pool: string, nowMs: number): number | undefined {
  const series = plan?.nodes[pool];
  if (plan === undefined || series === undefined || series.length === 0) return undefined;
  const slot = Math.min(series.length - 1, Math.max(0, Math.floor((nowMs - plan.startMs) / plan.slotMs)));
  return series[slot];
}

function sumResources(list: readonly Resources[]): Resources {
  return list.reduce((sum, item) => ({ cpuMillicores: sum.cpuMillicores + item.cpuMillicores, memoryBytes: sum.memoryBytes + item.memoryBytes }), { cpuMillicores: 0, memoryBytes: 0 });
}

function describeExcess(demand: Resources, capacity: Resources): string | undefined {
  const parts: string[] = [];
  if (demand.cpuMillicores > capacity.cpuMillicores) {
    parts.push(`${formatCores(demand.cpuMillicores)} CPU but only ${formatCores(capacity.cpuMillicores)}`);
  }
  if (demand.memoryBytes > capacity.memoryBytes) {
    parts.push(`${formatGiB(demand.memoryBytes)} memory but only ${formatGiB(capacity.memoryBytes)}`);
  }
  return parts.length === 0 ? undefined : parts.join(' and ');
}

function formatCores(millicores: number): string {
  return `${(millicores / 1000).toFixed(1)} cores`;
}

function formatGiB(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export function refKey(ref: { readonly apiKind: string; readonly namespace: string; readonly name: string }): string {
  return `${ref.apiKind}/${ref.namespace}/${ref.name}`;
}
