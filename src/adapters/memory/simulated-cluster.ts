/**
 * The simulated cluster: node pools, pods of named workloads, serving of online demand, progress
 * of offline work, HPA objects with an emulated HPA controller, and a cluster autoscaler for
 * elastic pools. Time moves only through `step` / `advanceTo`.
 *
 * Modelling choices (chosen for speed: a day at 1 s resolution with 1,000 workloads):
 * - Pods are not objects. Per workload the cluster keeps counts (pending, starting, Ready,
 *   terminating) in typed arrays, plus small lists of starting pods (each with its own drawn
 *   startup) and of recently Ready cohorts (the HPA's readiness rules need their times). Pods
 *   Ready for longer than the CPU initialization period merge into one count per pool.
 * - Scheduling is by requests against each pool's aggregate allocatable (CPU and memory), with no
 *   per-node fragmentation. A pod goes to its pinned pool or the first pool (declaration order)
 *   with room; otherwise it stays Pending. Higher-priority Pending pods preempt lower-priority
 *   pods (newest first), which release their resources only after their grace/drain time.
 * - Ready replicas of one workload share its load evenly; served = min(demand, Ready × rps per
 *   replica); the rest is unserved, or waits in an optional bounded queue until it times out.
 * - Offline work progresses at Ready replicas × cores per replica (core-hours); a removed or
 *   preempted worker holds its resources for its drain time without progressing.
 * - Scale-down removes, like a ReplicaSet: Pending pods first, then not-Ready ones (newest first),
 *   then the most recently Ready.
 */
import { createRng, deriveSeed, type Rng } from '../../domain/random.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload, Workload } from '../../domain/workload.ts';
import {
  DEFAULT_ONLINE_TERMINATION_GRACE_MS, DEFAULT_TICK_MS, resolvedAutoscaler, resolvedPipeline,
  type HpaMetricSpec, type ServingQueueSpec, type SimulatedClusterSpec, type SimulatedHpaSpec,
} from './cluster-spec.ts';
import { DEFAULT_HPA_BEHAVIOR, HpaBehaviorState, normalizeWithBehaviors, type HpaBehavior } from './hpa/hpa-behavior.ts';
import { calculateExternalPerPodReplicas, calculateResourceReplicas, type PodGroups, type ReplicaCalculation } from './hpa/replica-calculator.ts';
import { StartupSampler } from './startup-sampler.ts';

/** Who changed a replica count: a strategy/controller through the API, or the emulated HPA. */
export type WriteSource = 'external' | 'hpa';

export interface WorkloadCounts {
  readonly desired: number;
  readonly pending: number;
  readonly starting: number;
  readonly ready: number;
  readonly terminating: number;
}

export interface HpaStatus {
  readonly name: string;
  readonly workload: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Pods of the target that exist (status.currentReplicas). */
  readonly currentReplicas: number;
  readonly desiredReplicas: number;
  readonly lastSyncMs: number | undefined;
  /** Last observed metric: utilization percent (cpu) or average requests/s per replica (requests). */
  readonly lastMetricValue: number | undefined;
  readonly lastError: string | undefined;
  readonly lastScaleMs: number | undefined;
}

export interface PoolStatus {
  readonly pool: string;
  readonly readyNodes: number;
  readonly provisioningNodes: number;
  readonly allocatableCpuMillicores: number;
  readonly allocatableMemoryBytes: number;
  readonly usedCpuMillicores: number;
  readonly usedMemoryBytes: number;
}

interface StartingPod {
  readonly createdAtMs: number;
  readonly readyAtMs: number;
  readonly pool: number;
}

interface ReadyCohort {
  readonly createdAtMs: number;
  readonly readyAtMs: number;
  readonly pool: number;
  count: number;
}

interface TerminatingPod {
  readonly doneAtMs: number;
  readonly pool: number;
}

/** Per-workload lists; the hot counters live in the typed arrays of the cluster. */
interface PodBook {
  starting: StartingPod[];
  /** Ordered by readiness, oldest first. */
  readyCohorts: ReadyCohort[];
  /** Ready pods past the CPU initialization period, per pool. */
  readonly matureByPool: Int32Array;
  terminating: TerminatingPod[];
  /** Open scale-up decisions: capacity counts as delivered when ready ≥ target. */
  readyTargets: { readonly atMs: number; readonly target: number }[];
  queue: { arrivalMs: number; requests: number }[];
}

interface HpaRuntime {
  readonly spec: SimulatedHpaSpec;
  readonly workloadIndex: number;
  readonly behavior: HpaBehavior;
  readonly tolerance: number;
  readonly metric: HpaMetricSpec;
  minReplicas: number;
  maxReplicas: number;
  readonly state: HpaBehaviorState;
  nextSyncMs: number;
  /** Phase of metrics-server's scrapes relative to the simulation start. */
  readonly scrapePhaseMs: number;
  readonly kubeletAgeRng: Rng;
  lastSyncMs: number | undefined;
  lastMetricValue: number | undefined;
  lastError: string | undefined;
  lastScaleMs: number | undefined;
}

interface PoolRuntime {
  readonly pool: NodePool;
  readyNodes: number;
  /** Ready-at times of nodes being provisioned. */
  provisioning: number[];
  usedCpu: number;
  usedMemory: number;
  /** Resources held by terminating pods (free once they are gone). */
  freeingCpu: number;
  freeingMemory: number;
  /** Lower bound set by a `pool-nodes` write; the autoscaler does not go below it. */
  nodeFloor: number;
  /** When each currently surplus node became surplus (cluster-autoscaler's unneeded timer). */
  unneededSinceMs: number[];
}

const NO_POOL = -1;

export class SimulatedCluster {
  readonly tickMs: number;
  readonly startMs: number;
  private nowMsValue: number;
  private tickIndex = 0;

  // ---- workloads (struct of arrays) -------------------------------------------------------
  readonly workloads: readonly Workload[];
  readonly workloadCount: number;
  private readonly indexByName = new Map<string, number>();
  readonly isOnline: Uint8Array;
  readonly cpuMillicores: Float64Array;
  readonly memoryBytes: Float64Array;
  readonly rpsPerReplica: Float64Array;
  readonly priority: Float64Array;
  private readonly pinnedPool: Int32Array;
  private readonly graceMs: Float64Array;
  readonly desired: Int32Array;
  readonly pending: Int32Array;
  readonly starting: Int32Array;
  readonly ready: Int32Array;
  readonly terminating: Int32Array;
  private readonly nextEventMs: Float64Array;
  private readonly books: PodBook[];
  private readonly samplers: StartupSampler[];
  private readonly queues: (ServingQueueSpec | undefined)[];
  /** Set when offline work is finished: pods gone, writes ignored. */
  readonly completedAtMs: Float64Array;
  readonly offlineCoreHoursDone: Float64Array;
  private readonly offlineWorkCoreHours: Float64Array;
  readonly annotations: Record<string, string>[];

