/**
 * chuanliu's inventory (node pools, online and offline workloads) as the Kubernetes objects a
 * cluster running it would have, so kube-api can serve a config or scenario to kubectl and the
 * controller: Nodes per pool, the workloads (labelled managed, pods sized and placed as configured,
 * startup and drain times carried over), and the HPAs online workloads name.
 * Online workloads start at minReplicas; offline work runs at maxReplicas (its full parallelism).
 */
import type { Inventory, OfflineWorkload, OnlineWorkload, ReplicaResources } from '../domain/workload.ts';
import { cronJobObject, deploymentObject, hpaObject, jobObject, MANAGED_LABELS, nodeObject, statefulSetObject, type PodShape } from './object-builders.ts';
import type { KubeObject } from './store.ts';

function cpuQuantity(millicores: number): string {
  return `${Math.round(millicores)}m`;
}

function memoryQuantity(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)}Mi`;
}

/** Online pods outrank every offline pod, as a PriorityClass pair would make them. */
const ONLINE_PRIORITY_BASE = 1_000_000;

function shape(perReplica: ReplicaResources, pool: string | undefined, startupMs: number | undefined, graceMs: number | undefined, priority: number): PodShape {
  return {
    priority,
    cpu: cpuQuantity(perReplica.cpuMillicores),
    memory: memoryQuantity(perReplica.memoryBytes),
    ...(pool ? { pool } : {}),
    ...(startupMs !== undefined ? { startupMs } : {}),
    ...(graceMs !== undefined ? { terminationGracePeriodSeconds: Math.ceil(graceMs / 1000) } : {}),
  };
}

function workloadObjects(workload: OnlineWorkload | OfflineWorkload): KubeObject[] {
  const { ref } = workload;
  const replicas = workload.class === 'online' ? workload.minReplicas : workload.maxReplicas;
  const pod =
    workload.class === 'online'
      ? shape(workload.perReplica, workload.nodePool, workload.startup.p50Ms, undefined, ONLINE_PRIORITY_BASE + workload.priority)
      : shape(workload.perReplica, workload.nodePool, undefined, workload.drainMs, workload.priority);
  const base = { namespace: ref.namespace, name: ref.name, labels: { ...MANAGED_LABELS, 'chuanliu.io/class': workload.class }, ...pod };
  const objects: KubeObject[] = [];
  switch (ref.apiKind) {
    case 'Deployment':
      objects.push(deploymentObject({ ...base, replicas }));
      break;
    case 'StatefulSet':
      objects.push(statefulSetObject({ ...base, replicas }));
      break;
    case 'Job':
      objects.push(jobObject({ ...base, parallelism: replicas }));
      break;
    case 'CronJob':
      objects.push(cronJobObject({ namespace: ref.namespace, name: ref.name, schedule: '*/10 * * * *', labels: base.labels }));
      break;
  }
  if (workload.class === 'online' && workload.hpaName && (ref.apiKind === 'Deployment' || ref.apiKind === 'StatefulSet')) {
    objects.push(hpaObject({ namespace: ref.namespace, name: workload.hpaName, target: ref.name, targetKind: ref.apiKind, minReplicas: Math.max(1, workload.minReplicas), maxReplicas: workload.maxReplicas }));
  }
  return objects;
}

export function inventoryObjects(inventory: Inventory): KubeObject[] {
  const nodes = inventory.nodePools.flatMap((pool) =>
    Array.from({ length: pool.baseNodes }, (_, index) =>
      nodeObject({ name: `${pool.name}-${String(index + 1).padStart(3, '0')}`, pool: pool.name, cpu: cpuQuantity(pool.perNode.cpuMillicores), memory: memoryQuantity(pool.perNode.memoryBytes) }),
    ),
  );
  return [...nodes, ...inventory.online.flatMap(workloadObjects), ...inventory.offline.flatMap(workloadObjects)];
}
