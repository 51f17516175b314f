/**
 * What the rolling-origin backtest needs from a forecasting model: given the history before an
 * origin, the median and the quantile bands for the next `horizon` buckets. chuanliu and every
 * baseline implement it, so all run in the same process, on the same windows, scored the same way.
 */

export interface ModelInput {
  /** History before the origin; NaN = missing. */
  readonly history: Float64Array;
  /** Epoch ms of history[0]. */
  readonly startMs: number;
  readonly stepMs: number;
  readonly horizon: number;
  /** Ascending, e.g. [0.5, 0.9, 0.99]. */
  readonly quantiles: readonly number[];
  /** IANA zone whose wall clock the traffic follows (seasonal lags in local time); undefined = UTC. */
  readonly timeZone?: string;
}

export interface ModelForecast {
  /** Point forecast scored by MASE and sMAPE (the median where the model has one). */
  readonly point: Float64Array;
  /** bands[k][i] = quantile `quantiles[k]` at lead i + 1. */
  readonly bands: readonly Float64Array[];
}

export interface BacktestModel {
  readonly name: string;
  /** One line on what the model is and how it was fitted, for BENCHMARKS.md. */
  readonly description: string;
  /** False when the history is too short for the model (e.g. a weekly naive on 3 days). */
  applicable(input: ModelInput): boolean;
  /**
   * True when the forecast for the first h buckets does not depend on the horizon asked for, so one
   * forecast at the longest horizon serves every shorter one. False for models fitted to the horizon.
   */
  readonly horizonIndependent: boolean;
  forecast(input: ModelInput): ModelForecast;
}

/** Sorts band values per bucket so quantile bands never cross, and clamps demand at zero. */
export function monotoneNonNegative(bands: Float64Array[]): Float64Array[] {
  const horizon = bands[0]?.length ?? 0;
  for (let i = 0; i < horizon; i++) {
    let previous = 0;
    for (const band of bands) {
      const value = Math.max(previous, Number.isFinite(band[i] as number) ? (band[i] as number) : previous);
      band[i] = value;
      previous = value;
    }
  }
  return bands;
}
