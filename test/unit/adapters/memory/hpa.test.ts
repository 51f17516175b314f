/**
 * The HPA emulation against documented Kubernetes behaviours, one named row each.
 * Sources: https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/
 * (algorithm details, default behavior, stabilization, scaling policies) and
 * kubernetes/pkg/controller/podautoscaler/{replica_calculator.go,horizontal.go}.
 */
import { describe, expect, it } from 'vitest';
import {
  calculateExternalPerPodReplicas, calculateResourceReplicas, type ResourceReplicaInput,
} from '../../../../src/adapters/memory/hpa/replica-calculator.ts';
import {
  DEFAULT_HPA_BEHAVIOR, HpaBehaviorState, normalizeWithBehaviors, type HpaBehavior,
} from '../../../../src/adapters/memory/hpa/hpa-behavior.ts';

const REQUEST = 1000;

function resource(input: Partial<ResourceReplicaInput> & { usagePercent: number; ready: number; unready?: number; missing?: number; current?: number }) {
  return calculateResourceReplicas({
    currentReplicas: input.current ?? input.ready + (input.unready ?? 0) + (input.missing ?? 0),
    targetUtilizationPercent: input.targetUtilizationPercent ?? 50,
    tolerance: input.tolerance ?? 0.1,
    pods: { readyWithMetric: input.ready, unready: input.unready ?? 0, missing: input.missing ?? 0 },
    podUsageMillicores: (input.usagePercent / 100) * REQUEST,
    podRequestMillicores: REQUEST,
  });
}

describe('replica calculator (documented algorithm)', () => {
  it.each([
    { name: 'desired = ceil(current × currentMetric / desiredMetric): 200m used of a 100m target doubles',
      input: { ready: 10, usagePercent: 100, targetUtilizationPercent: 50 }, replicas: 20 },
    { name: 'a metric at half the target halves the replicas',
      input: { ready: 10, usagePercent: 25, targetUtilizationPercent: 50 }, replicas: 5 },
    { name: 'ratio within the 0.1 tolerance (1.08): no change',
      input: { ready: 10, usagePercent: 54, targetUtilizationPercent: 50 }, replicas: 10 },
    { name: 'ratio just outside the tolerance (1.12): scale to ceil(11.2)',
      input: { ready: 10, usagePercent: 56, targetUtilizationPercent: 50 }, replicas: 12 },
    { name: 'ratio below 1 − tolerance (0.8): scale down to ceil(8)',
      input: { ready: 10, usagePercent: 40, targetUtilizationPercent: 50 }, replicas: 8 },
    { name: 'scale-up with not-yet-ready pods: they count as 0 %, which dampens the scale-up (here to no change)',
      input: { ready: 4, unready: 4, usagePercent: 100, targetUtilizationPercent: 50 }, replicas: 8 },
    { name: 'scale-up with fewer unready pods: dampened, still up: (4×100 % + 2×0 %)/6 = 66 % → ratio 1.32 → ceil(7.92)',
      input: { ready: 4, unready: 2, usagePercent: 100, targetUtilizationPercent: 50 }, replicas: 8 },
    { name: 'scale-down ignores unready pods (set aside; only ready pods count)',
      input: { ready: 4, unready: 4, usagePercent: 10, targetUtilizationPercent: 50 }, replicas: 1 },
    { name: 'scale-up with missing metrics: missing pods count as 0 % (here back within tolerance: no change)',
      input: { ready: 4, missing: 4, usagePercent: 100, targetUtilizationPercent: 50 }, replicas: 8 },
    { name: 'scale-down with missing metrics: missing pods count as 100 %, and a flip of direction means no change',
      input: { ready: 4, missing: 4, usagePercent: 10, targetUtilizationPercent: 50 }, replicas: 8 },
    { name: 'scale-down with a few missing pods: (8×10 % + 1×100 %)/9 = 20 % → ceil(0.4 × 9)',
      input: { ready: 8, missing: 1, usagePercent: 10, targetUtilizationPercent: 50 }, replicas: 4 },
    { name: 'utilization is an integer percent (truncated): 55.9 % of a 50 % target reads as 55 % → ratio 1.1, within tolerance',
      input: { ready: 10, usagePercent: 55.9, targetUtilizationPercent: 50 }, replicas: 10 },
    { name: 'the tolerance bound itself counts as within (ratio exactly 0.9: no change)',
      input: { ready: 10, usagePercent: 45, targetUtilizationPercent: 50 }, replicas: 10 },
  ])('$name', ({ input, replicas }) => {
    const result = resource(input);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.replicas).toBe(replicas);
  });

  it.each([
    { name: 'no pods at all', input: { ready: 0, usagePercent: 50 } },
    { name: 'every pod unready: no metrics to act on (the HPA keeps the current scale)', input: { ready: 0, unready: 5, usagePercent: 50 } },
  ])('error when $name', ({ input }) => {
    expect(resource(input).ok).toBe(false);
  });

  it.each([
    { name: 'External AverageValue: desired = ceil(total / target per replica)', statusReplicas: 5, usage: 1000, target: 100, replicas: 10 },
    { name: 'External AverageValue within tolerance keeps status.replicas', statusReplicas: 5, usage: 520, target: 100, replicas: 5 },
    { name: 'External AverageValue scales down', statusReplicas: 10, usage: 300, target: 100, replicas: 3 },
  ])('$name', ({ statusReplicas, usage, target, replicas }) => {
    const result = calculateExternalPerPodReplicas({ statusReplicas, currentReplicas: statusReplicas, usage, targetAverageValue: target, tolerance: 0.1 });
    expect(result.ok && result.replicas).toBe(replicas);
  });
});

