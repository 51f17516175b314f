/**
 * Shifts on the real control plane when the API misbehaves, with the real `chuanliu controller`
 * process as the manifests' ServiceAccount:
 * - a concurrent writer changing the same objects while chuanliu's writes are slowed down by a
 *   fault proxy, so the real API server answers 409 to writes carrying an old resourceVersion;
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
    // chuanliu's writes wait 400 ms between its read and the API: the other writer changes the object meanwhile.
    proxy.setRules([{ name: 'slow writes', match: { verbs: ['patch'] }, latencyMs: 400 }]);
    const token = await cluster.serviceAccountToken(CHUANLIU_NAMESPACE, CHUANLIU_SERVICE_ACCOUNT);
    const viaProxy = await cluster.writeTokenKubeconfig('conflicts.kubeconfig', token, { serverUrl: proxy.url });
    const { apps, batch, autoscaling } = adminClients();
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    let writing = true;
    let otherWrites = 0;
    const touch = (serial: number) => ({ metadata: { annotations: { 'example.com/touched': String(serial) } } });
    const otherWriter = (async () => {
      while (writing) {
        const serial = otherWrites++;
        await Promise.allSettled([
          ...shift.inventory.online.filter((w) => w.ref.apiKind === 'Deployment').map((w) => apps.patchNamespacedDeployment({ name: w.ref.name, namespace: w.ref.namespace, body: touch(serial) }, merge)),
          apps.patchNamespacedStatefulSet({ name: 'ledger', namespace: shift.onlineNamespace, body: touch(serial) }, merge),
          apps.patchNamespacedDeployment({ name: 'etl', namespace: shift.offlineNamespace, body: touch(serial) }, merge),
          apps.patchNamespacedStatefulSet({ name: 'index', namespace: shift.offlineNamespace, body: touch(serial) }, merge),
          batch.patchNamespacedJob({ name: 'report', namespace: shift.offlineNamespace, body: touch(serial) }, merge),
          batch.patchNamespacedCronJob({ name: 'nightly', namespace: shift.offlineNamespace, body: touch(serial) }, merge),
          ...['pay-hpa-0', 'pay-hpa-1'].map((name) => autoscaling.patchNamespacedHorizontalPodAutoscaler({ name, namespace: shift.onlineNamespace, body: touch(serial) }, merge)),
        ]);
        // Once a second: most of chuanliu's 400 ms read→write windows see a change. (An object rewritten
        // every 50 ms starves any optimistic writer whose round trip is longer: RELIABILITY.md.)
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    const monitor = watchOnlineNeverDown(cluster, shift);
    const startedAtMs = Date.now();
    const redis = await startRedis();
    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: viaProxy, redisUrl: redis.url });
    try {
      const vsPeakMs = await expectShiftDone(cluster, shift, [controller], { startedAtMs });
      process.stderr.write(`conflicts: done ${(-vsPeakMs / 1000).toFixed(1)} s before the peak; ${otherWrites} rounds of the other writer\n`);
      const conflicts = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.responseStatus?.code === 409);
      expect(conflicts.length, 'the real API server answered 409 to chuanliu').toBeGreaterThan(0);
      expect(monitor.stop()).toEqual([]);
    } finally {
      writing = false;
      await otherWriter;
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
