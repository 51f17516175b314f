/**
 * Small hand-built inventories, plans and snapshots for the controller's tests. Synthetic: the
 * numbers are chosen to make each rule visible, not taken from any real system.
 */
import type { CapacityPlan, PlanStep, ReasonCode, StepDirection } from '../../../src/domain/plan.ts';
import type { Inventory, OfflineWorkload, OnlineWorkload, WorkloadRef } from '../../../src/domain/workload.ts';
import type { ClusterSnapshot, WorkloadState } from '../../../src/ports/cluster.ts';

export const T0 = Date.UTC(2024, 10, 11, 11, 50, 0);
export const SLOT_MS = 60_000;
export const GIB = 1024 ** 3;

function ref(apiKind: WorkloadRef['apiKind'], name: string, namespace = 'pay'): WorkloadRef {
  return { apiKind, namespace, name };
}

export function online(name: string, overrides: Partial<OnlineWorkload> = {}): OnlineWorkload {
  return {
    class: 'online', name, ref: ref('Deployment', name), rpsPerReplica: 100,
    perReplica: { cpuMillicores: 1000, memoryBytes: GIB }, startup: { p50Ms: 20_000, p95Ms: 45_000 },
    minReplicas: 2, maxReplicas: 200, priority: 10, demandQuantile: 0.99, ...overrides,
  };
}

export function offline(name: string, overrides: Partial<OfflineWorkload> = {}): OfflineWorkload {
  return {
    class: 'offline', name, ref: ref('Deployment', name, 'batch'), priority: 1, minReplicas: 0, maxReplicas: 100,
    perReplica: { cpuMillicores: 1000, memoryBytes: GIB }, drainMs: 60_000, ...overrides,
  };
}

/** pay (Deployment), refund (HPA-managed), etl (Deployment, drain 60 s), settle (Job), reports (CronJob). */
export function standardInventory(options: { etlDrainMs?: number; nodes?: number } = {}): Inventory {
  return {
    online: [
      online('pay', { priority: 10 }),
      online('refund', { priority: 5, hpaName: 'refund-hpa', minReplicas: 3 }),
    ],
    offline: [
      offline('etl', { priority: 1, drainMs: options.etlDrainMs ?? 60_000 }),
      offline('settle', { priority: 2, drainMs: 30_000, ref: ref('Job', 'settle', 'batch') }),
      offline('reports', { priority: 0, drainMs: 0, maxReplicas: 1, ref: ref('CronJob', 'reports', 'batch') }),
    ],
    nodePools: [{ name: 'general', perNode: { cpuMillicores: 8000, memoryBytes: 32 * GIB }, baseNodes: options.nodes ?? 10, costPerNodeHour: 1 }],
  };
}

export interface StateSpec {
  desired: number;
  ready?: number;
  terminating?: number;
  hpa?: { min: number; max?: number; current?: number };
  annotations?: Record<string, string>;
}

export function snapshotOf(inventory: Inventory, states: Record<string, StateSpec>, options: { atMs?: number; pools?: ClusterSnapshot['nodePools'] } = {}): ClusterSnapshot {
  const workloads: WorkloadState[] = [];
  for (const workload of [...inventory.online, ...inventory.offline]) {
    const spec = states[workload.name];
    if (spec === undefined) continue;
    workloads.push({
      ref: workload.ref,
      desiredReplicas: spec.desired,
      readyReplicas: spec.ready ?? spec.desired,
      ...(spec.terminating !== undefined ? { terminatingReplicas: spec.terminating } : {}),
      ...(spec.hpa !== undefined ? {
        hpa: { name: `${workload.name}-hpa`, minReplicas: spec.hpa.min, maxReplicas: spec.hpa.max ?? 100, currentReplicas: spec.hpa.current ?? spec.desired },
      } : {}),
      annotations: spec.annotations ?? {},
    });
  }
  const nodePools = options.pools ?? inventory.nodePools.map((pool) => ({
    pool: pool.name, readyNodes: pool.baseNodes, provisioningNodes: 0,
    allocatableCpuMillicores: pool.baseNodes * pool.perNode.cpuMillicores, allocatableMemoryBytes: pool.baseNodes * pool.perNode.memoryBytes,
  }));
  return { takenAtMs: options.atMs ?? T0, workloads, nodePools };
}

