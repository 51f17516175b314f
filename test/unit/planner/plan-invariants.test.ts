import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCapacity } from '../../../src/planner/plan-capacity.ts';
import { planningInputArbitrary } from './arbitraries.ts';
import {
  boundViolations, drainViolations, eventViolations, fitViolations, leadViolations, needViolations,
  preProvisionViolations, scaleInViolations, shortfallViolations, stepConsistencyViolations,
} from './invariants.ts';

const RUNS = { numRuns: 150 };

describe('planCapacity: the design invariants hold on generated clusters', () => {
  it.each([
    { invariant: 'every slot fits the cluster (CPU and memory per pool, nodes within bounds)', check: fitViolations },
    { invariant: 'online within [min, max], offline within [0, max]', check: boundViolations },
    { invariant: 'online never below its quantile need when no shortfall is reported', check: needViolations },
    { invariant: 'a shortfall only when the pool is full, degrading by ascending priority', check: shortfallViolations },
    { invariant: 'no scale-in inside an event window (except brownout)', check: eventViolations },
    { invariant: 'increases written at least the lead time ahead, or marked late', check: leadViolations },
    { invariant: 'offline drained before the online increase it makes room for', check: drainViolations },
    { invariant: 'steps are exactly the slot changes, with unique ids', check: stepConsistencyViolations },
    { invariant: 'scale-in only after the stabilization window', check: scaleInViolations },
    { invariant: 'pre-provisioned pools ask for the nodes a provisioning time before online takes them', check: preProvisionViolations },
  ])('$invariant', ({ check }) => {
    fc.assert(fc.property(planningInputArbitrary, (input) => {
      const plan = planCapacity(input);
      expect(check(input, plan)).toEqual([]);
    }), RUNS);
  });

  it('planning twice gives identical plans, and step ids do not depend on the plan id', () => {
    fc.assert(fc.property(planningInputArbitrary, (input) => {
      const first = planCapacity(input);
      const second = planCapacity(input);
      expect(second).toEqual(first);
      const renamed = planCapacity({ ...input, settings: { ...input.settings, planId: 'another-plan' } });
      expect(renamed.steps.map((step) => step.id)).toEqual(first.steps.map((step) => step.id));
    }), { numRuns: 60 });
  });
});

describe('planCapacity: re-planning with the same information changes nothing', () => {
  it('a plan made k minutes later with the previous plan keeps the same online targets', () => {
    const steady = planningInputArbitrary.map((input) => ({
      ...input,
      // Same information at both times: no observation, no events, fixed pools, no coalescing.
      inventory: { ...input.inventory, nodePools: input.inventory.nodePools.map(({ elastic: _elastic, ...pool }) => pool) },
      occurrences: [],
      observed: { workloads: {}, nodePools: {}, demandRps: {}, offlineRemainingCoreHours: {} },
      settings: { ...input.settings, minStepIntervalMs: input.settings.slotMs },
    }));
    fc.assert(fc.property(steady, fc.integer({ min: 1, max: 8 }), (input, minutes) => {
      const first = planCapacity(input);
      const later = planCapacity({ ...input, nowMs: input.nowMs + minutes * input.settings.slotMs, previousPlan: first });
      const shift = (later.startMs - first.startMs) / first.slotMs;
      // Near the first plan's end its lead windows were cut short; compare before that.
      const lastComparable = first.slotCount - shift - 12;
      for (const workload of input.inventory.online) {
        const before = first.replicas[workload.name] as Int32Array;
        const after = later.replicas[workload.name] as Int32Array;
        for (let s = 0; s < lastComparable; s++) {
          if (after[s] !== before[s + shift]) {
            throw new Error(`${workload.name}: slot ${s} of the later plan holds ${after[s]}, the first plan said ${before[s + shift]}`);
          }
        }
      }
    }), { numRuns: 100 });
  });
});
