import { afterEach, describe, expect, it } from 'vitest';
import { Controller, controllerJobId, type ControllerJob } from '../../../src/controller/controller.ts';
import type { ForecastMiss } from '../../../src/controller/reactive-guard.ts';
import type { ReconcileResult } from '../../../src/controller/reconcile.ts';
import { advanceQueueClock, InProcessQueue } from '../../../src/adapters/memory/in-process-queue.ts';
import { MemoryAppliedStepStore } from '../../../src/adapters/memory/memory-applied-steps.ts';
import type { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import type { Inventory } from '../../../src/domain/workload.ts';
import type { Cluster } from '../../../src/ports/cluster.ts';
import { planOf, standardInventory, T0 } from './fixtures.ts';
import { controlledState, FlakySnapshots, memoryCluster } from './memory-setup.ts';

const SLOT1 = T0 + 60_000;
const running: Controller[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((controller) => controller.close()));
});

function setUp(options: { inventory?: Inventory; initial: Record<string, number>; wrap?: (cluster: Cluster) => Cluster; guard?: ConstructorParameters<typeof Controller>[0]['guard'] }) {
  const inventory = options.inventory ?? standardInventory();
  const { cluster, clock } = memoryCluster({ inventory, initial: options.initial });
  const queue = new InProcessQueue<ControllerJob>({ clock, retry: { initialBackoffMs: 1_000, backoffFactor: 2, maxAttempts: 5 } });
  const store = new MemoryAppliedStepStore();
  const ticks: Array<{ result: ReconcileResult; job: ControllerJob | undefined }> = [];
  const misses: ForecastMiss[] = [];
  const controller = new Controller({
    cluster: options.wrap?.(cluster) ?? cluster, inventory, clock, queue, appliedSteps: store,
    ...(options.guard !== undefined ? { guard: options.guard } : {}),
    hooks: { onReconcile: (result, job) => ticks.push({ result, job }), onForecastMiss: (miss) => misses.push(miss) },
  });
  running.push(controller);
  const advanceTo = (toMs: number): Promise<void> => advanceQueueClock({ clock, queue, toMs });
  return { inventory, cluster, clock: clock as ManualClock, queue, store, controller, ticks, misses, advanceTo };
}

describe('Controller with the in-process queue and the in-memory cluster', () => {
  it('runs each plan step at its time, and the waiting acquire once the drain is over', async () => {
    // The way down on a full cluster (3 nodes, pay 10 + etl 14 = 24 cores): etl takes back the
    // room pay gives up, after pay's 30 s drain.
    const { cluster, controller, advanceTo, queue, store } = setUp({ inventory: standardInventory({ nodes: 3 }), initial: { pay: 10, etl: 14 } });
    const plan = planOf({ replicas: { pay: [10, 4], etl: [14, 20] } });
    expect(await controller.adoptPlan(plan)).toEqual({ scheduled: 3, cancelled: 0 });
    controller.start();

    await advanceTo(SLOT1 - 1);
    expect(await controlledState(cluster)).toMatchObject({ pay: 10, etl: 14 });
    await advanceTo(SLOT1);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 14 });
    expect(queue.pending().map((job) => job.id)).toEqual([controllerJobId('plan-1', 'drain', String(SLOT1 + 30_000))]);
    await advanceTo(SLOT1 + 29_999);
    expect(await controlledState(cluster)).toMatchObject({ etl: 14 });
    await advanceTo(SLOT1 + 30_000);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 20 });
    expect((await store.list('plan-1')).map((record) => [record.stepId, record.appliedAtMs - T0])).toEqual([['pay@1', 60_000], ['etl@1', 90_000]]);
  });

  it('double delivery and re-adoption are harmless: the cluster sees each change once', async () => {
    const { cluster, controller, advanceTo } = setUp({ initial: { pay: 4, etl: 20 } });
    const plan = planOf({ replicas: { pay: [4, 10], etl: [20, 14] } });
    await controller.adoptPlan(plan);
    expect(await controller.adoptPlan(plan)).toEqual({ scheduled: 3, cancelled: 0 });
    controller.start();
    await advanceTo(SLOT1 + 60_000);
    for (let repeat = 0; repeat < 3; repeat += 1) await controller.reconcileNow();
    await advanceTo(SLOT1 + 600_000);
    expect(cluster.simulation.writeCounts.external).toBe(2);
    expect(await controlledState(cluster)).toMatchObject({ pay: 10, etl: 14 });
  });

  it('a new plan supersedes the old one: its pending jobs are cancelled', async () => {
    const { cluster, controller, advanceTo, ticks } = setUp({ initial: { pay: 4, etl: 20 } });
    controller.start();
    await controller.adoptPlan(planOf({ id: 'plan-a', replicas: { etl: [20, 14] } }));
    await advanceTo(T0 + 30_000);
    expect(await controller.adoptPlan(planOf({ id: 'plan-b', replicas: { etl: [20, 20, 10] } }))).toEqual({ scheduled: 2, cancelled: 1 });
    await advanceTo(SLOT1 + 30_000);
    expect(await controlledState(cluster)).toMatchObject({ etl: 20 });
    await advanceTo(T0 + 120_000);
    expect(await controlledState(cluster)).toMatchObject({ etl: 10 });
    expect(ticks.every(({ job }) => job?.planId !== 'plan-a' || job.kind === 'reconcile')).toBe(true);
  });

  it('retries a held tick with backoff until the API answers again', async () => {
    const { cluster, controller, advanceTo, ticks } = setUp({ initial: { etl: 20 }, wrap: (inner) => new FlakySnapshots(inner, 2) });
    await controller.adoptPlan(planOf({ replicas: { etl: [20, 20], settle: [0, 0] }, startMs: T0 }));
    controller.start();
    await advanceTo(T0 + 10_000);
    expect(ticks.map(({ result }) => [result.status, result.atMs - T0])).toEqual([['held', 0], ['held', 1_000], ['done', 3_000]]);
    expect(await controlledState(cluster)).toMatchObject({ etl: 20 });
  });

  it('dry-run through the controller decides but never writes', async () => {
    const { cluster, controller, advanceTo } = setUp({ initial: { pay: 4, etl: 20 } });
    await controller.adoptPlan(planOf({ replicas: { pay: [4, 10], etl: [20, 14] } }));
    const dry = await controller.reconcileNow({ dryRun: true });
    expect(dry.status).toBe('dry-run');
    await advanceTo(SLOT1);
    const preview = await controller.reconcileNow({ dryRun: true });
    // pay's 6 new replicas fit in the room free now: they do not wait for etl's drain.
    expect(preview.records.map((record) => `${record.target}→${record.toReplicas}`)).toEqual(['etl→14', 'pay→10']);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 20 });
  });
});

