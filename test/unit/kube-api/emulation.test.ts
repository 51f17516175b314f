import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import { KubeApi } from '../../../src/kube-api/api.ts';
import { ClusterEmulation } from '../../../src/kube-api/emulation/cluster-emulation.ts';
import { ensureBaseNamespaces } from '../../../src/kube-api/objects-file.ts';
import { Types } from '../../../src/kube-api/resources.ts';
import { ObjectStore, type KubeObject } from '../../../src/kube-api/store.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function node(name: string, pool: string, cpu: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'chuanliu.io/pool': pool } }, status: { allocatable: { cpu, memory: '64Gi' }, conditions: [{ type: 'Ready', status: 'True' }] } };
}

function deployment(name: string, replicas: number, cpu = '1', extra: Any = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu } } }], ...extra } },
    },
  };
}

const running: ClusterEmulation[] = [];
afterEach(() => running.splice(0).forEach((emulation) => emulation.stop()));

function setup(options: { podStartupMs?: number; nodes?: KubeObject[] } = {}): { api: KubeApi; store: ObjectStore; clock: ManualClock; emulation: ClusterEmulation } {
  const clock = new ManualClock(Date.UTC(2025, 10, 11, 12));
  const store = new ObjectStore({ clock });
  const api = new KubeApi(store);
  ensureBaseNamespaces(api, ['shop']);
  for (const item of options.nodes ?? []) api.create(Types.node, undefined, item);
  const emulation = new ClusterEmulation({ clock, podStartupMs: options.podStartupMs ?? 0 });
  emulation.start(store);
  running.push(emulation);
  return { api, store, clock, emulation };
}

function deploymentStatus(api: KubeApi, name: string): Any {
  return api.get(Types.deployment, 'shop', name)['status'] as Any;
}

function pods(store: ObjectStore, app: string): KubeObject[] {
  return store.list(Types.pod, 'shop').filter((pod) => pod.metadata.labels?.['app'] === app && !pod.metadata.deletionTimestamp);
}

async function settle(emulation: ClusterEmulation, clock: ManualClock, advanceMs = 0): Promise<void> {
  await emulation.idle();
  if (advanceMs > 0) await clock.advance(advanceMs);
  await emulation.idle();
}

