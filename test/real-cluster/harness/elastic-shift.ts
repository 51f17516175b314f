/**
 * A synthetic elastic-pool peak (made-up numbers, not real traffic) for the node-autoscaler test: two
 * identical tainted elastic pools, each with one base node and room for Karpenter to add more, and one
 * online Deployment pinned to each (nodeSelector + toleration, as chuanliu's config describes pools).
 * At the peak each online workload needs three nodes' worth of replicas. The config comes from YAML
 * through chuanliu's own parser and the plan from the real planner on hand-built forecasts, so the
 * placeholders series, the online steps and their leads are chuanliu's, not the test's.
 */
import type { ChuanliuConfig } from '../../../src/config/load-config.ts';
import { parseConfigText } from '../../../src/config/load-config.ts';
import type { Forecast } from '../../../src/domain/forecast.ts';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import { emptyObservedState, planCapacity } from '../../../src/planner/index.ts';

export const ELASTIC_NAMESPACE = 'shop';
export const POOL_LABEL = 'chuanliu.io/pool';
export const BURST_TAINT = { key: 'chuanliu.io/burst', value: 'true', effect: 'NoSchedule' } as const;
/** Allocatable of one node of either pool (the Karpenter instance type is sized to match). */
export const NODE_CPU_MILLICORES = 2_000;
export const NODE_MEMORY_MIB = 2_048;
/** Two replicas per node. */
export const REPLICA_CPU_MILLICORES = 1_000;
export const REPLICA_MEMORY_MIB = 512;
export const BASE_REPLICAS = 1;
/** Three nodes' worth: the base node and two more from the node autoscaler. */
export const PEAK_REPLICAS = 6;
const RPS_PER_REPLICA = 100;

/** One elastic pool and the online workload pinned to it. */
export interface ElasticLane {
  readonly pool: string;
  readonly workload: string;
  readonly placeholderNamespace: string;
  readonly placeholderDeployment: string;
}

export interface ElasticShiftOptions {
  readonly nowMs: number;
  readonly peakAtMs: number;
  /** The pools' provisioning p95 in the config: what chuanliu plans the placeholders' lead with. */
  readonly provisioningP95Seconds: number;
  readonly provisioningP50Seconds: number;
  /** kwok's pod-ready delay (startup p50 = p95). */
  readonly startupSeconds: number;
  readonly applyLatencySeconds: number;
  /** @defaultValue 40 */
  readonly peakSeconds?: number;
  /** Lanes by pool name; each pool gets placeholders configured. */
  readonly lanes: readonly ElasticLane[];
}

export interface ElasticShift {
  readonly config: ChuanliuConfig;
  readonly configYaml: string;
  readonly plan: CapacityPlan;
}

