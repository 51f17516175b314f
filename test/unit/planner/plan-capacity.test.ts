import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.ts';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import { MINUTE_MS, SECOND_MS } from '../../../src/domain/units.ts';
import { planCapacity } from '../../../src/planner/plan-capacity.ts';
import type { PlanningInput } from '../../../src/planner/planning-input.ts';
import { summarizePlan } from '../../../src/planner/summarize-plan.ts';
import { forecast, NOW_MS, observedState, offline, online, planningInput, pool, promotion, settings } from './fixtures.ts';

const at = (minute: number): number => NOW_MS + minute * MINUTE_MS;

/** payment-gateway: p99 2.5k rps, 20k rps for the 20:00 promotion (60 minutes from now), 30 minutes. */
function promotionEvening(overrides: Partial<PlanningInput> = {}): PlanningInput {
  const paymentRps = (i: number): number => (i >= 60 && i < 90 ? 16000 : 2000);
  return planningInput({
    inventory: {
      online: [online('payment-gateway', { priority: 100 })],
      offline: [offline('batch-etl', { drainMs: 2 * MINUTE_MS })],
      nodePools: [pool('general', { elastic: { maxNodes: 10, provisioningMs: 6 * MINUTE_MS } })],
    },
    forecasts: new Map([['payment-gateway', forecast('payment-gateway', {
      buckets: 120,
      rps: paymentRps,
      components: [
        { kind: 'baseline', name: 'baseline', share: (i) => 2000 / paymentRps(i) },
        { kind: 'promotion', name: 'promotion:tmall-2000', share: (i) => 1 - 2000 / paymentRps(i) },
      ],
    })]]),
    occurrences: [promotion('tmall-2000', at(60), 20 * MINUTE_MS)],
    observed: observedState({
      workloads: { 'payment-gateway': { desiredReplicas: 25, readyReplicas: 25 }, 'batch-etl': { desiredReplicas: 100, readyReplicas: 100 } },
      nodePools: { general: { readyNodes: 10, provisioningNodes: 0 } },
    }),
    settings: settings({ displayTimeZone: 'Asia/Shanghai' }),
    ...overrides,
  });
}

function stepsOf(plan: CapacityPlan, workload: string): CapacityPlan['steps'] {
  return plan.steps.filter((step) => step.workload === workload);
}

describe('planCapacity on a promotion evening', () => {
  const plan = planCapacity(promotionEvening());

  it('raises payment-gateway lead time ahead of 20:00, with node provisioning in the lead, and says why', () => {
    const [increase] = stepsOf(plan, 'payment-gateway').filter((step) => step.direction === 'acquire');
    expect(increase).toMatchObject({
      fromReplicas: 25,
      toReplicas: 200,
      reason: 'event-start',
      effectiveAtMs: at(53),
      readyByMs: at(60),
      leadMs: 7 * MINUTE_MS,
    });
    expect(increase?.message).toBe(
      'payment-gateway 25→200 at 19:53:00: ready by 20:00:00 for p99 20k rps (median 16k = promotion:tmall-2000 14k + baseline 2k); ' +
        'promotion tmall-2000 20:00:00–20:20:00; lead 7m = startup p95 45s + apply 15s + node provisioning 6m',
    );
  });

  it('adds nodes when online needs them and releases them after the stabilization window', () => {
    const nodeSteps = stepsOf(plan, 'general');
    // 200 replicas × 1 core on 16-core nodes: 13 nodes.
    expect(nodeSteps.map((step) => [step.reason, step.fromReplicas, step.toReplicas, (step.effectiveAtMs - NOW_MS) / MINUTE_MS])).toEqual([
      ['node-provision', 10, 13, 53],
      ['node-release', 13, 10, 100],
    ]);
  });

  it('drains offline before the online increase it makes room for, and restores it after the peak', () => {
    const offlineSteps = stepsOf(plan, 'batch-etl');
    const release = offlineSteps.find((step) => step.reason === 'offline-release' && step.toReplicas === 0);
    expect(release?.effectiveAtMs).toBe(at(51));
    expect(release?.message).toContain('drains 2m before payment-gateway 25→200 at 19:53:00');
    const restore = offlineSteps.find((step) => step.reason === 'offline-restore' && step.effectiveAtMs > at(60));
    expect(restore?.effectiveAtMs).toBe(at(95));
  });

  it('scales in only after the peak and the 5m window', () => {
    const decrease = stepsOf(plan, 'payment-gateway').find((step) => step.direction === 'release');
    expect(decrease).toMatchObject({ reason: 'scale-in-after-peak', fromReplicas: 200, toReplicas: 25, effectiveAtMs: at(95) });
  });

  it('reports no shortfall when the elastic pool covers the peak', () => {
    expect(plan.shortfalls).toEqual([]);
    expect(plan.brownoutOrder).toEqual(['payment-gateway']);
  });

  it('summarizes the plan for a CLI', () => {
    const summary = summarizePlan(plan);
    expect(summary).toMatchObject({
      planId: 'plan-test',
      slotCount: 120,
      onlineWorkloads: 1,
      offlineWorkloads: 1,
      shortfallSlots: 0,
      nodes: { general: { min: 10, max: 13 } },
      replicas: { 'payment-gateway': { min: 25, max: 200 } },
    });
    expect(summary.stepsByReason['event-start']).toBe(1);
  });
});

