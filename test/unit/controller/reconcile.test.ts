import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { reconcile, type ReconcileOptions } from '../../../src/controller/reconcile.ts';
import { MemoryAppliedStepStore } from '../../../src/adapters/memory/memory-applied-steps.ts';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import type { Inventory } from '../../../src/domain/workload.ts';
import type { AppliedStepStore } from '../../../src/ports/applied-steps.ts';
import type { Cluster } from '../../../src/ports/cluster.ts';
import { RuntimeFailure } from '../../../src/domain/errors.ts';
import type { Clock } from '../../../src/ports/clock.ts';
import { LATER_PEAK, planOf, standardInventory, T0 } from './fixtures.ts';
import {
  controlledState, CrashingCluster, CrashingStore, CrashPoint, FlakySnapshots, memoryCluster, refundHpa, RejectingWrites,
} from './memory-setup.ts';

const SLOT1 = T0 + 60_000;

function tick(options: { cluster: Cluster; plan: CapacityPlan; inventory: Inventory; store: AppliedStepStore; clock: Clock } & Partial<ReconcileOptions>) {
  const { store, ...rest } = options;
  return reconcile({ appliedSteps: store, ...rest });
}

function outcomes(result: Awaited<ReturnType<typeof reconcile>>): string[] {
  return result.records.map((record) => `${record.phase} ${record.target}→${record.toReplicas}: ${record.outcome.status}`);
}

