/**
 * A synthetic grand shift for the fault suite (made-up numbers, not real traffic): online services
 * at a low baseline, offline batch work filling the rest of one node pool, then a forecast peak at
 * `peakAtMs` that online can only meet once offline gives its capacity back. The plan comes from
 * the real planner on hand-built forecasts, with sub-second slots so a whole shift runs in seconds.
 *
 * The kinds are mixed so every write path of the Kubernetes adapter is exercised: online
 * Deployments, StatefulSets and HPA-managed Deployments (the controller raises the HPA floor);
 * offline Deployments and Jobs (parallelism).
 */
import type { Forecast } from '../../../src/domain/forecast.ts';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import type { Inventory, OfflineWorkload, OnlineWorkload, WorkloadRef } from '../../../src/domain/workload.ts';
import { emptyObservedState, planCapacity } from '../../../src/planner/index.ts';

const MIB = 1024 ** 2;
const RPS_PER_REPLICA = 100;
const REPLICA_CPU_MILLICORES = 500;
const REPLICA_MEMORY_BYTES = 256 * MIB;
/** Nodes of four replicas keep the rounding slack small: the peak really needs offline's room. */
const REPLICAS_PER_NODE = 4;

export const ONLINE_NAMESPACE = 'shop';
export const OFFLINE_NAMESPACE = 'batch';

export interface GrandShiftOptions {
  /** Online + offline workloads; half of each. */
  readonly workloads: number;
  /** When the plan is made (epoch ms). */
  readonly nowMs: number;
  /** Start of the forecast peak. @defaultValue nowMs + 3 s */
  readonly peakAtMs?: number;
  /** @defaultValue 500 ms */
  readonly slotMs?: number;
  /** Pod startup p50 = p95. @defaultValue 300 ms */
  readonly startupMs?: number;
  /** Offline drain = terminationGracePeriod (whole seconds in Kubernetes). @defaultValue 1 s */
  readonly drainMs?: number;
  /** @defaultValue 'plan-fault-shift' */
  readonly planId?: string;
  /** How long the peak lasts, in slots. @defaultValue 600 (past any run) */
  readonly peakSlots?: number;
}

export interface GrandShift {
  readonly inventory: Inventory;
  readonly plan: CapacityPlan;
  readonly peakAtMs: number;
  /** Replicas (or HPA floor / Job parallelism) each workload must hold once the shift is done. */
  readonly peakLevels: ReadonlyMap<string, number>;
  /** Replicas each workload holds before the shift. */
  readonly startLevels: ReadonlyMap<string, number>;
  /** CPU of the one pool, millicores. */
  readonly capacityCpuMillicores: number;
}

const ONLINE_BASE = 1;
const ONLINE_PEAK = 3;
const OFFLINE_FULL = 4;

function onlineRef(index: number, name: string): WorkloadRef {
  // Every 7th online workload is a StatefulSet (scale subresource of another kind).
  return { apiKind: index % 7 === 3 ? 'StatefulSet' : 'Deployment', namespace: ONLINE_NAMESPACE, name };
}

function offlineRef(index: number, name: string): WorkloadRef {
  // Every 5th offline workload is a Job (parallelism patch instead of the scale subresource).
  return { apiKind: index % 5 === 2 ? 'Job' : 'Deployment', namespace: OFFLINE_NAMESPACE, name };
}

