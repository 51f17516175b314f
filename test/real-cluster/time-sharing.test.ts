/**
 * A full time-sharing step on the real control plane (kube-apiserver, etcd, controller-manager,
 * scheduler, kwok nodes), with chuanliu running as the shipped manifests' ServiceAccount:
 * offline work (Deployment, StatefulSet, Job, CronJob) gives its room back, online Deployments under
 * real autoscaling/v2 HPAs get their minReplicas floor raised and the real HPA controller scales them,
 * online workloads without an HPA get scale-subresource writes, the real scheduler binds every pod to
 * a kwok node, and all of it is Ready before the planned peak. Then the way back down. Order and
 * authorship come from the API server's audit log, not from chuanliu's own word.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../integration/helpers/redis.ts';
import { auditedWrites, CHUANLIU_USER, describeTarget, getObject, installChuanliu, startControllerProcess, waitUntil } from './harness/chuanliu-on-cluster.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';
import { NODE_CPU, NODE_MEMORY, OFFLINE_NAMESPACE, ONLINE_NAMESPACE, POOL, realShift } from './harness/real-shift.ts';

let cluster: RealCluster;
let redis: RedisServer;
let directory: string;
let kubeconfig: string;
const POD_READY_MS = 2_000;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-time-sharing-'));
  cluster = await startRealCluster({
    nodes: { count: 4, cpu: NODE_CPU, memory: NODE_MEMORY, labels: { 'chuanliu.io/pool': POOL } },
    podReadyDelayMs: POD_READY_MS,
  });
  process.stderr.write(`real cluster ${cluster.version} started in ${(cluster.startupMs / 1000).toFixed(1)} s\n`);
  redis = await startRedis();
  kubeconfig = await installChuanliu(cluster, { managedNamespaces: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE] });
}, 240_000);

afterAll(async () => {
  await redis?.stop();
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function readyPodsOn(namespace: string, app: string): Promise<{ ready: number; onKwok: number; pending: number }> {
  const pods = JSON.parse(await cluster.kubectlOk(['get', 'pods', '-n', namespace, '-l', `app=${app}`, '-o', 'json'])) as { items: Json[] };
  const live = pods.items.filter((pod) => pod['metadata']['deletionTimestamp'] === undefined);
  return {
    ready: live.filter((pod) => (pod['status']['conditions'] ?? []).some((condition: Json) => condition['type'] === 'Ready' && condition['status'] === 'True')).length,
    onKwok: live.filter((pod) => String(pod['spec']['nodeName'] ?? '').startsWith('kwok-node')).length,
    pending: live.filter((pod) => pod['status']['phase'] === 'Pending').length,
  };
}

describe('time-sharing on the real control plane', () => {
  it('releases offline, raises HPA floors and scales online until every pod is Ready before the peak, then hands the room back', async () => {
    // Objects at their pre-peak levels, all Ready, before the plan is made.
    const setup = realShift({ nowMs: Date.now(), peakAtMs: Date.now() + 60_000 });
    await cluster.apply(setup.objects());
    await waitUntil('offline and online at their starting levels, Ready', async () => {
      const counts = await Promise.all([
        readyPodsOn(OFFLINE_NAMESPACE, 'etl'), readyPodsOn(OFFLINE_NAMESPACE, 'index'), readyPodsOn(OFFLINE_NAMESPACE, 'report'),
        ...setup.inventory.online.map((workload) => readyPodsOn(ONLINE_NAMESPACE, workload.name)),
      ]);
      return counts.map((count) => count.ready).join(',') === '4,2,4,1,1,1,1';
    }, { timeoutMs: 90_000, cluster });

    const nowMs = Date.now();
    const peakAtMs = nowMs + 75_000;
    const shift = realShift({ nowMs, peakAtMs, startupMs: POD_READY_MS, planId: 'plan-real-time-sharing' });
    const releases = shift.plan.steps.filter((step) => step.direction === 'release' && step.effectiveAtMs < peakAtMs);
    expect(new Set(releases.map((step) => step.workload))).toEqual(new Set(['etl', 'index', 'report', 'nightly']));

    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url });
    try {
      let readyAtMs: number | undefined;
      await waitUntil('every online workload at 4 Ready pods bound to kwok nodes', async () => {
        const counts = await Promise.all(shift.inventory.online.map((workload) => readyPodsOn(ONLINE_NAMESPACE, workload.name)));
        if (counts.every((count) => count.ready === shift.peakPerOnline && count.onKwok === shift.peakPerOnline)) readyAtMs ??= Date.now();
        return readyAtMs !== undefined;
      }, { timeoutMs: peakAtMs - Date.now() + 30_000, process: controller.process, cluster });
      process.stderr.write(`real cluster: every online pod Ready ${((peakAtMs - (readyAtMs ?? 0)) / 1000).toFixed(1)} s before the peak\n`);
      expect(readyAtMs, `Ready ${(((readyAtMs ?? 0) - peakAtMs) / 1000).toFixed(1)} s after the peak`).toBeLessThanOrEqual(peakAtMs);

      // Offline gave everything back, each kind through its own field.
      expect((await getObject(cluster, 'deployment', OFFLINE_NAMESPACE, 'etl'))['spec']['replicas']).toBe(0);
      expect((await getObject(cluster, 'statefulset', OFFLINE_NAMESPACE, 'index'))['spec']['replicas']).toBe(0);
      expect((await getObject(cluster, 'job', OFFLINE_NAMESPACE, 'report'))['spec']['parallelism']).toBe(0);
      expect((await getObject(cluster, 'cronjob', OFFLINE_NAMESPACE, 'nightly'))['spec']['suspend']).toBe(true);
      // HPA floors raised by chuanliu; the replicas moved by the real HPA controller.
      for (const name of ['pay-hpa-0', 'pay-hpa-1']) {
        const hpa = await getObject(cluster, 'hpa', ONLINE_NAMESPACE, name);
        expect(hpa['spec']['minReplicas']).toBe(4);
        expect(hpa['metadata']['annotations']['chuanliu.io/plan-id']).toBe(shift.plan.id);
      }

      const writes = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.verb === 'patch');
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.filter((event) => (event.responseStatus?.code ?? 0) >= 300).map(describeTarget)).toEqual([]);
      const valueWrites = writes.filter((event) => event.objectRef?.subresource === 'scale' || event.objectRef?.resource === 'horizontalpodautoscalers'
        || event.objectRef?.resource === 'jobs' || event.objectRef?.resource === 'cronjobs');
      const offlineAt = valueWrites.filter((event) => event.objectRef?.namespace === OFFLINE_NAMESPACE).map((event) => Date.parse(event.requestReceivedTimestamp));
      const onlineAt = valueWrites.filter((event) => event.objectRef?.namespace === ONLINE_NAMESPACE).map((event) => Date.parse(event.requestReceivedTimestamp));
      expect(offlineAt.length).toBeGreaterThanOrEqual(4);
      expect(onlineAt.length).toBeGreaterThanOrEqual(4);
      // Released before acquired, by the API server's clock.
      expect(Math.max(...offlineAt)).toBeLessThan(Math.min(...onlineAt));
      // chuanliu never scaled an HPA-managed Deployment itself: the HPA controller did.
      expect(writes.filter((event) => event.objectRef?.subresource === 'scale' && event.objectRef?.name?.startsWith('pay-hpa')).map(describeTarget)).toEqual([]);
      const hpaScaled = await auditedWrites(cluster, (event) => event.objectRef?.subresource === 'scale' && event.objectRef?.name === 'pay-hpa-0' && event.user.username !== CHUANLIU_USER);
      expect(hpaScaled.length, 'the HPA controller scaled pay-hpa-0').toBeGreaterThan(0);

      // What an SRE sees in kubectl describe.
      const described = await cluster.kubectlOk(['describe', 'deployment', 'checkout', '-n', ONLINE_NAMESPACE]);
      expect(described).toContain('chuanliu.io/reason');
      expect(described).toContain(`chuanliu.io/plan-id: ${shift.plan.id}`);

      // The way back down: after the peak and the stabilization window offline gets its room back.
      await waitUntil('offline restored after the peak', async () => {
        const [etl, index, report, nightly] = await Promise.all([
          getObject(cluster, 'deployment', OFFLINE_NAMESPACE, 'etl'), getObject(cluster, 'statefulset', OFFLINE_NAMESPACE, 'index'),
          getObject(cluster, 'job', OFFLINE_NAMESPACE, 'report'), getObject(cluster, 'cronjob', OFFLINE_NAMESPACE, 'nightly'),
        ]);
        return etl['spec']['replicas'] > 0 && index['spec']['replicas'] > 0 && report['spec']['parallelism'] > 0 && nightly['spec']['suspend'] === false;
      }, { timeoutMs: 150_000, process: controller.process, cluster });
      for (const name of ['pay-hpa-0', 'pay-hpa-1']) {
        expect((await getObject(cluster, 'hpa', ONLINE_NAMESPACE, name))['spec']['minReplicas']).toBe(1);
      }
      expect((await getObject(cluster, 'deployment', ONLINE_NAMESPACE, 'checkout'))['spec']['replicas']).toBe(1);
      expect((await getObject(cluster, 'statefulset', ONLINE_NAMESPACE, 'ledger'))['spec']['replicas']).toBe(1);
      // Way down in the reverse order: online handed back before offline took the room.
      const after = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.verb === 'patch'
        && Date.parse(event.requestReceivedTimestamp) > peakAtMs && (event.objectRef?.subresource === 'scale' || event.objectRef?.resource !== 'deployments'));
      const lastOnlineDown = Math.max(...after.filter((event) => event.objectRef?.namespace === ONLINE_NAMESPACE && event.objectRef?.name === 'checkout').map((event) => Date.parse(event.requestReceivedTimestamp)));
      const firstOfflineUp = Math.min(...after.filter((event) => event.objectRef?.namespace === OFFLINE_NAMESPACE).map((event) => Date.parse(event.requestReceivedTimestamp)));
      expect(lastOnlineDown).toBeLessThanOrEqual(firstOfflineUp);
    } finally {
      await controller.process.stop();
    }
  }, 420_000);
});