describe('planCapacity: lead time that cannot be met', () => {
  it('writes a late increase at now and says by how much it is late', () => {
    const input = promotionEvening({ nowMs: at(57) + 20 * SECOND_MS });
    const increase = planCapacity(input).steps.find((step) => step.workload === 'payment-gateway' && step.direction === 'acquire');
    expect(increase).toMatchObject({ effectiveAtMs: at(57) + 20 * SECOND_MS, readyByMs: at(60), lateByMs: 4 * MINUTE_MS + 20 * SECOND_MS });
    expect(increase?.message).toContain('late by 4m20s (the need is closer than the lead time)');
  });
});

describe('planCapacity: brownout when the cluster is short', () => {
  const input = planningInput({
    inventory: {
      online: [
        online('payment', { priority: 100, minReplicas: 5 }),
        online('refund', { priority: 50, minReplicas: 3 }),
        online('reviews', { priority: 1, minReplicas: 2 }),
      ],
      offline: [offline('reports')],
      nodePools: [pool('fixed', { baseNodes: 4 })],
    },
    // 64 cores: payment wants 40, refund 20, reviews 30 (1 core each).
    forecasts: new Map([
      ['payment', forecast('payment', { buckets: 30, rps: () => 3200 })],
      ['refund', forecast('refund', { buckets: 30, rps: () => 1600 })],
      ['reviews', forecast('reviews', { buckets: 30, rps: () => 2400 })],
    ]),
    settings: settings({ horizonMs: 30 * MINUTE_MS }),
  });
  const plan = planCapacity(input);

  it('degrades the lowest priority first, down to its minimum', () => {
    expect(plan.replicas.payment?.[10]).toBe(40);
    expect(plan.replicas.refund?.[10]).toBe(20);
    expect(plan.replicas.reviews?.[10]).toBe(4);
    expect(plan.replicas.reports?.[10]).toBe(0);
    expect(plan.brownoutOrder).toEqual(['reviews', 'refund', 'payment']);
  });

  it('reports the shortfall per slot and workload', () => {
    const shortfall = plan.shortfalls.find((item) => item.slotIndex === 10);
    expect(shortfall).toMatchObject({ workload: 'reviews', missingReplicas: 26 });
    expect(shortfall?.message).toContain('reviews short 26 replicas');
    expect(plan.shortfalls.every((item) => item.workload === 'reviews')).toBe(true);
    expect(plan.notes?.some((note) => note.includes('capacity shortfall'))).toBe(true);
  });

  it('goes on to the next workload when the lowest is at its minimum', () => {
    const tighter = planCapacity({ ...input, inventory: { ...input.inventory, nodePools: [pool('fixed', { baseNodes: 3 })] } });
    // 48 cores: payment 40, refund 6 (of 20), reviews 2 (its minimum).
    expect([tighter.replicas.payment?.[10], tighter.replicas.refund?.[10], tighter.replicas.reviews?.[10]]).toEqual([40, 6, 2]);
    expect(tighter.shortfalls.filter((item) => item.slotIndex === 10).map((item) => [item.workload, item.missingReplicas])).toEqual([
      ['refund', 14],
      ['reviews', 28],
    ]);
  });
});

