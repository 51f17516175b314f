/**
 * The time-stepped engine: replays a scenario's demand through each strategy on a fresh simulated
 * cluster (same seed, so the same pods draw the same startup times) and scores the runs.
 *
 * One tick: demand for the tick → the strategy acts if its interval is due → the cluster
 * simulates the tick (events, scheduling, HPA syncs, autoscaler, serving) → the score keeper
 * records it.
 */
import { placeholderWorkloads } from '../adapters/memory/placeholder-pods.ts';
import { ManualClock } from '../adapters/memory/manual-clock.ts';
import { MemoryCluster } from '../adapters/memory/memory-cluster.ts';
import { SimulatedCluster } from '../adapters/memory/simulated-cluster.ts';
import { DEFAULT_ONLINE_TERMINATION_GRACE_MS } from '../adapters/memory/cluster-spec.ts';
import type { SimulationResult, StrategyScore, StrategyTimeline } from './result.ts';
import type { Scenario } from './scenario.ts';
import { ScoreKeeper } from './scoring.ts';
import { historyWindow } from './demand-history.ts';
import type { DemandForesight, ObservedMetrics, StrategyRegistry, StrategySetup } from './strategy.ts';

export interface RunOptions {
  readonly strategies: readonly string[];
  readonly registry: StrategyRegistry;
  /** Most points per timeline; the bucket is a whole number of ticks. @defaultValue 1440 */
  readonly maxTimelinePoints?: number;
  /** Keep per-workload timelines (the report draws them). @defaultValue true */
  readonly workloadTimelines?: boolean;
  /** Called every `progressEveryTicks` ticks and at the end of each strategy. */
  readonly onProgress?: (progress: { strategy: string; strategyIndex: number; tick: number; totalTicks: number }) => void;
  readonly progressEveryTicks?: number;
}

/** Ticks after an event's start that count as "at the event start" in the score. */
const EVENT_START_WINDOW_MS = 60_000;
/** Warm-start demand is the mean over this first part of the run. */
const WARM_START_WINDOW_MS = 5 * 60_000;

export async function runSimulation(scenario: Scenario, options: RunOptions): Promise<SimulationResult> {
  const totalTicks = Math.ceil((scenario.endMs - scenario.startMs) / scenario.tickMs);
  if (totalTicks <= 0) throw new RangeError('the scenario has no ticks (end must be after start)');
  const factories = options.strategies.map((name) => options.registry.get(name, { source: '--strategies' }));
  const eventStartTicks = markEventStarts(scenario, totalTicks);
  const foresight = makeForesight(scenario, totalTicks);
  const scores: StrategyScore[] = [];
  const timelines: StrategyTimeline[] = [];
  const maxPoints = options.maxTimelinePoints ?? 1440;
  const ticksPerBucket = niceTicksPerBucket(Math.ceil(totalTicks / maxPoints), scenario.tickMs);

  for (const [strategyIndex, factory] of factories.entries()) {
    const settings = scenario.strategySettings[factory.name] ?? factory.settingsSchema.parse(undefined);
    const strategy = factory.create(settings);
    const probe = new SimulatedCluster(clusterSpec(scenario, scenario.workloads.map(() => 0), []));
    const setup: StrategySetup = {
      scenario,
      foresight: factory.usesForesight ? foresight : undefined,
      maxStartupMs: (index) => probe.maxStartupMs(index),
      terminationGraceMs: (index) => probe.terminationGraceMs(index),
      longestProvisioningMs: probe.longestProvisioningMs(),
      preemptionDelayMs: (index) => preemptionDelayMs(scenario, index),
      warmStartDemandRps: (index) => foresight.meanRps(index, scenario.startMs, scenario.startMs + WARM_START_WINDOW_MS),
      historyBefore: (index, request) => {
        const source = scenario.histories[index];
        return source === undefined ? undefined
          : historyWindow(source, { ...request, beforeMs: Math.min(request.beforeMs, scenario.startMs) });
      },
    };
    const start = strategy.start(setup);
    const cluster = new SimulatedCluster(clusterSpec(scenario, start.initialReplicas, start.hpas));
    const clock = new ManualClock(scenario.startMs);
    const port = new MemoryCluster(cluster, clock);
    const observed = makeObserved(scenario, cluster);
    const keeper = new ScoreKeeper({
      strategy: factory.name,
      startMs: scenario.startMs,
      tickMs: scenario.tickMs,
      totalTicks,
      ticksPerBucket,
      online: scenario.online.map((workload) => ({ index: scenario.workloadIndex(workload.name)!, name: workload.name })),
      eventStartTicks,
      deadlines: scenario.offline.flatMap((workload) => (workload.deadlineMs === undefined ? [] : [{
        index: scenario.workloadIndex(workload.name)!, deadlineMs: workload.deadlineMs,
      }])),
      workloadTimelines: options.workloadTimelines ?? true,
    });

    const demand = new Float64Array(scenario.workloads.length);
    const actIntervalMs = strategy.act === undefined ? undefined : strategy.actIntervalMs ?? scenario.tickMs;
    let nextActMs = scenario.startMs;
    const progressEvery = options.progressEveryTicks ?? 3600;
    for (let tick = 0; tick < totalTicks; tick += 1) {
      const nowMs = scenario.startMs + tick * scenario.tickMs;
      scenario.traffic.fill(tick, demand);
      if (actIntervalMs !== undefined && nowMs >= nextActMs) {
        nextActMs += actIntervalMs * Math.max(1, Math.ceil((nowMs - nextActMs + 1) / actIntervalMs));
        await clock.advanceTo(nowMs);
        const acted = strategy.act!({
          nowMs, tick, scenario, cluster, port, clock, observed,
          foresight: factory.usesForesight ? foresight : undefined,
        });
        if (acted !== undefined) await acted;
      }
      cluster.step(demand);
      keeper.record(tick, cluster);
      if (options.onProgress !== undefined && (tick + 1) % progressEvery === 0) {
        options.onProgress({ strategy: factory.name, strategyIndex, tick: tick + 1, totalTicks });
      }
    }
    options.onProgress?.({ strategy: factory.name, strategyIndex, tick: totalTicks, totalTicks });
    scores.push(keeper.score(cluster));
    timelines.push(keeper.timeline());
  }

  return {
    scenario: {
      name: scenario.name,
      synthetic: scenario.synthetic,
      description: scenario.description,
      trafficSource: scenario.trafficSource,
      startMs: scenario.startMs,
      endMs: scenario.endMs,
      tickMs: scenario.tickMs,
      seed: scenario.seed,
    },
    scores,
    timelines,
    events: scenario.events,
  };
}