  // ---- per-tick outputs (valid after `step`) -----------------------------------------------
  readonly demandRps: Float64Array;
  readonly servedRps: Float64Array;
  readonly unservedRps: Float64Array;
  /** Unserved requests of each online workload since the start (for per-emergency figures). */
  readonly unservedRequestsTotal: Float64Array;
  /** CPU held (bound pods: starting, Ready, terminating), millicores; updated as pods change. */
  private onlineHeldCpu = 0;
  private offlineHeldCpu = 0;

  // ---- metrics history for the HPA pipeline (ring buffers, one row per online workload) ---
  private readonly ringLength: number;
  private readonly utilizationRing: Float64Array;
  private readonly offeredRing: Float64Array;

  // ---- pools, HPAs, autoscaler ---------------------------------------------------------------
  private readonly pools: PoolRuntime[];
  private readonly poolIndexByName = new Map<string, number>();
  private nextPoolEventMs = Infinity;
  private readonly hpas: HpaRuntime[];
  private readonly hpaIndexByName = new Map<string, number>();
  private readonly hpaByWorkload: Int32Array;
  private readonly pipeline: ReturnType<typeof resolvedPipeline>;
  private readonly autoscaler: ReturnType<typeof resolvedAutoscaler>;
  private nextAutoscalerScanMs: number;
  private schedulingDirty = false;

  // ---- counters --------------------------------------------------------------------------
  /** Replica/floor/node writes that changed a value, by source. */
  readonly writeCounts: Record<WriteSource, number> = { external: 0, hpa: 0 };
  /** Per delivered scale-up: ms from the decision until Ready reached its target. */
  readonly timeToReadyMs: number[] = [];
  readonly preemptedPods = { count: 0 };

  constructor(spec: SimulatedClusterSpec) {
    this.tickMs = spec.tickMs ?? DEFAULT_TICK_MS;
    if (!(this.tickMs > 0)) throw new RangeError(`tickMs must be positive, got ${this.tickMs}`);
    this.startMs = spec.startMs;
    this.nowMsValue = spec.startMs;
    this.pipeline = resolvedPipeline(spec.metricsPipeline);
    this.autoscaler = resolvedAutoscaler(spec.autoscaler);
    this.nextAutoscalerScanMs = spec.startMs;

    this.pools = spec.nodePools.map((pool, index) => {
      if (this.poolIndexByName.has(pool.name)) throw new RangeError(`duplicate node pool ${pool.name}`);
      this.poolIndexByName.set(pool.name, index);
      return {
        pool, readyNodes: pool.baseNodes, provisioning: [], usedCpu: 0, usedMemory: 0,
        freeingCpu: 0, freeingMemory: 0, nodeFloor: pool.baseNodes, unneededSinceMs: [],
      };
    });

    const count = spec.workloads.length;
    this.workloadCount = count;
    this.workloads = spec.workloads.map((entry) => entry.workload);
    this.isOnline = new Uint8Array(count);
    this.cpuMillicores = new Float64Array(count);
    this.memoryBytes = new Float64Array(count);
    this.rpsPerReplica = new Float64Array(count);
    this.priority = new Float64Array(count);
    this.pinnedPool = new Int32Array(count);
    this.graceMs = new Float64Array(count);
    this.desired = new Int32Array(count);
    this.pending = new Int32Array(count);
    this.starting = new Int32Array(count);
    this.ready = new Int32Array(count);
    this.terminating = new Int32Array(count);
    this.nextEventMs = new Float64Array(count).fill(Infinity);
    this.completedAtMs = new Float64Array(count).fill(NaN);
    this.offlineCoreHoursDone = new Float64Array(count);
    this.offlineWorkCoreHours = new Float64Array(count).fill(Infinity);
    this.demandRps = new Float64Array(count);
    this.servedRps = new Float64Array(count);
    this.unservedRps = new Float64Array(count);
    this.unservedRequestsTotal = new Float64Array(count);
    this.books = [];
    this.samplers = [];
    this.queues = [];
    this.annotations = [];
    this.hpaByWorkload = new Int32Array(count).fill(-1);

    spec.workloads.forEach((entry, index) => {
      const workload = entry.workload;
      if (this.indexByName.has(workload.name)) throw new RangeError(`duplicate workload ${workload.name}`);
      this.indexByName.set(workload.name, index);
      this.isOnline[index] = workload.class === 'online' ? 1 : 0;
      this.cpuMillicores[index] = workload.perReplica.cpuMillicores;
      this.memoryBytes[index] = workload.perReplica.memoryBytes;
      this.priority[index] = workload.priority;
      this.rpsPerReplica[index] = workload.class === 'online' ? workload.rpsPerReplica : 0;
      const pinned = workload.nodePool === undefined ? NO_POOL : this.poolIndexByName.get(workload.nodePool);
      if (pinned === undefined) throw new RangeError(`workload ${workload.name}: unknown node pool ${workload.nodePool}`);
      this.pinnedPool[index] = pinned;
      this.graceMs[index] = entry.terminationGraceMs
        ?? (workload.class === 'online' ? DEFAULT_ONLINE_TERMINATION_GRACE_MS : workload.drainMs);
      if (workload.class === 'offline' && workload.workCoreHours !== undefined) {
        this.offlineWorkCoreHours[index] = workload.workCoreHours;
      }
      const startup = workload.class === 'online' ? workload.startup : entry.startup ?? { p50Ms: 0, p95Ms: 0 };
      this.samplers.push(new StartupSampler(startup, deriveSeed(spec.seed, `startup:${workload.name}`)));
      this.queues.push(workload.class === 'online' ? entry.queue : undefined);
      this.annotations.push({});
      this.books.push({
        starting: [], readyCohorts: [], matureByPool: new Int32Array(this.pools.length),
        terminating: [], readyTargets: [], queue: [],
      });
    });

    const lookbackMs = this.pipeline.metricResolutionMs + this.pipeline.kubeletMaxAgeMs + this.pipeline.windowMs;
    this.ringLength = Math.ceil(lookbackMs / this.tickMs) + 4;
    this.utilizationRing = new Float64Array(count * this.ringLength);
    this.offeredRing = new Float64Array(count * this.ringLength);

    this.hpas = (spec.hpas ?? []).map((hpa, index) => {
      const workloadIndex = this.indexByName.get(hpa.workload);
      if (workloadIndex === undefined) throw new RangeError(`HPA ${hpa.name}: unknown workload ${hpa.workload}`);
      if (this.hpaIndexByName.has(hpa.name)) throw new RangeError(`duplicate HPA ${hpa.name}`);
      if (this.hpaByWorkload[workloadIndex] !== -1) throw new RangeError(`workload ${hpa.workload} has two HPAs`);
      if (this.isOnline[workloadIndex] !== 1) throw new RangeError(`HPA ${hpa.name}: ${hpa.workload} is not an online workload`);
      this.hpaIndexByName.set(hpa.name, index);
      this.hpaByWorkload[workloadIndex] = index;
      const phaseRng = createRng(deriveSeed(spec.seed, `hpa-phase:${hpa.name}`));
      return {
        spec: hpa, workloadIndex, behavior: hpa.behavior ?? DEFAULT_HPA_BEHAVIOR, tolerance: hpa.tolerance ?? 0.1,
        metric: hpa.metric, minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, state: warmBehaviorState(spec.startMs, spec.workloads[workloadIndex]!.initialReplicas),
        // The HPA controller's queue reaches this HPA at some phase of its period.
        nextSyncMs: spec.startMs + Math.floor(phaseRng() * this.pipeline.syncPeriodMs),
        scrapePhaseMs: Math.floor(phaseRng() * this.pipeline.metricResolutionMs),
        kubeletAgeRng: createRng(deriveSeed(spec.seed, `kubelet-age:${hpa.name}`)),
        lastSyncMs: undefined, lastMetricValue: undefined, lastError: undefined, lastScaleMs: undefined,
      };
    });

    // A warm start: initial replicas are Ready (and past initialization) at the start, placed in
    // priority order as the scheduler would have; what does not fit starts Pending.
    const placementOrder = spec.workloads.map((_, index) => index)
      .sort((a, b) => this.priority[b]! - this.priority[a]! || a - b);
    for (const index of placementOrder) {
      const initial = Math.max(0, Math.trunc(spec.workloads[index]!.initialReplicas));
      this.desired[index] = initial;
      this.placeWarm(index, initial);
    }
    this.schedulingDirty = true;
    this.scheduleAll();
  }

