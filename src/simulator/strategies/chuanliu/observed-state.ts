/**
 * What the planner is told about the cluster, read the way the real controller reads it: a
 * `Cluster` snapshot (desired/Ready replicas, HPA floors, node pools), the observed demand from
 * monitoring, and how much offline work is left (a Job's progress).
 */
import type { Inventory, Workload } from '../../../domain/workload.ts';
import type { ObservedState, ObservedWorkloadState } from '../../../planner/index.ts';
import type { ClusterSnapshot, WorkloadState } from '../../../ports/cluster.ts';

function refKey(workload: Pick<Workload, 'ref'> | WorkloadState): string {
  return `${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`;
}

export interface ObservedInputs {
  readonly snapshot: ClusterSnapshot;
  readonly inventory: Inventory;
  /** Recent observed demand per online workload (requests/s); NaN or absent = unknown. */
  readonly demandRps: ReadonlyMap<string, number>;
  /** Work left per offline workload (core-hours); absent = the inventory's figure. */
  readonly offlineRemainingCoreHours: ReadonlyMap<string, number>;
}

/**
 * The planner's view of the cluster. For a workload under an HPA the controlled quantity is the
 * HPA's minReplicas (chuanliu's floor), not the HPA's own decision above it: the plan holds the
 * floor, the HPA stays free to add more.
 */
export function observedStateFrom(inputs: ObservedInputs): ObservedState {
  const stateByRef = new Map(inputs.snapshot.workloads.map((state) => [refKey(state), state] as const));
  const workloads: Record<string, ObservedWorkloadState> = {};
  for (const workload of [...inputs.inventory.online, ...inputs.inventory.offline]) {
    const state = stateByRef.get(refKey(workload));
    if (state === undefined) continue;
    const desired = workload.class === 'online' && state.hpa !== undefined ? state.hpa.minReplicas : state.desiredReplicas;
    workloads[workload.name] = { desiredReplicas: desired, readyReplicas: state.readyReplicas };
  }
  const nodePools: Record<string, { readyNodes: number; provisioningNodes: number }> = {};
  for (const pool of inputs.snapshot.nodePools) {
    nodePools[pool.pool] = { readyNodes: pool.readyNodes, provisioningNodes: pool.provisioningNodes };
  }
  const demandRps: Record<string, number> = {};
  for (const [name, rps] of inputs.demandRps) if (Number.isFinite(rps) && rps >= 0) demandRps[name] = rps;
  const offlineRemainingCoreHours: Record<string, number> = {};
  for (const [name, left] of inputs.offlineRemainingCoreHours) if (Number.isFinite(left)) offlineRemainingCoreHours[name] = Math.max(0, left);
  return { workloads, nodePools, demandRps, offlineRemainingCoreHours };
}
