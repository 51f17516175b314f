/**
 * The controller's decisions as data (Karpenter style): what to write, in which order, what waits for
 * a drain, what was skipped and what was refused. `decideWrites` computes them purely; `reconcile`
 * executes them elsewhere; dry-run prints them.
 */
import type { PlanStep } from '../domain/plan.ts';
import type { Workload, WorkloadRef } from '../domain/workload.ts';
import type { ClusterWrite } from '../ports/cluster.ts';

/**
 * Execution phases, run one after the other; writes inside a phase may run concurrently.
 * `pool-grow` first (nodes take longest), then `release` (offline down, online scale-in), then
 * `acquire` (only once the released capacity has drained), then `pool-shrink` (once nothing drains).
 */
export type WritePhase = 'pool-grow' | 'release' | 'acquire' | 'pool-shrink';

export const WRITE_PHASES: readonly WritePhase[] = ['pool-grow', 'release', 'acquire', 'pool-shrink'];

/** `placeholder`: the low-priority placeholder Deployment of a pre-provisioned pool. */
export type TargetClass = 'online' | 'offline' | 'pool' | 'placeholder';

/**
 * A temporary bound on a workload's target set by the reactive guard: a `floor` raises online
 * (emergency capacity), a `cap` lowers offline (capacity taken for it). The plan's level still
 * applies where it is stricter.
 */
export interface TargetOverride {
  readonly workload: string;
  readonly kind: 'floor' | 'cap';
  readonly replicas: number;
  /** Deterministic id of the guard action (`guard/<workload>/<engagedAtMs>`), recorded like a step. */
  readonly stepId: string;
  readonly reason: string;
  readonly message: string;
}

/** One managed object with what it has now and what it should have. */
export interface ResolvedTarget {
  readonly name: string;
  readonly class: TargetClass;
  /** The placeholder Deployment (placeholder targets only). */
  readonly placeholderRef?: WorkloadRef;
  /** Inventory entry (absent for node pools). */
  readonly workload?: Workload;
  /** The controlled quantity now: replicas, HPA minReplicas, Job parallelism, CronJob 0/1, pool nodes. */
  readonly current: number;
  /** What the plan and any guard override ask for (the safety checks judge this). */
  readonly requested: number;
  /**
   * The value to write, `requested` normalised for the object: CronJob 0/1, an HPA floor clamped
   * to the HPA's maxReplicas.
   */
  readonly target: number;
  /** The pods' spec now: replicas, parallelism, the HPA's current decision (pool: nodes). */
  readonly desiredReplicas: number;
  /** Replicas Ready now (pool: ready nodes). */
  readonly readyReplicas: number;
  /** Pods still terminating and holding resources, when the snapshot tells. */
  readonly terminatingReplicas?: number;
  /** Node pool the target lives on; undefined = any pool. */
  readonly nodePool?: string;
  /** Where the target came from, for provenance. */
  readonly source: { readonly stepId: string; readonly reason: string; readonly message: string; readonly step?: PlanStep };
  /** Set when the object is managed through an HPA floor rather than replicas. */
  readonly hpaName?: string;
}

/**
 * Why an acquire went ahead of a drain it needed the room of: `guard-emergency` (a reactive-guard
 * floor) or `short-notice` (a plan step already late, or one that waiting would make late).
 */
export type UrgencyCode = 'guard-emergency' | 'short-notice';

/**
 * An urgent acquire written while offline (or online scale-in) work it needs the room of still
 * drains: the drain is cut short for it (its pods are created now and take the room as the
 * drained pods terminate). Data for the log, the write's provenance and a Kubernetes Event.
 */
export interface DrainCutShort {
  readonly code: UrgencyCode;
  /** Drains it did not wait for (sorted). */
  readonly drains: readonly string[];
  /** One line, e.g. `pay 4→10 does not wait for etl to drain: guard emergency floor …`. */
  readonly message: string;
}

export interface OrderedWrite {
  readonly phase: WritePhase;
  /** 0-based position in execution order. */
  readonly order: number;
  readonly target: string;
  readonly class: TargetClass;
  readonly stepId: string;
  readonly fromReplicas: number;
  readonly toReplicas: number;
  readonly write: ClusterWrite;
  /** Set on an urgent acquire that went ahead of drains it needed the room of. */
  readonly cutShort?: DrainCutShort;
  /** Set on an acquire written while drains were in flight because its new pods fit in the room free now. */
  readonly admittedOnFreeRoom?: true;
}

/** An acquire (or pool shrink) held back until released capacity has drained. */
export interface DeferredWrite {
  readonly target: string;
  readonly class: TargetClass;
  readonly stepId: string;
  readonly fromReplicas: number;
  readonly toReplicas: number;
  /** The write it will be once unblocked (same value the next tick would compute). */
  readonly write: ClusterWrite;
  /** Targets still draining that this write waits for. */
  readonly blockedBy: readonly string[];
  /** Earliest time every blocker's drain time is over; undefined when only the snapshot can tell. */
  readonly notBeforeMs?: number;
  readonly message: string;
}

export type SkipReason =
  | 'already-at-target'
  | 'missing-from-snapshot'
  | 'not-in-inventory'
  | 'hpa-missing'
  /** A pre-provisioned pool's nodes come from the node autoscaler, asked for through placeholder pods. */
  | 'pre-provisioned';

export interface SkippedTarget {
  readonly target: string;
  readonly reason: SkipReason;
  readonly message: string;
}

export type RefusalCode =
  | 'capacity-exceeded'
  | 'online-below-min'
  | 'above-max'
  | 'invalid-replicas'
  | 'namespace-not-allowed'
  | 'step-too-large';

/** Why a tick writes nothing at all. One refusal refuses the whole tick: nothing half-applied. */
export interface Refusal {
  readonly code: RefusalCode;
  readonly target?: string;
  readonly message: string;
}

export interface WriteDecision {
  readonly nowMs: number;
  readonly planId: string | undefined;
  /** Writes to make now, in execution order (empty when refused). */
  readonly writes: readonly OrderedWrite[];
  readonly waits: readonly DeferredWrite[];
  readonly skipped: readonly SkippedTarget[];
  readonly refusals: readonly Refusal[];
  /** Non-blocking remarks, e.g. an HPA floor clamped to the HPA's maxReplicas. */
  readonly warnings: readonly string[];
  /** Every target this tick resolved, including those already at their level. */
  readonly targets: readonly ResolvedTarget[];
  /** Due plan steps not yet recorded as applied. */
  readonly newlyDueSteps: readonly PlanStep[];
  /** Targets that are still draining a release (so the recorder can start a drain clock it lacks). */
  readonly draining: readonly string[];
  /**
   * Released capacity that is not free yet: its pods still run (above a lowered HPA floor, or
   * not yet removed) or terminate. Counted free only once the snapshot shows them gone.
   */
  readonly notYetFree: readonly HeldRelease[];
}

export interface HeldRelease {
  readonly target: string;
  /** Pods still holding the released room; absent when the snapshot cannot tell. */
  readonly pods?: number;
  readonly cpuMillicores?: number;
  readonly memoryBytes?: number;
  readonly message: string;
}
