/**
 * A synthetic grand shift (made-up numbers, not real traffic): online services at a low baseline
 * and offline batch work filling the rest of one node pool, then a forecast peak at `peakAtMs` that
 * online can only meet once offline gives its capacity back. The plan comes from the real planner
 * (`planCapacity`) on hand-built forecasts with short slots, so tests and the grand-shift bench
 * run a whole shift in seconds of wall time.
 *
 * Used by the BullMQ/controller integration tests, the e2e tests and bench/grand-shift.ts.
 */
import type { Forecast } from '../../../../src/domain/forecast.ts';
import type { CapacityPlan } from '../../../../src/domain/plan.ts';
import type { Inventory, OfflineWorkload, OnlineWorkload } from '../../../../src/domain/workload.ts';
import { emptyObservedState, planCapacity } from '../../../../src/planner/index.ts';

const MIB = 1024 ** 2;

export interface SyntheticShiftOptions {
  readonly onlineCount: number;
  readonly offlineCount: number;
  /** When the plan is made (epoch ms). */
  readonly nowMs: number;
  /** Start of the forecast peak: online must be Ready by then. */
  readonly peakAtMs: number;
  /** @defaultValue 1 s */
  readonly slotMs?: number;
  /** Pod startup p50 = p95 (kube-api's emulation starts online pods after p50). @defaultValue 2 s */
  readonly startupMs?: number;
  /** Offline drain (terminationGracePeriod in kube-api). @defaultValue 1 s */
  readonly drainMs?: number;
  /** @defaultValue 500 ms */
  readonly applyLatencyMs?: number;
  /** Replicas per online workload at the baseline and at the peak. @defaultValue 1 → 3 */
  readonly onlineBaseReplicas?: number;
  readonly onlinePeakReplicas?: number;
  /** Offline replicas per workload (full parallelism). @defaultValue 4 */
  readonly offlineReplicas?: number;
  /** @defaultValue 'plan-synthetic' */
  readonly planId?: string;
  /** How long the peak lasts. @defaultValue 60 slots */
  readonly peakMs?: number;
}

export interface SyntheticShift {
  readonly inventory: Inventory;
  readonly plan: CapacityPlan;
  readonly forecasts: ReadonlyMap<string, Forecast>;
  /** The chuanliu config YAML for the same inventory and planning settings. */
  readonly configYaml: string;
}

const RPS_PER_REPLICA = 100;
const REPLICA_CPU_MILLICORES = 500;
const REPLICA_MEMORY_BYTES = 256 * MIB;
// Small nodes (4 replicas each) keep the rounding slack small: the peak really needs offline's room.
const NODE_CPU_MILLICORES = 4 * REPLICA_CPU_MILLICORES;
const NODE_MEMORY_BYTES = 4 * REPLICA_MEMORY_BYTES;

export function onlineName(index: number): string {
  return `pay-${String(index).padStart(4, '0')}`;
}

export function offlineName(index: number): string {
  return `etl-${String(index).padStart(4, '0')}`;
}