export function grandShift(options: GrandShiftOptions): GrandShift {
  const slotMs = options.slotMs ?? 500;
  const startupMs = options.startupMs ?? 300;
  const drainMs = options.drainMs ?? 1_000;
  const peakAtMs = options.peakAtMs ?? options.nowMs + 3_000;
  const onlineCount = Math.ceil(options.workloads / 2);
  const offlineCount = options.workloads - onlineCount;

  const online: OnlineWorkload[] = Array.from({ length: onlineCount }, (_, index) => {
    const name = `pay-${String(index).padStart(4, '0')}`;
    const ref = onlineRef(index, name);
    return {
      class: 'online',
      name,
      ref,
      // Every 10th online Deployment is managed by an HPA: the controller raises its floor.
      ...(index % 10 === 5 && ref.apiKind === 'Deployment' ? { hpaName: `${name}-hpa` } : {}),
      rpsPerReplica: RPS_PER_REPLICA,
      perReplica: { cpuMillicores: REPLICA_CPU_MILLICORES, memoryBytes: REPLICA_MEMORY_BYTES },
      startup: { p50Ms: startupMs, p95Ms: startupMs },
      minReplicas: ONLINE_BASE,
      maxReplicas: ONLINE_PEAK + 2,
      priority: 100,
      demandQuantile: 0.99,
    };
  });
  const offline: OfflineWorkload[] = Array.from({ length: offlineCount }, (_, index) => {
    const name = `etl-${String(index).padStart(4, '0')}`;
    return {
      class: 'offline',
      name,
      ref: offlineRef(index, name),
      priority: index % 3,
      minReplicas: 0,
      maxReplicas: OFFLINE_FULL,
      perReplica: { cpuMillicores: REPLICA_CPU_MILLICORES, memoryBytes: REPLICA_MEMORY_BYTES },
      drainMs,
    };
  });
  // Room for everything at the start plus half of what online adds at the peak: the other half
  // has to come from offline.
  const replicasAtStart = onlineCount * ONLINE_BASE + offlineCount * OFFLINE_FULL;
  const extraAtPeak = onlineCount * (ONLINE_PEAK - ONLINE_BASE);
  const baseNodes = Math.max(1, Math.ceil((replicasAtStart + Math.ceil(extraAtPeak / 2)) / REPLICAS_PER_NODE));
  const inventory: Inventory = {
    online,
    offline,
    nodePools: [{
      name: 'general',
      perNode: { cpuMillicores: REPLICAS_PER_NODE * REPLICA_CPU_MILLICORES, memoryBytes: REPLICAS_PER_NODE * REPLICA_MEMORY_BYTES },
      baseNodes,
      costPerNodeHour: 1,
    }],
  };

  // The peak lasts long past any run, so the plan never scales back in while a test drives it.
  const peakMs = (options.peakSlots ?? 600) * slotMs;
  const horizonMs = peakAtMs - options.nowMs + peakMs + 20 * slotMs;
  const buckets = Math.ceil(horizonMs / slotMs) + 1;
  const forecasts = new Map<string, Forecast>();
  for (const workload of online) {
    // p99 fills exactly ONLINE_BASE replicas before the peak and ONLINE_PEAK during it.
    const median = Float64Array.from({ length: buckets }, (_, bucket) => {
      const atMs = options.nowMs + bucket * slotMs;
      return (atMs >= peakAtMs && atMs < peakAtMs + peakMs ? ONLINE_PEAK : ONLINE_BASE) * RPS_PER_REPLICA * 0.8;
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
      model: 'synthetic step (fault-suite fixture)',
    });
  }
  const startLevels = new Map<string, number>([
    ...online.map((workload) => [workload.name, ONLINE_BASE] as const),
    ...offline.map((workload) => [workload.name, OFFLINE_FULL] as const),
  ]);
  const plan = planCapacity({
    nowMs: options.nowMs,
    inventory,
    forecasts,
    occurrences: [],
    observed: {
      ...emptyObservedState(),
      workloads: Object.fromEntries([...startLevels].map(([name, replicas]) => [name, { desiredReplicas: replicas, readyReplicas: replicas }])),
    },
    settings: { slotMs, horizonMs, applyLatencyMs: slotMs, scaleInStabilizationMs: 10 * slotMs, planId: options.planId ?? 'plan-fault-shift' },
  });
  const peakSlot = Math.floor((peakAtMs - plan.startMs) / plan.slotMs) + 1;
  const peakLevels = new Map<string, number>(Object.entries(plan.replicas).map(([name, series]) => [name, series[peakSlot] as number]));
  return {
    inventory, plan, peakAtMs, peakLevels, startLevels,
    capacityCpuMillicores: baseNodes * REPLICAS_PER_NODE * REPLICA_CPU_MILLICORES,
  };
}

/** The chuanliu config YAML for a shift's inventory (what `chuanliu apply --config` reads). */
export function shiftConfigYaml(shift: GrandShift, options: { maxStepReplicas?: number } = {}): string {
  const { inventory } = shift;
  const pool = inventory.nodePools[0];
  const mib = (bytes: number): string => `${Math.round(bytes / MIB)}Mi`;
  const lines = [
    '# Synthetic grand-shift inventory (fault-suite fixture; numbers are made up).',
    'planning:',
    `  slot: ${shift.plan.slotMs}ms`,
    'forecast:',
    `  bucket: ${shift.plan.slotMs}ms`,
    'controller:',
    `  namespaces: [${ONLINE_NAMESPACE}, ${OFFLINE_NAMESPACE}]`,
    ...(options.maxStepReplicas !== undefined ? [`  maxStepReplicas: ${options.maxStepReplicas}`] : []),
    'nodePools:',
    `  - name: ${pool?.name}`,
    `    perNode: { cpu: ${pool?.perNode.cpuMillicores}m, memory: ${mib(pool?.perNode.memoryBytes ?? 0)} }`,
    `    baseNodes: ${pool?.baseNodes}`,
    'online:',
    ...inventory.online.flatMap((workload) => [
      `  - name: ${workload.name}`,
      `    ref: { kind: ${workload.ref.apiKind}, namespace: ${workload.ref.namespace} }`,
      ...(workload.hpaName !== undefined ? [`    hpa: ${workload.hpaName}`] : []),
      `    rpsPerReplica: ${workload.rpsPerReplica}`,
      `    perReplica: { cpu: ${workload.perReplica.cpuMillicores}m, memory: ${mib(workload.perReplica.memoryBytes)} }`,
      `    startup: { p50: ${workload.startup.p50Ms}ms, p95: ${workload.startup.p95Ms}ms }`,
      `    minReplicas: ${workload.minReplicas}`,
      `    maxReplicas: ${workload.maxReplicas}`,
    ]),
    'offline:',
    ...inventory.offline.flatMap((workload) => [
      `  - name: ${workload.name}`,
      `    ref: { kind: ${workload.ref.apiKind}, namespace: ${workload.ref.namespace} }`,
      `    priority: ${workload.priority}`,
      `    maxReplicas: ${workload.maxReplicas}`,
      `    perReplica: { cpu: ${workload.perReplica.cpuMillicores}m, memory: ${mib(workload.perReplica.memoryBytes)} }`,
      `    drain: ${workload.drainMs}ms`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
