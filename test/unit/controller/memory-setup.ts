/**
 * The controller's effectful tests run against the real in-memory cluster (the simulator's), on a
 * manual clock. The only wrappers here inject faults around it (a process that dies mid-tick, an
 * API that stops answering) — the cluster's behaviour itself is never faked.
 */
import { RuntimeFailure } from '../../../src/domain/errors.ts';
import type { Inventory } from '../../../src/domain/workload.ts';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import { MemoryCluster } from '../../../src/adapters/memory/memory-cluster.ts';
import type { SimulatedHpaSpec } from '../../../src/adapters/memory/cluster-spec.ts';
import type { AppliedStepRecord, AppliedStepStore } from '../../../src/ports/applied-steps.ts';
import type { Cluster, ClusterSnapshot, ClusterWrite, WriteOutcome } from '../../../src/ports/cluster.ts';
import { T0 } from './fixtures.ts';

export function memoryCluster(options: {
  inventory: Inventory;
  initial: Record<string, number>;
  hpas?: SimulatedHpaSpec[];
  startMs?: number;
}): { cluster: MemoryCluster; clock: ManualClock } {
  const startMs = options.startMs ?? T0;
  const clock = new ManualClock(startMs);
  const cluster = new MemoryCluster({
    startMs,
    seed: 7,
    nodePools: options.inventory.nodePools,
    workloads: [...options.inventory.online, ...options.inventory.offline].map((workload) => ({
      workload,
      initialReplicas: options.initial[workload.name] ?? 0,
    })),
    ...(options.hpas !== undefined ? { hpas: options.hpas } : {}),
  }, clock);
  return { cluster, clock };
}

/** The refund HPA of the standard inventory, scaling on requests per replica. */
export function refundHpa(minReplicas = 3): SimulatedHpaSpec {
  return { name: 'refund-hpa', workload: 'refund', minReplicas, maxReplicas: 100, metric: { kind: 'requests', targetAverageRps: 80 } };
}

/** What the controller is responsible for, per workload: the value it controls. */
export async function controlledState(cluster: Cluster): Promise<Record<string, number>> {
  const snapshot = await cluster.snapshot();
  return Object.fromEntries(snapshot.workloads.map((state) => [state.ref.name, state.hpa?.minReplicas ?? state.desiredReplicas] as const));
}

/** A controller process that dies after `effectsBeforeCrash` effects: that effect never returns. */
export class CrashPoint {
  private effects = 0;
  constructor(private readonly effectsBeforeCrash: number) {}

  /** Resolves for the first effects, then hangs forever (the process is gone). */
  gate(): Promise<void> {
    this.effects += 1;
    return this.effects > this.effectsBeforeCrash ? new Promise<void>(() => {}) : Promise.resolve();
  }
}

export class CrashingCluster implements Cluster {
  constructor(private readonly inner: Cluster, private readonly crash: CrashPoint) {}
  snapshot(): Promise<ClusterSnapshot> {
    return this.inner.snapshot();
  }
  async write(write: ClusterWrite): Promise<WriteOutcome> {
    await this.crash.gate();
    return this.inner.write(write);
  }
}

export class CrashingStore implements AppliedStepStore {
  constructor(private readonly inner: AppliedStepStore, private readonly crash: CrashPoint) {}
  async markApplied(record: AppliedStepRecord): Promise<void> {
    await this.crash.gate();
    await this.inner.markApplied(record);
  }
  list(planId: string): Promise<readonly AppliedStepRecord[]> {
    return this.inner.list(planId);
  }
}

/** An API server that stops answering reads for a while. */
export class FlakySnapshots implements Cluster {
  constructor(private readonly inner: Cluster, private failuresLeft: number) {}
  async snapshot(): Promise<ClusterSnapshot> {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new RuntimeFailure('kube-apiserver: connect ECONNREFUSED 10.0.0.1:443');
    }
    return this.inner.snapshot();
  }
  write(write: ClusterWrite): Promise<WriteOutcome> {
    return this.inner.write(write);
  }
}

/** An API server that rejects writes to some objects (an admission webhook, say). */
export class RejectingWrites implements Cluster {
  constructor(private readonly inner: Cluster, private readonly rejected: ReadonlySet<string>) {}
  snapshot(): Promise<ClusterSnapshot> {
    return this.inner.snapshot();
  }
  async write(write: ClusterWrite): Promise<WriteOutcome> {
    const name = write.kind === 'pool-nodes' ? write.pool : write.ref.name;
    if (this.rejected.has(name)) return { status: 'failed', error: `admission webhook denied ${name}`, retryable: false };
    return this.inner.write(write);
  }
}