export function syntheticShift(options: SyntheticShiftOptions): SyntheticShift {
  const slotMs = options.slotMs ?? 1_000;
  const startupMs = options.startupMs ?? 2_000;
  const drainMs = options.drainMs ?? 1_000;
  const applyLatencyMs = options.applyLatencyMs ?? 500;
  const base = options.onlineBaseReplicas ?? 1;
  const peak = options.onlinePeakReplicas ?? 3;
  const offlineReplicas = options.offlineReplicas ?? 4;
  const peakMs = options.peakMs ?? 60 * slotMs;

  const online: OnlineWorkload[] = Array.from({ length: options.onlineCount }, (_, index) => ({
    class: 'online',
    name: onlineName(index),
    ref: { apiKind: 'Deployment', namespace: 'shop', name: onlineName(index) },
    rpsPerReplica: RPS_PER_REPLICA,
    perReplica: { cpuMillicores: REPLICA_CPU_MILLICORES, memoryBytes: REPLICA_MEMORY_BYTES },
    startup: { p50Ms: startupMs, p95Ms: startupMs },
    minReplicas: base,
    maxReplicas: peak + 2,
    priority: 100,
    demandQuantile: 0.99,
  }));
  const offline: OfflineWorkload[] = Array.from({ length: options.offlineCount }, (_, index) => ({
    class: 'offline',
    name: offlineName(index),
    ref: { apiKind: 'Deployment', namespace: 'batch', name: offlineName(index) },
    priority: 0,
    minReplicas: 0,
    maxReplicas: offlineReplicas,
    perReplica: { cpuMillicores: REPLICA_CPU_MILLICORES, memoryBytes: REPLICA_MEMORY_BYTES },
    drainMs,
  }));
  // Room for online at the baseline and offline at full parallelism, plus half of what online
  // adds at the peak: the other half must come from offline.
  const replicasAtStart = options.onlineCount * base + options.offlineCount * offlineReplicas;
  const extraAtPeak = options.onlineCount * (peak - base);
  const totalReplicas = replicasAtStart + Math.ceil(extraAtPeak / 2);
  const perNode = Math.floor(NODE_CPU_MILLICORES / REPLICA_CPU_MILLICORES);
  const baseNodes = Math.max(1, Math.ceil(totalReplicas / perNode));
  const inventory: Inventory = {
    online,
    offline,
    nodePools: [{ name: 'general', perNode: { cpuMillicores: NODE_CPU_MILLICORES, memoryBytes: NODE_MEMORY_BYTES }, baseNodes, costPerNodeHour: 1 }],
  };

  const horizonMs = options.peakAtMs - options.nowMs + peakMs + 30 * slotMs;
  const buckets = Math.ceil(horizonMs / slotMs) + 1;
  const forecasts = new Map<string, Forecast>();
  for (const workload of online) {
    // p99 exactly fills `base` (before the peak) or `peak` replicas (during it).
    const median = Float64Array.from({ length: buckets }, (_, bucket) => {
      const atMs = options.nowMs + bucket * slotMs;
      const replicas = atMs >= options.peakAtMs && atMs < options.peakAtMs + peakMs ? peak : base;
      return replicas * RPS_PER_REPLICA * 0.8;
    });
    forecasts.set(workload.name, {
      workload: workload.name,
      issuedAtMs: options.nowMs,
      startMs: options.nowMs,
      stepMs: slotMs,
      unit: 'requests/s',
      quantiles: [0.5, 0.99],
      bands: [median, Float64Array.from(median, (value) => value * 1.25)],
      components: [{ kind: 'baseline', name: 'baseline', values: median }],
      model: 'synthetic step (test fixture)',
    });
  }
  const observed = {
    ...emptyObservedState(),
    workloads: Object.fromEntries([
      ...online.map((workload) => [workload.name, { desiredReplicas: base, readyReplicas: base }] as const),
      ...offline.map((workload) => [workload.name, { desiredReplicas: offlineReplicas, readyReplicas: offlineReplicas }] as const),
    ]),
  };
  const plan = planCapacity({
    nowMs: options.nowMs,
    inventory,
    forecasts,
    occurrences: [],
    observed,
    settings: {
      slotMs,
      horizonMs,
      applyLatencyMs,
      scaleInStabilizationMs: 10 * slotMs,
      planId: options.planId ?? 'plan-synthetic',
    },
  });
  return { inventory, plan, forecasts, configYaml: configYaml(inventory, { slotMs, applyLatencyMs }) };
}

function configYaml(inventory: Inventory, settings: { slotMs: number; applyLatencyMs: number }): string {
  const pool = inventory.nodePools[0];
  const lines = [
    '# Synthetic grand-shift inventory (test fixture; numbers are made up).',
    'planning:',
    `  slot: ${settings.slotMs}ms`,
    `  applyLatency: ${settings.applyLatencyMs}ms`,
    'forecast:',
    `  bucket: ${settings.slotMs}ms`,
    'controller:',
    '  namespaces: [shop, batch]',
    'nodePools:',
    `  - name: ${pool?.name}`,
    `    perNode: { cpu: ${pool?.perNode.cpuMillicores}m, memory: ${Math.round((pool?.perNode.memoryBytes ?? 0) / MIB)}Mi }`,
    `    baseNodes: ${pool?.baseNodes}`,
    'online:',
    ...inventory.online.flatMap((workload) => [
      `  - name: ${workload.name}`,
      `    ref: { kind: Deployment, namespace: ${workload.ref.namespace} }`,
      `    rpsPerReplica: ${workload.rpsPerReplica}`,
      `    perReplica: { cpu: ${workload.perReplica.cpuMillicores}m, memory: ${Math.round(workload.perReplica.memoryBytes / MIB)}Mi }`,
      `    startup: { p50: ${workload.startup.p50Ms}ms, p95: ${workload.startup.p95Ms}ms }`,
      `    minReplicas: ${workload.minReplicas}`,
      `    maxReplicas: ${workload.maxReplicas}`,
    ]),
    'offline:',
    ...inventory.offline.flatMap((workload) => [
      `  - name: ${workload.name}`,
      `    ref: { kind: Deployment, namespace: ${workload.ref.namespace} }`,
      `    maxReplicas: ${workload.maxReplicas}`,
      `    perReplica: { cpu: ${workload.perReplica.cpuMillicores}m, memory: ${Math.round(workload.perReplica.memoryBytes / MIB)}Mi }`,
      `    drain: ${workload.drainMs}ms`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
