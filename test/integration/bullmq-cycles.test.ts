/**
 * The controller's cron cycles on BullMQ job schedulers (real redis-server): declaring them from
 * several replicas leaves one scheduler per cycle, their jobs run on the timings; and the
 * ControllerService in planning mode plans at once when Redis has no plan, stores the plan, applies
 * it to kube-api, and after a restart resumes the stored plan instead of starting over.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerService } from '../../src/adapters/bullmq/controller-service.ts';
import { CycleSchedulers } from '../../src/adapters/bullmq/cycle-schedulers.ts';
import type { PlanningCycles } from '../../src/adapters/bullmq/planning-cycles.ts';
import { redisOptionsFromUrl } from '../../src/adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../../src/adapters/bullmq/redis-keys.ts';
import { RedisStateStore } from '../../src/adapters/bullmq/redis-state.ts';
import { createRedis } from '../../src/adapters/bullmq/redis-connection.ts';
import { KubernetesCluster } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import type { CycleName } from '../../src/adapters/bullmq/redis-state.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi } from '../../src/kube-api/kube-api.ts';
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

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('CycleSchedulers', () => {
  it('keeps one job scheduler per cycle however many replicas declare them, and runs their jobs', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const options = { connection: redisOptionsFromUrl(redis.url), queueName: 'cycles', prefix, timings: { forecast: { everyMs: 300 }, plan: { pattern: '* * * * * *' } } };
    const replicas = [new CycleSchedulers(options), new CycleSchedulers(options)];
    const inspect = new Queue('cycles', { connection: redisOptionsFromUrl(redis.url), prefix });
    const ran: CycleName[] = [];
    try {
      await Promise.all(replicas.map((replica) => replica.declare()));
      await replicas[0]!.declare();
      const schedulers = await inspect.getJobSchedulers();
      expect(schedulers.map((scheduler) => scheduler.key).sort()).toEqual(['forecast', 'plan']);
      expect(schedulers.find((scheduler) => scheduler.key === 'plan')?.pattern).toBe('* * * * * *');
      replicas[0]!.process(async (cycle) => {
        ran.push(cycle);
      });
      await waitFor('both cycles to run, forecast twice', () => ran.filter((cycle) => cycle === 'forecast').length >= 2 && ran.includes('plan'), 10_000);
      // Dropping a timing removes its scheduler.
      await new CycleSchedulers({ ...options, timings: { forecast: { everyMs: 300 } } }).declare();
      expect((await inspect.getJobSchedulers()).map((scheduler) => scheduler.key)).toEqual(['forecast']);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
      await inspect.close();
    }
  });
});

describe('ControllerService in planning mode', () => {
  it('plans at once without a stored plan, applies it, and a restarted service resumes the stored plan', async () => {
    const nowMs = Date.now();
    const shift = syntheticShift({ onlineCount: 4, offlineCount: 2, nowMs, peakAtMs: nowMs + 8_000, applyLatencyMs: 1_500, planId: 'plan-from-cycle' });
    const kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
    const directory = await mkdtemp(join(tmpdir(), 'chuanliu-cycles-'));
    const kubeconfigPath = join(directory, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfigPath);
    const cluster = new KubernetesCluster({
      kubeConfig: loadKubeConfig({ kind: 'file', path: kubeconfigPath }), clock: systemClock,
      workloads: [...shift.inventory.online, ...shift.inventory.offline].map((workload) => workload.ref), managedSelector: false,
    });
    const calls: string[] = [];
    // A port double of the cycles: the forecaster and planner are tested elsewhere; here what
    // matters is when the service calls them and what it does with the plan.
    const cycles: PlanningCycles = {
      refreshForecasts: async () => {
        calls.push('forecast');
        return [...shift.forecasts.values()];
      },
      plan: async ({ forecasts, snapshot }) => {
        calls.push(`plan(${forecasts.size} forecasts, ${snapshot.workloads.length} workloads)`);
        return shift.plan;
      },
    };
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const makeService = (holder: string): ControllerService => new ControllerService({
      redisUrl: redis.url, redisPrefix: prefix, cluster, inventory: shift.inventory, clock: systemClock, holder, leaseTtlMs: 1_000,
      planSource: { kind: 'cycles', cycles, timings: { forecast: { everyMs: 3_600_000 }, plan: { everyMs: 3_600_000 } } },
    });
    const first = makeService('first');
    try {
      await first.start();
      expect(first.currentRole).toBe('leader');
      await waitFor('the first plan to be adopted', () => first.controller?.currentPlan()?.id === 'plan-from-cycle');
      expect(calls).toEqual(['forecast', 'plan(4 forecasts, 6 workloads)']);
      const stateRedis = createRedis(redis.url);
      const state = new RedisStateStore(stateRedis, redisKeys(prefix));
      expect((await state.loadPlan())?.id).toBe('plan-from-cycle');
      expect((await state.loadForecasts()).size).toBe(4);
      expect(await state.lastCycle('plan')).toBeGreaterThanOrEqual(nowMs);
      await stateRedis.quit();
      await waitFor('the online acquires', () => kube.requestLog.list({ verb: 'patch', subresource: 'scale', namespace: 'shop' }).length === 4);
      await first.stop();
      expect(first.currentRole).toBe('stopped');

      const second = makeService('second');
      try {
        await second.start();
        expect(second.currentRole).toBe('leader');
        await waitFor('the stored plan to be adopted', () => second.controller?.currentPlan()?.id === 'plan-from-cycle');
        await new Promise((resolve) => setTimeout(resolve, 500));
        // Resumed from Redis: no new planning cycle, no write repeated.
        expect(calls).toHaveLength(2);
        const writes = kube.requestLog.list({ verb: 'patch', subresource: 'scale' }).filter((entry) => entry.status < 300).map((entry) => entry.name);
        expect(writes.length).toBe(new Set(writes).size);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      cluster.close();
      await kube.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
