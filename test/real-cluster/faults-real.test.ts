/**
 * The Kubernetes API fault classes of RELIABILITY.md, rerun on the real control plane: the real
 * `chuanliu controller` (as the manifests' ServiceAccount) reaches the real kube-apiserver through a
 * fault-injecting HTTPS proxy (harness/fault-proxy.ts) with kube-api's seeded rules: 429 with
 * Retry-After, 500 bursts, dropped connections, answers lost after the real server applied the
 * write, and 1 s of latency on every request. (409s from a real concurrent writer and an API server
 * killed mid-shift: resilience.test.ts.) Each class runs its shift in namespaces and on a node pool of
 * its own, concurrently, on one cluster; each must end with every online pod Ready, no value written
 * twice (audit log) and online never going down while it is raised.
 *
 * Seeded: CHUANLIU_FAULT_SEED (default 1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/kube-api/faults.ts';
import { startRedis } from '../integration/helpers/redis.ts';
import { CHUANLIU_NAMESPACE, CHUANLIU_SERVICE_ACCOUNT, installChuanliu, startControllerProcess } from './harness/chuanliu-on-cluster.ts';
import { startFaultProxy } from './harness/fault-proxy.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';
import { NODE_CPU, NODE_MEMORY } from './harness/real-shift.ts';
import { expectShiftDone, prepareShift, removeShift, watchOnlineNeverDown } from './harness/shift-checks.ts';

const SEED = Number(process.env['CHUANLIU_FAULT_SEED'] ?? 1);
const POD_READY_MS = 1_000;
let cluster: RealCluster;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-faults-real-'));
  cluster = await startRealCluster({ nodes: { count: 0 }, podReadyDelayMs: POD_READY_MS });
  await installChuanliu(cluster, { managedNamespaces: [] });
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

interface RealFaultClass {
  readonly tag: string;
  readonly kind: string;
  readonly rules: readonly FaultRule[];
  readonly loseAnswerRate?: number;
  /** Injected kinds that must have happened. */
  readonly expectInjected: readonly string[];
}

const WRITES = { verbs: ['patch' as const] };
const classes: readonly RealFaultClass[] = [
  { tag: 'throttle', kind: '429 with Retry-After', rules: [{ name: 'throttle', throttleRate: 0.2, retryAfterSeconds: 1 }], expectInjected: ['throttle'] },
  { tag: 'errors', kind: '500 bursts', rules: [{ name: 'errors', errorRate: 0.2 }, { name: 'burst', match: WRITES, errorRate: 1, maxFailures: 6 }], expectInjected: ['error'] },
  { tag: 'drops', kind: 'dropped connections', rules: [{ name: 'drops', dropRate: 0.1 }], expectInjected: ['drop'] },
  { tag: 'lost', kind: 'answers lost after the write', rules: [], loseAnswerRate: 0.3, expectInjected: ['lost-answer'] },
  { tag: 'latency', kind: '1 s latency on every request', rules: [{ name: 'latency', latencyMs: 1_000 }], expectInjected: [] },
];

describe('Kubernetes API fault classes on the real control plane', () => {
  it.concurrent.each(classes)('$kind: the shift completes, nothing written twice, online never down', async (fault) => {
    const pool = `pool-${fault.tag}`;
    await cluster.addNodes({ namePrefix: `kwok-${fault.tag}`, count: 4, cpu: NODE_CPU, memory: NODE_MEMORY, labels: { 'chuanliu.io/pool': pool } });
    const shift = await prepareShift(cluster, fault.tag, 80_000, { pool, podReadyMs: POD_READY_MS });
    const proxy = await startFaultProxy(cluster, { seed: SEED });
    proxy.setRules(fault.rules, SEED);
    proxy.setLoseAnswerRate(fault.loseAnswerRate ?? 0);
    const token = await cluster.serviceAccountToken(CHUANLIU_NAMESPACE, CHUANLIU_SERVICE_ACCOUNT);
    const kubeconfig = await cluster.writeTokenKubeconfig(`${fault.tag}.kubeconfig`, token, { serverUrl: proxy.url });
    const redis = await startRedis();
    const monitor = watchOnlineNeverDown(cluster, shift);
    const startedAtMs = Date.now();
    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan: shift.plan, kubeconfigPath: kubeconfig, redisUrl: redis.url, holder: fault.tag });
    try {
      const vsPeakMs = await expectShiftDone(cluster, shift, [controller], { startedAtMs, lateByMs: 30_000 });
      const injected = proxy.injected();
      process.stderr.write(`real API, ${fault.kind} (seed ${SEED}): done ${(vsPeakMs / 1000).toFixed(1)} s vs the peak; ${proxy.requests()} requests, injected ${JSON.stringify(injected)}\n`);
      for (const kind of fault.expectInjected) expect(injected[kind] ?? 0, `no ${kind} injected`).toBeGreaterThan(0);
      expect(monitor.stop()).toEqual([]);
    } finally {
      monitor.stop();
      await controller.process.stop();
      await proxy.close();
      await redis.stop();
      await removeShift(cluster, shift);
    }
  }, 420_000);
});