describe('planCapacity: which forecast band', () => {
  it.each([
    { name: 'the exact quantile', quantiles: [0.5, 0.9, 0.99], factors: [1, 1.1, 1.25], want: 0.99, replicas: 25, note: undefined },
    { name: 'the nearest higher band when the quantile is missing', quantiles: [0.5, 0.95, 0.995], factors: [1, 1.2, 1.5], want: 0.99, replicas: 30, note: 'used the next higher, p99.5' },
    { name: 'the highest band when none is high enough', quantiles: [0.5, 0.9], factors: [1, 1.1], want: 0.99, replicas: 22, note: 'used its highest, p90' },
  ])('uses $name', ({ quantiles, factors, want, replicas, note }) => {
    const plan = planCapacity(planningInput({
      inventory: { online: [online('api', { demandQuantile: want })], offline: [], nodePools: [pool('general')] },
      forecasts: new Map([['api', forecast('api', { buckets: 120, rps: () => 2000, quantiles, factors })]]),
    }));
    expect(plan.replicas.api?.[5]).toBe(replicas);
    if (note === undefined) expect(plan.notes).toEqual([]);
    else expect(plan.notes?.join('\n')).toContain(note);
  });
});

describe('planCapacity: re-planning', () => {
  /** Demand drops at minute 10; stabilization 5m: the scale-in is due at minute 15. */
  const dropping = (nowMs: number, previousPlan?: CapacityPlan): PlanningInput => planningInput({
    nowMs,
    inventory: { online: [online('api')], offline: [offline('batch')], nodePools: [pool('general')] },
    forecasts: new Map([['api', forecast('api', { buckets: 90, rps: (i) => (i < 10 ? 8000 : 2000) })]]),
    observed: observedState({ workloads: { api: { desiredReplicas: 100, readyReplicas: 100 } } }),
    ...(previousPlan !== undefined ? { previousPlan } : {}),
  });

  it('keeps the scale-in time of the previous plan instead of restarting the stabilization window', () => {
    const first = planCapacity(dropping(at(0)));
    const scaleIn = (plan: CapacityPlan): number | undefined => plan.steps.find((step) => step.workload === 'api' && step.direction === 'release')?.effectiveAtMs;
    expect(scaleIn(first)).toBe(at(15));
    let previous = first;
    for (const minute of [11, 12, 13, 14]) {
      const next = planCapacity(dropping(at(minute), previous));
      expect(scaleIn(next)).toBe(at(15));
      previous = next;
    }
  });

  it('without the previous plan the window starts at now (the observed rate is then the floor)', () => {
    const alone = planCapacity(dropping(at(12)));
    expect(alone.steps.find((step) => step.workload === 'api' && step.direction === 'release')?.effectiveAtMs).toBe(at(12));
  });

  it('keeps the ids of steps that did not change', () => {
    const first = planCapacity(dropping(at(0)));
    const later = planCapacity({ ...dropping(at(5), first), settings: settings({ planId: 'plan-5' }) });
    const future = (plan: CapacityPlan): string[] => plan.steps.filter((step) => step.effectiveAtMs >= at(6)).map((step) => step.id);
    expect(future(later)).toEqual(future(first));
    expect(later.steps.every((step) => /^s[0-9a-f]{16}(-\d+)?$/.test(step.id))).toBe(true);
  });
});

