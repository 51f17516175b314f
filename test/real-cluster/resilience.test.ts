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
import {
  auditedWrites, CHUANLIU_USER, CHUANLIU_NAMESPACE, CHUANLIU_SERVICE_ACCOUNT, describeTarget, grantChuanliu, installChuanliu, startControllerProcess, waitUntil,
  type AuditEvent, type ControllerRun,
} from './harness/chuanliu-on-cluster.ts';
import { startFaultProxy } from './harness/fault-proxy.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';
import { NODE_CPU, NODE_MEMORY, POOL, realShift, type RealShift } from './harness/real-shift.ts';

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

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function readyPods(namespace: string): Promise<Map<string, number>> {
  const pods = JSON.parse(await cluster.kubectlOk(['get', 'pods', '-n', namespace, '-o', 'json'])) as { items: Json[] };
  const ready = new Map<string, number>();
  for (const pod of pods.items) {
    if (pod['metadata']['deletionTimestamp'] !== undefined) continue;
    if (!(pod['status']['conditions'] ?? []).some((condition: Json) => condition['type'] === 'Ready' && condition['status'] === 'True')) continue;
    const app = String(pod['metadata']['labels']?.['app'] ?? '');
    ready.set(app, (ready.get(app) ?? 0) + 1);
  }
  return ready;
}

/** A shift in namespaces of its own, objects created and Ready at their starting levels, planned with the peak `peakInMs` ahead. */
async function prepareShift(tag: string, peakInMs: number): Promise<RealShift & { peakAtMs: number }> {
  const onlineNamespace = `payments-${tag}`;
  const offlineNamespace = `batch-${tag}`;
  await grantChuanliu(cluster, onlineNamespace);
  await grantChuanliu(cluster, offlineNamespace);
  const setup = realShift({ nowMs: Date.now(), peakAtMs: Date.now() + peakInMs, onlineNamespace, offlineNamespace });
  await cluster.apply(setup.objects());
  await waitUntil(`${tag}: starting levels Ready`, async () => {
    const [online, offline] = await Promise.all([readyPods(onlineNamespace), readyPods(offlineNamespace)]);
    return [...online.values()].reduce((a, b) => a + b, 0) === 4 && offline.get('etl') === 4 && offline.get('index') === 2 && offline.get('report') === 4;
  }, { timeoutMs: 90_000, cluster });
  const nowMs = Date.now();
  const peakAtMs = nowMs + peakInMs;
  return { ...realShift({ nowMs, peakAtMs, startupMs: POD_READY_MS, onlineNamespace, offlineNamespace, planId: `plan-${tag}` }), peakAtMs };
}