interface Step {
  /** Seconds since the first sync. */
  readonly atS: number;
  readonly current: number;
  readonly desired: number;
  readonly expected: number;
}

function runSteps(steps: readonly Step[], options: { behavior?: HpaBehavior; min?: number; max?: number } = {}): number[] {
  const state = new HpaBehaviorState();
  const behavior = options.behavior ?? DEFAULT_HPA_BEHAVIOR;
  return steps.map((step) => {
    const result = normalizeWithBehaviors(state, {
      nowMs: step.atS * 1000, desiredReplicas: step.desired, currentReplicas: step.current,
      minReplicas: options.min ?? 1, maxReplicas: options.max ?? 1000, behavior,
    }).replicas;
    state.recordScale(behavior, step.atS * 1000, step.current, result);
    return result;
  });
}

const minSelect: HpaBehavior = { ...DEFAULT_HPA_BEHAVIOR, scaleUp: { ...DEFAULT_HPA_BEHAVIOR.scaleUp, selectPolicy: 'Min' } };
const noDownStabilization: HpaBehavior = { ...DEFAULT_HPA_BEHAVIOR, scaleDown: { ...DEFAULT_HPA_BEHAVIOR.scaleDown, stabilizationWindowMs: 0 } };
const downDisabled: HpaBehavior = { ...DEFAULT_HPA_BEHAVIOR, scaleDown: { ...DEFAULT_HPA_BEHAVIOR.scaleDown, selectPolicy: 'Disabled' } };
const slowDown: HpaBehavior = {
  ...DEFAULT_HPA_BEHAVIOR,
  scaleDown: { stabilizationWindowMs: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodMs: 60_000 }] },
};

describe('behavior: stabilization and rate limits (documented defaults)', () => {
  it.each([
    { name: 'default scale-up: +4 pods per 15 s beats +100 % for a small workload (2 → 6)',
      steps: [{ atS: 0, current: 2, desired: 50, expected: 6 }] },
    { name: 'default scale-up: +100 % per 15 s beats +4 pods for a larger one (10 → 20)',
      steps: [{ atS: 0, current: 10, desired: 50, expected: 20 }] },
    { name: 'scale-ups inside the same 15 s period count against the limit (no second step at +10 s)',
      steps: [{ atS: 0, current: 10, desired: 50, expected: 20 }, { atS: 10, current: 20, desired: 50, expected: 20 }] },
    { name: 'a new 15 s period allows the next doubling (20 → 40 at +16 s)',
      steps: [{ atS: 0, current: 10, desired: 50, expected: 20 }, { atS: 16, current: 20, desired: 50, expected: 40 }] },
    { name: 'scale-up has no stabilization by default: immediate',
      steps: [{ atS: 0, current: 10, desired: 10, expected: 10 }, { atS: 15, current: 10, desired: 12, expected: 12 }] },
    { name: 'scale-down stabilization: the highest recommendation of the last 300 s wins',
      steps: [{ atS: 0, current: 10, desired: 10, expected: 10 }, { atS: 60, current: 10, desired: 4, expected: 10 }, { atS: 299, current: 10, desired: 4, expected: 10 }] },
    { name: 'scale-down happens once the high recommendation has left the 300 s window',
      steps: [{ atS: 0, current: 10, desired: 10, expected: 10 }, { atS: 60, current: 10, desired: 4, expected: 10 }, { atS: 301, current: 10, desired: 4, expected: 4 }] },
    { name: 'stabilization picks the max of the window, not the latest (8 from t=120 s holds at t=330 s)',
      steps: [
        { atS: 0, current: 10, desired: 10, expected: 10 }, { atS: 120, current: 10, desired: 8, expected: 10 },
        { atS: 240, current: 10, desired: 5, expected: 10 }, { atS: 330, current: 10, desired: 5, expected: 8 },
      ] },
  ])('$name', ({ steps }) => {
    expect(runSteps(steps)).toEqual(steps.map((step) => step.expected));
  });

  it.each([
    { name: 'selectPolicy Min takes the smaller allowance (10 → 14, not 20)', behavior: minSelect,
      steps: [{ atS: 0, current: 10, desired: 50, expected: 14 }] },
    { name: 'default scale-down rate (100 % per 15 s) allows going straight to the target without stabilization', behavior: noDownStabilization,
      steps: [{ atS: 0, current: 10, desired: 3, expected: 3 }] },
    { name: 'a Pods scale-down policy limits removals per period (2 per 60 s)', behavior: slowDown,
      steps: [{ atS: 0, current: 10, desired: 3, expected: 8 }, { atS: 30, current: 8, desired: 3, expected: 8 }, { atS: 61, current: 8, desired: 3, expected: 6 }] },
    { name: 'selectPolicy Disabled turns scale-down off', behavior: downDisabled,
      steps: [{ atS: 0, current: 10, desired: 3, expected: 10 }, { atS: 400, current: 10, desired: 3, expected: 10 }] },
  ])('$name', ({ behavior, steps }) => {
    expect(runSteps(steps, { behavior })).toEqual(steps.map((step) => step.expected));
  });

  it.each([
    { name: 'maxReplicas caps a scale-up (TooManyReplicas)', current: 40, desired: 200, min: 1, max: 50, expected: 50 },
    { name: 'minReplicas bounds a scale-down (TooFewReplicas)', current: 10, desired: 0, min: 3, max: 50, expected: 3 },
  ])('$name', ({ current, desired, min, max, expected }) => {
    expect(runSteps([{ atS: 0, current, desired, expected }], { behavior: noDownStabilization, min, max })).toEqual([expected]);
  });
});