function clusterSpec(scenario: Scenario, initialReplicas: readonly number[], hpas: StrategySetupHpas) {
  return {
    startMs: scenario.startMs,
    tickMs: scenario.tickMs,
    seed: scenario.seed,
    nodePools: scenario.nodePools,
    workloads: [
      ...scenario.workloads.map((workload, index) => {
        const queue = scenario.queues[index];
        return { workload, initialReplicas: initialReplicas[index] ?? 0, ...(queue !== undefined ? { queue } : {}) };
      }),
      // After the scenario's own workloads, so their indices stay the scenario's.
      ...placeholderWorkloads(scenario.nodePools).map((workload) => ({ workload, initialReplicas: 0 })),
    ],
    hpas,
    ...(scenario.metricsPipeline !== undefined ? { metricsPipeline: scenario.metricsPipeline } : {}),
    ...(scenario.autoscaler !== undefined ? { autoscaler: scenario.autoscaler } : {}),
  };
}

type StrategySetupHpas = ConstructorParameters<typeof SimulatedCluster>[0]['hpas'];

/** Timeline buckets of a round length (10 s, 30 s, 1 min, 5 min…) of at least `minimumTicks` ticks. */
function niceTicksPerBucket(minimumTicks: number, tickMs: number): number {
  const niceSeconds = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 86_400];
  for (const seconds of niceSeconds) {
    const ticks = (seconds * 1000) / tickMs;
    if (Number.isInteger(ticks) && ticks >= minimumTicks) return ticks;
  }
  return Math.max(1, minimumTicks);
}

/** Longest grace/drain among lower-priority workloads that may share a node pool with `index`. */
function preemptionDelayMs(scenario: Scenario, index: number): number {
  const workload = scenario.workloads[index]!;
  let longest = 0;
  for (const other of scenario.workloads) {
    if (other.priority >= workload.priority) continue;
    const sharesPool = workload.nodePool === undefined || other.nodePool === undefined || workload.nodePool === other.nodePool;
    if (!sharesPool) continue;
    longest = Math.max(longest, other.class === 'offline' ? other.drainMs : DEFAULT_ONLINE_TERMINATION_GRACE_MS);
  }
  return longest;
}

function markEventStarts(scenario: Scenario, totalTicks: number): Uint8Array {
  const marks = new Uint8Array(totalTicks);
  for (const event of scenario.events) {
    const first = Math.max(0, Math.ceil((event.startMs - scenario.startMs) / scenario.tickMs));
    const end = Math.min(totalTicks, Math.ceil((event.startMs + EVENT_START_WINDOW_MS - scenario.startMs) / scenario.tickMs));
    for (let tick = first; tick < end; tick += 1) marks[tick] = 1;
  }
  return marks;
}

function makeForesight(scenario: Scenario, totalTicks: number): DemandForesight {
  const peaks = new Map<number, number>();
  const traffic = scenario.traffic;
  // Each reader walks its own times: the future (oracle) and whole-run scans must not evict the
  // cache of the tick being simulated.
  const ahead = traffic.cursor();
  const scan = traffic.cursor();
  return {
    demandRps: (index, tick) => traffic.demandAt(index, tick, ahead),
    peakRps(index) {
      let peak = peaks.get(index);
      if (peak === undefined) {
        peak = 0;
        for (let tick = 0; tick < totalTicks; tick += 1) peak = Math.max(peak, traffic.demandAt(index, tick, scan));
        peaks.set(index, peak);
      }
      return peak;
    },
    meanRps(index, fromMs, toMs) {
      const first = Math.max(0, Math.floor((fromMs - scenario.startMs) / scenario.tickMs));
      const end = Math.min(totalTicks, Math.ceil((toMs - scenario.startMs) / scenario.tickMs));
      if (end <= first) return 0;
      let sum = 0;
      for (let tick = first; tick < end; tick += 1) sum += traffic.demandAt(index, tick, scan);
      return sum / (end - first);
    },
  };
}

function makeObserved(scenario: Scenario, cluster: SimulatedCluster): ObservedMetrics {
  const past = scenario.traffic.cursor();
  return {
    lagMs: scenario.observedLagMs,
    rateRps(index, windowMs) {
      const toMs = cluster.nowMs() - scenario.observedLagMs;
      const first = Math.max(0, Math.floor((toMs - windowMs - scenario.startMs) / scenario.tickMs));
      const end = Math.floor((toMs - scenario.startMs) / scenario.tickMs);
      if (end <= first) return Number.NaN;
      let sum = 0;
      for (let tick = first; tick < end; tick += 1) sum += scenario.traffic.demandAt(index, tick, past);
      return sum / (end - first);
    },
  };
}