async function removeShift(shift: RealShift): Promise<void> {
  await cluster.kubectl(['delete', 'namespace', shift.onlineNamespace, shift.offlineNamespace, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
}

/** Polls online spec.replicas (and HPA floors) while a shift raises them; a failed read is skipped, never counted. */
function watchOnlineNeverDown(shift: RealShift): { stop(): string[] } {
  const last = new Map<string, number>();
  const drops: string[] = [];
  let running = true;
  const poll = async (): Promise<void> => {
    while (running) {
      const out = await cluster.kubectl(['get', 'deployments,statefulsets,hpa', '-n', shift.onlineNamespace, '-o', 'json'], { timeoutMs: 5_000 });
      if (out.code === 0) {
        for (const item of (JSON.parse(out.stdout) as { items: Json[] }).items) {
          const key = `${item['kind']}/${item['metadata']['name']}`;
          const value = Number(item['kind'] === 'HorizontalPodAutoscaler' ? item['spec']['minReplicas'] : item['spec']['replicas']);
          const before = last.get(key);
          if (before !== undefined && value < before) drops.push(`${key} ${before}→${value}`);
          last.set(key, value);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const done = poll();
  return {
    stop: () => {
      running = false;
      void done;
      return drops;
    },
  };
}

/** Value writes chuanliu's ServiceAccount made and the API accepted, by object, in [fromMs, toMs]. */
function valueWritesByObject(events: readonly AuditEvent[], fromMs: number, toMs: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const atMs = Date.parse(event.requestReceivedTimestamp);
    if (atMs < fromMs || atMs > toMs || (event.responseStatus?.code ?? 0) >= 300) continue;
    const ref = event.objectRef ?? {};
    const isValue = ref.subresource === 'scale' || (ref.subresource === undefined && ['horizontalpodautoscalers', 'jobs', 'cronjobs'].includes(ref.resource ?? ''));
    if (!isValue) continue;
    counts.set(describeTarget(event), (counts.get(describeTarget(event)) ?? 0) + 1);
  }
  return counts;
}

async function expectShiftDone(shift: RealShift & { peakAtMs: number }, controllers: readonly ControllerRun[], options: { startedAtMs: number; lateByMs?: number }): Promise<number> {
  let readyAtMs: number | undefined;
  await waitUntil(`${shift.onlineNamespace}: every online workload at ${shift.peakPerOnline} Ready`, async () => {
    const online = await readyPods(shift.onlineNamespace);
    if (shift.inventory.online.every((workload) => online.get(workload.name) === shift.peakPerOnline)) readyAtMs ??= Date.now();
    return readyAtMs !== undefined;
  }, { timeoutMs: shift.peakAtMs - Date.now() + (options.lateByMs ?? 0) + 30_000, ...(controllers[0] !== undefined ? { process: controllers[0].process } : {}), cluster });
  const events = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.verb === 'patch');
  const writes = valueWritesByObject(events, options.startedAtMs, readyAtMs ?? Date.now());
  const twice = [...writes].filter(([, count]) => count > 1).map(([target, count]) => `${target} ×${count}`);
  expect(twice, 'value written more than once').toEqual([]);
  // Every workload of the shift was written once: 4 offline releases + 2 HPA floors + 2 scales.
  expect(writes.size).toBe(8);
  return (readyAtMs ?? 0) - shift.peakAtMs;
}

function adminClients() {
  const config = new KubeConfig();
  config.loadFromFile(cluster.adminKubeconfigPath);
  return { apps: config.makeApiClient(AppsV1Api), batch: config.makeApiClient(BatchV1Api), autoscaling: config.makeApiClient(AutoscalingV2Api) };
}

describe('shifts on the real API under trouble', () => {
  it('a concurrent writer on the same objects: real 409s, re-read and retried, each value written once', async () => {
    const shift = await prepareShift('conflicts', 75_000);
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
    const monitor = watchOnlineNeverDown(shift);
    const startedAtMs = Date.now();
    const redis = await startRedis();
    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: viaProxy, redisUrl: redis.url });
    try {
      const vsPeakMs = await expectShiftDone(shift, [controller], { startedAtMs });
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
      await removeShift(shift);
    }
  }, 360_000);

  it('kube-apiserver killed (-9) right after the first release and restarted: the shift completes, nothing written twice, never a scale-down on a failed read', async () => {
    const shift = await prepareShift('apiserver-kill', 90_000);
    const redis = await startRedis();
    const monitor = watchOnlineNeverDown(shift);
    const startedAtMs = Date.now();
    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url });
    try {
      await waitUntil('the first release accepted', async () => (await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER
        && event.objectRef?.namespace === shift.offlineNamespace && (event.responseStatus?.code ?? 0) < 300 && event.verb === 'patch')).length > 0,
      { timeoutMs: shift.peakAtMs - Date.now(), process: controller.process, cluster });
      await cluster.killApiServer();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await cluster.startApiServer();
      const vsPeakMs = await expectShiftDone(shift, [controller], { startedAtMs, lateByMs: 30_000 });
      process.stderr.write(`apiserver kill: done ${(vsPeakMs / 1000).toFixed(1)} s relative to the peak\n`);
      expect(vsPeakMs, 'online Ready by the peak despite a 5 s API outage').toBeLessThanOrEqual(0);
      expect(monitor.stop()).toEqual([]);
      expect(controller.process.exited()).toBe(false);
    } finally {
      monitor.stop();
      await controller.process.stop();
      await redis.stop();
      await removeShift(shift);
    }
  }, 360_000);

  it('two controller replicas on one Redis: one leads and writes, the shift is done once', async () => {
    const shift = await prepareShift('replicas', 70_000);
    const redis = await startRedis();
    const startedAtMs = Date.now();
    const replicas = [
      await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url, holder: 'replica-a' }),
      await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url, holder: 'replica-b' }),
    ];
    try {
      await expectShiftDone(shift, replicas, { startedAtMs });
      const metrics = await Promise.all(replicas.map(async (replica) => (await fetch(`${replica.metricsUrl}/metrics`)).text()));
      const leaders = metrics.map((text) => /^chuanliu_controller_leader 1$/m.test(text));
      const wrote = metrics.map((text) => [...text.matchAll(/^chuanliu_writes_total\{[^}]*outcome="applied"[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0));
      expect(leaders.filter(Boolean)).toHaveLength(1);
      expect(wrote.filter((count) => count > 0), `applied writes per replica: ${wrote.join(', ')}`).toHaveLength(1);
      expect(wrote[leaders.indexOf(true)]).toBeGreaterThan(0);
    } finally {
      await Promise.all(replicas.map((replica) => replica.process.stop()));
      await redis.stop();
      await removeShift(shift);
    }
  }, 360_000);
});
