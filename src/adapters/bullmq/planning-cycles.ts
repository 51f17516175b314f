/**
 * The controller's two cycles on real data: refresh forecasts (history from each online workload's
 * demand source: a CSV trace or a Prometheus query; the peak calendar; `forecastDemand`) and plan
 * (`planCapacity` on those forecasts, the live cluster as observed state, the previous plan for the
 * stabilization windows). Time is an argument; the pure core does the maths.
 */
import { loadCalendarFile } from '../../calendar/load-calendar.ts';
import type { ChuanliuConfig } from '../../config/load-config.ts';
import { calendarTimeZone, eventOccurrences } from '../../domain/calendar-occurrences.ts';
import type { EventOccurrence, PeakCalendar } from '../../domain/calendar.ts';
import { InputError } from '../../domain/errors.ts';
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import type { RegularSeries } from '../../domain/series.ts';
import type { OnlineWorkload } from '../../domain/workload.ts';
import { forecastDemand } from '../../forecaster/forecast-demand.ts';
import { planCapacity, type ObservedState } from '../../planner/index.ts';
import type { ClusterSnapshot } from '../../ports/cluster.ts';
import type { MetricsSource } from '../../ports/metrics-source.ts';
import { readTraceFile } from '../traces/read-trace.ts';

export interface PlanningCycles {
  /** Forecasts of every online workload that has a demand source. */
  refreshForecasts(nowMs: number): Promise<Forecast[]>;
  plan(input: { nowMs: number; forecasts: ReadonlyMap<string, Forecast>; previousPlan?: CapacityPlan; snapshot: ClusterSnapshot }): Promise<CapacityPlan>;
}

export interface ConfigPlanningCyclesOptions {
  readonly config: ChuanliuConfig;
  /** Needed when a workload's demand comes from Prometheus. */
  readonly metricsSource?: MetricsSource;
}

export class ConfigPlanningCycles implements PlanningCycles {
  private calendar: Promise<PeakCalendar | undefined> | undefined;

  /** Throws InputError at once when a workload reads Prometheus and no source was given. */
  constructor(private readonly options: ConfigPlanningCyclesOptions) {
    const needsPrometheus = options.config.inventory.online.find((workload) => workload.demand?.kind === 'prometheus');
    if (needsPrometheus !== undefined && options.metricsSource === undefined) {
      throw new InputError(`${needsPrometheus.name}: demand comes from Prometheus but no --prometheus-url was given`, { source: '--prometheus-url' });
    }
  }

  async refreshForecasts(nowMs: number): Promise<Forecast[]> {
    const { config } = this.options;
    const occurrences = await this.occurrences(nowMs - config.forecast.historyMs, nowMs + config.planning.horizonMs);
    // Daily and weekly cycles follow the local time of the calendar's zone (across DST).
    const timeZone = calendarTimeZone(await this.loadCalendar()) ?? 'UTC';
    const forecasts: Forecast[] = [];
    for (const workload of config.inventory.online) {
      if (workload.demand === undefined) continue;
      const history = await this.history(workload, nowMs);
      forecasts.push(forecastDemand({
        workload: workload.name, history, nowMs, horizonMs: config.planning.horizonMs, quantiles: config.forecast.quantiles, occurrences,
        params: { timeZone },
      }));
    }
    return forecasts;
  }

  async plan(input: { nowMs: number; forecasts: ReadonlyMap<string, Forecast>; previousPlan?: CapacityPlan; snapshot: ClusterSnapshot }): Promise<CapacityPlan> {
    const { config } = this.options;
    const { planning } = config;
    return planCapacity({
      nowMs: input.nowMs,
      inventory: config.inventory,
      forecasts: input.forecasts,
      occurrences: await this.occurrences(input.nowMs, input.nowMs + planning.horizonMs),
      observed: observedFrom(config, input.snapshot),
      ...(input.previousPlan !== undefined ? { previousPlan: input.previousPlan } : {}),
      settings: {
        slotMs: planning.slotMs,
        horizonMs: planning.horizonMs,
        applyLatencyMs: planning.applyLatencyMs,
        scaleInStabilizationMs: planning.scaleInStabilizationMs,
        ...(planning.nodeProvisioningMs !== undefined ? { nodeProvisioningMs: planning.nodeProvisioningMs } : {}),
        planId: planIdAt(input.nowMs),
      },
    });
  }

  private async loadCalendar(): Promise<PeakCalendar | undefined> {
    const path = this.options.config.calendarPath;
    if (path === undefined) return undefined;
    this.calendar ??= loadCalendarFile(path);
    return this.calendar;
  }

  private async occurrences(fromMs: number, toMs: number): Promise<EventOccurrence[]> {
    const calendar = await this.loadCalendar();
    return calendar === undefined ? [] : eventOccurrences(calendar, fromMs, toMs);
  }

  private async history(workload: OnlineWorkload, nowMs: number): Promise<RegularSeries> {
    const { config, metricsSource } = this.options;
    const demand = workload.demand;
    const bucketMs = config.forecast.bucketMs;
    if (demand?.kind === 'prometheus') {
      if (metricsSource === undefined) throw new InputError(`${workload.name}: demand comes from Prometheus but no --prometheus-url was given`, { source: '--prometheus-url' });
      return metricsSource.range(demand.query, { startMs: nowMs - config.forecast.historyMs, endMs: nowMs, stepMs: bucketMs });
    }
    if (demand?.kind !== 'csv') throw new Error(`${workload.name} has no demand source`);
    const { series } = await readTraceFile(demand.path, { bucketMs, ...(demand.column !== undefined ? { valueColumn: demand.column } : {}) });
    return {
      ...series,
      startMs: series.startMs + demand.timeShiftMs,
      values: demand.scale === 1 ? series.values : Float64Array.from(series.values, (value) => value * demand.scale),
    };
  }
}

/** `plan-20241111T115000Z`: plans are named by the minute they were made at. */
export function planIdAt(nowMs: number): string {
  return `plan-${new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

function observedFrom(config: ChuanliuConfig, snapshot: ClusterSnapshot): ObservedState {
  const byRef = new Map(snapshot.workloads.map((state) => [`${state.ref.apiKind}/${state.ref.namespace}/${state.ref.name}`, state] as const));
  const workloads: Record<string, { desiredReplicas: number; readyReplicas: number }> = {};
  for (const workload of [...config.inventory.online, ...config.inventory.offline]) {
    const state = byRef.get(`${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`);
    if (state !== undefined) workloads[workload.name] = { desiredReplicas: state.desiredReplicas, readyReplicas: state.readyReplicas };
  }
  const nodePools = Object.fromEntries(snapshot.nodePools.map((pool) => [pool.pool, { readyNodes: pool.readyNodes, provisioningNodes: pool.provisioningNodes }] as const));
  return { workloads, nodePools, demandRps: {}, offlineRemainingCoreHours: {} };
}
