/**
 * A capacity plan: per slot, the target replicas of every workload and the nodes of each pool,
 * and the steps that get the cluster there, each with a reason code and a human message.
 * Decisions are data; the controller executes them elsewhere.
 */

export type ReasonCode =
  | 'forecast-increase'      // online needs more for a forecast peak
  | 'event-start'            // a calendar event starts
  | 'offline-release'        // offline gives resources back ahead of an online increase
  | 'offline-restore'        // offline takes resources back after the peak
  | 'scale-in-after-peak'    // online goes down after the peak and stabilization
  | 'brownout'               // online below its quantile need: the cluster is short
  | 'node-provision'         // elastic pool grows
  | 'node-release'           // elastic pool shrinks
  | 'guard-emergency';       // reactive guard: observed rate left the band

export type StepDirection = 'release' | 'acquire';

export interface PlanStep {
  /** Deterministic id: same plan + same change → same id (idempotent job ids). */
  readonly id: string;
  readonly workload: string;
  /** When the controller should write (lead time already subtracted). */
  readonly effectiveAtMs: number;
  /** The slot start this change serves: capacity must be Ready by then. */
  readonly readyByMs: number;
  readonly fromReplicas: number;
  readonly toReplicas: number;
  /** `release` frees resources (offline down, online down); `acquire` takes them. Releases go first. */
  readonly direction: StepDirection;
  readonly reason: ReasonCode;
  readonly message: string;
}

export interface Shortfall {
  readonly slotIndex: number;
  readonly workload: string;
  /** Replicas the quantile needs but the cluster cannot give. */
  readonly missingReplicas: number;
  readonly message: string;
}

export interface CapacityPlan {
  readonly id: string;
  readonly createdAtMs: number;
  readonly startMs: number;
  readonly slotMs: number;
  readonly slotCount: number;
  /** replicas[workload][slot] = target replicas. */
  readonly replicas: Readonly<Record<string, Int32Array>>;
  /** nodes[pool][slot] = nodes the pool should have. */
  readonly nodes: Readonly<Record<string, Int32Array>>;
  readonly steps: readonly PlanStep[];
  readonly shortfalls: readonly Shortfall[];
  /** Brownout order used when the cluster was short (lowest priority first). */
  readonly brownoutOrder: readonly string[];
}
