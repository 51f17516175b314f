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
  /** What the step changes; undefined = a workload. Node-pool steps name the pool in `workload`. */
  readonly subject?: 'workload' | 'node-pool';
  /** Lead time the planner allowed for an increase (apply + startup p95 [+ node provisioning]). */
  readonly leadMs?: number;
  /** > 0 when the step could not be written early enough (the need came too close to `now`). */
  readonly lateByMs?: number;
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
  /**
   * Pre-provisioned elastic pools: placeholder pods per slot (one holds the room of one node the
   * online pods do not fill yet), so the node autoscaler brings the nodes ahead of the peak.
   */
  readonly placeholders?: Readonly<Record<string, Int32Array>>;
  readonly steps: readonly PlanStep[];
  readonly shortfalls: readonly Shortfall[];
  /** Brownout order used when the cluster was short (lowest priority first). */
  readonly brownoutOrder: readonly string[];
  /** Offline work: whether each deadline is met under this plan, and what is left. */
  readonly offlineOutlook?: readonly OfflineOutlook[];
  /** Plan-wide remarks (missing forecasts, fallbacks, unmet deadlines), for people. */
  readonly notes?: readonly string[];
  /** Per-slot reasons behind the targets, so `explain` can answer without re-planning. */
  readonly explanation?: PlanExplanationData;
}

/** Why a slot's target is what it is (one code per workload and slot). */
export type SlotCause =
  | 'forecast'        // online: the quantile need from the forecast
  | 'observed'        // online: the observed rate needs more than the forecast (scale-in follows observed demand)
  | 'no-forecast'     // online: no forecast covers the slot; planned from observed demand or current replicas
  | 'min'             // clamped up to minReplicas
  | 'max'             // capped at maxReplicas
  | 'lead'            // online: raised ahead of a later need (lead time)
  | 'stabilization'   // online: held after the peak for the scale-in stabilization window
  | 'event-hold'      // online: held inside a calendar event (no scale-in)
  | 'coalesced'       // online: raised early so several increases become one step
  | 'brownout'        // online: cut because the pool is full (lowest priority first)
  | 'leftover'        // offline: what online leaves, by priority
  | 'no-room'         // offline: online leaves nothing for it
  | 'work-done'       // offline: its work is finished (or finishes in this slot with fewer replicas)
  | 'deadline'        // offline: ahead of other offline work so its deadline is met
  | 'drain';          // offline: lowered early so its replicas drain before online needs the room

export const SLOT_CAUSES: readonly SlotCause[] = [
  'forecast', 'observed', 'no-forecast', 'min', 'max', 'lead', 'stabilization', 'event-hold', 'coalesced',
  'brownout', 'leftover', 'no-room', 'work-done', 'deadline', 'drain',
];

export interface WorkloadPlanDetail {
  readonly class: 'online' | 'offline';
  /** Home pool: the first the workload may use. */
  readonly pool: string;
  /** Online workloads that may use several pools: all of them, in fill order (fixed, then elastic). */
  readonly pools?: readonly string[];
  /** With `pools`: the planned replicas per pool and slot (their sum is the workload's target). */
  readonly poolReplicas?: Readonly<Record<string, Int32Array>>;
  readonly priority: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** causes[slot] = index into SLOT_CAUSES. */
  readonly causes: Uint8Array;
  /** Online: demand at the provisioning quantile per slot, requests/s (NaN = not forecast). */
  readonly demandRps?: Float32Array;
  /** Online: the band actually used (the workload's quantile, or the nearest higher one). */
  readonly quantile?: number;
  readonly rpsPerReplica?: number;
  /** Online: replicas the demand needs per slot, before lead, stabilization and capacity. */
  readonly needReplicas?: Int32Array;
  /**
   * Online: the needs of the stabilization window just before `startMs` (from the plans before),
   * newest last, so a chain of re-plans keeps the window instead of restarting it.
   */
  readonly needBeforeStartReplicas?: Int32Array;
  /** Online: lead time of an increase and its parts. */
  readonly lead?: { readonly totalMs: number; readonly applyMs: number; readonly startupP95Ms: number; readonly nodeProvisioningMs: number };
  /** Offline: drain/checkpoint time before its resources are free. */
  readonly drainMs?: number;
}

export interface PoolPlanDetail {
  /** Nodes the online allocation needs per slot, before the scale-in stabilization of the pool. */
  readonly nodesNeeded: Int32Array;
  /** The same for the stabilization window just before `startMs`, newest last. */
  readonly nodesNeededBeforeStart?: Int32Array;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly provisioningMs: number;
  /** CPU held per slot (millicores), for charts. */
  readonly onlineCpuMillicores: Float64Array;
  readonly offlineCpuMillicores: Float64Array;
  readonly capacityCpuMillicores: Float64Array;
}

export interface PlanExplanationData {
  readonly scaleInStabilizationMs: number;
  readonly applyLatencyMs: number;
  /** IANA zone the messages print times in. */
  readonly displayTimeZone: string;
  readonly workloads: Readonly<Record<string, WorkloadPlanDetail>>;
  readonly pools: Readonly<Record<string, PoolPlanDetail>>;
  /** Calendar occurrences the plan held capacity for. */
  readonly occurrences: readonly { readonly label: string; readonly startMs: number; readonly endMs: number; readonly workloads: readonly string[] }[];
}

export interface OfflineOutlook {
  readonly workload: string;
  readonly remainingCoreHoursAtStart: number;
  /** Work left at the end of the horizon under this plan (0 = finishes inside it). */
  readonly remainingCoreHoursAtEnd: number;
  readonly deadlineMs?: number;
  /** undefined when the workload has no deadline. */
  readonly deadlineMet?: boolean;
  /** Work the plan cannot finish before the deadline (core-hours). */
  readonly missingCoreHoursAtDeadline?: number;
  /** True when the workload was moved ahead of other offline work to meet its deadline. */
  readonly prioritizedForDeadline: boolean;
  readonly message: string;
}

/**
 * Name under which a pre-provisioned pool's placeholder Deployment is a controller target. `/`
 * cannot appear in workload or pool names, so it never collides with one.
 */
export function placeholderTargetName(pool: string): string {
  return `${pool}/placeholders`;
}

/** The pool a placeholder target name belongs to, or undefined for any other name. */
export function poolOfPlaceholderTarget(name: string): string | undefined {
  return name.endsWith('/placeholders') ? name.slice(0, -'/placeholders'.length) : undefined;
}
