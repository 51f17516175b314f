import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.ts';
import type { SlotCause } from '../../../src/domain/plan.ts';
import { MINUTE_MS } from '../../../src/domain/units.ts';
import { explain } from '../../../src/planner/explain.ts';
import { planCapacity } from '../../../src/planner/plan-capacity.ts';
import type { PlanningInput } from '../../../src/planner/planning-input.ts';
import { forecast, NOW_MS, observedState, offline, online, planningInput, pool, promotion, settings } from './fixtures.ts';

const at = (minute: number): number => NOW_MS + minute * MINUTE_MS;

/**
 * An evening in Shanghai (now = 19:00 local, synthetic numbers): payment-gateway (priority 100)
 * runs at p99 2.5k rps and jumps to 20k rps for the 20:00 promotion (with a dip to 10k at
 * 20:10–20:20); reviews (priority 1) needs 5k rps from 19:20; the pool can grow from 10 to 15
 * nodes in 6 minutes; batch-etl takes what is left; settlement has 30 core-hours due at 20:40.
 */
function evening(): PlanningInput {
  const paymentRps = (i: number): number => (i >= 60 && i < 90 ? (i >= 70 && i < 80 ? 8000 : 16000) : 2000);
  return planningInput({
    inventory: {
      online: [online('payment-gateway', { priority: 100 }), online('reviews', { priority: 1, minReplicas: 4 })],
      offline: [offline('batch-etl', { priority: 2 }), offline('settlement', { priority: 1, workCoreHours: 30, deadlineMs: at(100) })],
      nodePools: [pool('general', { elastic: { maxNodes: 5, provisioningMs: 6 * MINUTE_MS } })],
    },
    forecasts: new Map([
      ['payment-gateway', forecast('payment-gateway', {
        buckets: 120,
        rps: paymentRps,
        components: [
          { kind: 'baseline', name: 'baseline', share: (i) => 2000 / paymentRps(i) },
          { kind: 'promotion', name: 'promotion:tmall-2000', share: (i) => 1 - 2000 / paymentRps(i) },
        ],
      })],
      ['reviews', forecast('reviews', { buckets: 120, rps: (i) => (i < 20 ? 100 : 4000) })],
    ]),
    occurrences: [promotion('tmall-2000', at(60), 20 * MINUTE_MS, ['payment-gateway'])],
    observed: observedState({
      workloads: { 'payment-gateway': { desiredReplicas: 25, readyReplicas: 25 } },
      demandRps: { 'payment-gateway': 4000 },
    }),
    settings: settings({ displayTimeZone: 'Asia/Shanghai' }),
  });
}

/** One online workload with a smooth ramp, to see coalescing and caps. */
function ramp(overrides: { maxReplicas?: number; minStepIntervalMs?: number; forecast?: boolean } = {}): PlanningInput {
  return planningInput({
    inventory: {
      online: [online('checkout', { maxReplicas: overrides.maxReplicas ?? 500 })],
      offline: [],
      nodePools: [pool('general', { baseNodes: 40 })],
    },
    forecasts: overrides.forecast === false ? new Map() : new Map([['checkout', forecast('checkout', { buckets: 120, rps: (i) => 800 + i * 80 })]]),
    observed: observedState({ demandRps: { checkout: 1000 }, workloads: { checkout: { desiredReplicas: 10, readyReplicas: 10 } } }),
    settings: settings({ ...(overrides.minStepIntervalMs !== undefined ? { minStepIntervalMs: overrides.minStepIntervalMs } : {}), displayTimeZone: 'Asia/Shanghai' }),
  });
}