  // ---- queries -----------------------------------------------------------------------------

  nowMs(): number {
    return this.nowMsValue;
  }

  workloadIndex(name: string): number | undefined {
    return this.indexByName.get(name);
  }

  requireWorkloadIndex(name: string): number {
    const index = this.indexByName.get(name);
    if (index === undefined) throw new RangeError(`no workload named ${name}`);
    return index;
  }

  counts(index: number): WorkloadCounts {
    return {
      desired: this.desired[index]!, pending: this.pending[index]!, starting: this.starting[index]!,
      ready: this.ready[index]!, terminating: this.terminating[index]!,
    };
  }

  /** Pods that exist and are not terminating (a ReplicaSet's status.replicas). */
  existingReplicas(index: number): number {
    return this.pending[index]! + this.starting[index]! + this.ready[index]!;
  }

  hpaForWorkload(index: number): HpaStatus | undefined {
    const hpaIndex = this.hpaByWorkload[index]!;
    return hpaIndex < 0 ? undefined : this.hpaStatus(hpaIndex);
  }

  hpaStatusByName(name: string): HpaStatus | undefined {
    const index = this.hpaIndexByName.get(name);
    return index === undefined ? undefined : this.hpaStatus(index);
  }

  hpaNames(): string[] {
    return this.hpas.map((hpa) => hpa.spec.name);
  }

  poolStatuses(): PoolStatus[] {
    return this.pools.map((runtime) => ({
      pool: runtime.pool.name,
      readyNodes: runtime.readyNodes,
      provisioningNodes: runtime.provisioning.length,
      allocatableCpuMillicores: runtime.readyNodes * runtime.pool.perNode.cpuMillicores,
      allocatableMemoryBytes: runtime.readyNodes * runtime.pool.perNode.memoryBytes,
      usedCpuMillicores: runtime.usedCpu,
      usedMemoryBytes: runtime.usedMemory,
    }));
  }

  /** Nodes being paid for (Ready or provisioning) per pool, in pool order. */
  billedNodes(): number[] {
    return this.pools.map((runtime) => runtime.readyNodes + runtime.provisioning.length);
  }

  /** Nodes being paid for, all pools together. */
  billedNodeTotal(): number {
    let nodes = 0;
    for (const runtime of this.pools) nodes += runtime.readyNodes + runtime.provisioning.length;
    return nodes;
  }

  /** Cost per hour of all billed nodes right now. */
  costPerHour(): number {
    let cost = 0;
    for (const runtime of this.pools) cost += (runtime.readyNodes + runtime.provisioning.length) * runtime.pool.costPerNodeHour;
    return cost;
  }

  allocatableCpuMillicores(): number {
    let total = 0;
    for (const runtime of this.pools) total += runtime.readyNodes * runtime.pool.perNode.cpuMillicores;
    return total;
  }

  onlineHeldCpuMillicores(): number {
    return this.onlineHeldCpu;
  }

  offlineHeldCpuMillicores(): number {
    return this.offlineHeldCpu;
  }

  /** Worst startup a pod of this workload can draw (truncated lognormal). */
  maxStartupMs(index: number): number {
    return this.samplers[index]!.maxMs;
  }

  /** How long a removed pod of this workload keeps its resources. */
  terminationGraceMs(index: number): number {
    return this.graceMs[index]!;
  }

