import type { WorkloadRef } from '../domain/workload.ts';

/** What chuanliu sees of one managed workload. */
export interface WorkloadState {
  readonly ref: WorkloadRef;
  /** spec.replicas (Deployment/StatefulSet), spec.parallelism (Job), 0/1 for a suspended/active CronJob. */
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
  /**
   * Pods being deleted that still hold their resources (terminating, draining or checkpointing).
   * readyReplicas drops as soon as a pod starts terminating, so only this shows released capacity
   * actually gone. Optional: adapters that cannot tell leave it out, and the controller then waits
   * for the workload's drain time instead.
   */
  readonly terminatingReplicas?: number;
  /**
   * Pods the scheduler could not place (Pending, PodScheduled=False/Unschedulable): capacity asked for
   * and not delivered. Absent when none, or when the adapter cannot tell.
   */
  readonly unschedulableReplicas?: number;
  /** The scheduler's message for one of them, e.g. `0/4 nodes are available: 4 Insufficient cpu.` */
  readonly unschedulableReason?: string;
  /** Present when an HPA targets the workload. */
  readonly hpa?: { readonly name: string; readonly minReplicas: number; readonly maxReplicas: number; readonly currentReplicas: number };
  /** Annotations chuanliu left on its last write (plan step id etc.). */
  readonly annotations: Readonly<Record<string, string>>;
}

export interface NodePoolState {
  readonly pool: string;
  readonly readyNodes: number;
  readonly provisioningNodes: number;
  readonly allocatableCpuMillicores: number;
  readonly allocatableMemoryBytes: number;
}

export interface ClusterSnapshot {
  readonly takenAtMs: number;
  readonly workloads: readonly WorkloadState[];
  readonly nodePools: readonly NodePoolState[];
}

/** Why a write was made; left on the object as annotations so `kubectl describe` tells the story. */
export interface WriteProvenance {
  readonly planId: string;
  readonly stepId: string;
  readonly reason: string;
  readonly message: string;
  readonly atMs: number;
}

export type ClusterWrite =
  | { readonly kind: 'replicas'; readonly ref: WorkloadRef; readonly replicas: number; readonly provenance: WriteProvenance }
  | { readonly kind: 'hpa-min'; readonly ref: WorkloadRef; readonly hpaName: string; readonly minReplicas: number; readonly provenance: WriteProvenance }
  | { readonly kind: 'job-parallelism'; readonly ref: WorkloadRef; readonly parallelism: number; readonly provenance: WriteProvenance }
  | { readonly kind: 'cronjob-suspend'; readonly ref: WorkloadRef; readonly suspend: boolean; readonly provenance: WriteProvenance }
  | { readonly kind: 'pool-nodes'; readonly pool: string; readonly nodes: number; readonly provenance: WriteProvenance };

export type WriteOutcome =
  | { readonly status: 'applied' }
  /** The object already had the written value: idempotent no-op. */
  | { readonly status: 'unchanged' }
  | { readonly status: 'failed'; readonly error: string; readonly retryable: boolean };

/** A write the cluster's authorizer (Kubernetes RBAC) would refuse, found before anything was written. */
export interface WriteDenial {
  readonly write: ClusterWrite;
  /** The refused request as RBAC names it, e.g. `patch batch/cronjobs batch/nightly`. */
  readonly request: string;
  /** Who asked and why the authorizer said no, as it answered. */
  readonly reason: string;
}

/**
 * The cluster as the controller sees it.
 *
 * Contract:
 * - `snapshot` is a consistent-enough read of the managed workloads; it throws `RuntimeFailure`
 *   when the API is unreachable (callers must then hold capacity, never scale down).
 * - `write` is idempotent: writing the value an object already has returns `unchanged`.
 *   Conflicts (409) are re-read and retried inside the adapter; `failed` means retries ran out.
 * - Writes to different objects may run concurrently; one write per object at a time.
 */
export interface Cluster {
  snapshot(): Promise<ClusterSnapshot>;
  write(write: ClusterWrite): Promise<WriteOutcome>;
  /**
   * Which of `writes` the API would refuse for lack of permission, asked before any is made, so a
   * tick with one write outside chuanliu's grant writes nothing at all (a 403 halfway through a
   * tick would leave it half-applied). Throws `RuntimeFailure` when the authorizer cannot be asked
   * (callers then hold). Optional: a cluster without authorization (in-memory) leaves it out.
   */
  authorize?(writes: readonly ClusterWrite[]): Promise<readonly WriteDenial[]>;
}
