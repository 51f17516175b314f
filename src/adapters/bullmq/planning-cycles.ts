/**
 * What the controller service needs of planning: forecasts refreshed on one cycle, plans made on
 * another. `PlanningSource` (src/runtime/planning-source/planning-source.ts) implements it from the
 * config, the calendar, the PeakEvents and the demand sources with the same forecasting and planning-input code as `chuanliu plan`.
 */
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import type { ClusterSnapshot } from '../../ports/cluster.ts';

export interface PlanningCycles {
  /** Forecasts of every online workload that has a demand source. */
  refreshForecasts(nowMs: number): Promise<Forecast[]>;
  plan(input: { nowMs: number; forecasts: ReadonlyMap<string, Forecast>; previousPlan?: CapacityPlan; snapshot: ClusterSnapshot }): Promise<CapacityPlan>;
  /**
   * Re-reads what plans are made from; says what changed in a way that needs a new forecast and
   * plan (undefined = nothing). The service calls it every `watchEveryMs` while it leads.
   */
  pollChanges?(): Promise<string | undefined>;
}
