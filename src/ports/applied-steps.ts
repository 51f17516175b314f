/**
 * Which plan steps the controller has already carried out, so a restarted or replayed controller
 * knows what is done and when a release started draining. Redis-backed in the cluster (so a
 * restarted controller resumes), in memory for the simulator, the demo and tests.
 *
 * Contract:
 * - `markApplied` is idempotent: the first record for a (planId, stepId) wins; marking it again
 *   (a replayed tick) neither fails nor moves `appliedAtMs`.
 * - `list` returns the records of one plan, in the order they were first marked.
 * - Both throw `RuntimeFailure` when the backing store is unreachable; the controller then holds.
 */
export interface AppliedStepRecord {
  readonly planId: string;
  readonly stepId: string;
  /** Workload or node pool the step changed. */
  readonly target: string;
  /** Level the controller wrote (or found already in place) for the target. */
  readonly toReplicas: number;
  /** `release` writes start a drain: acquires wait until it is over. */
  readonly direction: 'release' | 'acquire' | 'none';
  /** When the write was made (or found unnecessary), epoch ms of the controller's clock. */
  readonly appliedAtMs: number;
}

export interface AppliedStepStore {
  markApplied(record: AppliedStepRecord): Promise<void>;
  list(planId: string): Promise<readonly AppliedStepRecord[]>;
}
