/**
 * What a simulated cluster is built from: node pools, workloads with their starting replicas,
 * HPA objects, and the timing of the machinery around them (metrics pipeline, cluster autoscaler).
 * Every duration has a documented default taken from the upstream component.
 */
import type { NodePool, StartupDistribution, Workload } from '../../domain/workload.ts';
import type { HpaBehavior } from './hpa/hpa-behavior.ts';

/** Requests that find no Ready capacity wait here (bounded) instead of failing at once. */
export interface ServingQueueSpec {
  /** Most requests the queue holds; more are rejected (unserved). */
  readonly capacityRequests: number;
  /** A queued request older than this times out (unserved). */
  readonly timeoutMs: number;
}

export interface SimulatedWorkloadSpec {
  readonly workload: Workload;
  /** Replicas Ready at the start (a warm cluster), also the initial spec.replicas. */
  readonly initialReplicas: number;
  /**
   * How long a removed pod keeps its resources: online = terminationGracePeriodSeconds
   * (Kubernetes default 30 s), offline = the workload's drain/checkpoint time.
   */
  readonly terminationGraceMs?: number;
  /** Startup of offline workers (online workloads use `workload.startup`); default instant. */
  readonly startup?: StartupDistribution;
  readonly queue?: ServingQueueSpec;
}

/** The metric an HPA scales on. */
export type HpaMetricSpec =
  /** Resource metric `cpu`, target type Utilization (percent of the request). Saturates at 100 %. */
  | { readonly kind: 'cpu'; readonly targetUtilizationPercent: number }
  /** External metric of offered requests/s (e.g. from the ingress), target type AverageValue per replica. */
  | { readonly kind: 'requests'; readonly targetAverageRps: number };

export interface SimulatedHpaSpec {
  readonly name: string;
  /** Name of the scale target (a workload of the cluster). */
  readonly workload: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metric: HpaMetricSpec;
  /** Default: the autoscaling/v2 defaults (DEFAULT_HPA_BEHAVIOR). */
  readonly behavior?: HpaBehavior;
  /** --horizontal-pod-autoscaler-tolerance; default 0.1. */
  readonly tolerance?: number;
}

/**
 * The path a CPU sample takes to the HPA, and the HPA controller's clock. The defaults make the
 * delay from a load change to the HPA acting ≈ 27 s on average and ≤ 55 s:
 * sync wait U[0,15 s] + scrape age U[0,15 s] + kubelet/cAdvisor age U[0,10 s] + half/full window 15 s.
 */
export interface MetricsPipelineSpec {
  /** --horizontal-pod-autoscaler-sync-period, default 15 s. */
  readonly syncPeriodMs?: number;
  /** metrics-server --metric-resolution (15 s in the upstream manifests, kubernetes PR #117121). */
  readonly metricResolutionMs?: number;
  /** Age of the kubelet/cAdvisor stats a scrape returns: uniform in [0, this]; cAdvisor housekeeping is 10 s. */
  readonly kubeletMaxAgeMs?: number;
  /** Window a CPU rate is averaged over (the interval between two scrapes). Default = metricResolutionMs. */
  readonly windowMs?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period, default 5 min. */
  readonly cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay, default 30 s. */
  readonly initialReadinessDelayMs?: number;
}

/** Cluster-autoscaler timing for elastic pools. */
export interface AutoscalerSpec {
  /** --scan-interval, default 10 s. */
  readonly scanIntervalMs?: number;
  /** --scale-down-unneeded-time, default 10 min. */
  readonly scaleDownUnneededMs?: number;
}

export interface SimulatedClusterSpec {
  readonly startMs: number;
  /** Resolution of the simulation (serving, metrics, events); default 1 s. */
  readonly tickMs?: number;
  readonly seed: number;
  readonly nodePools: readonly NodePool[];
  readonly workloads: readonly SimulatedWorkloadSpec[];
  readonly hpas?: readonly SimulatedHpaSpec[];
  readonly metricsPipeline?: MetricsPipelineSpec;
  readonly autoscaler?: AutoscalerSpec;
}

export const DEFAULT_TICK_MS = 1_000;
export const DEFAULT_ONLINE_TERMINATION_GRACE_MS = 30_000;

export function resolvedPipeline(spec: MetricsPipelineSpec = {}): Required<MetricsPipelineSpec> {
  const metricResolutionMs = spec.metricResolutionMs ?? 15_000;
  return {
    syncPeriodMs: spec.syncPeriodMs ?? 15_000,
    metricResolutionMs,
    kubeletMaxAgeMs: spec.kubeletMaxAgeMs ?? 10_000,
    windowMs: spec.windowMs ?? metricResolutionMs,
    cpuInitializationPeriodMs: spec.cpuInitializationPeriodMs ?? 300_000,
    initialReadinessDelayMs: spec.initialReadinessDelayMs ?? 30_000,
  };
}

export function resolvedAutoscaler(spec: AutoscalerSpec = {}): Required<AutoscalerSpec> {
  return {
    scanIntervalMs: spec.scanIntervalMs ?? 10_000,
    scaleDownUnneededMs: spec.scaleDownUnneededMs ?? 600_000,
  };
}
