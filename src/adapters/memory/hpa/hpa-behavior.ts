/**
 * The HPA's `behavior`: stabilization windows and rate limits, emulating
 * `normalizeDesiredReplicasWithBehaviors` of kubernetes/pkg/controller/podautoscaler/horizontal.go.
 *
 * Defaults are those of the autoscaling/v2 API
 * (https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/#default-behavior):
 * scale-up: no stabilization, policies "4 pods per 15 s" and "100 % per 15 s", selectPolicy Max;
 * scale-down: 300 s stabilization window, policy "100 % per 15 s".
 */

export interface HpaScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodMs: number;
}

export interface HpaScalingRules {
  /** Recommendations inside this window bound the result (up: min of them, down: max of them). */
  readonly stabilizationWindowMs: number;
  /** Max = the policy allowing the largest change wins; Min = the smallest; Disabled = no change this way. */
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly HpaScalingPolicy[];
}

export interface HpaBehavior {
  readonly scaleUp: HpaScalingRules;
  readonly scaleDown: HpaScalingRules;
}

export const DEFAULT_HPA_BEHAVIOR: HpaBehavior = {
  scaleUp: {
    stabilizationWindowMs: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodMs: 15_000 },
      { type: 'Percent', value: 100, periodMs: 15_000 },
    ],
  },
  scaleDown: {
    stabilizationWindowMs: 300_000,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodMs: 15_000 }],
  },
};

interface TimestampedRecommendation {
  atMs: number;
  replicas: number;
}

interface TimestampedScaleEvent {
  readonly atMs: number;
  readonly replicaChange: number;
}

/** What one HPA remembers between syncs (the controller keeps these maps keyed by HPA). */
export class HpaBehaviorState {
  readonly recommendations: TimestampedRecommendation[] = [];
  scaleUpEvents: TimestampedScaleEvent[] = [];
  scaleDownEvents: TimestampedScaleEvent[] = [];

  /**
   * `storeScaleEvent`: remembers an applied change for the rate limits. Events older than the
   * longest policy period can never count again and are dropped.
   */
  recordScale(behavior: HpaBehavior, nowMs: number, fromReplicas: number, toReplicas: number): void {
    if (toReplicas > fromReplicas) {
      const horizon = longestPeriodMs(behavior.scaleUp);
      this.scaleUpEvents = this.scaleUpEvents.filter((event) => event.atMs > nowMs - horizon);
      this.scaleUpEvents.push({ atMs: nowMs, replicaChange: toReplicas - fromReplicas });
    } else if (toReplicas < fromReplicas) {
      const horizon = longestPeriodMs(behavior.scaleDown);
      this.scaleDownEvents = this.scaleDownEvents.filter((event) => event.atMs > nowMs - horizon);
      this.scaleDownEvents.push({ atMs: nowMs, replicaChange: fromReplicas - toReplicas });
    }
  }
}

function longestPeriodMs(rules: HpaScalingRules): number {
  return rules.policies.reduce((longest, policy) => Math.max(longest, policy.periodMs), 0);
}

export interface NormalizationInput {
  readonly nowMs: number;
  /** What the metrics ask for (the replica calculator's answer). */
  readonly desiredReplicas: number;
  readonly currentReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: HpaBehavior;
}

export interface NormalizationResult {
  readonly replicas: number;
  /** Machine reason, as in the HPA's ScalingLimited condition. */
  readonly reason: 'DesiredWithinRange' | 'ScaleUpStabilized' | 'ScaleDownStabilized' | 'ScaleUpLimit' | 'TooManyReplicas' | 'ScaleDownLimit' | 'TooFewReplicas';
  readonly message: string;
}

/** `normalizeDesiredReplicasWithBehaviors`: stabilize, then apply the rate limits and min/max. */
export function normalizeWithBehaviors(state: HpaBehaviorState, input: NormalizationInput): NormalizationResult {
  const stabilized = stabilizeRecommendation(state, input);
  return applyRateLimits(state, { ...input, desiredReplicas: stabilized.replicas }, stabilized);
}

/**
 * `stabilizeRecommendationWithBehaviors`: the result may not go above the smallest recommendation
 * of the scale-up window nor below the largest of the scale-down window (so with the default
 * 300 s down window, the HPA scales down to the highest recommendation of the last 5 minutes).
 * The raw recommendation is recorded, replacing one that has left both windows.
 */
