/**
 * Scores one strategy's run tick by tick and keeps downsampled timelines for the report
 * (mean per bucket for demand, capacity, replicas and CPU; max per bucket for unserved demand, so a
 * one-second deficit stays visible in a one-minute bucket).
 */
import { isPlaceholderWorkload } from '../adapters/memory/placeholder-pods.ts';
import type { SimulatedCluster } from '../adapters/memory/simulated-cluster.ts';
import type { StrategyScore, StrategyTimeline, WorkloadTimeline } from './result.ts';

export interface ScoreKeeperOptions {
  readonly strategy: string;
  readonly startMs: number;
  readonly tickMs: number;
  readonly totalTicks: number;
  /** Ticks per timeline bucket. */
  readonly ticksPerBucket: number;
  /** Workload indices of online workloads, and their names (timeline keys). */
  readonly online: readonly { readonly index: number; readonly name: string }[];
  /** 1 for ticks inside the first minute of a planned calendar event. */
  readonly eventStartTicks: Uint8Array;
  /** Offline workloads with a deadline: index and deadline. */
  readonly deadlines: readonly { readonly index: number; readonly deadlineMs: number }[];
  /** Record per-workload timelines (the totals are always kept). */
  readonly workloadTimelines: boolean;
}

/** Demand below this (requests/s) is rounding noise, not unserved traffic. */
const UNSERVED_EPSILON_RPS = 1e-6;

export class ScoreKeeper {
  private readonly options: ScoreKeeperOptions;
  private readonly bucketCount: number;
  private demandRequests = 0;
  private unservedRequests = 0;
  private unservedTicks = 0;
  private unservedTicksAtEventStarts = 0;
  private worstDeficitRps = 0;
  private onlineCpuMillicoreTicks = 0;
  private nodeTicks = 0;
  private costTicks = 0;
  private readonly demand: Float64Array[];
  private readonly capacity: Float64Array[];
  private readonly unserved: Float64Array[];
  private readonly replicas: Float64Array[];
  private readonly offlineCpu: Float64Array;
  private readonly onlineCpu: Float64Array;
  private readonly clusterCpu: Float64Array;
  private readonly bucketTicks: Float64Array;

  constructor(options: ScoreKeeperOptions) {
    this.options = options;
    this.bucketCount = Math.ceil(options.totalTicks / options.ticksPerBucket);
    const perWorkload = (): Float64Array[] =>
      options.online.map(() => new Float64Array(options.workloadTimelines ? this.bucketCount : 0));
    this.demand = perWorkload();
    this.capacity = perWorkload();
    this.unserved = perWorkload();
    this.replicas = perWorkload();
    this.offlineCpu = new Float64Array(this.bucketCount);
    this.onlineCpu = new Float64Array(this.bucketCount);
    this.clusterCpu = new Float64Array(this.bucketCount);
    this.bucketTicks = new Float64Array(this.bucketCount);
  }

  /** Records tick `tick` after the cluster simulated it. */
  record(tick: number, cluster: SimulatedCluster): void {
    const tickSeconds = this.options.tickMs / 1000;
    const bucket = Math.floor(tick / this.options.ticksPerBucket);
    const keepWorkloads = this.options.workloadTimelines;
    let deficit = 0;
    let anyUnserved = false;
    const online = this.options.online;
    for (let position = 0; position < online.length; position += 1) {
      const index = online[position]!.index;
      const demand = cluster.demandRps[index]!;
      const unserved = cluster.unservedRps[index]!;
      const readyCapacity = cluster.ready[index]! * cluster.rpsPerReplica[index]!;
      this.demandRequests += demand * tickSeconds;
      this.unservedRequests += unserved * tickSeconds;
      if (unserved > UNSERVED_EPSILON_RPS) anyUnserved = true;
      if (demand > readyCapacity) deficit += demand - readyCapacity;
      if (keepWorkloads) {
        this.demand[position]![bucket]! += demand;
        this.capacity[position]![bucket]! += readyCapacity;
        this.replicas[position]![bucket]! += cluster.ready[index]!;
        if (unserved > this.unserved[position]![bucket]!) this.unserved[position]![bucket] = unserved;
      }
    }
    if (anyUnserved) {
      this.unservedTicks += 1;
      if (this.options.eventStartTicks[tick] === 1) this.unservedTicksAtEventStarts += 1;
    }
    if (deficit > this.worstDeficitRps) this.worstDeficitRps = deficit;
    const onlineCpu = cluster.onlineHeldCpuMillicores();
    this.onlineCpuMillicoreTicks += onlineCpu;
    this.nodeTicks += cluster.billedNodeTotal();
    this.costTicks += cluster.costPerHour();
    this.onlineCpu[bucket]! += onlineCpu;
    this.offlineCpu[bucket]! += cluster.offlineHeldCpuMillicores();
    this.clusterCpu[bucket]! += cluster.allocatableCpuMillicores();
    this.bucketTicks[bucket]! += 1;
  }

