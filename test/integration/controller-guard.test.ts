/**
 * The reactive guard inside the cluster controller (ControllerService on a real redis-server,
 * writing to kube-api over HTTP): an unforecast pulse on one online workload — live rate far above
 * the stored forecast's p99 band for two samples — takes capacity from offline at once and raises
 * the workload, through the same release-then-acquire ordering; the miss shows in the metrics.
 * Live rates come from a port double (what a Prometheus instant query would answer).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerService } from '../../src/adapters/bullmq/controller-service.ts';
import type { LiveRates } from '../../src/adapters/bullmq/live-rates.ts';
import { closeRedis, createRedis } from '../../src/adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../../src/adapters/bullmq/redis-keys.ts';
import { RedisStateStore } from '../../src/adapters/bullmq/redis-state.ts';
import { KubernetesCluster } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { ControllerMetrics } from '../../src/adapters/metrics/controller-metrics.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { syntheticShift } from '../unit/adapters/bullmq/synthetic-shift.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function replicasOf(kube: RunningKubeApi, namespace: string, name: string): number | undefined {
  return (kube.store.get(Types.deployment, namespace, name)?.['spec'] as { replicas?: number } | undefined)?.replicas;
}

describe('reactive guard in the cluster controller', () => {
  it('meets an unforecast pulse: offline released, the online workload raised, a forecast miss recorded', async () => {
    const nowMs = Date.now();
    // The plan's peak is far away: nothing is planned for the next minutes.
    const shift = syntheticShift({ onlineCount: 2, offlineCount: 2, nowMs, peakAtMs: nowMs + 600_000, drainMs: 1_000, planId: 'plan-quiet' });
    const kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
    const directory = await mkdtemp(join(tmpdir(), 'chuanliu-guard-'));
    const kubeconfigPath = join(directory, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfigPath);
    const cluster = new KubernetesCluster({
      kubeConfig: loadKubeConfig({ kind: 'file', path: kubeconfigPath }), clock: systemClock,
      workloads: [...shift.inventory.online, ...shift.inventory.offline].map((workload) => workload.ref), managedSelector: false,
    });
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const stateRedis = createRedis(redis.url);
    await new RedisStateStore(stateRedis, redisKeys(prefix)).saveForecasts(shift.forecasts.values());
    // p99 band is 100 rps (1 replica); pay-0000 sees 400 rps, pay-0001 stays inside its band.
    const liveRates: LiveRates = { sample: async () => new Map([['pay-0000', 400], ['pay-0001', 60]]) };
    const metrics = new ControllerMetrics({ inventory: shift.inventory, defaultMetrics: false });
    const service = new ControllerService({
      redisUrl: redis.url, redisPrefix: prefix, cluster, inventory: shift.inventory, clock: systemClock, metrics,
      planSource: { kind: 'fixed', plan: shift.plan },
      guard: { liveRates, sampleIntervalMs: 200, bandQuantile: 0.99, config: { consecutiveSamples: 2, headroomFactor: 1.2 } },
    });
    try {
      await service.start();
      expect(service.currentRole).toBe('leader');
      // Emergency floor: 400 rps × 1.2 / 100 rps per replica = 5 replicas (its maximum).
      await waitFor('pay-0000 raised to 5', () => replicasOf(kube, 'shop', 'pay-0000') === 5);
      expect(replicasOf(kube, 'shop', 'pay-0001')).toBe(1);
      const writes = kube.requestLog.list({ verb: 'patch', subresource: 'scale' }).filter((entry) => entry.status < 300);
      const offline = writes.filter((entry) => entry.namespace === 'batch');
      const online = writes.filter((entry) => entry.namespace === 'shop');
      expect(offline.length).toBeGreaterThan(0);
      expect(online.map((entry) => entry.name)).toEqual(['pay-0000']);
      expect(Math.max(...offline.map((entry) => entry.seq))).toBeLessThan(online[0]!.seq);
      // The provenance patch follows the scale write: wait for it rather than race it.
      const annotationsOfPay = (): Record<string, string> => kube.store.get(Types.deployment, 'shop', 'pay-0000')?.metadata.annotations ?? {};
      await waitFor('pay-0000 annotated', () => Object.keys(annotationsOfPay()).length > 0);
      expect(Object.values(annotationsOfPay()).join(' ')).toMatch(/guard-emergency/);
      // The miss is counted once the guard's tick returns, which can be after its writes land.
      await waitFor('the forecast miss counted', async () => /^chuanliu_forecast_misses_total\{workload="pay-0000"\} 1$/m.test(await metrics.registry.metrics()));
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/^chuanliu_forecast_misses_total\{workload="pay-0000"\} 1$/m);
      expect(text).toMatch(/^chuanliu_actual_rps\{workload="pay-0000"\} 400$/m);
      expect(text).toMatch(/^chuanliu_forecast_rps\{workload="pay-0000",quantile="0.99"\} 100$/m);
    } finally {
      await service.stop();
      await closeRedis(stateRedis);
      cluster.close();
      await kube.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
