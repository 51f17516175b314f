/**
 * What the controller service needs of planning: forecasts refreshed on one cycle, plans made on
 * another. `PlanningSource` (src/runtime/planning-source/planning-source.ts) implements it from the
 * config, the calendar, the PeakEvents and the demand sources with the same forecasting and planning-input code as `chuanliu plan`.
 */
import type { DemandFit } from '../../forecaster/demand-fit.ts';
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import type { ClusterSnapshot } from '../../ports/cluster.ts';

/** What one batch of a spread forecast refresh made (forecast-workers.ts). */
export interface ForecastBatchResult {
  readonly forecasts: readonly Forecast[];
  /** Workload → digest of the calendar events its forecast includes (the leader re-forecasts it when they changed). */
  readonly eventsDigests: Readonly<Record<string, string>>;
}

export interface PlanningCycles {
  /** Forecasts of every online workload that has a demand source. */
  refreshForecasts(nowMs: number): Promise<Forecast[]>;
  /**
   * For a refresh spread over every replica's forecast workers: the online workloads that have a
   * demand source (what the leader splits into batches)…
   */
  forecastTargets?(): Promise<readonly string[]>;
  /** …the forecasts of one batch (on whichever replica takes it; unavailable ones left out and reported)… */
  forecastBatch?(nowMs: number, workloads: readonly string[], fits?: Map<string, DemandFit>): Promise<ForecastBatchResult>;
  /** …and, on the leader, which events the forecasts made elsewhere include. */
  noteForecastsMadeElsewhere?(eventsDigests: Readonly<Record<string, string>>): void;
  plan(input: { nowMs: number; forecasts: ReadonlyMap<string, Forecast>; previousPlan?: CapacityPlan; snapshot: ClusterSnapshot }): Promise<CapacityPlan>;
  /**
   * Re-reads what plans are made from; says what changed in a way that needs a new forecast and
   * plan (undefined = nothing). The service calls it every `watchEveryMs` while it leads.
   */
  pollChanges?(): Promise<string | undefined>;
}