describe('reconcile against the in-memory cluster', () => {
  it('releases offline, waits for the drain whose room it needs, then acquires online; each write recorded with its step', async () => {
    const inventory = standardInventory({ nodes: 3 });
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20 } });
    const store = new MemoryAppliedStepStore();
    const plan = planOf(LATER_PEAK);
    await clock.advanceTo(SLOT1);

    const first = await tick({ cluster, plan, inventory, store, clock });
    expect(first.status).toBe('done');
    expect(outcomes(first)).toEqual(['release etl→14: applied']);
    expect(first.decision?.waits.map((wait) => wait.message)).toEqual(['pay 4→10 waits for etl to drain (until 2024-11-11T11:52:00.000Z)']);
    expect(first.stepsMarkedApplied).toEqual(['etl@1']);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 14 });

    await clock.advance(30_000);
    expect(outcomes(await tick({ cluster, plan, inventory, store, clock }))).toEqual([]);

    await clock.advance(30_000);
    const third = await tick({ cluster, plan, inventory, store, clock });
    expect(outcomes(third)).toEqual(['acquire pay→10: applied']);
    expect(third.stepsMarkedApplied).toEqual(['pay@3']);
    expect(await controlledState(cluster)).toMatchObject({ pay: 10, etl: 14 });
    expect((await store.list('plan-1')).map((record) => [record.stepId, record.direction, record.appliedAtMs - T0])).toEqual([
      ['etl@1', 'release', 60_000],
      ['pay@3', 'acquire', 120_000],
    ]);
  });

  it('leaves its provenance on the objects it writes', async () => {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20 } });
    await clock.advanceTo(SLOT1);
    await tick({ cluster, plan: planOf({ replicas: { etl: [20, 14] } }), inventory, store: new MemoryAppliedStepStore(), clock });
    const etl = (await cluster.snapshot()).workloads.find((state) => state.ref.name === 'etl');
    expect(etl?.annotations).toMatchObject({
      'chuanliu.io/plan-id': 'plan-1', 'chuanliu.io/step-id': 'etl@1', 'chuanliu.io/reason': 'offline-release',
      'chuanliu.io/written-at': '2024-11-11T11:51:00.000Z',
    });
  });

  it('raises the HPA floor of an HPA-managed workload', async () => {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { refund: 3 }, hpas: [refundHpa()] });
    await clock.advanceTo(SLOT1);
    const result = await tick({ cluster, plan: planOf({ replicas: { refund: [3, 12] } }), inventory, store: new MemoryAppliedStepStore(), clock });
    expect(outcomes(result)).toEqual(['acquire refund→12: applied']);
    expect(result.records[0]?.write.kind).toBe('hpa-min');
    const refund = (await cluster.snapshot()).workloads.find((state) => state.ref.name === 'refund');
    expect(refund?.hpa?.minReplicas).toBe(12);
  });

  it('dry-run returns the exact writes and changes neither the cluster nor the store', async () => {
    const inventory = standardInventory({ etlDrainMs: 0 });
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20, settle: 8, reports: 1 } });
    const store = new MemoryAppliedStepStore();
    const plan = planOf({ replicas: { pay: [4, 10], etl: [20, 14], settle: [8, 2], reports: [1, 0] } });
    await clock.advanceTo(SLOT1);
    const before = await cluster.snapshot();

    const dry = await tick({ cluster, plan, inventory, store, clock, dryRun: true });
    expect(dry.status).toBe('dry-run');
    expect(await cluster.snapshot()).toEqual(before);
    expect(await store.list('plan-1')).toEqual([]);

    const real = await tick({ cluster, plan, inventory, store, clock });
    expect(real.records.map((record) => record.write)).toEqual(dry.records.map((record) => record.write));
    expect(outcomes(real).every((line) => line.endsWith('applied'))).toBe(true);
  });

  it('a repeated tick writes nothing more', async () => {
    const inventory = standardInventory({ etlDrainMs: 0 });
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20 } });
    const store = new MemoryAppliedStepStore();
    const plan = planOf({ replicas: { pay: [4, 10], etl: [20, 14] } });
    await clock.advanceTo(SLOT1);
    await tick({ cluster, plan, inventory, store, clock });
    const writesAfterFirst = cluster.simulation.writeCounts.external;
    const again = await tick({ cluster, plan, inventory, store, clock });
    expect(again.records).toEqual([]);
    expect(again.stepsMarkedApplied).toEqual([]);
    expect(cluster.simulation.writeCounts.external).toBe(writesAfterFirst);
  });

  it('holds capacity when the snapshot fails: nothing written, says why', async () => {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 10, etl: 14 } });
    await clock.advanceTo(SLOT1);
    const result = await tick({
      cluster: new FlakySnapshots(cluster, 1), plan: planOf({ replicas: { pay: [10, 4], etl: [14, 20] } }), inventory, store: new MemoryAppliedStepStore(), clock,
    });
    expect(result.status).toBe('held');
    expect(result.message).toBe('holding capacity, nothing written: kube-apiserver: connect ECONNREFUSED 10.0.0.1:443');
    expect(await controlledState(cluster)).toMatchObject({ pay: 10, etl: 14 });
  });

  it('refuses an unsafe plan without writing anything', async () => {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20 } });
    await clock.advanceTo(SLOT1);
    const store = new MemoryAppliedStepStore();
    const result = await tick({ cluster, plan: planOf({ replicas: { pay: [4, 1], etl: [20, 14] } }), inventory, store, clock });
    expect(result.status).toBe('refused');
    expect(result.message).toMatch(/^refused, nothing written: plan plan-1 puts online pay at 1 replicas .* below its minimum of 2$/);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 20 });
    expect(await store.list('plan-1')).toEqual([]);
  });

  it('skips the acquires when a release fails, and leaves the failed step for the next tick', async () => {
    const inventory = standardInventory({ etlDrainMs: 0 });
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20 } });
    await clock.advanceTo(SLOT1);
    const store = new MemoryAppliedStepStore();
    const result = await tick({
      cluster: new RejectingWrites(cluster, new Set(['etl'])), plan: planOf({ replicas: { pay: [4, 10], etl: [20, 14] } }), inventory, store, clock,
    });
    expect(result.status).toBe('write-failures');
    expect(outcomes(result)).toEqual(['release etl→14: failed', 'acquire pay→10: skipped']);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 20 });
    expect(await store.list('plan-1')).toEqual([]);
  });

  it('writes within a phase run at most maxConcurrentWrites at a time', async () => {
    const inventory: Inventory = {
      ...standardInventory({ nodes: 100 }),
      offline: Array.from({ length: 6 }, (_, index) => ({ ...standardInventory().offline[0]!, name: `etl${index}`, ref: { apiKind: 'Deployment', namespace: 'batch', name: `etl${index}` } as const, drainMs: 0 })),
    };
    const { cluster, clock } = memoryCluster({ inventory, initial: Object.fromEntries(inventory.offline.map((workload) => [workload.name, 10])) });
    await clock.advanceTo(SLOT1);
    let inFlight = 0;
    let peak = 0;
    const counting: Cluster = {
      snapshot: () => cluster.snapshot(),
      write: async (write) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return cluster.write(write);
      },
    };
    const plan = planOf({ replicas: Object.fromEntries(inventory.offline.map((workload) => [workload.name, [10, 5]])) });
    const result = await tick({ cluster: counting, plan, inventory, store: new MemoryAppliedStepStore(), clock, maxConcurrentWrites: 2 });
    expect(result.records).toHaveLength(6);
    expect(peak).toBe(2);
  });
});

