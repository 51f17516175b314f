/**
 * A synthetic time-sharing shift (made-up numbers, not real traffic) on the real control plane, with
 * every kind of object chuanliu writes: online Deployments under real autoscaling/v2 HPAs (chuanliu
 * raises minReplicas; the real HPA controller scales), an online Deployment and an online StatefulSet
 * without HPA (scale subresource), and offline work as a Deployment, a StatefulSet, a Job
 * (parallelism) and a CronJob (suspend). The nodes hold online at its baseline plus all offline work;
 * at the peak online needs every node, so offline must give all of its room back first.
 *
 * The plan comes from the real planner on hand-built forecasts; `objects()` are the Kubernetes
 * objects to create, `configYaml` the chuanliu config for the same inventory.
 */
import type { Forecast } from '../../../src/domain/forecast.ts';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import type { Inventory, OfflineWorkload, OnlineWorkload, WorkloadRef } from '../../../src/domain/workload.ts';
import { emptyObservedState, planCapacity } from '../../../src/planner/index.ts';

const MIB = 1024 ** 2;
const RPS_PER_REPLICA = 100;
export const REPLICA_CPU_MILLICORES = 500;
export const REPLICA_MEMORY_MIB = 256;
/** Each kwok node holds exactly four replicas. */
export const NODE_CPU = '2';
export const NODE_MEMORY = '1Gi';
export const POOL = 'general';

export interface RealShiftOptions {
  readonly nowMs: number;
  readonly peakAtMs: number;
  /** @defaultValue 40 s */
  readonly peakMs?: number;
  /** @defaultValue 1 s */
  readonly slotMs?: number;
  /**
   * From the step's write to the replicas existing. On a real cluster an HPA floor acts at the HPA
   * controller's next sync (15 s), so the lead must include it. @defaultValue 20 s
   */
  readonly applyLatencyMs?: number;
  /** kwok's pod-ready delay (p50 = p95). @defaultValue 2 s */
  readonly startupMs?: number;
  /** Offline pods' terminationGracePeriodSeconds. @defaultValue 2 s */
  readonly drainMs?: number;
  /** @defaultValue 'plan-real-shift' */
  readonly planId?: string;
  /** Namespaces of the online and offline workloads (several shifts can share a cluster). @defaultValue payments, batch */
  readonly onlineNamespace?: string;
  readonly offlineNamespace?: string;
}

export interface RealShift {
  readonly onlineNamespace: string;
  readonly offlineNamespace: string;
  readonly inventory: Inventory;
  readonly plan: CapacityPlan;
  readonly configYaml: string;
  readonly nodeCount: number;
  readonly basePerOnline: number;
  readonly peakPerOnline: number;
  /** Namespaces, Deployments, StatefulSets, Job, CronJob and HPAs at their pre-peak levels. */
  objects(): object[];
}

const ONLINE: readonly { name: string; kind: 'Deployment' | 'StatefulSet'; hpa: boolean }[] = [
  { name: 'pay-hpa-0', kind: 'Deployment', hpa: true },
  { name: 'pay-hpa-1', kind: 'Deployment', hpa: true },
  { name: 'checkout', kind: 'Deployment', hpa: false },
  { name: 'ledger', kind: 'StatefulSet', hpa: false },
];
/** Lower priority gives way first. */
const OFFLINE: readonly { name: string; kind: WorkloadRef['apiKind']; replicas: number; priority: number }[] = [
  { name: 'etl', kind: 'Deployment', replicas: 4, priority: 3 },
  { name: 'index', kind: 'StatefulSet', replicas: 2, priority: 2 },
  { name: 'report', kind: 'Job', replicas: 4, priority: 1 },
  { name: 'nightly', kind: 'CronJob', replicas: 1, priority: 0 },
];

export const ONLINE_NAMESPACE = 'payments';
export const OFFLINE_NAMESPACE = 'batch';

