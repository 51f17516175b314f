/**
 * The `Cluster` port over the simulated cluster: what the controller, the tests and the demo talk
 * to instead of a Kubernetes API server. Reads and writes first bring the simulation up to the
 * clock's time (so a test advances its ManualClock and the cluster follows).
 */
import type { Clock } from '../../ports/clock.ts';
import type {
  Cluster, ClusterSnapshot, ClusterWrite, NodePoolState, WorkloadState, WriteOutcome, WriteProvenance,
} from '../../ports/cluster.ts';
import type { WorkloadRef } from '../../domain/workload.ts';
import { SimulatedCluster } from './simulated-cluster.ts';
import type { SimulatedClusterSpec } from './cluster-spec.ts';

/** Annotation keys chuanliu leaves on the objects it writes (same keys as the Kubernetes adapter). */
export const ANNOTATION_PREFIX = 'chuanliu.io/';

export interface MemoryClusterOptions {
  /**
   * Offered demand per online workload while the cluster catches up with the clock
   * (requests/s by workload name); absent workloads get 0. May be changed with `setDemand`.
   */
  readonly demandRps?: Readonly<Record<string, number>>;
}

export class MemoryCluster implements Cluster {
  readonly simulation: SimulatedCluster;
  private readonly clock: Clock;
  private readonly demand: Float64Array;
  /** Workload index by its Kubernetes object (kind/namespace/name), which may differ from the workload's name. */
  private readonly indexByRef: Map<string, number>;

  constructor(spec: SimulatedClusterSpec | SimulatedCluster, clock: Clock, options: MemoryClusterOptions = {}) {
    this.simulation = spec instanceof SimulatedCluster ? spec : new SimulatedCluster(spec);
    this.clock = clock;
    this.demand = new Float64Array(this.simulation.workloadCount);
    this.indexByRef = new Map(this.simulation.workloads.map((workload, index) => [refText(workload.ref), index] as const));
    for (const [name, rps] of Object.entries(options.demandRps ?? {})) this.setDemand(name, rps);
  }

  /** Sets the offered demand of an online workload from now on. */
  setDemand(workload: string, rps: number): void {
    this.demand[this.simulation.requireWorkloadIndex(workload)] = rps;
  }

  /** Runs the simulation up to the clock's time. Called by every read and write. */
  catchUp(): void {
    this.simulation.advanceTo(this.clock.nowMs(), this.demand);
  }

  async snapshot(): Promise<ClusterSnapshot> {
    this.catchUp();
    const simulation = this.simulation;
    const workloads: WorkloadState[] = simulation.workloads.map((workload, index) => {
      const hpa = simulation.hpaForWorkload(index);
      return {
        ref: workload.ref,
        desiredReplicas: desiredAsSeenByApi(workload.ref, simulation.desired[index]!),
        readyReplicas: simulation.ready[index]!,
        terminatingReplicas: simulation.terminating[index]!,
        ...(hpa === undefined ? {} : {
          hpa: { name: hpa.name, minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, currentReplicas: hpa.currentReplicas },
        }),
        annotations: { ...simulation.annotations[index] },
      };
    });
    const nodePools: NodePoolState[] = simulation.poolStatuses().map((pool) => ({
      pool: pool.pool,
      readyNodes: pool.readyNodes,
      provisioningNodes: pool.provisioningNodes,
      allocatableCpuMillicores: pool.allocatableCpuMillicores,
      allocatableMemoryBytes: pool.allocatableMemoryBytes,
    }));
    return { takenAtMs: simulation.nowMs(), workloads, nodePools };
  }

  async write(write: ClusterWrite): Promise<WriteOutcome> {
    this.catchUp();
    const simulation = this.simulation;
    if (write.kind === 'pool-nodes') {
      if (!simulation.poolStatuses().some((pool) => pool.pool === write.pool)) {
        return { status: 'failed', error: `node pool ${write.pool} not found`, retryable: false };
      }
      return outcome(simulation.setPoolNodes(write.pool, write.nodes));
    }
    const index = this.findWorkload(write.ref);
    if (typeof index === 'string') return { status: 'failed', error: index, retryable: false };
    const workload = simulation.workloads[index]!;
    let changed: boolean;
    switch (write.kind) {
      case 'replicas':
        if (write.ref.apiKind !== 'Deployment' && write.ref.apiKind !== 'StatefulSet') {
          return { status: 'failed', error: `${write.ref.apiKind} has no replicas; write parallelism or suspend`, retryable: false };
        }
        changed = simulation.setDesiredReplicas(index, write.replicas);
        break;
      case 'job-parallelism':
        if (write.ref.apiKind !== 'Job') return { status: 'failed', error: `${write.ref.apiKind} is not a Job`, retryable: false };
        changed = simulation.setDesiredReplicas(index, write.parallelism);
        break;
      case 'cronjob-suspend': {
        if (write.ref.apiKind !== 'CronJob') return { status: 'failed', error: `${write.ref.apiKind} is not a CronJob`, retryable: false };
        // A suspended CronJob runs nothing; resumed, it runs its jobs at their usual parallelism.
        const running = workload.class === 'offline' ? Math.max(1, workload.maxReplicas) : 1;
        changed = simulation.setDesiredReplicas(index, write.suspend ? 0 : running);
        break;
      }
      case 'hpa-min': {
        const hpa = simulation.hpaForWorkload(index);
        if (hpa === undefined || hpa.name !== write.hpaName) {
          return { status: 'failed', error: `HPA ${write.hpaName} for ${refText(write.ref)} not found`, retryable: false };
        }
        if (write.minReplicas > hpa.maxReplicas) {
          return { status: 'failed', error: `minReplicas ${write.minReplicas} exceeds maxReplicas ${hpa.maxReplicas} of HPA ${hpa.name}`, retryable: false };
        }
        changed = simulation.setHpaMinReplicas(write.hpaName, write.minReplicas);
        break;
      }
    }
    if (changed) simulation.annotate(index, provenanceAnnotations(write.provenance));
    return outcome(changed);
  }

  private findWorkload(ref: WorkloadRef): number | string {
    return this.indexByRef.get(refText(ref)) ?? `${refText(ref)} not found`;
  }
}

function desiredAsSeenByApi(ref: WorkloadRef, desired: number): number {
  return ref.apiKind === 'CronJob' ? (desired > 0 ? 1 : 0) : desired;
}

function outcome(changed: boolean): WriteOutcome {
  return changed ? { status: 'applied' } : { status: 'unchanged' };
}

function refText(ref: WorkloadRef): string {
  return `${ref.apiKind} ${ref.namespace}/${ref.name}`;
}

export function provenanceAnnotations(provenance: WriteProvenance): Record<string, string> {
  return {
    [`${ANNOTATION_PREFIX}plan-id`]: provenance.planId,
    [`${ANNOTATION_PREFIX}step-id`]: provenance.stepId,
    [`${ANNOTATION_PREFIX}reason`]: provenance.reason,
    [`${ANNOTATION_PREFIX}message`]: provenance.message,
    [`${ANNOTATION_PREFIX}written-at`]: new Date(provenance.atMs).toISOString(),
  };
}
