/**
 * What the planner is given. Everything it knows arrives here: time is `nowMs`, the cluster is
 * `observed`, the future is `forecasts` and `occurrences`. The planner reads nothing else.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import type { Forecast } from '../domain/forecast.ts';
import type { CapacityPlan } from '../domain/plan.ts';
import type { Inventory } from '../domain/workload.ts';

export interface ObservedWorkloadState {
  /** spec.replicas (or Job parallelism) right now. */
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
}

export interface ObservedPoolState {
  readonly readyNodes: number;
  readonly provisioningNodes: number;
}

/**
 * The cluster as last seen. Every record may omit names it knows nothing about; the planner then
 * falls back as documented on each field.
 */
export interface ObservedState {
  /** Per workload. Missing: no step is emitted for slot 0 (the slot arrays still carry the target). */
  readonly workloads: Readonly<Record<string, ObservedWorkloadState>>;
  /** Per pool. Missing: the pool is assumed to have its `baseNodes`. */
  readonly nodePools: Readonly<Record<string, ObservedPoolState>>;
  /**
   * Recent observed demand per online workload, requests/s (e.g. the mean of the last minute).
   * The plan never scales below what it needs in the slots before the stabilization window ends.
   */
  readonly demandRps: Readonly<Record<string, number>>;
  /** Work left per offline workload (core-hours); overrides the inventory's `workCoreHours`. */
  readonly offlineRemainingCoreHours: Readonly<Record<string, number>>;
}

export interface PlanningSettings {
  /** Width of a plan slot. */
  readonly slotMs: number;
  /** How far ahead the plan reaches; the plan has ceil(horizonMs / slotMs) slots. */
  readonly horizonMs: number;
  /** From a step being due to the API write taking effect. */
  readonly applyLatencyMs: number;
  /** How long the need must stay lower before a scale-in (online) or a node release. */
  readonly scaleInStabilizationMs: number;
  /** Names the plan; step ids do not depend on it. */
  readonly planId: string;
  /** Lead time for new nodes. @defaultValue each elastic pool's `provisioningMs` */
  readonly nodeProvisioningMs?: number;
  /**
   * Smallest time between two changes of one workload: an increase raises the target to the
   * largest need of the next interval at once, a decrease waits for the interval to pass.
   * Fewer API writes for a little capacity held early. @defaultValue slotMs (no coalescing)
   */
  readonly minStepIntervalMs?: number;
  /** IANA time zone used to print times in messages. @defaultValue `UTC` */
  readonly displayTimeZone?: string;
}

export interface PlanningInput {
  readonly nowMs: number;
  readonly inventory: Inventory;
  /** Per online workload name. A workload without one is planned from observed demand. */
  readonly forecasts: ReadonlyMap<string, Forecast>;
  /** Calendar events in the horizon: online workloads never scale in inside one. */
  readonly occurrences: readonly EventOccurrence[];
  readonly observed: ObservedState;
  /** The plan this one replaces: its needs before `now` feed the stabilization windows. */
  readonly previousPlan?: CapacityPlan;
  readonly settings: PlanningSettings;
}

/** An observation that knows nothing: every fallback applies. */
export function emptyObservedState(): ObservedState {
  return { workloads: {}, nodePools: {}, demandRps: {}, offlineRemainingCoreHours: {} };
}
