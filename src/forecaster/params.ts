/**
 * Tunables of the forecaster, with the defaults the benchmarks were run with (BENCHMARKS.md).
 * Durations are in milliseconds and converted to buckets of the series being forecast.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../domain/units.ts';

export interface ForecasterParams {
  /**
   * Bucket of the forecast. Must be a whole multiple of the history's step; the history is averaged
   * into it first. Undefined = the history's step.
   */
  readonly stepMs: number | undefined;
  /**
   * IANA zone whose wall clock the traffic follows: seasonal lags keep the local phase across
   * daylight-saving changes. Undefined = UTC.
   */
  readonly timeZone: string | undefined;
  /** Seasonal periods in buckets; undefined = detected from the history's autocorrelation. */
  readonly periodsBuckets: readonly number[] | undefined;
  /** @defaultValue 0.2 */
  readonly minAutocorrelation: number;
  /** Cycles of the longest period the seasonal profile may average; the best on recent history is used. @defaultValue [2, 3, 4, 6] */
  readonly cycleCandidates: readonly number[];
  /** Cycles of the shortest period (day) in the second profile. @defaultValue 3 */
  readonly shortCycles: number;
  /** Largest half-width of the smoothing of past values, as a duration. @defaultValue 30 min */
  readonly maxSmoothingMs: number;
  /** Residuals relative to the level (multiplicative), absolute, or the average of both models. @defaultValue 'combined' */
  readonly residualScaling: 'combined' | 'relative' | 'absolute';
  /** History used to fit the correction. @defaultValue 8 weeks */
  readonly trainingWindowMs: number;
  /** Origins per anchor lead the correction is fitted on. @defaultValue 1500 */
  readonly maxTrainingOrigins: number;
  /** History replayed to calibrate the quantiles. @defaultValue 4 weeks */
  readonly calibrationWindowMs: number;
  /** @defaultValue 1500 */
  readonly maxCalibrationOrigins: number;
  /** Move each band's level by the coverage shortfall measured on the most recent quarter of the replayed errors. @defaultValue true */
  readonly recentCoverageCheck: boolean;
  /** Relative ridge on the correction's coefficients. @defaultValue 1e-3 */
  readonly ridge: number;
  /** Huber threshold in robust standard deviations. @defaultValue 2 */
  readonly huberScale: number;
  /** Trailing window of the level base when no seasonality is found. @defaultValue 30 min */
  readonly levelWindowMs: number;
  /** Short residual window (about an hour). @defaultValue 1 h */
  readonly shortWindowMs: number;
  /** Split the upper band into noise and a reserve for unscheduled pulses. @defaultValue true */
  readonly pulseReserve: boolean;
  /**
   * A fit passed back in (`priorFit`) is reused until it is between ½ and 1 × this old (by the
   * workload's name), then refit; 0 = refit every time (demand-fit.ts). @defaultValue 24 h
   */
  readonly refitAfterMs: number;
}

export const DEFAULT_FORECASTER_PARAMS: ForecasterParams = {
  stepMs: undefined,
  timeZone: undefined,
  periodsBuckets: undefined,
  minAutocorrelation: 0.2,
  cycleCandidates: [2, 3, 4, 6],
  shortCycles: 3,
  maxSmoothingMs: 30 * MINUTE_MS,
  residualScaling: 'combined',
  trainingWindowMs: 56 * DAY_MS,
  maxTrainingOrigins: 1500,
  calibrationWindowMs: 28 * DAY_MS,
  maxCalibrationOrigins: 1500,
  recentCoverageCheck: true,
  ridge: 1e-3,
  huberScale: 2,
  levelWindowMs: 30 * MINUTE_MS,
  shortWindowMs: HOUR_MS,
  pulseReserve: true,
  refitAfterMs: DAY_MS,
};

export function resolveParams(overrides: Partial<ForecasterParams> | undefined): ForecasterParams {
  return { ...DEFAULT_FORECASTER_PARAMS, ...(overrides ?? {}) };
}