describe('reconcile: crash at any point, replay, same final state', () => {
  const inventory = standardInventory({ nodes: 100 });
  const series = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: 3, maxLength: 3 });
  const scenarioArb = fc.record({
    replicas: fc.record({ pay: series(2, 30), refund: series(3, 30), etl: series(0, 30), settle: series(0, 20), reports: series(0, 1) }),
    initial: fc.record({ pay: fc.integer({ min: 2, max: 30 }), refund: fc.integer({ min: 3, max: 30 }), etl: fc.integer({ min: 0, max: 30 }), settle: fc.integer({ min: 0, max: 20 }), reports: fc.integer({ min: 0, max: 1 }) }),
    crashAfterEffects: fc.integer({ min: 0, max: 12 }),
  });
  // Ticks at the slots and after every drain could be over: the run converges by the last one.
  const tickTimes = [SLOT1, SLOT1 + 61_000, SLOT1 + 122_000, T0 + 2 * 60_000, T0 + 2 * 60_000 + 61_000, T0 + 2 * 60_000 + 122_000].sort((a, b) => a - b);

  async function runTicks(scenario: typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never, crash: boolean) {
    const { cluster, clock } = memoryCluster({ inventory, initial: scenario.initial, hpas: [refundHpa(3)] });
    const store = new MemoryAppliedStepStore();
    const plan = planOf({ replicas: scenario.replicas });
    let crashed = false;
    for (const atMs of tickTimes) {
      await clock.advanceTo(atMs);
      if (crash && !crashed) {
        crashed = true;
        const point = new CrashPoint(scenario.crashAfterEffects);
        // The dying process: its tick never finishes; a new process replays the tick at once.
        void reconcile({ cluster: new CrashingCluster(cluster, point), appliedSteps: new CrashingStore(store, point), plan, inventory, clock });
        await new Promise((resolve) => setImmediate(resolve));
      }
      const result = await reconcile({ cluster, appliedSteps: store, plan, inventory, clock });
      expect(['done', 'refused']).toContain(result.status);
    }
    const final = await reconcile({ cluster, appliedSteps: store, plan, inventory, clock });
    // Plan steps only: a crashed write found at its level on replay needs no bookkeeping id of its own.
    const stepIds = new Set(plan.steps.map((step) => step.id));
    const applied = (await store.list(plan.id)).map((record) => record.stepId).filter((id) => stepIds.has(id)).sort();
    return { state: await controlledState(cluster), finalWrites: final.records.length, applied };
  }

  it('a tick cut short after any number of writes or records, then replayed, ends where an uninterrupted run ends', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (scenario) => {
      const clean = await runTicks(scenario, false);
      const replayed = await runTicks(scenario, true);
      expect(replayed.state).toEqual(clean.state);
      expect(replayed.finalWrites).toBe(0);
      expect(clean.finalWrites).toBe(0);
      expect(replayed.applied).toEqual(clean.applied);
    }), { numRuns: 40 });
  });
});

describe('reconcile: drain clock from the written-at annotation when the store lost the release', () => {
  it.each([
    { name: 'in-memory cluster key', key: 'chuanliu.io/written-at' },
    { name: 'Kubernetes adapter key', key: 'chuanliu.io/last-write-at' },
  ])('reads the $name', async ({ key }) => {
    const inventory = standardInventory({ nodes: 3 });
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 14 } });
    await clock.advanceTo(SLOT1 + 10_000);
    // A release written at SLOT1 by a process that died before recording it; its pods still terminate.
    const annotated: Cluster = {
      snapshot: async () => {
        const snapshot = await cluster.snapshot();
        return {
          ...snapshot,
          workloads: snapshot.workloads.map((state) => (state.ref.name === 'etl'
            ? { ...state, terminatingReplicas: 6, annotations: { [key]: new Date(SLOT1).toISOString() } }
            : state)),
        };
      },
      write: (write) => cluster.write(write),
    };
    const result = await tick({ cluster: annotated, plan: planOf(LATER_PEAK), inventory, store: new MemoryAppliedStepStore(), clock });
    expect(result.decision?.waits.map((wait) => wait.notBeforeMs)).toEqual([SLOT1 + 60_000]);
  });
});

describe('reconcile asks the authorizer before writing', () => {
  function withAuthorizer(cluster: Cluster, authorize: NonNullable<Cluster['authorize']>): Cluster {
    return { snapshot: () => cluster.snapshot(), write: (write) => cluster.write(write), authorize };
  }

  it('refuses the whole tick, writing nothing, when one write is not permitted; names the request', async () => {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20 } });
    await clock.advanceTo(SLOT1);
    const plan = planOf({ replicas: { pay: [4, 10], etl: [20, 14] } });
    const guarded = withAuthorizer(cluster, async (writes) => writes
      .filter((write) => write.kind === 'replicas' && write.ref.name === 'etl')
      .map((write) => ({ write, request: 'patch apps/deployments/scale batch/etl', reason: 'RBAC: no rule' })));
    const result = await tick({ cluster: guarded, plan, inventory, store: new MemoryAppliedStepStore(), clock });
    expect(result.status).toBe('refused');
    expect(result.records).toEqual([]);
    expect(result.message).toBe('refused, nothing written: not permitted: patch apps/deployments/scale batch/etl (RBAC: no rule)');
    expect(result.permissionDenials?.map((denial) => denial.request)).toEqual(['patch apps/deployments/scale batch/etl']);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 20 });
  });

  it('holds, writing nothing, when the authorizer cannot be asked', async () => {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 20 } });
    await clock.advanceTo(SLOT1);
    const guarded = withAuthorizer(cluster, async () => {
      throw new RuntimeFailure('connection refused');
    });
    const result = await tick({ cluster: guarded, plan: planOf({ replicas: { etl: [20, 14] } }), inventory, store: new MemoryAppliedStepStore(), clock });
    expect(result.status).toBe('held');
    expect(result.message).toContain('cannot ask the API whether chuanliu may write: connection refused');
    expect(await controlledState(cluster)).toMatchObject({ etl: 20 });
  });
});