  longestProvisioningMs(): number {
    return this.pools.reduce((longest, runtime) => Math.max(longest, runtime.pool.elastic?.provisioningMs ?? 0), 0);
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * Sets spec.replicas (or parallelism) of a workload. Returns whether the value changed.
   * Writes to finished offline work are ignored (a completed Job stays completed).
   */
  setDesiredReplicas(index: number, replicas: number, source: WriteSource = 'external'): boolean {
    const target = Math.max(0, Math.trunc(replicas));
    if (!Number.isNaN(this.completedAtMs[index]!)) return false;
    const before = this.desired[index]!;
    if (target === before) return false;
    this.desired[index] = target;
    this.writeCounts[source] += 1;
    const book = this.books[index]!;
    if (target > before) {
      book.readyTargets.push({ atMs: this.nowMsValue, target });
      this.pending[index]! += target - before;
      this.schedulingDirty = true;
    } else {
      // Decisions that no longer stand are not "delivered" later.
      book.readyTargets = book.readyTargets.filter((decision) => decision.target <= target);
      this.removePods(index, this.existingReplicas(index) - target);
    }
    // New pods are scheduled at the start of the next tick (one scheduling pass however many writes).
    return true;
  }

  /** Sets an HPA's minReplicas (what KEDA's cron scaler or chuanliu's floor writes). */
  setHpaMinReplicas(hpaName: string, minReplicas: number, source: WriteSource = 'external'): boolean {
    const runtime = this.requireHpa(hpaName);
    const value = Math.max(0, Math.trunc(minReplicas));
    if (runtime.minReplicas === value) return false;
    runtime.minReplicas = value;
    this.writeCounts[source] += 1;
    return true;
  }

  setHpaMaxReplicas(hpaName: string, maxReplicas: number, source: WriteSource = 'external'): boolean {
    const runtime = this.requireHpa(hpaName);
    const value = Math.max(1, Math.trunc(maxReplicas));
    if (runtime.maxReplicas === value) return false;
    runtime.maxReplicas = value;
    this.writeCounts[source] += 1;
    return true;
  }

  /**
   * Asks an elastic pool for `nodes` nodes: more are provisioned at once (up to maxNodes), and the
   * autoscaler keeps at least that many; fewer releases nodes that are free right now.
   */
  setPoolNodes(poolName: string, nodes: number, source: WriteSource = 'external'): boolean {
    const poolIndex = this.poolIndexByName.get(poolName);
    if (poolIndex === undefined) throw new RangeError(`no node pool named ${poolName}`);
    const runtime = this.pools[poolIndex]!;
    const maxNodes = runtime.pool.elastic?.maxNodes ?? runtime.pool.baseNodes;
    const target = Math.min(maxNodes, Math.max(runtime.pool.baseNodes, Math.trunc(nodes)));
    const billed = runtime.readyNodes + runtime.provisioning.length;
    if (target === runtime.nodeFloor && target === billed) return false;
    runtime.nodeFloor = target;
    this.writeCounts[source] += 1;
    if (target > billed) this.provisionNodes(poolIndex, target - billed);
    else if (target < billed) this.releaseSurplusNodes(poolIndex, billed - target);
    return true;
  }

  annotate(index: number, annotations: Readonly<Record<string, string>>): void {
    Object.assign(this.annotations[index]!, annotations);
  }

  // ---- time --------------------------------------------------------------------------------

  /**
   * Simulates one tick [now, now + tickMs) with the given offered demand (requests/s per workload
   * index; offline entries are ignored), then moves the clock. Per-tick outputs (served, unserved)
   * describe the tick just simulated.
   */
  step(demandRps?: Float64Array): void {
    const nowMs = this.nowMsValue;
    if (nowMs >= this.nextPoolEventMs) this.processPoolEvents(nowMs);
    const count = this.workloadCount;
    const nextEventMs = this.nextEventMs;
    for (let index = 0; index < count; index += 1) {
      if (nextEventMs[index]! <= nowMs) this.processWorkloadEvents(index, nowMs);
    }
    if (this.schedulingDirty) this.scheduleAll();
    for (let hpaIndex = 0; hpaIndex < this.hpas.length; hpaIndex += 1) {
      const hpa = this.hpas[hpaIndex]!;
      if (hpa.nextSyncMs <= nowMs) this.syncHpa(hpa, nowMs);
    }
    if (nowMs >= this.nextAutoscalerScanMs) {
      this.scanAutoscaler(nowMs);
      this.nextAutoscalerScanMs = nowMs + this.autoscaler.scanIntervalMs;
    }
    this.serve(nowMs, demandRps);
    this.tickIndex += 1;
    this.nowMsValue = nowMs + this.tickMs;
  }

  /** Steps until `nowMs() ≥ targetMs`, with constant demand. */
  advanceTo(targetMs: number, demandRps?: Float64Array): void {
    while (this.nowMsValue < targetMs) this.step(demandRps);
  }

  // ---- serving -----------------------------------------------------------------------------

  private serve(nowMs: number, demandRps: Float64Array | undefined): void {
    const count = this.workloadCount;
    const tickSeconds = this.tickMs / 1000;
    const tickHours = this.tickMs / 3_600_000;
    // Tick-major rings: this tick's values of all workloads are contiguous (written every tick);
    // one workload's window is read only at its HPA syncs.
    const rowStart = (this.tickIndex % this.ringLength) * count;
    for (let index = 0; index < count; index += 1) {
      const readyCount = this.ready[index]!;
      if (this.isOnline[index] === 1) {
        const demand = demandRps === undefined ? 0 : demandRps[index]!;
        const capacity = readyCount * this.rpsPerReplica[index]!;
        let served: number;
        let unserved: number;
        const queue = this.queues[index];
        if (queue === undefined) {
          served = demand < capacity ? demand : capacity;
          unserved = demand - served;
        } else {
          ({ served, unserved } = this.serveWithQueue(index, queue, nowMs, demand * tickSeconds, capacity * tickSeconds));
          served /= tickSeconds;
          unserved /= tickSeconds;
        }
        this.demandRps[index] = demand;
        this.servedRps[index] = served;
        this.unservedRps[index] = unserved;
        this.unservedRequestsTotal[index] = this.unservedRequestsTotal[index]! + unserved * tickSeconds;
        const ringSlot = rowStart + index;
        // CPU in use per Ready pod as a fraction of its request: it serves its share, up to capacity.
        this.utilizationRing[ringSlot] = capacity > 0 ? served / capacity : 0;
        this.offeredRing[ringSlot] = demand;
      } else if (readyCount > 0 && Number.isNaN(this.completedAtMs[index]!)) {
        const done = this.offlineCoreHoursDone[index]! + readyCount * (this.cpuMillicores[index]! / 1000) * tickHours;
        this.offlineCoreHoursDone[index] = done;
        // Relative slack: a sum of many small increments may land a hair below the exact total.
        if (done >= this.offlineWorkCoreHours[index]! * (1 - 1e-12)) {
          this.offlineCoreHoursDone[index] = this.offlineWorkCoreHours[index]!;
          this.completeOffline(index, nowMs + this.tickMs);
        }
      }
    }
  }

  /** FIFO queue in requests; returns requests served and dropped during this tick. */
  private serveWithQueue(
    index: number, queue: ServingQueueSpec, nowMs: number, arrivals: number, capacity: number,
  ): { served: number; unserved: number } {
    const book = this.books[index]!;
    let remaining = capacity;
    let served = 0;
    let unserved = 0;
    const waiting = book.queue;
    let head = 0;
    while (head < waiting.length) {
      const entry = waiting[head]!;
      if (nowMs - entry.arrivalMs > queue.timeoutMs) {
        unserved += entry.requests;
        head += 1;
        continue;
      }
      const take = Math.min(remaining, entry.requests);
      served += take;
      remaining -= take;
      entry.requests -= take;
      if (entry.requests > 0) break;
      head += 1;
    }
    if (head > 0) waiting.splice(0, head);
    const direct = Math.min(remaining, arrivals);
    served += direct;
    let left = arrivals - direct;
    if (left > 0) {
      let queued = 0;
      for (const entry of waiting) queued += entry.requests;
      const room = Math.max(0, queue.capacityRequests - queued);
      const enqueue = Math.min(room, left);
      if (enqueue > 0) waiting.push({ arrivalMs: nowMs, requests: enqueue });
      left -= enqueue;
      unserved += left;
    }
    return { served, unserved };
  }

  // ---- pod lifecycle -----------------------------------------------------------------------

  private placeWarm(index: number, replicas: number): void {
    const book = this.books[index]!;
    let left = replicas;
    for (const poolIndex of this.candidatePools(index)) {
      if (left === 0) break;
      const fit = Math.min(left, this.fitCount(index, poolIndex));
      if (fit <= 0) continue;
      this.bind(index, poolIndex, fit);
      book.matureByPool[poolIndex]! += fit;
      this.ready[index]! += fit;
      left -= fit;
    }
    this.pending[index]! += left;
  }

  private candidatePools(index: number): number[] {
    const pinned = this.pinnedPool[index]!;
    if (pinned !== NO_POOL) return [pinned];
    return this.pools.map((_, poolIndex) => poolIndex);
  }

  private fitCount(index: number, poolIndex: number): number {
    const runtime = this.pools[poolIndex]!;
    const freeCpu = runtime.readyNodes * runtime.pool.perNode.cpuMillicores - runtime.usedCpu;
    const freeMemory = runtime.readyNodes * runtime.pool.perNode.memoryBytes - runtime.usedMemory;
    const cpu = this.cpuMillicores[index]!;
    const memory = this.memoryBytes[index]!;
    const byCpu = cpu > 0 ? Math.floor(freeCpu / cpu + 1e-9) : Number.MAX_SAFE_INTEGER;
    const byMemory = memory > 0 ? Math.floor(freeMemory / memory + 1e-9) : Number.MAX_SAFE_INTEGER;
    return Math.max(0, Math.min(byCpu, byMemory));
  }

  private bind(index: number, poolIndex: number, pods: number): void {
    const runtime = this.pools[poolIndex]!;
    const cpu = this.cpuMillicores[index]! * pods;
    runtime.usedCpu += cpu;
    runtime.usedMemory += this.memoryBytes[index]! * pods;
    if (this.isOnline[index] === 1) this.onlineHeldCpu += cpu;
    else this.offlineHeldCpu += cpu;
  }

  private unbind(index: number, poolIndex: number, pods: number): void {
    const runtime = this.pools[poolIndex]!;
    const cpu = this.cpuMillicores[index]! * pods;
    runtime.usedCpu -= cpu;
    runtime.usedMemory -= this.memoryBytes[index]! * pods;
    if (this.isOnline[index] === 1) this.onlineHeldCpu -= cpu;
    else this.offlineHeldCpu -= cpu;
  }

  /** Binds up to `pods` pending pods of `index` to `poolIndex` and starts them. */
  private startPods(index: number, poolIndex: number, pods: number): void {
    const nowMs = this.nowMsValue;
    const book = this.books[index]!;
    const sampler = this.samplers[index]!;
    this.bind(index, poolIndex, pods);
    this.pending[index]! -= pods;
    this.starting[index]! += pods;
    for (let pod = 0; pod < pods; pod += 1) {
      const readyAtMs = nowMs + sampler.nextMs();
      book.starting.push({ createdAtMs: nowMs, readyAtMs, pool: poolIndex });
      if (readyAtMs < this.nextEventMs[index]!) this.nextEventMs[index] = readyAtMs;
    }
  }

  /** Removes `pods` pods in ReplicaSet order: Pending, then not Ready (newest first), then Ready (newest first). */
  private removePods(index: number, pods: number, grace: number = this.graceMs[index]!): void {
    let left = pods;
    if (left <= 0) return;
    const fromPending = Math.min(left, this.pending[index]!);
    this.pending[index]! -= fromPending;
    left -= fromPending;
    const book = this.books[index]!;
    while (left > 0 && book.starting.length > 0) {
      const pod = book.starting.pop()!;
      this.starting[index]! -= 1;
      this.beginTermination(index, pod.pool, 1, grace);
      left -= 1;
    }
    while (left > 0 && book.readyCohorts.length > 0) {
      const cohort = book.readyCohorts[book.readyCohorts.length - 1]!;
      const take = Math.min(left, cohort.count);
      cohort.count -= take;
      if (cohort.count === 0) book.readyCohorts.pop();
      this.ready[index]! -= take;
      this.beginTermination(index, cohort.pool, take, grace);
      left -= take;
    }
    for (let poolIndex = this.pools.length - 1; left > 0 && poolIndex >= 0; poolIndex -= 1) {
      const take = Math.min(left, book.matureByPool[poolIndex]!);
      if (take === 0) continue;
      book.matureByPool[poolIndex]! -= take;
      this.ready[index]! -= take;
      this.beginTermination(index, poolIndex, take, grace);
      left -= take;
    }
    this.refreshNextEvent(index);
  }

  private beginTermination(index: number, poolIndex: number, pods: number, graceMs: number): void {
    if (graceMs <= 0) {
      this.unbind(index, poolIndex, pods);
      this.schedulingDirty = true;
      return;
    }
    const book = this.books[index]!;
    const doneAtMs = this.nowMsValue + graceMs;
    for (let pod = 0; pod < pods; pod += 1) book.terminating.push({ doneAtMs, pool: poolIndex });
    this.terminating[index]! += pods;
    const runtime = this.pools[poolIndex]!;
    runtime.freeingCpu += this.cpuMillicores[index]! * pods;
    runtime.freeingMemory += this.memoryBytes[index]! * pods;
    if (doneAtMs < this.nextEventMs[index]!) this.nextEventMs[index] = doneAtMs;
  }

  private processWorkloadEvents(index: number, nowMs: number): void {
    const book = this.books[index]!;
    if (book.starting.some((pod) => pod.readyAtMs <= nowMs)) {
      const stillStarting: StartingPod[] = [];
      const becameReady = book.starting.filter((pod) => {
        if (pod.readyAtMs <= nowMs) return true;
        stillStarting.push(pod);
        return false;
      }).sort((a, b) => a.readyAtMs - b.readyAtMs);
      book.starting = stillStarting;
      for (const pod of becameReady) {
        book.readyCohorts.push({ createdAtMs: pod.createdAtMs, readyAtMs: pod.readyAtMs, pool: pod.pool, count: 1 });
      }
      this.starting[index]! -= becameReady.length;
      this.ready[index]! += becameReady.length;
      this.deliverReadyTargets(index, nowMs);
    }
    if (book.terminating.some((pod) => pod.doneAtMs <= nowMs)) {
      book.terminating = book.terminating.filter((pod) => {
        if (pod.doneAtMs > nowMs) return true;
        this.finishTermination(index, pod.pool, 1);
        return false;
      });
    }
    // Cohorts past the CPU initialization period behave alike for every rule: merge them.
    const matureBeforeMs = nowMs - this.pipeline.cpuInitializationPeriodMs;
    while (book.readyCohorts.length > 0 && book.readyCohorts[0]!.createdAtMs <= matureBeforeMs) {
      const cohort = book.readyCohorts.shift()!;
      book.matureByPool[cohort.pool]! += cohort.count;
    }
    this.refreshNextEvent(index);
  }

  private finishTermination(index: number, poolIndex: number, pods: number): void {
    this.terminating[index]! -= pods;
    const runtime = this.pools[poolIndex]!;
    runtime.freeingCpu -= this.cpuMillicores[index]! * pods;
    runtime.freeingMemory -= this.memoryBytes[index]! * pods;
    this.unbind(index, poolIndex, pods);
    this.schedulingDirty = true;
  }

  private deliverReadyTargets(index: number, nowMs: number): void {
    const book = this.books[index]!;
    if (book.readyTargets.length === 0) return;
    const readyCount = this.ready[index]!;
    const open: { atMs: number; target: number }[] = [];
    for (const decision of book.readyTargets) {
      if (readyCount >= decision.target) this.timeToReadyMs.push(nowMs - decision.atMs);
      else open.push(decision);
    }
    book.readyTargets = open;
  }

  private refreshNextEvent(index: number): void {
    const book = this.books[index]!;
    let next = Infinity;
    for (const pod of book.starting) if (pod.readyAtMs < next) next = pod.readyAtMs;
    for (const pod of book.terminating) if (pod.doneAtMs < next) next = pod.doneAtMs;
    const oldest = book.readyCohorts[0];
    if (oldest !== undefined) next = Math.min(next, oldest.createdAtMs + this.pipeline.cpuInitializationPeriodMs);
    this.nextEventMs[index] = next;
  }

  private completeOffline(index: number, atMs: number): void {
    this.completedAtMs[index] = atMs;
    // A finished Job's pods exit by themselves: resources are free at once, no drain.
    this.pending[index] = 0;
    const book = this.books[index]!;
    for (const pod of book.starting) this.unbind(index, pod.pool, 1);
    for (const cohort of book.readyCohorts) this.unbind(index, cohort.pool, cohort.count);
    book.matureByPool.forEach((pods, poolIndex) => {
      if (pods > 0) this.unbind(index, poolIndex, pods);
    });
    book.starting = [];
    book.readyCohorts = [];
    book.matureByPool.fill(0);
    book.readyTargets = [];
    this.starting[index] = 0;
    this.ready[index] = 0;
    this.desired[index] = 0;
    this.schedulingDirty = true;
    this.refreshNextEvent(index);
  }

  // ---- scheduling and preemption -----------------------------------------------------------

  private scheduleAll(): void {
    if (!this.schedulingDirty) return;
    this.schedulingDirty = false;
    const waiting: number[] = [];
    for (let index = 0; index < this.workloadCount; index += 1) if (this.pending[index]! > 0) waiting.push(index);
    if (waiting.length === 0) return;
    // The scheduler's active queue: higher priority first; ties in declaration order.
    waiting.sort((a, b) => this.priority[b]! - this.priority[a]! || a - b);
    for (const index of waiting) {
      for (const poolIndex of this.candidatePools(index)) {
        const pendingPods = this.pending[index]!;
        if (pendingPods === 0) break;
        const fit = Math.min(pendingPods, this.fitCount(index, poolIndex));
        if (fit > 0) this.startPods(index, poolIndex, fit);
      }
      if (this.pending[index]! > 0) this.preemptFor(index);
    }
  }

  /**
   * Default preemption: when a Pending pod cannot fit, lower-priority pods are evicted (lowest
   * priority first, newest first) until resources being freed cover it. Victims keep their
   * resources for their grace/drain time; their controllers recreate them as Pending pods.
   */
  private preemptFor(index: number): void {
    const myPriority = this.priority[index]!;
    const cpu = this.cpuMillicores[index]!;
    const memory = this.memoryBytes[index]!;
    for (const poolIndex of this.candidatePools(index)) {
      const runtime = this.pools[poolIndex]!;
      const freeCpu = runtime.readyNodes * runtime.pool.perNode.cpuMillicores - runtime.usedCpu + runtime.freeingCpu;
      const freeMemory = runtime.readyNodes * runtime.pool.perNode.memoryBytes - runtime.usedMemory + runtime.freeingMemory;
      let needCpu = this.pending[index]! * cpu - freeCpu;
      let needMemory = this.pending[index]! * memory - freeMemory;
      if (needCpu <= 0 && needMemory <= 0) return;
      const victims: number[] = [];
      for (let other = 0; other < this.workloadCount; other += 1) {
        if (this.priority[other]! < myPriority && this.podsInPool(other, poolIndex) > 0) victims.push(other);
      }
      victims.sort((a, b) => this.priority[a]! - this.priority[b]! || b - a);
      for (const victim of victims) {
        while ((needCpu > 0 || needMemory > 0) && this.podsInPool(victim, poolIndex) > 0) {
          this.evictOne(victim, poolIndex);
          needCpu -= this.cpuMillicores[victim]!;
          needMemory -= this.memoryBytes[victim]!;
        }
        if (needCpu <= 0 && needMemory <= 0) return;
      }
    }
  }

  private podsInPool(index: number, poolIndex: number): number {
    const book = this.books[index]!;
    let pods = book.matureByPool[poolIndex]!;
    for (const pod of book.starting) if (pod.pool === poolIndex) pods += 1;
    for (const cohort of book.readyCohorts) if (cohort.pool === poolIndex) pods += cohort.count;
    return pods;
  }

  /** Evicts the newest bound pod of `index` in `poolIndex`; its owner recreates it (Pending). */
  private evictOne(index: number, poolIndex: number): void {
    const book = this.books[index]!;
    const grace = this.graceMs[index]!;
    this.preemptedPods.count += 1;
    this.pending[index]! += 1;
    for (let position = book.starting.length - 1; position >= 0; position -= 1) {
      if (book.starting[position]!.pool !== poolIndex) continue;
      book.starting.splice(position, 1);
      this.starting[index]! -= 1;
      this.beginTermination(index, poolIndex, 1, grace);
      this.refreshNextEvent(index);
      return;
    }
    for (let position = book.readyCohorts.length - 1; position >= 0; position -= 1) {
      const cohort = book.readyCohorts[position]!;
      if (cohort.pool !== poolIndex) continue;
      cohort.count -= 1;
      if (cohort.count === 0) book.readyCohorts.splice(position, 1);
      this.ready[index]! -= 1;
      this.beginTermination(index, poolIndex, 1, grace);
      this.refreshNextEvent(index);
      return;
    }
    book.matureByPool[poolIndex]! -= 1;
    this.ready[index]! -= 1;
    this.beginTermination(index, poolIndex, 1, grace);
    this.refreshNextEvent(index);
  }

  // ---- node pools and the cluster autoscaler -----------------------------------------------

  private provisionNodes(poolIndex: number, nodes: number): void {
    const runtime = this.pools[poolIndex]!;
    const provisioningMs = runtime.pool.elastic?.provisioningMs ?? 0;
    for (let node = 0; node < nodes; node += 1) runtime.provisioning.push(this.nowMsValue + provisioningMs);
    this.nextPoolEventMs = Math.min(this.nextPoolEventMs, this.nowMsValue + provisioningMs);
    if (provisioningMs === 0) this.processPoolEvents(this.nowMsValue);
  }

  private processPoolEvents(nowMs: number): void {
    let next = Infinity;
    for (const runtime of this.pools) {
      const still: number[] = [];
      for (const readyAtMs of runtime.provisioning) {
        if (readyAtMs <= nowMs) {
          runtime.readyNodes += 1;
          this.schedulingDirty = true;
        } else {
          still.push(readyAtMs);
          next = Math.min(next, readyAtMs);
        }
      }
      runtime.provisioning = still;
    }
    this.nextPoolEventMs = next;
  }

  private surplusNodes(runtime: PoolRuntime): number {
    const perNode = runtime.pool.perNode;
    const freeCpu = runtime.readyNodes * perNode.cpuMillicores - runtime.usedCpu;
    const freeMemory = runtime.readyNodes * perNode.memoryBytes - runtime.usedMemory;
    const byCpu = perNode.cpuMillicores > 0 ? Math.floor(freeCpu / perNode.cpuMillicores + 1e-9) : Infinity;
    const byMemory = perNode.memoryBytes > 0 ? Math.floor(freeMemory / perNode.memoryBytes + 1e-9) : Infinity;
    const removable = runtime.readyNodes - Math.max(runtime.pool.baseNodes, runtime.nodeFloor);
    return Math.max(0, Math.min(byCpu, byMemory, removable));
  }

  private releaseSurplusNodes(poolIndex: number, nodes: number): void {
    const runtime = this.pools[poolIndex]!;
    // Cancel provisioning first (cheapest), then remove empty Ready nodes.
    const cancel = Math.min(nodes, runtime.provisioning.length);
    runtime.provisioning.splice(runtime.provisioning.length - cancel, cancel);
    const remove = Math.min(nodes - cancel, this.surplusNodes(runtime));
    runtime.readyNodes -= remove;
    runtime.unneededSinceMs = [];
  }

  /**
   * One cluster-autoscaler scan: grow an elastic pool for Pending pods that fit on its nodes;
   * remove nodes that have been surplus for scale-down-unneeded-time.
   */
  private scanAutoscaler(nowMs: number): void {
    this.pools.forEach((runtime, poolIndex) => {
      const elastic = runtime.pool.elastic;
      if (elastic === undefined) return;
      const perNode = runtime.pool.perNode;
      let needCpu = 0;
      let needMemory = 0;
      for (let index = 0; index < this.workloadCount; index += 1) {
        const pendingPods = this.pending[index]!;
        if (pendingPods === 0) continue;
        const pinned = this.pinnedPool[index]!;
        if (pinned !== NO_POOL && pinned !== poolIndex) continue;
        if (this.cpuMillicores[index]! > perNode.cpuMillicores || this.memoryBytes[index]! > perNode.memoryBytes) continue;
        needCpu += pendingPods * this.cpuMillicores[index]!;
        needMemory += pendingPods * this.memoryBytes[index]!;
      }
      const incomingCpu = runtime.provisioning.length * perNode.cpuMillicores + runtime.freeingCpu
        + runtime.readyNodes * perNode.cpuMillicores - runtime.usedCpu;
      const incomingMemory = runtime.provisioning.length * perNode.memoryBytes + runtime.freeingMemory
        + runtime.readyNodes * perNode.memoryBytes - runtime.usedMemory;
      const shortCpu = needCpu - incomingCpu;
      const shortMemory = needMemory - incomingMemory;
      if (needCpu > 0 && (shortCpu > 0 || shortMemory > 0)) {
        const nodes = Math.ceil(Math.max(
          perNode.cpuMillicores > 0 ? shortCpu / perNode.cpuMillicores : 0,
          perNode.memoryBytes > 0 ? shortMemory / perNode.memoryBytes : 0,
        ) - 1e-9);
        const room = elastic.maxNodes - runtime.readyNodes - runtime.provisioning.length;
        const add = Math.min(nodes, room);
        if (add > 0) this.provisionNodes(poolIndex, add);
        runtime.unneededSinceMs = [];
        return;
      }
      if (needCpu > 0) {
        runtime.unneededSinceMs = [];
        return;
      }
      const surplus = this.surplusNodes(runtime);
      if (surplus < runtime.unneededSinceMs.length) runtime.unneededSinceMs.length = surplus;
      while (runtime.unneededSinceMs.length < surplus) runtime.unneededSinceMs.push(nowMs);
      const expired = runtime.unneededSinceMs.filter((sinceMs) => nowMs - sinceMs >= this.autoscaler.scaleDownUnneededMs).length;
      if (expired > 0) {
        runtime.readyNodes -= expired;
        runtime.unneededSinceMs.splice(0, expired);
      }
    });
  }

  // ---- HPA controller emulation ------------------------------------------------------------

  private requireHpa(name: string): HpaRuntime {
    const index = this.hpaIndexByName.get(name);
    if (index === undefined) throw new RangeError(`no HPA named ${name}`);
    return this.hpas[index]!;
  }

  private hpaStatus(hpaIndex: number): HpaStatus {
    const hpa = this.hpas[hpaIndex]!;
    return {
      name: hpa.spec.name,
      workload: hpa.spec.workload,
      minReplicas: hpa.minReplicas,
      maxReplicas: hpa.maxReplicas,
      currentReplicas: this.existingReplicas(hpa.workloadIndex),
      desiredReplicas: this.desired[hpa.workloadIndex]!,
      lastSyncMs: hpa.lastSyncMs,
      lastMetricValue: hpa.lastMetricValue,
      lastError: hpa.lastError,
      lastScaleMs: hpa.lastScaleMs,
    };
  }

  /** `reconcileAutoscaler` for one HPA (horizontal.go). */
  private syncHpa(hpa: HpaRuntime, nowMs: number): void {
    hpa.nextSyncMs += this.pipeline.syncPeriodMs * Math.max(1, Math.ceil((nowMs - hpa.nextSyncMs + 1) / this.pipeline.syncPeriodMs));
    hpa.lastSyncMs = nowMs;
    const index = hpa.workloadIndex;
    const currentReplicas = this.desired[index]!;
    let desiredReplicas: number;
    if (currentReplicas === 0 && hpa.minReplicas !== 0) {
      // Scaled to zero by hand: autoscaling is disabled until someone scales it up.
      return;
    } else if (currentReplicas > hpa.maxReplicas) {
      desiredReplicas = hpa.maxReplicas;
    } else if (currentReplicas < hpa.minReplicas) {
      desiredReplicas = hpa.minReplicas;
    } else {
      const calculation = this.calculateHpaReplicas(hpa, nowMs, currentReplicas);
      if (!calculation.ok) {
        hpa.lastError = calculation.error;
        return;
      }
      hpa.lastError = undefined;
      hpa.lastMetricValue = calculation.utilizationPercent;
      desiredReplicas = normalizeWithBehaviors(hpa.state, {
        nowMs, desiredReplicas: calculation.replicas, currentReplicas,
        minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, behavior: hpa.behavior,
      }).replicas;
    }
    if (desiredReplicas !== currentReplicas) {
      hpa.state.recordScale(hpa.behavior, nowMs, currentReplicas, desiredReplicas);
      hpa.lastScaleMs = nowMs;
      this.setDesiredReplicas(index, desiredReplicas, 'hpa');
    }
  }

  /**
   * Reads the metric the way it reaches the HPA: the latest metrics-server scrape at or before
   * now (scrapes every metricResolution at a fixed phase), carrying kubelet stats that are up to
   * kubeletMaxAge old, averaged over the window before that.
   */
  private calculateHpaReplicas(hpa: HpaRuntime, nowMs: number, currentReplicas: number): ReplicaCalculation {
    const { metricResolutionMs, kubeletMaxAgeMs, windowMs } = this.pipeline;
    const sinceStartMs = nowMs - this.startMs - hpa.scrapePhaseMs;
    const lastScrapeMs = this.startMs + hpa.scrapePhaseMs + Math.floor(sinceStartMs / metricResolutionMs) * metricResolutionMs;
    const sampleMs = lastScrapeMs - Math.floor(hpa.kubeletAgeRng() * kubeletMaxAgeMs);
    const windowStartMs = sampleMs - windowMs;
    const index = hpa.workloadIndex;
    if (hpa.metric.kind === 'requests') {
      const offered = this.averageRing(this.offeredRing, index, windowStartMs, sampleMs);
      if (Number.isNaN(offered)) return { ok: false, error: 'no metrics yet: the sample window predates the simulation start' };
      const statusReplicas = this.existingReplicas(index);
      const result = calculateExternalPerPodReplicas({
        statusReplicas, currentReplicas, usage: offered, targetAverageValue: hpa.metric.targetAverageRps, tolerance: hpa.tolerance,
      });
      if (result.ok) hpa.lastMetricValue = statusReplicas > 0 ? offered / statusReplicas : 0;
      return result;
    }
    const utilization = this.averageRing(this.utilizationRing, index, windowStartMs, sampleMs);
    if (Number.isNaN(utilization)) return { ok: false, error: 'no metrics yet: the sample window predates the simulation start' };
    return calculateResourceReplicas({
      currentReplicas,
      targetUtilizationPercent: hpa.metric.targetUtilizationPercent,
      tolerance: hpa.tolerance,
      pods: this.groupPods(index, nowMs, sampleMs),
      podUsageMillicores: utilization * this.cpuMillicores[index]!,
      podRequestMillicores: this.cpuMillicores[index]!,
    });
  }

  /**
   * Mean of a ring row over the ticks in [fromMs, toMs); NaN while the window is not yet covered by
   * simulated ticks (the first seconds after the start: the HPA then has no metric, like a fresh one).
   */
  private averageRing(ring: Float64Array, index: number, fromMs: number, toMs: number): number {
    const wantedFirstTick = Math.ceil((fromMs - this.startMs) / this.tickMs);
    if (wantedFirstTick < 0) return Number.NaN;
    const firstTick = Math.max(wantedFirstTick, this.tickIndex - this.ringLength + 1);
    const lastTick = Math.min(this.tickIndex - 1, Math.ceil((toMs - this.startMs) / this.tickMs) - 1);
    if (lastTick < firstTick) return Number.NaN;
    let sum = 0;
    const count = this.workloadCount;
    for (let tick = firstTick; tick <= lastTick; tick += 1) sum += ring[(tick % this.ringLength) * count + index]!;
    return sum / (lastTick - firstTick + 1);
  }

  /** `groupPods` of replica_calculator.go, on counts and cohorts. */
  private groupPods(index: number, nowMs: number, sampleMs: number): PodGroups {
    const { windowMs, cpuInitializationPeriodMs } = this.pipeline;
    const book = this.books[index]!;
    // Pending pods and pods not Ready are unready. Terminating pods are ignored.
    let unready = this.pending[index]! + this.starting[index]!;
    let missing = 0;
    let readyWithMetric = 0;
    for (const pods of book.matureByPool) readyWithMetric += pods;
    for (const cohort of book.readyCohorts) {
      if (cohort.createdAtMs > sampleMs - windowMs) {
        // metrics-server has no full window of this pod's CPU yet.
        missing += cohort.count;
      } else if (cohort.createdAtMs + cpuInitializationPeriodMs > nowMs && sampleMs < cohort.readyAtMs + windowMs) {
        // Within initialization, a sample not covering one window after readiness is ignored.
        unready += cohort.count;
      } else {
        readyWithMetric += cohort.count;
      }
    }
    return { readyWithMetric, unready, missing };
  }
}

/**
 * A warm start: the HPA has been running before the simulation began, so its scale-down window
 * already holds a recommendation at the starting replicas (a freshly started controller would have
 * none, and could scale down on its first sync).
 */
function warmBehaviorState(startMs: number, initialReplicas: number): HpaBehaviorState {
  const state = new HpaBehaviorState();
  state.recommendations.push({ atMs: startMs, replicas: Math.max(0, Math.trunc(initialReplicas)) });
  return state;
}

export function isOnlineWorkload(workload: Workload): workload is OnlineWorkload {
  return workload.class === 'online';
}

export function isOfflineWorkload(workload: Workload): workload is OfflineWorkload {
  return workload.class === 'offline';
}