describe('explain: the target of a slot and why', () => {
  const plans = new Map<string, ReturnType<typeof planCapacity>>();
  const planOf = (name: string, build: () => PlanningInput): ReturnType<typeof planCapacity> => {
    let plan = plans.get(name);
    if (plan === undefined) {
      plan = planCapacity(build());
      plans.set(name, plan);
    }
    return plan;
  };

  it.each<{ name: string; scenario: string; build: () => PlanningInput; workload: string; minute: number; cause: SlotCause | undefined; target: number; contains: string[] }>([
    { name: 'forecast need', scenario: 'evening', build: evening, workload: 'payment-gateway', minute: 30, cause: 'forecast', target: 25,
      contains: ['payment-gateway at 19:30:00: 25 replicas', 'forecast p99 2.5k rps ÷ 100 rps per replica = 25'] },
    { name: 'observed rate above the forecast', scenario: 'evening', build: evening, workload: 'payment-gateway', minute: 1, cause: 'observed', target: 40,
      contains: ['the observed rate needs 40', 'scale-in follows observed demand'] },
    { name: 'lead time before the promotion', scenario: 'evening', build: evening, workload: 'payment-gateway', minute: 55, cause: 'lead', target: 200,
      contains: ['200 must be Ready by 20:00:00', 'lead 7m = startup p95 45s + apply 15s + node provisioning 6m'] },
    { name: 'held inside the event', scenario: 'evening', build: evening, workload: 'payment-gateway', minute: 76, cause: 'event-hold', target: 200,
      contains: ['held inside tmall-2000 (20:00:00–20:20:00)', 'the need is 100'] },
    { name: 'stabilization after the peak', scenario: 'evening', build: evening, workload: 'payment-gateway', minute: 92, cause: 'stabilization', target: 200,
      contains: ['the need is 25', '5m stabilization window'] },
    { name: 'clamped to minReplicas', scenario: 'evening', build: evening, workload: 'reviews', minute: 5, cause: 'min', target: 4,
      contains: ['clamped up to minReplicas 4'] },
    { name: 'brownout of the lowest priority', scenario: 'evening', build: evening, workload: 'reviews', minute: 65, cause: 'brownout', target: 40,
      contains: ['cut by brownout', 'order: reviews → payment-gateway', 'reviews short 10 replicas at 20:05:00 (needs 50, can have 40)'] },
    { name: 'offline takes what online leaves', scenario: 'evening', build: evening, workload: 'batch-etl', minute: 10, cause: 'leftover', target: 31,
      contains: ['what online leaves in pool general'] },
    { name: 'offline drains ahead of the promotion', scenario: 'evening', build: evening, workload: 'batch-etl', minute: 52, cause: 'drain', target: 0,
      contains: ['drain 2m before online takes the room'] },
    { name: 'offline has no room at the peak', scenario: 'evening', build: evening, workload: 'batch-etl', minute: 65, cause: 'no-room', target: 0,
      contains: ['online needs all of pool general'] },
    { name: 'deadline work goes first', scenario: 'evening', build: evening, workload: 'settlement', minute: 10, cause: 'deadline', target: 100,
      contains: ['ahead of other offline work so its deadline is met'] },
    { name: 'offline work finished', scenario: 'evening', build: evening, workload: 'settlement', minute: 110, cause: 'work-done', target: 0,
      contains: ['its work is finished'] },
    { name: 'node pool at the peak', scenario: 'evening', build: evening, workload: 'general', minute: 65, cause: undefined, target: 15,
      contains: ['pool general at 20:05:00: 15 nodes', 'bounds 10–15', 'online holds 240 cores'] },
    { name: 'capped at maxReplicas', scenario: 'capped', build: () => ramp({ maxReplicas: 60 }), workload: 'checkout', minute: 100, cause: 'max', target: 60,
      contains: ['capped at maxReplicas 60'] },
    { name: 'coalesced increases', scenario: 'coalesced', build: () => ramp({ minStepIntervalMs: 5 * MINUTE_MS }), workload: 'checkout', minute: 31, cause: 'coalesced', target: 45,
      contains: ['raised early so the next increases become one step'] },
    { name: 'no forecast', scenario: 'no-forecast', build: () => ramp({ forecast: false }), workload: 'checkout', minute: 40, cause: 'no-forecast', target: 10,
      contains: ['no forecast covers this slot', '1k rps'] },
  ])('$name', ({ scenario, build, workload, minute, cause, target, contains }) => {
    const plan = planOf(scenario, build);
    const explanation = explain(plan, workload, at(minute) + 10_000);
    expect(explanation.cause).toBe(cause);
    expect(explanation.targetReplicas).toBe(target);
    expect(explanation.slotStartMs).toBe(Math.floor(at(minute) / MINUTE_MS) * MINUTE_MS);
    for (const fragment of contains) expect(explanation.message).toContain(fragment);
  });

  it('names the step that set the level', () => {
    const plan = planOf('evening', evening);
    const explanation = explain(plan, 'payment-gateway', at(55));
    expect(explanation.steps[0]).toMatchObject({ workload: 'payment-gateway', fromReplicas: 25, toReplicas: 200, reason: 'event-start' });
  });

  it.each([
    { name: 'unknown workload', workload: 'nope', atMs: at(10), field: 'workload', message: '"nope" is not in plan' },
    { name: 'before the plan', workload: 'reviews', atMs: at(-30), field: 'at', message: 'is outside plan' },
    { name: 'after the horizon', workload: 'reviews', atMs: at(500), field: 'at', message: 'is outside plan' },
    { name: 'not a time', workload: 'reviews', atMs: Number.NaN, field: 'at', message: 'is not a time' },
  ])('refuses $name with an InputError naming the field', ({ workload, atMs, field, message }) => {
    const plan = planOf('evening', evening);
    let caught: unknown;
    try {
      explain(plan, workload, atMs);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).location.field).toBe(field);
    expect((caught as InputError).message).toContain(message);
  });
});
