/**
 * Shifts on the real control plane when the API misbehaves, with the real `chuanliu controller`
 * process as the manifests' ServiceAccount:
 * - a concurrent writer changing each object inside chuanliu's read→write window (a fault proxy holds
 *   chuanliu's first patch of it while the other write lands), so the real API server answers 409
 *   to the patch carrying the outdated resourceVersion;
 * - kube-apiserver killed (-9) right after the first release and started again;
 * - two controller replicas on one Redis: one leads and writes, the other stands by.
 * Each time the shift completes with every online pod Ready, no value is written twice (the API
 * server's audit log), and online workloads never go down while the shift raises them (polled from
 * the API). Each scenario runs in its own namespaces on the same nodes, cleaned up after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, AutoscalingV2Api, BatchV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../integration/helpers/redis.ts';
import { auditedWrites, CHUANLIU_USER, CHUANLIU_NAMESPACE, CHUANLIU_SERVICE_ACCOUNT, installChuanliu, startControllerProcess, waitUntil } from './harness/chuanliu-on-cluster.ts';
import { expectShiftDone, prepareShift, removeShift, watchOnlineNeverDown } from './harness/shift-checks.ts';
import { startFaultProxy } from './harness/fault-proxy.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';
import { NODE_CPU, NODE_MEMORY, POOL } from './harness/real-shift.ts';

let cluster: RealCluster;
let directory: string;
let kubeconfig: string;
const POD_READY_MS = 1_000;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-resilience-'));
  cluster = await startRealCluster({ nodes: { count: 4, cpu: NODE_CPU, memory: NODE_MEMORY, labels: { 'chuanliu.io/pool': POOL } }, podReadyDelayMs: POD_READY_MS });
  kubeconfig = await installChuanliu(cluster, { managedNamespaces: ['payments', 'batch'] });
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

function adminClients() {
  const config = new KubeConfig();
  config.loadFromFile(cluster.adminKubeconfigPath);
  return { apps: config.makeApiClient(AppsV1Api), batch: config.makeApiClient(BatchV1Api), autoscaling: config.makeApiClient(AutoscalingV2Api) };
}

describe('shifts on the real API under trouble', () => {
  it('a concurrent writer on the same objects: real 409s, re-read and retried, each value written once', async () => {
    const shift = await prepareShift(cluster, 'conflicts', 75_000, { podReadyMs: POD_READY_MS });
    const proxy = await startFaultProxy(cluster, { seed: 11 });
    const token = await cluster.serviceAccountToken(CHUANLIU_NAMESPACE, CHUANLIU_SERVICE_ACCOUNT);
    const viaProxy = await cluster.writeTokenKubeconfig('conflicts.kubeconfig', token, { serverUrl: proxy.url });
    const { apps, batch, autoscaling } = adminClients();
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    // The other writer: the first time chuanliu patches an object, someone else changes that object
    // after chuanliu read it and before its patch reaches the API, so the patch carries an outdated
    // resourceVersion. Later patches of the same object go through untouched.
    const touched = new Set<string>();
    let otherWrites = 0;
    proxy.setBeforePatch(async (path) => {
      const match = /\/namespaces\/([^/]+)\/(deployments|statefulsets|jobs|cronjobs|horizontalpodautoscalers)\/([^/]+)/.exec(path);
      if (match === null) return;
      const [, namespace = '', resource = '', name = ''] = match;
      const key = `${resource}/${namespace}/${name}`;
      if (touched.has(key) || (namespace !== shift.onlineNamespace && namespace !== shift.offlineNamespace)) return;
      touched.add(key);
      otherWrites += 1;
      const body = { metadata: { annotations: { 'example.com/touched-by': 'another-writer' } } };
      const param = { name, namespace, body };
      if (resource === 'deployments') await apps.patchNamespacedDeployment(param, merge);
      else if (resource === 'statefulsets') await apps.patchNamespacedStatefulSet(param, merge);
      else if (resource === 'jobs') await batch.patchNamespacedJob(param, merge);
      else if (resource === 'cronjobs') await batch.patchNamespacedCronJob(param, merge);
      else await autoscaling.patchNamespacedHorizontalPodAutoscaler(param, merge);
    });
    const monitor = watchOnlineNeverDown(cluster, shift);
    const startedAtMs = Date.now();
    const redis = await startRedis();
    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: viaProxy, redisUrl: redis.url });
    try {
      const vsPeakMs = await expectShiftDone(cluster, shift, [controller], { startedAtMs });
      process.stderr.write(`conflicts: done ${(-vsPeakMs / 1000).toFixed(1)} s before the peak; the other writer changed ${otherWrites} objects inside chuanliu's read→write window\n`);
      const conflicts = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.responseStatus?.code === 409);
      expect(conflicts.length, 'the real API server answered 409 to chuanliu').toBeGreaterThan(0);
      expect(monitor.stop()).toEqual([]);
    } finally {
      monitor.stop();
      await controller.process.stop();
      await proxy.close();
      await redis.stop();
      await removeShift(cluster, shift);
    }
  }, 360_000);

  it('kube-apiserver killed (-9) right after the first release and restarted: the shift completes, nothing written twice, never a scale-down on a failed read', async () => {
    // The plan's apply latency covers the HPA's 15 s sync plus an API outage of 5 s and its restart.
    const shift = await prepareShift(cluster, 'apiserver-kill', 100_000, { podReadyMs: POD_READY_MS, applyLatencyMs: 35_000 });
    const redis = await startRedis();
    const monitor = watchOnlineNeverDown(cluster, shift);
    const startedAtMs = Date.now();
    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url });
    try {
      await waitUntil('the first release accepted', async () => (await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER
        && event.objectRef?.namespace === shift.offlineNamespace && (event.responseStatus?.code ?? 0) < 300 && event.verb === 'patch')).length > 0,
      { timeoutMs: shift.peakAtMs - Date.now(), process: controller.process, cluster });
      await cluster.killApiServer();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await cluster.startApiServer();
      const vsPeakMs = await expectShiftDone(cluster, shift, [controller], { startedAtMs, lateByMs: 30_000 });
      process.stderr.write(`apiserver kill: done ${(vsPeakMs / 1000).toFixed(1)} s relative to the peak\n`);
      expect(vsPeakMs, 'online Ready by the peak despite a 5 s API outage').toBeLessThanOrEqual(0);
      expect(monitor.stop()).toEqual([]);
      expect(controller.process.exited()).toBe(false);
    } finally {
      monitor.stop();
      await controller.process.stop();
      await redis.stop();
      await removeShift(cluster, shift);
    }
  }, 360_000);

  it('two controller replicas on one Redis: one leads and writes, the shift is done once', async () => {
    const shift = await prepareShift(cluster, 'replicas', 70_000, { podReadyMs: POD_READY_MS });
    const redis = await startRedis();
    const startedAtMs = Date.now();
    const replicas = [
      await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url, holder: 'replica-a' }),
      await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url, holder: 'replica-b' }),
    ];
    try {
      await expectShiftDone(cluster, shift, replicas, { startedAtMs });
      const metrics = await Promise.all(replicas.map(async (replica) => (await fetch(`${replica.metricsUrl}/metrics`)).text()));
      const leaders = metrics.map((text) => /^chuanliu_controller_leader 1$/m.test(text));
      const wrote = metrics.map((text) => [...text.matchAll(/^chuanliu_writes_total\{[^}]*outcome="applied"[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0));
      expect(leaders.filter(Boolean)).toHaveLength(1);
      expect(wrote.filter((count) => count > 0), `applied writes per replica: ${wrote.join(', ')}`).toHaveLength(1);
      expect(wrote[leaders.indexOf(true)]).toBeGreaterThan(0);
    } finally {
      await Promise.all(replicas.map((replica) => replica.process.stop()));
      await redis.stop();
      await removeShift(cluster, shift);
    }
  }, 360_000);
});