export function stabilizeRecommendation(state: HpaBehaviorState, input: NormalizationInput): NormalizationResult {
  const upCutoffMs = input.nowMs - input.behavior.scaleUp.stabilizationWindowMs;
  const downCutoffMs = input.nowMs - input.behavior.scaleDown.stabilizationWindowMs;
  let upRecommendation = input.desiredReplicas;
  let downRecommendation = input.desiredReplicas;
  let oldSampleIndex = -1;
  const recommendations = state.recommendations;
  for (let index = 0; index < recommendations.length; index += 1) {
    const recommendation = recommendations[index]!;
    if (recommendation.atMs > upCutoffMs && recommendation.replicas < upRecommendation) upRecommendation = recommendation.replicas;
    if (recommendation.atMs > downCutoffMs && recommendation.replicas > downRecommendation) downRecommendation = recommendation.replicas;
    if (recommendation.atMs < upCutoffMs && recommendation.atMs < downCutoffMs) oldSampleIndex = index;
  }
  let replicas = input.currentReplicas;
  if (replicas < upRecommendation) replicas = upRecommendation;
  if (replicas > downRecommendation) replicas = downRecommendation;
  const record = { atMs: input.nowMs, replicas: input.desiredReplicas };
  if (oldSampleIndex >= 0) state.recommendations[oldSampleIndex] = record;
  else state.recommendations.push(record);

  if (replicas !== input.desiredReplicas) {
    const scalingUp = input.desiredReplicas > input.currentReplicas;
    return {
      replicas,
      reason: scalingUp ? 'ScaleUpStabilized' : 'ScaleDownStabilized',
      message: `recent recommendations were ${scalingUp ? 'lower' : 'higher'} than the current one, applying the ${scalingUp ? 'lowest' : 'highest'} recent recommendation`,
    };
  }
  return { replicas, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** `convertDesiredReplicasWithBehaviorRate`. */
function applyRateLimits(state: HpaBehaviorState, input: NormalizationInput, stabilized: NormalizationResult): NormalizationResult {
  if (input.desiredReplicas > input.currentReplicas) {
    const scaleUpLimit = Math.max(input.currentReplicas, scaleUpLimitReplicas(state, input));
    const allowed = Math.min(input.maxReplicas, scaleUpLimit);
    if (input.desiredReplicas > allowed) {
      return allowed === input.maxReplicas && input.maxReplicas <= scaleUpLimit
        ? { replicas: allowed, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }
        : { replicas: allowed, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
    }
  } else if (input.desiredReplicas < input.currentReplicas) {
    const scaleDownLimit = Math.min(input.currentReplicas, scaleDownLimitReplicas(state, input));
    const allowed = Math.max(input.minReplicas, scaleDownLimit);
    if (input.desiredReplicas < allowed) {
      return allowed === input.minReplicas && input.minReplicas >= scaleDownLimit
        ? { replicas: allowed, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' }
        : { replicas: allowed, reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
    }
  }
  return { ...stabilized, replicas: input.desiredReplicas };
}

function changeInPeriod(events: readonly TimestampedScaleEvent[], nowMs: number, periodMs: number): number {
  const cutoffMs = nowMs - periodMs;
  let replicas = 0;
  for (const event of events) if (event.atMs > cutoffMs) replicas += event.replicaChange;
  return replicas;
}

/** `calculateScaleUpLimitWithScalingRules`. */
function scaleUpLimitReplicas(state: HpaBehaviorState, input: NormalizationInput): number {
  const rules = input.behavior.scaleUp;
  if (rules.selectPolicy === 'Disabled') return input.currentReplicas;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const policy of rules.policies) {
    const added = changeInPeriod(state.scaleUpEvents, input.nowMs, policy.periodMs);
    const deleted = changeInPeriod(state.scaleDownEvents, input.nowMs, policy.periodMs);
    const periodStartReplicas = input.currentReplicas - added + deleted;
    const proposed = policy.type === 'Pods'
      ? periodStartReplicas + policy.value
      // Rounded up so a small workload can always grow (horizontal.go says the same).
      : Math.ceil(periodStartReplicas * (1 + policy.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** `calculateScaleDownLimitWithBehaviors`. */
function scaleDownLimitReplicas(state: HpaBehaviorState, input: NormalizationInput): number {
  const rules = input.behavior.scaleDown;
  if (rules.selectPolicy === 'Disabled') return input.currentReplicas;
  // Max picks the policy allowing the biggest decrease, i.e. the smallest proposed count.
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const policy of rules.policies) {
    const added = changeInPeriod(state.scaleUpEvents, input.nowMs, policy.periodMs);
    const deleted = changeInPeriod(state.scaleDownEvents, input.nowMs, policy.periodMs);
    const periodStartReplicas = input.currentReplicas - added + deleted;
    const proposed = policy.type === 'Pods'
      ? periodStartReplicas - policy.value
      : Math.trunc(periodStartReplicas * (1 - policy.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}
