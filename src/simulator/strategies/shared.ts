/**
 * Pieces the baseline strategies share: how many replicas a demand needs, the workload limits, and
 * what offline work does when nobody time-shares it (it runs at its full parallelism all the time).
 */
import type { OnlineWorkload, Workload } from '../../domain/workload.ts';
import type { StrategySetup } from '../strategy.ts';

/** Replicas that serve `demandRps` when each serves `rpsPerReplica`, kept within the workload's min/max. */
export function replicasFor(workload: OnlineWorkload, demandRps: number, rpsPerReplica = workload.rpsPerReplica): number {
  const need = demandRps > 0 ? Math.ceil(demandRps / rpsPerReplica - 1e-9) : 0;
  return clampReplicas(workload, need);
}

export function clampReplicas(workload: Workload, replicas: number): number {
  return Math.min(workload.maxReplicas, Math.max(workload.minReplicas, replicas));
}

/** Without time-sharing, offline workers run at their configured parallelism (maxReplicas) throughout. */
export function staticOfflineReplicas(workload: Workload): number {
  return workload.class === 'offline' ? workload.maxReplicas : 0;
}

/** Initial replicas for online workloads from `online`, offline at full parallelism. */
export function initialReplicasWith(setup: StrategySetup, online: (workload: OnlineWorkload, index: number) => number): number[] {
  return setup.scenario.workloads.map((workload, index) =>
    workload.class === 'online' ? online(workload, index) : staticOfflineReplicas(workload));
}

/** Length of the warm-start window: the state a reactive autoscaler has converged to before the run. */
export const WARM_START_WINDOW_MS = 5 * 60_000;
