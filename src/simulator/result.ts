/**
 * What a simulation run produces: the score of each strategy and the timelines the reports draw.
 * The report module renders exactly this; the engine fills it.
 */
import type { EventOccurrence } from '../domain/calendar.ts';

export interface StrategyScore {
  readonly strategy: string;
  readonly demandRequests: number;
  readonly unservedRequests: number;
  /** unservedRequests / demandRequests × 100. */
  readonly unservedPercent: number;
  /** Simulated seconds in which any online workload had unserved demand. */
  readonly unservedSeconds: number;
  /** Seconds with unserved demand inside the first minute of a planned calendar event. */
  readonly unservedSecondsAtEventStarts: number;
  /** Largest (demand − ready capacity) seen, requests/s, summed over online workloads. */
  readonly worstDeficitRps: number;
  /** Cores held by online replicas (scheduled, starting, Ready or still terminating: they hold node resources) integrated over time. */
  readonly onlineCoreHours: number;
  readonly offlineCoreHoursDone: number;
  readonly offlineDeadlinesMet: number;
  readonly offlineDeadlinesTotal: number;
  readonly nodeHours: number;
  readonly cost: number;
  /** Writes of replicas / HPA floors / parallelism the strategy made. */
  readonly scalingWrites: number;
  /** Time from a scale-up decision until the added capacity was Ready. */
  readonly timeToReadyMs: { readonly mean: number; readonly p95: number; readonly max: number; readonly count: number };
}

export interface WorkloadTimeline {
  readonly demandRps: Float64Array;
  readonly readyCapacityRps: Float64Array;
  readonly unservedRps: Float64Array;
  readonly readyReplicas: Float64Array;
}

/** One strategy's run, downsampled to `stepMs` for drawing (max within a step for deficits). */
export interface StrategyTimeline {
  readonly strategy: string;
  readonly startMs: number;
  readonly stepMs: number;
  readonly online: Readonly<Record<string, WorkloadTimeline>>;
  /** CPU held by offline workloads, millicores. */
  readonly offlineCpuMillicores: Float64Array;
  readonly onlineCpuMillicores: Float64Array;
  readonly clusterCpuMillicores: Float64Array;
}

export interface SimulationResult {
  readonly scenario: {
    readonly name: string;
    /** True when the traffic is invented (synthetic generator), shown in every report. */
    readonly synthetic: boolean;
    readonly description: string;
    /** Where the traffic came from (trace file and attribution, or "synthetic"). */
    readonly trafficSource: string;
    readonly startMs: number;
    readonly endMs: number;
    readonly tickMs: number;
    readonly seed: number;
  };
  readonly scores: readonly StrategyScore[];
  readonly timelines: readonly StrategyTimeline[];
  readonly events: readonly EventOccurrence[];
}