describe('cluster emulation behind kube-api', () => {
  it('a scaled Deployment gets pods that become Ready only after the startup delay', async () => {
    const { api, store, clock, emulation } = setup({ podStartupMs: 30_000, nodes: [node('n1', 'general', '16')] });
    api.create(Types.deployment, 'shop', deployment('web', 2));
    await settle(emulation, clock);
    expect(pods(store, 'web')).toHaveLength(2);
    expect(deploymentStatus(api, 'web')).toMatchObject({ replicas: 2, readyReplicas: 0 });
    await settle(emulation, clock, 29_000);
    expect(deploymentStatus(api, 'web').readyReplicas).toBe(0);
    await settle(emulation, clock, 1_000);
    expect(deploymentStatus(api, 'web')).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });

    api.patchScale(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 5 } });
    await settle(emulation, clock);
    expect(deploymentStatus(api, 'web')).toMatchObject({ replicas: 5, readyReplicas: 2 });
    await settle(emulation, clock, 30_000);
    expect(deploymentStatus(api, 'web')).toMatchObject({ replicas: 5, readyReplicas: 5, observedGeneration: 2 });
    expect(pods(store, 'web').every((pod) => (pod['spec'] as Any).nodeName === 'n1')).toBe(true);
  });

  it('pods that do not fit stay Pending until a scale-down frees the node after the termination grace period', async () => {
    const { api, store, clock, emulation } = setup({ nodes: [node('n1', 'general', '4')] });
    api.create(Types.deployment, 'shop', deployment('batch', 4, '1'));
    await settle(emulation, clock);
    expect(deploymentStatus(api, 'batch').readyReplicas).toBe(4);
    api.create(Types.deployment, 'shop', deployment('online', 2, '1'));
    await settle(emulation, clock);
    expect(pods(store, 'online').map((pod) => (pod['status'] as Any).phase)).toEqual(['Pending', 'Pending']);

    api.patchScale(Types.deployment, 'shop', 'batch', 'merge', { spec: { replicas: 2 } });
    await settle(emulation, clock);
    expect(deploymentStatus(api, 'batch')).toMatchObject({ replicas: 2 });
    expect(deploymentStatus(api, 'online').readyReplicas).toBe(0);
    await settle(emulation, clock, 30_000);
    expect(deploymentStatus(api, 'online').readyReplicas).toBe(2);
  });

  it('the scheduler places higher-priority pods first when the node cannot hold everyone', async () => {
    const { api, store, clock, emulation } = setup({ nodes: [node('n1', 'general', '3')] });
    api.create(Types.deployment, 'shop', deployment('batch', 2, '1', { priority: 10 }));
    api.create(Types.deployment, 'shop', deployment('online', 2, '1', { priority: 1000 }));
    await settle(emulation, clock);
    expect(pods(store, 'online').map((pod) => (pod['status'] as Any).phase)).toEqual(['Running', 'Running']);
    expect(pods(store, 'batch').map((pod) => (pod['status'] as Any).phase).sort()).toEqual(['Pending', 'Running']);
  });

  it('the HPA holds its target at minReplicas: raising the floor scales the Deployment', async () => {
    const { api, clock, emulation } = setup();
    api.create(Types.deployment, 'shop', deployment('web', 2));
    api.create(Types.hpa, 'shop', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 8 } });
    await settle(emulation, clock);
    api.patch(Types.hpa, 'shop', 'web', 'merge', { spec: { minReplicas: 6 } });
    await settle(emulation, clock);
    expect((api.get(Types.deployment, 'shop', 'web')['spec'] as Any).replicas).toBe(6);
    expect(api.get(Types.hpa, 'shop', 'web')['status']).toMatchObject({ desiredReplicas: 6, currentReplicas: 6 });
    api.patchScale(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 20 } });
    await settle(emulation, clock);
    expect((api.get(Types.deployment, 'shop', 'web')['spec'] as Any).replicas).toBe(8);
  });

  it('Jobs run `parallelism` pods, none when suspended; StatefulSets name pods by ordinal', async () => {
    const { api, store, clock, emulation } = setup();
    api.create(Types.job, 'shop', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'etl', namespace: 'shop' }, spec: { parallelism: 3, template: { metadata: { labels: { app: 'etl' } }, spec: { containers: [{ name: 'w', image: 'x' }] } } } });
    api.create(Types.statefulSet, 'shop', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { replicas: 3, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'x' }] } } } });
    await settle(emulation, clock);
    expect(api.get(Types.job, 'shop', 'etl')['status']).toMatchObject({ active: 3, ready: 3 });
    expect(pods(store, 'db').map((pod) => pod.metadata.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);
    api.patch(Types.job, 'shop', 'etl', 'merge', { spec: { suspend: true } });
    api.patchScale(Types.statefulSet, 'shop', 'db', 'merge', { spec: { replicas: 1 } });
    await settle(emulation, clock);
    expect(api.get(Types.job, 'shop', 'etl')['status']).toMatchObject({ active: 0 });
    expect(pods(store, 'db').map((pod) => pod.metadata.name)).toEqual(['db-0']);
  });

  it('scaling actions are recorded as Events on the Deployment', async () => {
    const { api, store, clock, emulation } = setup();
    api.create(Types.deployment, 'shop', deployment('web', 1));
    await settle(emulation, clock);
    api.patchScale(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 3 } });
    await settle(emulation, clock);
    const messages = store.list(Types.event, 'shop').filter((event) => (event['involvedObject'] as Any).name === 'web').map((event) => event['message']);
    expect(messages).toContainEqual(expect.stringMatching(/^Scaled up replica set web-\w+ from 1 to 3$/));
  });
});