export function realShift(options: RealShiftOptions): RealShift {
  const slotMs = options.slotMs ?? 1_000;
  const applyLatencyMs = options.applyLatencyMs ?? 20_000;
  const startupMs = options.startupMs ?? 2_000;
  const drainMs = options.drainMs ?? 2_000;
  const peakMs = options.peakMs ?? 40_000;
  const onlineNamespace = options.onlineNamespace ?? ONLINE_NAMESPACE;
  const offlineNamespace = options.offlineNamespace ?? OFFLINE_NAMESPACE;
  const base = 1;
  const peak = 4;
  const perReplica = { cpuMillicores: REPLICA_CPU_MILLICORES, memoryBytes: REPLICA_MEMORY_MIB * MIB };
  const online: OnlineWorkload[] = ONLINE.map((spec) => ({
    class: 'online',
    name: spec.name,
    ref: { apiKind: spec.kind, namespace: onlineNamespace, name: spec.name },
    ...(spec.hpa ? { hpaName: spec.name } : {}),
    rpsPerReplica: RPS_PER_REPLICA,
    perReplica,
    startup: { p50Ms: startupMs, p95Ms: startupMs },
    minReplicas: base,
    maxReplicas: peak + 2,
    priority: 100,
    demandQuantile: 0.99,
  }));
  const offline: OfflineWorkload[] = OFFLINE.map((spec) => ({
    class: 'offline',
    name: spec.name,
    ref: { apiKind: spec.kind, namespace: offlineNamespace, name: spec.name },
    priority: spec.priority,
    minReplicas: 0,
    maxReplicas: spec.replicas,
    perReplica,
    drainMs,
  }));
  const offlineReplicas = OFFLINE.reduce((sum, spec) => sum + spec.replicas, 0);
  // Online at its peak fills every node; before it, online at base plus all offline work fits.
  const nodeCount = Math.ceil((ONLINE.length * peak) / 4);
  if (ONLINE.length * base + offlineReplicas > nodeCount * 4) throw new Error('fixture: offline does not fit before the peak');
  const inventory: Inventory = {
    online,
    offline,
    nodePools: [{ name: POOL, perNode: { cpuMillicores: 2_000, memoryBytes: 1024 * MIB }, baseNodes: nodeCount, costPerNodeHour: 1 }],
  };

  const horizonMs = options.peakAtMs - options.nowMs + peakMs + 60 * slotMs;
  const buckets = Math.ceil(horizonMs / slotMs) + 1;
  const forecasts = new Map<string, Forecast>();
  for (const workload of online) {
    // p99 exactly fills `base` (before and after the peak) or `peak` replicas (during it).
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
      ...offline.map((workload) => [workload.name, { desiredReplicas: workload.maxReplicas, readyReplicas: workload.maxReplicas }] as const),
    ]),
  };
  const plan = planCapacity({
    nowMs: options.nowMs,
    inventory,
    forecasts,
    occurrences: [],
    observed,
    settings: { slotMs, horizonMs, applyLatencyMs, scaleInStabilizationMs: 10 * slotMs, planId: options.planId ?? 'plan-real-shift' },
  });

  return {
    onlineNamespace,
    offlineNamespace,
    inventory,
    plan,
    nodeCount,
    basePerOnline: base,
    peakPerOnline: peak,
    configYaml: configYaml(inventory, { slotMs, applyLatencyMs, namespaces: [onlineNamespace, offlineNamespace] }),
    objects: () => [
      ...[onlineNamespace, offlineNamespace].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
      ...ONLINE.flatMap((spec) => [
        workloadObject(spec.kind, onlineNamespace, spec.name, base, 0),
        ...(spec.hpa ? [hpaObject(onlineNamespace, spec.name, base, peak + 2)] : []),
      ]),
      ...OFFLINE.map((spec) => workloadObject(spec.kind, offlineNamespace, spec.name, spec.replicas, Math.round(drainMs / 1000))),
    ],
  };
}

function podTemplate(name: string, graceSeconds: number, restartPolicy: 'Always' | 'Never'): object {
  return {
    metadata: { labels: { app: name } },
    spec: {
      restartPolicy,
      terminationGracePeriodSeconds: graceSeconds,
      containers: [{
        name: 'main',
        image: 'registry.k8s.io/pause:3.10',
        resources: { requests: { cpu: `${REPLICA_CPU_MILLICORES}m`, memory: `${REPLICA_MEMORY_MIB}Mi` } },
      }],
    },
  };
}

function workloadObject(kind: WorkloadRef['apiKind'], namespace: string, name: string, replicas: number, graceSeconds: number): object {
  const metadata = { name, namespace, labels: { app: name } };
  switch (kind) {
    case 'Deployment':
      return { apiVersion: 'apps/v1', kind, metadata, spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate(name, graceSeconds, 'Always') } };
    case 'StatefulSet':
      return {
        apiVersion: 'apps/v1', kind, metadata,
        spec: { replicas, serviceName: name, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: name } }, template: podTemplate(name, graceSeconds, 'Always') },
      };
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { parallelism: replicas, completions: 1_000, backoffLimit: 1_000, template: podTemplate(name, graceSeconds, 'Never') } };
    case 'CronJob':
      // Scheduled far from any test run: what matters is that chuanliu suspends and resumes it.
      return {
        apiVersion: 'batch/v1', kind, metadata,
        spec: { schedule: '0 3 1 1 *', suspend: false, jobTemplate: { spec: { template: podTemplate(name, graceSeconds, 'Never') } } },
      };
  }
}

function hpaObject(namespace: string, name: string, minReplicas: number, maxReplicas: number): object {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas,
      maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };
}

function configYaml(inventory: Inventory, settings: { slotMs: number; applyLatencyMs: number; namespaces: readonly string[] }): string {
  const lines = [
    '# Synthetic time-sharing shift on the real control plane (test fixture; numbers are made up).',
    'planning:',
    `  slot: ${settings.slotMs}ms`,
    `  applyLatency: ${settings.applyLatencyMs}ms`,
    'forecast:',
    `  bucket: ${settings.slotMs}ms`,
    'controller:',
    `  namespaces: [${settings.namespaces.join(', ')}]`,
    'nodePools:',
    `  - name: ${POOL}`,
    `    perNode: { cpu: ${NODE_CPU}, memory: ${NODE_MEMORY} }`,
    `    baseNodes: ${inventory.nodePools[0]?.baseNodes}`,
    'online:',
    ...inventory.online.flatMap((workload) => [
      `  - name: ${workload.name}`,
      `    ref: { kind: ${workload.ref.apiKind}, namespace: ${workload.ref.namespace} }`,
      ...(workload.hpaName !== undefined ? [`    hpa: ${workload.hpaName}`] : []),
      `    rpsPerReplica: ${workload.rpsPerReplica}`,
      `    perReplica: { cpu: ${workload.perReplica.cpuMillicores}m, memory: ${REPLICA_MEMORY_MIB}Mi }`,
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
      `    perReplica: { cpu: ${workload.perReplica.cpuMillicores}m, memory: ${REPLICA_MEMORY_MIB}Mi }`,
      `    drain: ${workload.drainMs}ms`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