export interface StepSpec {
  workload: string;
  /** Slot the change serves. */
  slot: number;
  from: number;
  to: number;
  /** How long before the slot start the write is due. */
  leadMs?: number;
  reason?: ReasonCode;
}

/**
 * The planner's arrays hold what must be *written* at each slot, lead time included: slot t holds
 * the highest level needed in [t, t + lead] for an increase, and a decrease shows up lead-early too.
 * `served` is what must be Ready at each slot.
 */
function writtenLevels(served: number[], leadMs: number): Int32Array {
  const leadSlots = Math.ceil(leadMs / SLOT_MS);
  return Int32Array.from(served, (_, slot) => {
    const window = served.slice(slot, Math.min(served.length, slot + leadSlots + 1));
    const increase = Math.max(...window);
    const last = window[window.length - 1] as number;
    // Decreases (offline releases) take effect lead-early; increases hold the window's peak.
    return increase > (served[slot] as number) ? increase : Math.min(served[slot] as number, last);
  });
}

/**
 * A plan from per-slot replica arrays (what must be Ready at each slot); steps are derived from each change between slots
 * (lead time subtracted) unless given explicitly.
 */
export function planOf(options: {
  id?: string;
  replicas: Record<string, number[]>;
  nodes?: Record<string, number[]>;
  leadMs?: Record<string, number>;
  startMs?: number;
}): CapacityPlan {
  const startMs = options.startMs ?? T0;
  const id = options.id ?? 'plan-1';
  const slotCount = Math.max(...Object.values(options.replicas).map((series) => series.length), ...Object.values(options.nodes ?? {}).map((series) => series.length));
  const steps: PlanStep[] = [];
  for (const [name, series] of [...Object.entries(options.replicas), ...Object.entries(options.nodes ?? {})]) {
    for (let slot = 1; slot < series.length; slot += 1) {
      const from = series[slot - 1] as number;
      const to = series[slot] as number;
      if (from === to) continue;
      const direction: StepDirection = to < from ? 'release' : 'acquire';
      const readyByMs = startMs + slot * SLOT_MS;
      const leadMs = direction === 'acquire' ? (options.leadMs?.[name] ?? 0) : (options.leadMs?.[name] ?? 0);
      steps.push({
        id: `${name}@${slot}`, workload: name, effectiveAtMs: readyByMs - leadMs, readyByMs, fromReplicas: from, toReplicas: to,
        direction, reason: direction === 'acquire' ? 'forecast-increase' : 'offline-release',
        message: `${name} ${from}→${to} for slot ${slot}`,
      });
    }
  }
  return {
    id, createdAtMs: startMs - SLOT_MS, startMs, slotMs: SLOT_MS, slotCount,
    replicas: Object.fromEntries(Object.entries(options.replicas).map(([name, series]) => [name, writtenLevels(series, options.leadMs?.[name] ?? 0)])),
    nodes: Object.fromEntries(Object.entries(options.nodes ?? {}).map(([name, series]) => [name, Int32Array.from(series)])),
    steps, shortfalls: [], brownoutOrder: [],
  };
}

/**
 * etl gives 6 replicas back at slot 1 for pay's peak at slot 3, written 150 s ahead: at slot 1
 * pay is due, and waiting out etl's 60 s drain still leaves its 45 s startup Ready in time, so
 * on a full cluster (3 nodes: pay 4 + etl 20 = 24 cores) pay's acquire waits for the drain.
 */
export const LATER_PEAK = { replicas: { pay: [4, 4, 4, 10], etl: [20, 14, 14, 14] }, leadMs: { pay: 150_000 } };
