/**
 * The reactive guard's machinery: keeps one state machine per online workload, turns its decisions
 * into target overrides (an emergency floor for the online workload, caps on the offline work it
 * takes capacity from), and applies them through the same reconcile tick as the plan, so guard
 * writes follow the same ordering (release offline, wait for the drain, then acquire online),
 * safety checks and idempotency. Writes carry the reason `guard-emergency`.
 */
import { RuntimeFailure } from '../domain/errors.ts';
import type { Inventory, OnlineWorkload, Workload } from '../domain/workload.ts';
import type { ClusterSnapshot } from '../ports/cluster.ts';
import type { TargetOverride } from './decision.ts';
import {
  DEFAULT_GUARD_CONFIG, INITIAL_GUARD_STATE, observeGuard, validateGuardConfig,
  type ForecastMiss, type GuardCapacityContext, type GuardConfig, type GuardDecision, type GuardSample, type GuardState,
} from './reactive-guard.ts';
import { reconcile, type ReconcileOptions, type ReconcileResult } from './reconcile.ts';
import { refKey } from './safety.ts';

export const GUARD_REASON = 'guard-emergency';

export interface GuardedSample extends GuardSample {
  /** Online workload the sample measures. */
  readonly workload: string;
}

export interface GuardLoopOptions {
  readonly inventory: Inventory;
  readonly config?: Partial<GuardConfig>;
}

interface Emergency {
  readonly stepId: string;
  readonly floorReplicas: number;
  readonly message: string;
  /** Offline caps this emergency set, by offline workload. */
  readonly caps: ReadonlyMap<string, number>;
}

export interface GuardTickResult {
  readonly decisions: readonly GuardDecision[];
  /** The reconcile that applied the decisions; absent when nothing changed or the snapshot failed. */
  readonly reconcile?: ReconcileResult;
  /** Set when the snapshot could not be read: no sample was judged, nothing written. */
  readonly heldMessage?: string;
}

export class GuardLoop {
  readonly config: GuardConfig;
  private readonly inventory: Inventory;
  private readonly onlineByName: Map<string, OnlineWorkload>;
  private readonly states = new Map<string, GuardState>();
  private readonly emergencies = new Map<string, Emergency>();
  private readonly missLog: ForecastMiss[] = [];

  constructor(options: GuardLoopOptions) {
    this.config = { ...DEFAULT_GUARD_CONFIG, ...options.config };
    validateGuardConfig(this.config);
    this.inventory = options.inventory;
    this.onlineByName = new Map(options.inventory.online.map((workload) => [workload.name, workload] as const));
  }

  /**
   * Judges samples (per workload in time order) against the cluster as `snapshot` shows it and
   * updates the overrides. Pure apart from the loop's own state; writes nothing.
   */
  observe(samples: readonly GuardedSample[], snapshot: ClusterSnapshot): GuardDecision[] {
    const decisions: GuardDecision[] = [];
    for (const sample of samples) {
      const workload = this.onlineByName.get(sample.workload);
      if (workload === undefined) throw new RangeError(`guard sample for ${sample.workload}, which is not an online workload of the inventory`);
      const state = this.states.get(workload.name) ?? INITIAL_GUARD_STATE;
      const result = observeGuard(state, sample, this.config, this.capacityContext(workload, snapshot));
      this.states.set(workload.name, result.state);
      if (result.decision === undefined) continue;
      this.apply(result.decision);
      decisions.push(result.decision);
    }
    return decisions;
  }

  /** Floors and caps for the reconcile tick; several emergencies capping one offline workload combine to the lowest cap. */
  overrides(): TargetOverride[] {
    const overrides: TargetOverride[] = [];
    const lowestCap = new Map<string, { replicas: number; emergency: Emergency }>();
    for (const [workload, emergency] of [...this.emergencies].sort(([a], [b]) => (a < b ? -1 : 1))) {
      overrides.push({ workload, kind: 'floor', replicas: emergency.floorReplicas, stepId: emergency.stepId, reason: GUARD_REASON, message: emergency.message });
      for (const [offlineName, replicas] of emergency.caps) {
        const current = lowestCap.get(offlineName);
        if (current === undefined || replicas < current.replicas) lowestCap.set(offlineName, { replicas, emergency });
      }
    }
    for (const [workload, { replicas, emergency }] of [...lowestCap].sort(([a], [b]) => (a < b ? -1 : 1))) {
      overrides.push({ workload, kind: 'cap', replicas, stepId: emergency.stepId, reason: GUARD_REASON, message: emergency.message });
    }
    return overrides;
  }

