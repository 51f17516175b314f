/**
 * The data-freshness gate: missing or stale metrics hold online capacity (a floor at its current
 * level), cap offline at its current level, and raise an alert; fresh data changes nothing.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessQueue } from '../../../src/adapters/memory/in-process-queue.ts';
import { MemoryAppliedStepStore } from '../../../src/adapters/memory/memory-applied-steps.ts';
import { Controller, type ControllerJob } from '../../../src/controller/controller.ts';
import type { DataAlert } from '../../../src/controller/data-freshness.ts';
import type { Cluster } from '../../../src/ports/cluster.ts';
import { controlledState, FlakySnapshots, memoryCluster } from './memory-setup.ts';
import { freshnessOf, holdOnStaleData, type DataFreshness } from '../../../src/controller/data-freshness.ts';
import { decideWrites } from '../../../src/controller/decide-writes.ts';
import type { RegularSeries } from '../../../src/domain/series.ts';
import { planOf, snapshotOf, standardInventory, T0, type StateSpec } from './fixtures.ts';

const MINUTE_MS = 60_000;

function series(values: number[]): RegularSeries {
  return { startMs: T0 - values.length * MINUTE_MS, stepMs: MINUTE_MS, values: Float64Array.from(values), unit: 'requests/s' };
}

describe('freshnessOf', () => {
  it.each([
    { name: 'newest bucket ends now', values: [5, 6, 7], nowMs: T0, status: 'fresh', lastSampleAtMs: T0 },
    { name: 'trailing gap shorter than the allowed age', values: [5, 6, Number.NaN, Number.NaN], nowMs: T0, status: 'fresh', lastSampleAtMs: T0 - 2 * MINUTE_MS },
    { name: 'trailing gap longer than the allowed age', values: [5, ...Array<number>(10).fill(Number.NaN)], nowMs: T0, status: 'stale', lastSampleAtMs: T0 - 10 * MINUTE_MS },
    { name: 'read long after the window', values: [5, 6, 7], nowMs: T0 + 6 * MINUTE_MS, status: 'stale', lastSampleAtMs: T0 },
    { name: 'no sample at all', values: [Number.NaN, Number.NaN], nowMs: T0, status: 'stale', lastSampleAtMs: undefined },
    { name: 'zeros are samples, not gaps', values: [0, 0, 0], nowMs: T0, status: 'fresh', lastSampleAtMs: T0 },
  ])('$name → $status', ({ values, nowMs, status, lastSampleAtMs }) => {
    const freshness = freshnessOf(series(values), { nowMs, maxSampleAgeMs: 5 * MINUTE_MS });
    expect(freshness.status).toBe(status);
    expect('lastSampleAtMs' in freshness ? freshness.lastSampleAtMs : undefined).toBe(lastSampleAtMs);
  });
});

const inventory = standardInventory({ nodes: 100 });
const states: Record<string, StateSpec> = {
  pay: { desired: 30 },
  refund: { desired: 12, hpa: { min: 9, max: 100 } },
  etl: { desired: 4 },
  settle: { desired: 2 },
  reports: { desired: 1 },
};
const missing: DataFreshness = { status: 'missing', message: 'Prometheus at http://prom:9090 is unreachable' };
const stale: DataFreshness = { status: 'stale', lastSampleAtMs: T0 - 20 * MINUTE_MS, message: 'newest sample is 1200 s old' };
const fresh: DataFreshness = { status: 'fresh', lastSampleAtMs: T0 };

describe('holdOnStaleData', () => {
  it.each([
    { name: 'all fresh', freshness: { pay: fresh, refund: fresh }, floors: {}, caps: {}, alerts: [] },
    { name: 'nothing measured', freshness: {}, floors: {}, caps: {}, alerts: [] },
    {
      name: 'pay unreachable', freshness: { pay: missing, refund: fresh },
      floors: { pay: 30 }, caps: { etl: 4, settle: 2, reports: 1 }, alerts: ['metrics-missing pay'],
    },
    {
      name: 'refund stale (HPA-managed: its floor is held)', freshness: { pay: fresh, refund: stale },
      floors: { refund: 9 }, caps: { etl: 4, settle: 2, reports: 1 }, alerts: ['metrics-stale refund'],
    },
    {
      name: 'both out', freshness: { pay: stale, refund: missing },
      floors: { pay: 30, refund: 9 }, caps: { etl: 4, settle: 2, reports: 1 }, alerts: ['metrics-stale pay', 'metrics-missing refund'],
    },
  ])('$name', ({ freshness, floors, caps, alerts }) => {
    const hold = holdOnStaleData({ freshness: new Map(Object.entries(freshness)), inventory, snapshot: snapshotOf(inventory, states), nowMs: T0 });
    const byKind = (kind: 'floor' | 'cap'): Record<string, number> =>
      Object.fromEntries(hold.overrides.filter((override) => override.kind === kind).map((override) => [override.workload, override.replicas]));
    expect(byKind('floor')).toEqual(floors);
    expect(byKind('cap')).toEqual(caps);
    expect(hold.alerts.map((alert) => `${alert.code} ${alert.workload}`)).toEqual(alerts);
    for (const alert of hold.alerts) expect(alert.message).toMatch(/no scale-down until fresh data returns/);
  });

  it('a workload missing from the snapshot is alerted on but not held (nothing to hold)', () => {
    const hold = holdOnStaleData({
      freshness: new Map([['pay', missing]]), inventory, snapshot: snapshotOf(inventory, { refund: states['refund'] as StateSpec }), nowMs: T0,
    });
    expect(hold.overrides.filter((override) => override.workload === 'pay')).toEqual([]);
    expect(hold.alerts[0]?.message).toMatch(/not in the cluster snapshot/);
  });

  const statusArb = fc.constantFrom<DataFreshness>(fresh, stale, missing);
  it('property: whatever the plan asks, a workload without fresh data is never written below its current level', () => {
    fc.assert(fc.property(
      fc.record({ pay: statusArb, refund: statusArb }),
      fc.record({ pay: fc.integer({ min: 2, max: 60 }), refund: fc.integer({ min: 3, max: 60 }), etl: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ pay: fc.integer({ min: 2, max: 60 }), refundMin: fc.integer({ min: 3, max: 60 }), etl: fc.integer({ min: 0, max: 40 }) }),
      (freshness, planned, current) => {
        const snapshot = snapshotOf(inventory, {
          pay: { desired: current.pay }, refund: { desired: current.refundMin, hpa: { min: current.refundMin, max: 100 } }, etl: { desired: current.etl },
        });
        const plan = planOf({ replicas: { pay: [planned.pay, planned.pay], refund: [planned.refund, planned.refund], etl: [planned.etl, planned.etl] } });
        const hold = holdOnStaleData({ freshness: new Map(Object.entries(freshness)), inventory, snapshot, nowMs: T0 });
        const decision = decideWrites({ plan, snapshot, inventory, nowMs: T0, appliedStepIds: new Set(), overrides: hold.overrides });
        const anyHeld = freshness.pay.status !== 'fresh' || freshness.refund.status !== 'fresh';
        const all = [...decision.writes, ...decision.waits];
        for (const write of all) {
          const heldOnline = (write.target === 'pay' || write.target === 'refund') && freshness[write.target].status !== 'fresh';
          if (heldOnline) expect(write.toReplicas).toBeGreaterThanOrEqual(write.fromReplicas);
          if (write.target === 'etl' && anyHeld) expect(write.toReplicas).toBeLessThanOrEqual(write.fromReplicas);
        }
        expect(hold.alerts.length > 0).toBe(anyHeld);
      },
    ), { numRuns: 300 });
  });
});

describe('Controller with dataFreshness', () => {
  const running: Controller[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((controller) => controller.close()));
  });

  function setUp(wrap?: (cluster: Cluster) => Cluster) {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 30, etl: 0 } });
    const freshness = new Map<string, DataFreshness>([['pay', fresh]]);
    const alerts: DataAlert[] = [];
    const controller = new Controller({
      cluster: wrap?.(cluster) ?? cluster, inventory, clock, queue: new InProcessQueue<ControllerJob>({ clock }), appliedSteps: new MemoryAppliedStepStore(),
      dataFreshness: () => freshness, hooks: { onDataAlert: (alert) => alerts.push(alert) },
    });
    running.push(controller);
    return { cluster, controller, freshness, alerts };
  }

  // After the peak: pay scales in 30→10 and etl gets 10 replicas back.
  const afterPeak = () => planOf({ replicas: { pay: [10, 10], etl: [10, 10] } });

  it('holds pay and caps etl while pay\'s metrics are missing, then follows the plan once they are back', async () => {
    const { cluster, controller, freshness, alerts } = setUp();
    await controller.adoptPlan(afterPeak());
    freshness.set('pay', missing);
    const held = await controller.reconcileNow();
    expect(held.status).toBe('done');
    expect(await controlledState(cluster)).toMatchObject({ pay: 30, etl: 0 });
    expect(alerts.map((alert) => `${alert.code} ${alert.workload}`)).toEqual(['metrics-missing pay']);

    freshness.set('pay', fresh);
    await controller.reconcileNow();
    expect(await controlledState(cluster)).toMatchObject({ pay: 10 });
    expect(alerts).toHaveLength(1);
  });

  it('holds the whole tick when the snapshot the holds need cannot be read', async () => {
    const { cluster, controller, freshness } = setUp((inner) => new FlakySnapshots(inner, 1));
    await controller.adoptPlan(afterPeak());
    freshness.set('pay', stale);
    const result = await controller.reconcileNow();
    expect(result.status).toBe('held');
    expect(result.message).toMatch(/holding capacity, nothing written: kube-apiserver/);
    expect(await controlledState(cluster)).toMatchObject({ pay: 30, etl: 0 });
  });
});
