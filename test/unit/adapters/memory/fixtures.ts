/** Small workloads and pools for the simulated-cluster tests (invented sizes, not measurements). */
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../../../../src/domain/workload.ts';

export function onlineWorkload(overrides: Partial<OnlineWorkload> & { name: string }): OnlineWorkload {
  return {
    class: 'online',
    ref: { apiKind: 'Deployment', namespace: 'test', name: overrides.name },
    rpsPerReplica: 100,
    perReplica: { cpuMillicores: 1000, memoryBytes: 1024 ** 3 },
    startup: { p50Ms: 20_000, p95Ms: 20_000 },
    minReplicas: 1,
    maxReplicas: 100,
    priority: 100,
    demandQuantile: 0.99,
    ...overrides,
  };
}

export function offlineWorkload(overrides: Partial<OfflineWorkload> & { name: string }): OfflineWorkload {
  return {
    class: 'offline',
    ref: { apiKind: 'Job', namespace: 'batch', name: overrides.name },
    priority: 1,
    minReplicas: 0,
    maxReplicas: 10,
    perReplica: { cpuMillicores: 2000, memoryBytes: 2 * 1024 ** 3 },
    drainMs: 60_000,
    ...overrides,
  };
}

export function pool(overrides: Partial<NodePool> & { name?: string } = {}): NodePool {
  return {
    name: 'general',
    perNode: { cpuMillicores: 16_000, memoryBytes: 64 * 1024 ** 3 },
    baseNodes: 4,
    costPerNodeHour: 1,
    ...overrides,
  };
}
