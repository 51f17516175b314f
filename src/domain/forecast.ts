/**
 * A forecast: per workload and time bucket, demand quantiles plus the share of each peak component,
 * so a person can see *why* a bucket is high.
 */

export type ComponentKind = 'baseline' | 'offline-retail' | 'promotion' | 'livestream' | 'pulse-reserve';

export interface ForecastComponent {
  readonly kind: ComponentKind;
  /** e.g. `baseline`, `promotion:tmall-2000`, `livestream:li-jiaqi-2030`. */
  readonly name: string;
  /** Additive contribution to the median (requests/s) per bucket. */
  readonly values: Float64Array;
  /** For promotions and in-store windows: the uplift factor used and where it came from. */
  readonly uplift?: ComponentUplift;
}

export interface ComponentUplift {
  /** Demand at full effect = factor × baseline. */
  readonly factor: number;
  /** Learned from past occurrences in the history, stated in the calendar, or the calendar's fallback. */
  readonly source: 'learned' | 'stated' | 'fallback';
  /** Past occurrences in the history the factor was fitted on (0 unless learned). */
  readonly occurrences: number;
}

/**
 * How a forecast was made, in the order the forecaster tries them: the full model; the same with
 * only the shortest seasonal period; the level of the recent observed rate (net of the calendar's
 * uplift in force then) × the calendar's uplift ahead; the recent maximum, flat.
 */
export const FORECAST_METHODS = ['full', 'shorter-seasonality', 'recent-level', 'recent-maximum'] as const;
export type ForecastMethod = typeof FORECAST_METHODS[number];

export interface Forecast {
  readonly workload: string;
  /** The `now` the forecast was made at; it saw only history before it. */
  readonly issuedAtMs: number;
  readonly startMs: number;
  readonly stepMs: number;
  readonly unit: string;
  /** Sorted ascending, e.g. [0.5, 0.9, 0.99]. */
  readonly quantiles: readonly number[];
  /** bands[k][i] = quantile `quantiles[k]` of demand in bucket i. Monotone in k. */
  readonly bands: readonly Float64Array[];
  readonly components: readonly ForecastComponent[];
  /** Model description for reports, e.g. `seasonal(1d,7d)+events+reserve`. */
  readonly model: string;
  /** Parts of the upper bands reserved for unscheduled pulses (not part of the median); optional. */
  readonly reserves?: readonly BandReserve[];
  /** Which step of the fallback order made it (`FORECAST_METHODS`); undefined = not recorded (`full`). */
  readonly method?: ForecastMethod;
  /** Things a person must be told: why a fallback was used, an uplift that could not be learned. */
  readonly warnings?: readonly string[];
}

/** The band of `forecast` for quantile `q`; throws when q was not requested. */
export function bandFor(forecast: Forecast, quantile: number): Float64Array {
  const index = forecast.quantiles.findIndex((q) => Math.abs(q - quantile) < 1e-9);
  if (index < 0) {
    throw new RangeError(`forecast for ${forecast.workload} has no quantile ${quantile} (has ${forecast.quantiles.join(', ')})`);
  }
  return forecast.bands[index] as Float64Array;
}

/**
 * The part of an upper quantile band set aside for unscheduled pulses (flash sales nobody put in
 * the calendar, news spikes), learned from the upper-tail excursions of the history. It is not a
 * contribution to the median, so it is kept apart from `components`: for quantile q,
 * band_q = p50 + ordinary noise + reserve.
 */
export interface BandReserve {
  readonly kind: 'pulse-reserve';
  readonly name: string;
  /** The quantile band this reserve is part of, e.g. 0.99. */
  readonly quantile: number;
  /** Requests/s of that band above p50 attributed to pulses, per bucket. */
  readonly values: Float64Array;
}

/** Reserves of a forecast (empty when the forecaster reported none). */
export function reservesOf(forecast: Forecast): readonly BandReserve[] {
  return forecast.reserves ?? [];
}
