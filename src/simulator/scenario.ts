/**
 * A loaded simulation scenario: the cluster, the workloads, the demand of every online workload
 * tick by tick, the calendar's events, and the validated settings of each strategy.
 */
import type { EventOccurrence, PeakCalendar } from '../domain/calendar.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload, Workload } from '../domain/workload.ts';
import type { AutoscalerSpec, MetricsPipelineSpec, ServingQueueSpec } from '../adapters/memory/cluster-spec.ts';
import type { AnnouncedPeakEvent } from './announced-events.ts';
import type { DemandHistorySource } from './demand-history.ts';
import type { ScenarioView } from './strategy.ts';
import type { TrafficModel } from './traffic-model.ts';

export interface Scenario extends ScenarioView {
  readonly description: string;
  /** True when any traffic is invented (synthetic generator). */
  readonly synthetic: boolean;
  /** Where the traffic came from, for reports (trace files with attribution, or "synthetic"). */
  readonly trafficSource: string;
  /** The file it was loaded from (or a name for built scenarios). */
  readonly source: string;
  readonly traffic: TrafficModel;
  /** Per workload index: the bounded serving queue, if any. */
  readonly queues: readonly (ServingQueueSpec | undefined)[];
  /** Validated settings per strategy name (only for strategies the scenario configures). */
  readonly strategySettings: Readonly<Record<string, unknown>>;
  readonly metricsPipeline?: MetricsPipelineSpec;
  readonly autoscaler?: AutoscalerSpec;
  /** Lag of the demand metrics strategies may read (Prometheus scrape + rate window). */
  readonly observedLagMs: number;
  /** How each traffic series was read and shaped, for the report. */
  readonly trafficNotes: readonly string[];

  /** Per workload index: where its demand before the start comes from (forecasting strategies). */
  readonly histories: readonly (DemandHistorySource | undefined)[];
}

export interface ScenarioParts {
  readonly name: string;
  readonly description: string;
  readonly synthetic: boolean;
  readonly trafficSource: string;
  readonly source: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly tickMs: number;
  readonly seed: number;
  readonly nodePools: readonly NodePool[];
  readonly online: readonly OnlineWorkload[];
  readonly offline: readonly OfflineWorkload[];
  readonly events: readonly EventOccurrence[];
  readonly calendar?: PeakCalendar;
  readonly traffic: TrafficModel;
  readonly queues?: readonly (ServingQueueSpec | undefined)[];
  readonly strategySettings?: Readonly<Record<string, unknown>>;
  readonly metricsPipeline?: MetricsPipelineSpec;
  readonly autoscaler?: AutoscalerSpec;
  readonly observedLagMs?: number;
  readonly trafficNotes?: readonly string[];
  readonly histories?: readonly (DemandHistorySource | undefined)[];
  readonly announcedEvents?: readonly AnnouncedPeakEvent[];
}

/** Default lag of observed demand: a 15 s scrape plus up to 15 s of rate-window alignment. */
export const DEFAULT_OBSERVED_LAG_MS = 30_000;

/** Assembles a scenario (workload order: online, then offline — the traffic model must match). */
export function buildScenario(parts: ScenarioParts): Scenario {
  const workloads: Workload[] = [...parts.online, ...parts.offline];
  const indexByName = new Map(workloads.map((workload, index) => [workload.name, index]));
  if (parts.traffic.workloadCount !== workloads.length) {
    throw new RangeError(`traffic model has ${parts.traffic.workloadCount} rows for ${workloads.length} workloads`);
  }
  return {
    name: parts.name,
    description: parts.description,
    synthetic: parts.synthetic,
    trafficSource: parts.trafficSource,
    source: parts.source,
    startMs: parts.startMs,
    endMs: parts.endMs,
    tickMs: parts.tickMs,
    seed: parts.seed,
    nodePools: parts.nodePools,
    workloads,
    online: parts.online,
    offline: parts.offline,
    events: parts.events,
    ...(parts.calendar !== undefined ? { calendar: parts.calendar } : {}),
    workloadIndex: (name) => indexByName.get(name),
    traffic: parts.traffic,
    queues: parts.queues ?? workloads.map(() => undefined),
    strategySettings: parts.strategySettings ?? {},
    ...(parts.metricsPipeline !== undefined ? { metricsPipeline: parts.metricsPipeline } : {}),
    ...(parts.autoscaler !== undefined ? { autoscaler: parts.autoscaler } : {}),
    observedLagMs: parts.observedLagMs ?? DEFAULT_OBSERVED_LAG_MS,
    trafficNotes: parts.trafficNotes ?? [],
    histories: parts.histories ?? workloads.map(() => undefined),
    announcedEvents: parts.announcedEvents ?? [],
  };
}