  /** Every forecast miss so far: closed ones (with `endMs`) and those still open. */
  misses(): ForecastMiss[] {
    const open = [...this.states.values()].flatMap((state) => (state.phase === 'emergency' ? [state.miss] : []));
    return [...this.missLog, ...open];
  }

  stateOf(workload: string): GuardState {
    return this.states.get(workload) ?? INITIAL_GUARD_STATE;
  }

  /**
   * One guard tick: read the snapshot, judge the samples, and when anything changed, reconcile
   * with the new overrides. An unreadable snapshot judges nothing and writes nothing.
   */
  async tick(options: { samples: readonly GuardedSample[]; reconcile: Omit<ReconcileOptions, 'overrides' | 'snapshot'> }): Promise<GuardTickResult> {
    let snapshot: ClusterSnapshot;
    try {
      snapshot = await options.reconcile.cluster.snapshot();
    } catch (error) {
      if (!(error instanceof RuntimeFailure)) throw error;
      return { decisions: [], heldMessage: `guard holding, no sample judged: ${error.message}` };
    }
    const decisions = this.observe(options.samples, snapshot);
    if (decisions.length === 0) return { decisions };
    const result = await reconcile({ ...options.reconcile, overrides: this.overrides(), snapshot });
    return { decisions, reconcile: result };
  }

  private apply(decision: GuardDecision): void {
    if (decision.kind === 'release') {
      this.emergencies.delete(decision.workload);
      this.missLog.push(decision.miss);
      return;
    }
    const previous = this.emergencies.get(decision.workload);
    const caps = new Map(previous?.caps ?? []);
    for (const cap of decision.offlineCaps) caps.set(cap.workload, Math.min(caps.get(cap.workload) ?? Infinity, cap.toReplicas));
    this.emergencies.set(decision.workload, {
      stepId: `guard/${decision.workload}/${decision.atMs}`,
      floorReplicas: decision.targetReplicas,
      message: decision.message,
      caps,
    });
  }

  /**
   * What the cluster can give right now: allocatable minus what managed workloads hold, with the
   * guard's own floors and caps counted as if already applied (they are written in the same tick).
   */
  private capacityContext(workload: OnlineWorkload, snapshot: ClusterSnapshot): GuardCapacityContext {
    const overrides = this.overrides();
    const floorOf = new Map(overrides.filter((entry) => entry.kind === 'floor').map((entry) => [entry.workload, entry.replicas] as const));
    const capOf = new Map(overrides.filter((entry) => entry.kind === 'cap').map((entry) => [entry.workload, entry.replicas] as const));
    const stateByRef = new Map(snapshot.workloads.map((state) => [refKey(state.ref), state] as const));
    const held = (candidate: Workload): number => {
      const state = stateByRef.get(refKey(candidate.ref));
      if (state === undefined) return 0;
      const desired = Math.max(state.desiredReplicas, state.hpa?.currentReplicas ?? 0);
      return candidate.class === 'online'
        ? Math.max(desired, floorOf.get(candidate.name) ?? 0)
        : Math.min(desired, capOf.get(candidate.name) ?? Infinity);
    };
    let freeCpuMillicores = snapshot.nodePools.reduce((sum, pool) => sum + pool.allocatableCpuMillicores, 0);
    let freeMemoryBytes = snapshot.nodePools.reduce((sum, pool) => sum + pool.allocatableMemoryBytes, 0);
    for (const candidate of [...this.inventory.online, ...this.inventory.offline]) {
      const replicas = held(candidate);
      freeCpuMillicores -= replicas * candidate.perReplica.cpuMillicores;
      freeMemoryBytes -= replicas * candidate.perReplica.memoryBytes;
    }
    return {
      workload,
      currentReplicas: held(workload),
      freeCpuMillicores,
      freeMemoryBytes,
      offline: this.inventory.offline
        .filter((candidate) => stateByRef.has(refKey(candidate.ref)))
        .map((candidate) => ({ workload: candidate, replicas: held(candidate) })),
    };
  }
}
