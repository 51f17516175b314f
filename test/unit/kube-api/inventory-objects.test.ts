import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/domain/workload.ts';
import { inventoryObjects } from '../../../src/kube-api/inventory-objects.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const inventory: Inventory = {
  nodePools: [{ name: 'shared', perNode: { cpuMillicores: 16_000, memoryBytes: 64 * 1024 ** 3 }, baseNodes: 3, costPerNodeHour: 1 }],
  online: [
    {
      class: 'online', name: 'payment', ref: { apiKind: 'Deployment', namespace: 'payments', name: 'payment-api' }, hpaName: 'payment-api',
      rpsPerReplica: 100, perReplica: { cpuMillicores: 1000, memoryBytes: 2 * 1024 ** 3 }, startup: { p50Ms: 25_000, p95Ms: 40_000 },
      minReplicas: 20, maxReplicas: 600, priority: 100, demandQuantile: 0.99, nodePool: 'shared',
    },
  ],
  offline: [
    { class: 'offline', name: 'training', ref: { apiKind: 'Job', namespace: 'batch', name: 'training' }, priority: 5, minReplicas: 0, maxReplicas: 32, perReplica: { cpuMillicores: 4000, memoryBytes: 16 * 1024 ** 3 }, drainMs: 90_000 },
    { class: 'offline', name: 'reports', ref: { apiKind: 'CronJob', namespace: 'batch', name: 'reports' }, priority: 1, minReplicas: 0, maxReplicas: 1, perReplica: { cpuMillicores: 500, memoryBytes: 1024 ** 3 }, drainMs: 0 },
  ],
};

describe('inventory as Kubernetes objects', () => {
  const objects = inventoryObjects(inventory);
  const find = (kind: string, name: string): Any => objects.find((object) => object.kind === kind && object.metadata.name === name) as Any;

  it('makes baseNodes Nodes per pool with the per-node resources and the pool label', () => {
    const nodes = objects.filter((object) => object.kind === 'Node');
    expect(nodes.map((node) => node.metadata.name)).toEqual(['shared-001', 'shared-002', 'shared-003']);
    expect(find('Node', 'shared-002')).toMatchObject({ metadata: { labels: { 'chuanliu.io/pool': 'shared' } }, status: { allocatable: { cpu: '16000m', memory: '65536Mi' } } });
  });

  it('online workloads start at minReplicas, sized, placed, with their startup and an HPA', () => {
    const deployment = find('Deployment', 'payment-api');
    expect(deployment.metadata).toMatchObject({ namespace: 'payments', labels: { 'chuanliu.io/managed': 'true', 'chuanliu.io/class': 'online' } });
    expect(deployment.spec.replicas).toBe(20);
    expect(deployment.spec.template.spec).toMatchObject({ nodeSelector: { 'chuanliu.io/pool': 'shared' }, containers: [{ resources: { requests: { cpu: '1000m', memory: '2048Mi' } } }] });
    expect(deployment.spec.template.metadata.annotations).toEqual({ 'kube-api.chuanliu.io/startup-ms': '25000' });
    expect(find('HorizontalPodAutoscaler', 'payment-api').spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'payment-api' }, minReplicas: 20, maxReplicas: 600 });
  });

  it('offline work runs at full parallelism, drains for its drain time, and ranks below every online pod', () => {
    const job = find('Job', 'training');
    expect(job.spec.parallelism).toBe(32);
    expect(job.spec.template.spec.terminationGracePeriodSeconds).toBe(90);
    expect(job.spec.template.spec.priority).toBeLessThan(find('Deployment', 'payment-api').spec.template.spec.priority);
    expect(find('CronJob', 'reports').spec.suspend).toBe(false);
  });
});