  score(cluster: SimulatedCluster): StrategyScore {
    const tickHours = this.options.tickMs / 3_600_000;
    const tickSeconds = this.options.tickMs / 1000;
    let offlineDone = 0;
    cluster.workloads.forEach((workload, index) => {
      // Placeholder pods hold room; they do no work.
      if (workload.class === 'offline' && !isPlaceholderWorkload(workload.name)) offlineDone += cluster.offlineCoreHoursDone[index]!;
    });
    const deadlinesMet = this.options.deadlines.filter(({ index, deadlineMs }) => {
      const completedAtMs = cluster.completedAtMs[index]!;
      return !Number.isNaN(completedAtMs) && completedAtMs <= deadlineMs;
    }).length;
    return {
      strategy: this.options.strategy,
      demandRequests: this.demandRequests,
      unservedRequests: this.unservedRequests,
      unservedPercent: this.demandRequests > 0 ? (this.unservedRequests / this.demandRequests) * 100 : 0,
      unservedSeconds: this.unservedTicks * tickSeconds,
      unservedSecondsAtEventStarts: this.unservedTicksAtEventStarts * tickSeconds,
      worstDeficitRps: this.worstDeficitRps,
      onlineCoreHours: (this.onlineCpuMillicoreTicks / 1000) * tickHours,
      offlineCoreHoursDone: offlineDone,
      offlineDeadlinesMet: deadlinesMet,
      offlineDeadlinesTotal: this.options.deadlines.length,
      nodeHours: this.nodeTicks * tickHours,
      cost: this.costTicks * tickHours,
      scalingWrites: cluster.writeCounts.external + cluster.writeCounts.hpa,
      timeToReadyMs: summarize(cluster.timeToReadyMs),
    };
  }

  timeline(): StrategyTimeline {
    const mean = (sums: Float64Array): Float64Array => sums.map((sum, bucket) => {
      const ticks = this.bucketTicks[bucket]!;
      return ticks > 0 ? sum / ticks : 0;
    });
    const online: Record<string, WorkloadTimeline> = {};
    if (this.options.workloadTimelines) {
      this.options.online.forEach(({ name }, position) => {
        online[name] = {
          demandRps: mean(this.demand[position]!),
          readyCapacityRps: mean(this.capacity[position]!),
          unservedRps: this.unserved[position]!,
          readyReplicas: mean(this.replicas[position]!),
        };
      });
    }
    return {
      strategy: this.options.strategy,
      startMs: this.options.startMs,
      stepMs: this.options.tickMs * this.options.ticksPerBucket,
      online,
      offlineCpuMillicores: mean(this.offlineCpu),
      onlineCpuMillicores: mean(this.onlineCpu),
      clusterCpuMillicores: mean(this.clusterCpu),
    };
  }
}

function summarize(durationsMs: readonly number[]): StrategyScore['timeToReadyMs'] {
  if (durationsMs.length === 0) return { mean: 0, p95: 0, max: 0, count: 0 };
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  // Nearest-rank percentile: an observed value, never an interpolation between two.
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  return { mean: sum / sorted.length, p95, max: sorted[sorted.length - 1]!, count: sorted.length };
}
