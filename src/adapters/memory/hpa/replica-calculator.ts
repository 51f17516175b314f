/**
 * The HPA's replica maths, emulating kubernetes/pkg/controller/podautoscaler/replica_calculator.go
 * (`GetResourceReplicas` and `GetExternalPerPodMetricReplicas`), as documented in
 * https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/#algorithm-details:
 *
 * - desired = ceil(current × currentMetric / targetMetric), skipped while the ratio is within the
 *   tolerance (0.1 by default);
 * - pods being deleted or failed are ignored; pods not yet Ready (and, for CPU, pods whose metric
 *   window does not yet cover a full window after readiness during the 5-minute initialization
 *   period) are set aside; pods without metrics are "missing";
 * - on a scale-up, missing and unready pods count as using 0 % of their request, on a scale-down
 *   missing pods count as using 100 % (or the target if that is higher) — both dampen the change,
 *   and a change that would flip direction is dropped.
 *
 * The simulated cluster's replicas of one workload share load evenly, so every pod with a metric
 * has the same usage and the maths works on counts.
 */

/** How the pods of the target group at a sync (groupPods). */
export interface PodGroups {
  /** Pods with a metric that counts (Ready, and for CPU past the initialization rules). */
  readonly readyWithMetric: number;
  /** Pending pods, pods not Ready, and (CPU) pods whose sample predates one window after readiness. */
  readonly unready: number;
  /** Running pods metrics-server has no sample for yet. */
  readonly missing: number;
}

export interface ResourceReplicaInput {
  /** spec.replicas of the scale target. */
  readonly currentReplicas: number;
  readonly targetUtilizationPercent: number;
  readonly tolerance: number;
  readonly pods: PodGroups;
  /** Usage of each pod with a metric, millicores (the sample's average over its window). */
  readonly podUsageMillicores: number;
  readonly podRequestMillicores: number;
}

export type ReplicaCalculation =
  | { readonly ok: true; readonly replicas: number; readonly utilizationPercent: number }
  | { readonly ok: false; readonly error: string };

/** `GetResourceReplicas` (target type Utilization). */
export function calculateResourceReplicas(input: ResourceReplicaInput): ReplicaCalculation {
  const { pods, podRequestMillicores: request, targetUtilizationPercent: target, tolerance } = input;
  if (pods.readyWithMetric + pods.unready + pods.missing === 0) {
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  }
  if (pods.readyWithMetric === 0) {
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  }
  const usage = Math.round(input.podUsageMillicores);
  const first = utilizationRatio([{ count: pods.readyWithMetric, usageMillicores: usage }], request, target);
  const usageRatio = first.ratio;

  const scaleUpWithUnready = pods.unready > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && pods.missing === 0) {
    if (isWithinTolerance(usageRatio, tolerance)) return { ok: true, replicas: input.currentReplicas, utilizationPercent: first.percent };
    return { ok: true, replicas: Math.ceil(usageRatio * pods.readyWithMetric), utilizationPercent: first.percent };
  }

  const groups = [{ count: pods.readyWithMetric, usageMillicores: usage }];
  if (pods.missing > 0) {
    if (usageRatio < 1) {
      groups.push({ count: pods.missing, usageMillicores: Math.trunc(request * Math.max(100, target) / 100) });
    } else if (usageRatio > 1) {
      groups.push({ count: pods.missing, usageMillicores: 0 });
    }
  }
  if (scaleUpWithUnready) groups.push({ count: pods.unready, usageMillicores: 0 });
  const second = utilizationRatio(groups, request, target);
  const newUsageRatio = second.ratio;
  if (isWithinTolerance(newUsageRatio, tolerance) || (usageRatio < 1 && newUsageRatio > 1) || (usageRatio > 1 && newUsageRatio < 1)) {
    return { ok: true, replicas: input.currentReplicas, utilizationPercent: first.percent };
  }
  const podsWithMetrics = groups.reduce((sum, group) => sum + group.count, 0);
  const newReplicas = Math.ceil(newUsageRatio * podsWithMetrics);
  if ((newUsageRatio < 1 && newReplicas > input.currentReplicas) || (newUsageRatio > 1 && newReplicas < input.currentReplicas)) {
    return { ok: true, replicas: input.currentReplicas, utilizationPercent: first.percent };
  }
  return { ok: true, replicas: newReplicas, utilizationPercent: first.percent };
}

/** `Tolerances.isWithin`: (1 − tolerance) ≤ ratio ≤ (1 + tolerance), bounds included. */
export function isWithinTolerance(ratio: number, tolerance: number): boolean {
  return 1 - tolerance <= ratio && ratio <= 1 + tolerance;
}

/**
 * `GetResourceUtilizationRatio`: the utilization is an integer percentage (truncated), and the
 * ratio is that integer over the target — the truncation is part of the real behaviour.
 */
function utilizationRatio(
  groups: readonly { count: number; usageMillicores: number }[],
  requestMillicores: number,
  targetPercent: number,
): { ratio: number; percent: number } {
  let usageTotal = 0;
  let requestTotal = 0;
  for (const group of groups) {
    usageTotal += group.count * group.usageMillicores;
    requestTotal += group.count * requestMillicores;
  }
  const percent = Math.trunc((usageTotal * 100) / requestTotal);
  return { ratio: percent / targetPercent, percent };
}

export interface ExternalPerPodReplicaInput {
  /** status.replicas of the target (pods that exist, Ready or not). */
  readonly statusReplicas: number;
  readonly currentReplicas: number;
  /** The metric's total value (e.g. requests/s offered to the service). */
  readonly usage: number;
  /** target.averageValue: the value one replica should carry. */
  readonly targetAverageValue: number;
  readonly tolerance: number;
}

/**
 * `GetExternalPerPodMetricReplicas` (External metric, target type AverageValue): no pod grouping,
 * desired = ceil(total / target per pod) once the ratio leaves the tolerance.
 */
export function calculateExternalPerPodReplicas(input: ExternalPerPodReplicaInput): ReplicaCalculation {
  if (input.statusReplicas === 0) {
    // status.replicas 0 would divide by zero upstream; the HPA is then inactive (scaled to zero).
    return { ok: false, error: 'the target has no replicas (scaling is disabled at zero)' };
  }
  const usageRatio = input.usage / (input.targetAverageValue * input.statusReplicas);
  const replicas = !isWithinTolerance(usageRatio, input.tolerance)
    ? Math.ceil(input.usage / input.targetAverageValue)
    : input.statusReplicas;
  return { ok: true, replicas, utilizationPercent: Math.round(usageRatio * 100) };
}
