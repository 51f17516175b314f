/**
 * Which node pools a workload's pods may land on, by the rules the Kubernetes scheduler applies:
 * a pin (`nodePool`), the pod's nodeSelector against the pool's node labels, and the pool's
 * NoSchedule/NoExecute taints against the pod's tolerations (PreferNoSchedule only steers, so it
 * does not exclude). Pure.
 *
 * Order of the result = the order online demand fills pools: fixed pools first (capacity already
 * paid for), then elastic pools (nodes bought on demand), each group in config order. So a
 * workload allowed on both spills to the elastic pool only when the fixed ones are full.
 */
import type { NodePool, NodeTaint, ReplicaResources, Toleration } from './workload.ts';

export interface PlacementConstraints {
  readonly nodePool?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly perReplica: ReplicaResources;
}

export function tolerates(tolerations: readonly Toleration[] | undefined, taint: NodeTaint): boolean {
  return (tolerations ?? []).some((toleration) => {
    if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
    if (toleration.operator === 'Exists') return toleration.key === undefined || toleration.key === taint.key;
    return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
  });
}

/** True when the scheduler could place the workload's pods on the pool's nodes (ignoring room). */
export function allowedOnPool(workload: PlacementConstraints, pool: NodePool): boolean {
  if (workload.nodePool !== undefined && workload.nodePool !== pool.name) return false;
  for (const [key, value] of Object.entries(workload.nodeSelector ?? {})) {
    if (pool.labels?.[key] !== value) return false;
  }
  for (const taint of pool.taints ?? []) {
    if (taint.effect !== 'PreferNoSchedule' && !tolerates(workload.tolerations, taint)) return false;
  }
  return true;
}

export function fitsOneNode(perReplica: ReplicaResources, pool: NodePool): boolean {
  return perReplica.cpuMillicores <= pool.perNode.cpuMillicores && perReplica.memoryBytes <= pool.perNode.memoryBytes;
}

/** Indices of the pools the workload may use (allowed and one replica fits a node), fill order. */
export function eligiblePools(workload: PlacementConstraints, pools: readonly NodePool[]): number[] {
  const allowed = pools
    .map((pool, index) => ({ pool, index }))
    .filter(({ pool }) => allowedOnPool(workload, pool) && fitsOneNode(workload.perReplica, pool));
  return [
    ...allowed.filter(({ pool }) => pool.elastic === undefined),
    ...allowed.filter(({ pool }) => pool.elastic !== undefined),
  ].map(({ index }) => index);
}
