/**
 * The controller's two cycles on real data, through the same code as `chuanliu plan`: refresh
 * forecasts (`preparePlanningInputs`: history from each online workload's demand source — a CSV
 * trace or a Prometheus query — the peak calendar, `forecastDemand`) and plan (`planningInputFor`
 * on the stored forecasts, the live cluster as observed state, the previous plan for the
 * stabilization windows; `planCapacity`). One difference: `chuanliu plan` also floors scale-in at
 * the recent rate of the history it just read; the plan cycle has no history at hand (forecasts
 * are refreshed hourly) and relies on the forecast and the reactive guard. Time is an argument.
 */
import type { PlanningCycles } from '../adapters/bullmq/planning-cycles.ts';
import { loadCalendarFile } from '../calendar/load-calendar.ts';
import type { ChuanliuConfig } from '../config/load-config.ts';
import type { PeakCalendar } from '../domain/calendar.ts';
import { InputError, type ForecastUnavailableError } from '../domain/errors.ts';
import type { Forecast } from '../domain/forecast.ts';
import type { CapacityPlan } from '../domain/plan.ts';
import { planCapacity, type ObservedState } from '../planner/index.ts';
import type { ClusterSnapshot } from '../ports/cluster.ts';
import type { MetricsSource } from '../ports/metrics-source.ts';
import { planningInputFor, preparePlanningInputs } from './planning-inputs.ts';

export interface ConfigPlanningCyclesOptions {
  readonly config: ChuanliuConfig;
  /** Needed when a workload's demand comes from Prometheus. */
  readonly metricsSource?: MetricsSource;
  /**
   * Told about each workload no forecast could be made for in a refresh (ForecastUnavailableError);
   * that workload is left out of the refreshed forecasts, so the stored last good one stays in use.
   * The caller alerts (log at error level, metric). @defaultValue the refresh fails as a whole
   */
  readonly onForecastUnavailable?: (workload: string, error: ForecastUnavailableError) => void;
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
    const { config, metricsSource, onForecastUnavailable } = this.options;
    const inputs = await preparePlanningInputs(config, {
      nowMs, ...(metricsSource !== undefined ? { metrics: metricsSource } : {}), ...(onForecastUnavailable !== undefined ? { onForecastUnavailable } : {}),
    });
    return [...inputs.forecasts];
  }

  async plan(input: { nowMs: number; forecasts: ReadonlyMap<string, Forecast>; previousPlan?: CapacityPlan; snapshot: ClusterSnapshot }): Promise<CapacityPlan> {
    const { config } = this.options;
    const calendar = await this.loadCalendar();
    const { input: planningInput } = planningInputFor({
      config, ...(calendar !== undefined ? { calendar } : {}), nowMs: input.nowMs, forecasts: [...input.forecasts.values()],
      observed: observedFrom(config, input.snapshot), ...(input.previousPlan !== undefined ? { previousPlan: input.previousPlan } : {}),
    });
    return planCapacity(planningInput);
  }

  private loadCalendar(): Promise<PeakCalendar | undefined> {
    const path = this.options.config.calendarPath;
    if (path === undefined) return Promise.resolve(undefined);
    this.calendar ??= loadCalendarFile(path, { workloads: this.options.config.inventory.online.map((workload) => workload.name) });
    return this.calendar;
  }
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