describe('planCapacity: coalescing', () => {
  it('turns a slot-by-slot ramp into one step per interval, never below the need', () => {
    const ramp = (minStepIntervalMs?: number): CapacityPlan => planCapacity(planningInput({
      inventory: { online: [online('checkout')], offline: [], nodePools: [pool('general', { baseNodes: 40 })] },
      forecasts: new Map([['checkout', forecast('checkout', { buckets: 120, rps: (i) => 800 + i * 80 })]]),
      settings: settings(minStepIntervalMs === undefined ? {} : { minStepIntervalMs }),
    }));
    const exact = ramp();
    const coalesced = ramp(10 * MINUTE_MS);
    expect(exact.steps.length).toBeGreaterThan(100);
    expect(coalesced.steps.length).toBeLessThanOrEqual(12);
    for (let t = 0; t < 120; t++) expect(coalesced.replicas.checkout?.[t]).toBeGreaterThanOrEqual(exact.replicas.checkout?.[t] as number);
  });
});

describe('planCapacity: bad input', () => {
  const base = promotionEvening();
  it.each<{ name: string; input: PlanningInput; field: string; message: string }>([
    { name: 'zero slot width', input: { ...base, settings: { ...base.settings, slotMs: 0 } }, field: 'settings.slotMs', message: 'expected a value > 0' },
    { name: 'horizon shorter than a slot', input: { ...base, settings: { ...base.settings, horizonMs: 1000 } }, field: 'settings.horizonMs', message: 'shorter than one slot' },
    { name: 'empty plan id', input: { ...base, settings: { ...base.settings, planId: '' } }, field: 'settings.planId', message: 'non-empty' },
    { name: 'unknown node pool', input: { ...base, inventory: { ...base.inventory, online: [online('payment-gateway', { nodePool: 'gpu' })] } }, field: 'inventory.online[0].nodePool', message: 'unknown node pool "gpu"' },
    { name: 'duplicate name', input: { ...base, inventory: { ...base.inventory, offline: [offline('payment-gateway')] } }, field: 'inventory.offline[0].name', message: 'is used twice' },
    { name: 'min above max', input: { ...base, inventory: { ...base.inventory, online: [online('payment-gateway', { minReplicas: 9, maxReplicas: 3 })] } }, field: 'inventory.online[0].maxReplicas', message: 'expected a value ≥ 9' },
    { name: 'zero rps per replica', input: { ...base, inventory: { ...base.inventory, online: [online('payment-gateway', { rpsPerReplica: 0 })] } }, field: 'inventory.online[0].rpsPerReplica', message: 'expected a value > 0' },
    { name: 'quantile of 1', input: { ...base, inventory: { ...base.inventory, online: [online('payment-gateway', { demandQuantile: 1 })] } }, field: 'inventory.online[0].demandQuantile', message: 'quantile in (0, 1)' },
    { name: 'replica larger than a node', input: { ...base, inventory: { ...base.inventory, online: [online('payment-gateway', { perReplica: { cpuMillicores: 32_000, memoryBytes: 1 } })] } }, field: 'inventory.online[0].perReplica', message: 'does not fit on a node' },
    { name: 'negative observed demand', input: { ...base, observed: observedState({ demandRps: { 'payment-gateway': -1 } }) }, field: 'observed.demandRps.payment-gateway', message: 'expected a value ≥ 0' },
    { name: 'unknown display time zone', input: { ...base, settings: { ...base.settings, displayTimeZone: 'Mars/Olympus' } }, field: 'displayTimeZone', message: 'unknown time zone' },
    { name: 'forecast without bands', input: { ...base, forecasts: new Map([['payment-gateway', { ...forecast('payment-gateway', { buckets: 10, rps: () => 1 }), bands: [] }]]) }, field: 'forecasts.payment-gateway', message: 'but 0 bands' },
  ])('refuses $name with an InputError naming $field', ({ input, field, message }) => {
    let caught: unknown;
    try {
      planCapacity(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).location.field).toBe(field);
    expect((caught as InputError).message).toContain(message);
  });
});
