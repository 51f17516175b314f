/**
 * The placeholder Deployments of pre-provisioned pools as workloads of the simulated cluster, so
 * the simulation runs what a real cluster runs: the controller scales them, the cluster's
 * autoscaler adds nodes for their Pending pods after its scan interval and the pool's provisioning
 * time, and online pods preempt them (lowest priority of all). They serve nothing and do no work.
 */
import { placeholderTargetName, poolOfPlaceholderTarget } from '../../domain/plan.ts';
import type { NodePool, OfflineWorkload } from '../../domain/workload.ts';

export function placeholderWorkloads(pools: readonly NodePool[]): OfflineWorkload[] {
  return pools.flatMap((pool) => {
    const settings = pool.elastic?.placeholders;
    if (pool.elastic === undefined || settings === undefined) return [];
    return [{
      class: 'offline' as const,
      name: placeholderTargetName(pool.name),
      ref: { apiKind: 'Deployment' as const, namespace: settings.namespace, name: settings.deploymentName },
      priority: settings.priorityValue,
      minReplicas: 0,
      maxReplicas: pool.baseNodes + pool.elastic.maxNodes,
      perReplica: settings.perPod,
      // terminationGracePeriodSeconds: 0 — a preempted placeholder frees its node at once.
      drainMs: 0,
      nodePool: pool.name,
    }];
  });
}

export function isPlaceholderWorkload(name: string): boolean {
  return poolOfPlaceholderTarget(name) !== undefined;
}