describe('Controller: the reactive guard end to end', () => {
  it('takes capacity from offline for an unforecast pulse, records the miss, and gives it back after', async () => {
    // 4 nodes × 8 cores = 32 cores; pay 10 + etl 20 hold 30: only 2 cores free.
    const inventory = standardInventory({ nodes: 4 });
    const { cluster, controller, advanceTo, clock, misses } = setUp({
      inventory, initial: { pay: 10, etl: 20 },
      guard: { consecutiveSamples: 3, toleranceFraction: 0.1, headroomFactor: 1.2, coolDownMs: 120_000, stabilizationMs: 60_000 },
    });
    await controller.adoptPlan(planOf({ replicas: { pay: [10, 10, 10, 10, 10, 10, 10, 10], etl: [20, 20, 20, 20, 20, 20, 20, 20] } }));
    controller.start();
    const sample = async (observedRps: number) => {
      await advanceTo(clock.nowMs() + 10_000);
      return controller.observe([{ workload: 'pay', timeMs: clock.nowMs(), observedRps, bandRps: 1000 }]);
    };

    await sample(2000);
    await sample(2000);
    const engaged = await sample(2000);
    expect(engaged.decisions.map((decision) => decision.kind)).toEqual(['engage']);
    // ceil(2000 × 1.2 / 100) = 24 replicas: 14 more cores, 2 free → 12 taken from etl; the floor
    // is written in the same tick, not after etl's 60 s drain (its pods take the room as etl's go).
    expect(await controlledState(cluster)).toMatchObject({ pay: 24, etl: 8 });
    expect(engaged.reconcile?.decision?.writes.find((write) => write.target === 'pay')?.cutShort?.code).toBe('guard-emergency');
    expect(misses).toEqual([{ workload: 'pay', startMs: T0 + 10_000, observedRps: 2000, bandRps: 1000, peakObservedRps: 2000 }]);
    const etl = (await cluster.snapshot()).workloads.find((state) => state.ref.name === 'etl');
    expect(etl?.annotations['chuanliu.io/reason']).toBe('guard-emergency');

    await advanceTo(T0 + 30_000 + 60_000);
    expect(await controlledState(cluster)).toMatchObject({ pay: 24, etl: 8 });

    // Calm from 100 s: released when the cool-down (120 s from 30 s) and 60 s of calm are both over.
    let released = false;
    while (!released && clock.nowMs() < T0 + 400_000) {
      const result = await sample(800);
      released = result.decisions.some((decision) => decision.kind === 'release');
    }
    expect(clock.nowMs() - T0).toBe(160_000);
    expect(await controlledState(cluster)).toMatchObject({ pay: 10, etl: 8 });
    // Online scale-in first; offline restored after the online drain (30 s).
    await advanceTo(clock.nowMs() + 30_000);
    expect(await controlledState(cluster)).toMatchObject({ pay: 10, etl: 20 });
    expect(controller.guard.misses()).toEqual([{ workload: 'pay', startMs: T0 + 10_000, observedRps: 2000, bandRps: 1000, peakObservedRps: 2000, endMs: T0 + 160_000 }]);
  });
});

describe('controllerJobId', () => {
  it.each([
    { name: 'plain ids', parts: ['plan-1', 'step', 'pay@3'], expected: 'cl.plan-1.step.pay%403' },
    { name: 'colons (forbidden by BullMQ) are encoded', parts: ['plan:2024-11-11T12:00', 'step'], expected: 'cl.plan%3A2024-11-11T12%3A00.step' },
    { name: 'dots inside a part cannot collide with the separator', parts: ['a.b', 'c'], expected: 'cl.a%2Eb.c' },
  ])('$name', ({ parts, expected }) => {
    expect(controllerJobId(...parts)).toBe(expected);
  });
});
