/**
 * The seam between kube-api's object store and whatever plays "the cluster" behind it.
 *
 * kube-api answers API calls from its store; a bridge makes the store behave like a cluster:
 * it reacts to writes (spec.replicas, HPA minReplicas, Job parallelism, CronJob suspend) and keeps
 * status, Pods and Nodes up to date. Two implementations:
 * - `ClusterEmulation` (emulation/cluster-emulation.ts): self-sufficient controllers, scheduler and
 *   kubelet working on the store alone (pods become Ready after a startup delay on the Clock).
 * - a bridge to the simulator's in-memory cluster, which mirrors its state into the store and
 *   forwards spec writes to it.
 */
import type { ObjectStore } from './store.ts';

export interface ClusterBridge {
  /** Starts reacting to the store's changes; objects already in the store are reconciled once. */
  start(store: ObjectStore): void;
  /** Stops reacting; pending timers are dropped. Idempotent. */
  stop(): void;
  /** Resolves when no reconcile work is queued (tests await it instead of sleeping). */
  idle(): Promise<void>;
}
