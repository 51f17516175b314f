/** The snapshot's workload states by object reference, indexed once per snapshot. */
import type { Workload } from '../domain/workload.ts';
import type { ClusterSnapshot, WorkloadState } from '../ports/cluster.ts';
import { refKey } from './safety.ts';

// Snapshots are immutable values: index each once per tick, not once per workload.
const stateIndexes = new WeakMap<ClusterSnapshot, Map<string, WorkloadState>>();

export function stateIndex(snapshot: ClusterSnapshot): Map<string, WorkloadState> {
  let index = stateIndexes.get(snapshot);
  if (index === undefined) {
    index = new Map(snapshot.workloads.map((state) => [refKey(state.ref), state] as const));
    stateIndexes.set(snapshot, index);
  }
  return index;
}

export function stateOf(snapshot: ClusterSnapshot, workload: Workload): WorkloadState | undefined {
  return stateIndex(snapshot).get(refKey(workload.ref));
}

