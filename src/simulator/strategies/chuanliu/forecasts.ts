/**
 * The forecasts the chuanliu strategy plans with: one `forecastDemand` per online workload from
 * its history (before the run, plus what monitoring reported since), and the provisioning bands the
 * planner is given.
 *
 * Provisioning band = band × (1 + headroom) + σ·√band: a forecast is of bucket means (one minute),
 * while requests arrive independently and are served second by second; a Poisson stream at a mean of
 * λ requests/s has a per-second spread of √λ, so σ such spreads on top keep a bucket whose mean is
 * right from spilling over in its busiest seconds (the figure matters for small services: √200 is
 * 7 % of 200, √12000 is 1 %). The guard compares live rates with the plain band.
 */
import type { EventOccurrence } from '../../../domain/calendar.ts';
import { bandFor, type Forecast } from '../../../domain/forecast.ts';
import type { OnlineWorkload } from '../../../domain/workload.ts';
import { forecastDemand } from '../../../forecaster/forecast-demand.ts';
import type { ForecasterParams } from '../../../forecaster/params.ts';
import type { HistoryBuffer } from './history-buffer.ts';

export interface ForecastSettings {
  readonly horizonMs: number;
  /** Every quantile the plan and the guard read. */
  readonly quantiles: readonly number[];
  /** Fewer than this many finite buckets of history: no forecast (the plan follows observed demand). */
  readonly minHistoryBuckets: number;
  readonly params: Partial<ForecasterParams>;
  /** Multiplies the band: 0.1 = 10 % above. */
  readonly headroomFraction: number;
  /** Per-second arrival spreads (√band) added on top. */
  readonly arrivalNoiseSigmas: number;
}

export interface WorkloadForecast {
  /** What the forecaster said. */
  readonly raw: Forecast;
  /** The same with the provisioning margin on every upper band: what the planner is given. */
  readonly provisioning: Forecast;
}

/** Forecasts every online workload with enough history; the others are left out (planned from observed demand). */
export function forecastWorkloads(options: {
  readonly nowMs: number;
  readonly online: readonly OnlineWorkload[];
  readonly histories: readonly HistoryBuffer[];
  readonly occurrences: readonly EventOccurrence[];
  readonly settings: ForecastSettings;
}): Map<string, WorkloadForecast> {
  const forecasts = new Map<string, WorkloadForecast>();
  options.online.forEach((workload, position) => {
    const history = options.histories[position] as HistoryBuffer;
    if (history.finiteCount() < options.settings.minHistoryBuckets) return;
    const raw = forecastDemand({
      workload: workload.name,
      history: history.series(),
      nowMs: options.nowMs,
      horizonMs: options.settings.horizonMs,
      quantiles: options.settings.quantiles,
      occurrences: options.occurrences,
      params: options.settings.params,
    });
    forecasts.set(workload.name, { raw, provisioning: withMargin(raw, options.settings) });
  });
  return forecasts;
}

/** Upper bands (q > 0.5) raised by the headroom and the per-second arrival spread. */
export function withMargin(forecast: Forecast, settings: Pick<ForecastSettings, 'headroomFraction' | 'arrivalNoiseSigmas'>): Forecast {
  if (settings.headroomFraction === 0 && settings.arrivalNoiseSigmas === 0) return forecast;
  const bands = forecast.bands.map((band, k) => {
    if ((forecast.quantiles[k] as number) <= 0.5) return band;
    return Float64Array.from(band, (value) => (Number.isFinite(value) && value > 0
      ? value * (1 + settings.headroomFraction) + settings.arrivalNoiseSigmas * Math.sqrt(value)
      : value));
  });
  return { ...forecast, bands, model: `${forecast.model}+margin(${Math.round(settings.headroomFraction * 100)}%, ${settings.arrivalNoiseSigmas}σ√λ)` };
}

/** The band of `quantile` at `timeMs`; NaN outside the forecast (the guard then judges nothing). */
export function bandAt(forecast: Forecast | undefined, quantile: number, timeMs: number): number {
  if (forecast === undefined) return Number.NaN;
  const index = Math.floor((timeMs - forecast.startMs) / forecast.stepMs);
  const band = bandFor(forecast, quantile);
  return index >= 0 && index < band.length ? (band[index] as number) : Number.NaN;
}
