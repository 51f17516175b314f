import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import { SimulatedCluster } from '../../../src/adapters/memory/simulated-cluster.ts';
import type { OfflineWorkload, OnlineWorkload } from '../../../src/domain/workload.ts';
import { KubeApi } from '../../../src/kube-api/api.ts';
import { Types } from '../../../src/kube-api/resources.ts';
import { SimulationBridge } from '../../../src/kube-api/simulation-bridge.ts';
import { ObjectStore } from '../../../src/kube-api/store.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Invented sizes (synthetic), small enough to reason about by hand.
const START_MS = Date.UTC(2025, 10, 11, 11, 0);
const checkout: OnlineWorkload = {
  class: 'online', name: 'checkout', ref: { apiKind: 'Deployment', namespace: 'shop', name: 'checkout-web' }, hpaName: 'checkout-web',
  rpsPerReplica: 100, perReplica: { cpuMillicores: 1000, memoryBytes: 1024 ** 3 }, startup: { p50Ms: 20_000, p95Ms: 20_000 },
  minReplicas: 2, maxReplicas: 40, priority: 100, demandQuantile: 0.99, nodePool: 'general',
};
const training: OfflineWorkload = {
  class: 'offline', name: 'training', ref: { apiKind: 'Job', namespace: 'batch', name: 'training' }, priority: 1, minReplicas: 0, maxReplicas: 8,
  perReplica: { cpuMillicores: 2000, memoryBytes: 2 * 1024 ** 3 }, drainMs: 30_000, nodePool: 'general',
};

const bridges: SimulationBridge[] = [];
afterEach(() => bridges.splice(0).forEach((bridge) => bridge.stop()));

function setup(): { api: KubeApi; clock: ManualClock; simulation: SimulatedCluster; bridge: SimulationBridge } {
  const clock = new ManualClock(START_MS);
  const simulation = new SimulatedCluster({
    startMs: START_MS,
    tickMs: 1000,
    seed: 7,
    nodePools: [{ name: 'general', perNode: { cpuMillicores: 16_000, memoryBytes: 64 * 1024 ** 3 }, baseNodes: 2, costPerNodeHour: 1 }],
    workloads: [{ workload: checkout, initialReplicas: 2 }, { workload: training, initialReplicas: 8, terminationGraceMs: 30_000 }],
    hpas: [{ name: 'checkout-web', workload: 'checkout', minReplicas: 2, maxReplicas: 40, metric: { kind: 'cpu', targetUtilizationPercent: 70 } }],
  });
  const store = new ObjectStore({ clock });
  const api = new KubeApi(store);
  const bridge = new SimulationBridge({ simulation, clock });
  bridge.start(store);
  bridges.push(bridge);
  return { api, clock, simulation, bridge };
}

const spec = (object: Any): Any => object['spec'];
const status = (object: Any): Any => object['status'];

describe('kube-api over the simulator\'s cluster', () => {
  it('mirrors workloads, the HPA, nodes and pods of the simulation', () => {
    const { api } = setup();
    expect(spec(api.get(Types.deployment, 'shop', 'checkout-web')).replicas).toBe(2);
    expect(status(api.get(Types.deployment, 'shop', 'checkout-web'))).toMatchObject({ replicas: 2, readyReplicas: 2 });
    expect(spec(api.get(Types.job, 'batch', 'training')).parallelism).toBe(8);
    expect(spec(api.get(Types.hpa, 'shop', 'checkout-web'))).toMatchObject({ minReplicas: 2, maxReplicas: 40, scaleTargetRef: { kind: 'Deployment', name: 'checkout-web' } });
    expect(api.list(Types.node, undefined).items.map((node) => node.metadata.name)).toEqual(['general-001', 'general-002']);
    const pods = api.list(Types.pod, 'shop').items;
    expect(pods).toHaveLength(2);
    expect(pods.every((pod) => status(pod).phase === 'Running')).toBe(true);
    expect(api.list(Types.replicaSet, 'shop').items).toHaveLength(1);
  });

  it('a scale write reaches the simulation; pods become Ready after the simulated startup', async () => {
    const { api, clock, simulation, bridge } = setup();
    api.patchScale(Types.deployment, 'shop', 'checkout-web', 'merge', { spec: { replicas: 6 } });
    const index = simulation.workloadIndex('checkout') as number;
    expect(simulation.desired[index]).toBe(6);
    await clock.advance(5_000);
    bridge.syncNow();
    expect(status(api.get(Types.deployment, 'shop', 'checkout-web'))).toMatchObject({ replicas: 6, readyReplicas: 2 });
    expect(api.list(Types.pod, 'shop').items.filter((pod) => status(pod).phase === 'Pending')).toHaveLength(4);
    await clock.advance(30_000);
    bridge.syncNow();
    expect(status(api.get(Types.deployment, 'shop', 'checkout-web'))).toMatchObject({ replicas: 6, readyReplicas: 6 });
  });

  it('suspending the Job releases its pods through their drain time', async () => {
    const { api, clock, simulation, bridge } = setup();
    api.patch(Types.job, 'batch', 'training', 'merge', { spec: { suspend: true }, metadata: { annotations: { 'chuanliu.io/step-id': 'p/1' } } });
    const index = simulation.workloadIndex('training') as number;
    expect(simulation.desired[index]).toBe(0);
    expect(simulation.annotations[index]).toMatchObject({ 'chuanliu.io/step-id': 'p/1' });
    await clock.advance(2_000);
    bridge.syncNow();
    const terminating = api.list(Types.pod, 'batch').items.filter((pod) => pod.metadata.deletionTimestamp !== undefined);
    expect(terminating).toHaveLength(simulation.terminating[index] as number);
    expect(terminating.length).toBeGreaterThan(0);
    await clock.advance(60_000);
    bridge.syncNow();
    expect(api.list(Types.pod, 'batch').items).toHaveLength(0);
  });

  it('raising the HPA floor through the API makes the simulated HPA scale the Deployment, and the object follows', async () => {
    const { api, clock, bridge } = setup();
    api.patch(Types.hpa, 'shop', 'checkout-web', 'merge', { spec: { minReplicas: 10 } });
    await clock.advance(20_000);
    bridge.syncNow();
    expect(spec(api.get(Types.deployment, 'shop', 'checkout-web')).replicas).toBe(10);
    expect(status(api.get(Types.hpa, 'shop', 'checkout-web'))).toMatchObject({ desiredReplicas: 10 });
  });
});