export function elasticConfigYaml(options: Omit<ElasticShiftOptions, 'nowMs' | 'peakAtMs'>): string {
  const lines = [
    '# SYNTHETIC elastic-pool peak on the real control plane (test fixture; numbers are made up).',
    'planning:',
    '  slot: 1s',
    `  applyLatency: ${options.applyLatencySeconds}s`,
    '  scaleInStabilization: 10s',
    'forecast:',
    '  bucket: 1s',
    'controller:',
    `  namespaces: [${[ELASTIC_NAMESPACE, ...new Set(options.lanes.map((lane) => lane.placeholderNamespace))].join(', ')}]`,
    'nodePools:',
    ...options.lanes.flatMap((lane) => [
      `  - name: ${lane.pool}`,
      `    perNode: { cpu: ${NODE_CPU_MILLICORES}m, memory: ${NODE_MEMORY_MIB}Mi }`,
      '    baseNodes: 1',
      '    costPerNodeHour: 1',
      `    labels: { ${POOL_LABEL}: ${lane.pool} }`,
      `    taints: [{ key: ${BURST_TAINT.key}, value: "${BURST_TAINT.value}", effect: ${BURST_TAINT.effect} }]`,
      '    elastic:',
      '      maxNodes: 4',
      `      provisioning: { p50: ${options.provisioningP50Seconds}s, p95: ${options.provisioningP95Seconds}s }`,
      `      placeholders: { namespace: ${lane.placeholderNamespace}, deployment: ${lane.placeholderDeployment} }`,
    ]),
    'online:',
    ...options.lanes.flatMap((lane) => [
      `  - name: ${lane.workload}`,
      `    ref: { kind: Deployment, namespace: ${ELASTIC_NAMESPACE} }`,
      `    rpsPerReplica: ${RPS_PER_REPLICA}`,
      `    perReplica: { cpu: ${REPLICA_CPU_MILLICORES}m, memory: ${REPLICA_MEMORY_MIB}Mi }`,
      `    startup: { p50: ${options.startupSeconds}s, p95: ${options.startupSeconds}s }`,
      `    minReplicas: ${BASE_REPLICAS}`,
      `    maxReplicas: ${PEAK_REPLICAS + 2}`,
      `    nodePool: ${lane.pool}`,
      `    nodeSelector: { ${POOL_LABEL}: ${lane.pool} }`,
      `    tolerations: [{ key: ${BURST_TAINT.key}, operator: Equal, value: "${BURST_TAINT.value}", effect: ${BURST_TAINT.effect} }]`,
    ]),
    'offline: []',
  ];
  return `${lines.join('\n')}\n`;
}

export function elasticShift(options: ElasticShiftOptions): ElasticShift {
  const configYaml = elasticConfigYaml(options);
  const config = parseConfigText(configYaml, 'node-autoscaler test config');
  const slotMs = config.planning.slotMs;
  const peakMs = (options.peakSeconds ?? 40) * 1_000;
  const horizonMs = options.peakAtMs - options.nowMs + peakMs + 60 * slotMs;
  const buckets = Math.ceil(horizonMs / slotMs) + 1;
  const forecasts = new Map<string, Forecast>();
  for (const workload of config.inventory.online) {
    // p99 exactly fills BASE_REPLICAS (before and after the peak) or PEAK_REPLICAS (during it).
    const median = Float64Array.from({ length: buckets }, (_, bucket) => {
      const atMs = options.nowMs + bucket * slotMs;
      const replicas = atMs >= options.peakAtMs && atMs < options.peakAtMs + peakMs ? PEAK_REPLICAS : BASE_REPLICAS;
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
    workloads: Object.fromEntries(config.inventory.online.map((workload) => [workload.name, { desiredReplicas: BASE_REPLICAS, readyReplicas: BASE_REPLICAS }] as const)),
  };
  const plan = planCapacity({
    nowMs: options.nowMs,
    inventory: config.inventory,
    forecasts,
    occurrences: [],
    observed,
    settings: {
      slotMs,
      horizonMs,
      applyLatencyMs: config.planning.applyLatencyMs,
      scaleInStabilizationMs: config.planning.scaleInStabilizationMs,
      planId: 'plan-node-autoscaler',
    },
  });
  return { config, configYaml, plan };
}

/** An online Deployment pinned to its pool, at BASE_REPLICAS. */
export function onlineDeployment(lane: ElasticLane): object {
  const requests = { cpu: `${REPLICA_CPU_MILLICORES}m`, memory: `${REPLICA_MEMORY_MIB}Mi` };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: lane.workload, namespace: ELASTIC_NAMESPACE, labels: { app: lane.workload } },
    spec: {
      replicas: BASE_REPLICAS,
      selector: { matchLabels: { app: lane.workload } },
      template: {
        metadata: { labels: { app: lane.workload } },
        spec: {
          nodeSelector: { [POOL_LABEL]: lane.pool },
          tolerations: [{ key: BURST_TAINT.key, operator: 'Equal', value: BURST_TAINT.value, effect: BURST_TAINT.effect }],
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests } }],
        },
      },
    },
  };
}
