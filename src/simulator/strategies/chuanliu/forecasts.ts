/**
 * The forecasts the chuanliu strategy plans with: one `forecastDemand` per online workload from
 * its history (before the run, plus what monitoring reported since), and the provisioning bands the
 * planner is given.
 *
 * Provisioning band = band × (1 + headroom) + z·√(band + (cv·band)²): a forecast is of bucket means
 * (one minute), while requests are served second by second. Independent arrivals at λ requests/s
 * spread by √λ per second, burstier traffic by √(λ + (cv·λ)²) (cv learned from monitoring, see
 * burst-estimator.ts), so z such spreads on top keep a bucket whose mean is right from spilling over
 * in its busiest seconds (√200 is 7 % of 200, √12000 is 1 %). The guard compares live rates with the
 * plain band.
 */
import type { EventOccurrence } from '../../../domain/calendar.ts';
import { livestreamPulseRps } from '../../../domain/event-shapes.ts';
import { meanPulseRps } from '../../../forecaster/event-shape-integrals.ts';
import { bandFor, reservesOf, type Forecast } from '../../../domain/forecast.ts';
import type { OnlineWorkload } from '../../../domain/workload.ts';
import { forecastDemand } from '../../../forecaster/forecast-demand.ts';
import type { ForecasterParams } from '../../../forecaster/params.ts';
import type { HistoryBuffer } from './history-buffer.ts';

export interface ForecastSettings {
  readonly horizonMs: number;
  /** Every quantile the plan and the guard read. */
  readonly quantiles: readonly number[];
  /** Less finite history than this: no forecast (the plan follows observed demand). */
  readonly minHistoryMs: number;
  readonly params: Partial<ForecasterParams>;
}

export interface MarginSettings {
  /** Multiplies the band: 0.1 = 10 % above. */
  readonly headroomFraction: number;
  /** Per-second spreads added on top. */
  readonly arrivalNoiseSigmas: number;
  /** Extra relative per-second spread beyond Poisson arrivals (0 = Poisson). */
  readonly burstCv: number;
  /**
   * Leave the forecaster's pulse reserve (the part of an upper band kept for unscheduled pulses)
   * out of the provisioning band: the reactive guard answers pulses instead.
   */
  readonly withoutPulseReserve?: boolean;
}

/** The forecaster needs at least this many buckets whatever `minHistoryMs` says. */
const MIN_FORECAST_BUCKETS = 12;

/** Forecasts every online workload with enough history; the others are left out (planned from observed demand). */
export function forecastWorkloads(options: {
  readonly nowMs: number;
  readonly online: readonly OnlineWorkload[];
  readonly histories: readonly HistoryBuffer[];
  readonly occurrences: readonly EventOccurrence[];
  readonly settings: ForecastSettings;
}): Map<string, Forecast> {
  const forecasts = new Map<string, Forecast>();
  options.online.forEach((workload, position) => {
    const history = options.histories[position] as HistoryBuffer;
    const minBuckets = Math.max(MIN_FORECAST_BUCKETS, Math.ceil(options.settings.minHistoryMs / history.stepMs));
    if (history.finiteCount() < minBuckets) return;
    const raw = forecastDemand({
      workload: workload.name,
      history: history.series(),
      nowMs: options.nowMs,
      horizonMs: options.settings.horizonMs,
      quantiles: options.settings.quantiles,
      occurrences: options.occurrences,
      params: options.settings.params,
    });
    forecasts.set(workload.name, raw);
  });
  return forecasts;
}

/**
 * Upper bands (q > 0.5) as the planner should provision them: the highest point of the straight
 * line through the bucket centres within each bucket (a coarse bucket's mean hides the top of a
 * ramp inside it; with buckets no wider than a slot this changes nothing the planner reads), then
 * raised by the headroom and the per-second spread.
 */
export function withMargin(forecast: Forecast, margin: MarginSettings, slotMs: number, pulseTopRps?: Float64Array): Forecast {
  const cv2 = margin.burstCv * margin.burstCv;
  const coarse = forecast.stepMs > slotMs;
  const bands = forecast.bands.map((band, k) => {
    const quantile = forecast.quantiles[k] as number;
    if (quantile <= 0.5) return band;
    const reserve = margin.withoutPulseReserve === true
      ? reservesOf(forecast).find((entry) => Math.abs(entry.quantile - quantile) < 1e-9)?.values
      : undefined;
    return Float64Array.from(band, (value, i) => {
      if (!(Number.isFinite(value) && value > 0)) return value;
      let top = value - (reserve?.[i] ?? 0) + (pulseTopRps?.[i] ?? 0);
      if (coarse) {
        const before = band[i - 1];
        const after = band[i + 1];
        if (before !== undefined && Number.isFinite(before)) top = Math.max(top, (before + value) / 2);
        if (after !== undefined && Number.isFinite(after)) top = Math.max(top, (value + after) / 2);
      }
      return top * (1 + margin.headroomFraction) + margin.arrivalNoiseSigmas * Math.sqrt(top + cv2 * top * top);
    });
  });
  const parts = [
    ...(margin.headroomFraction > 0 ? [`+${Math.round(margin.headroomFraction * 100)}%`] : []),
    `${margin.arrivalNoiseSigmas}σ per second (burst cv ${(margin.burstCv * 100).toFixed(1)}%)`,
  ];
  return { ...forecast, bands, model: `${forecast.model}+margin(${parts.join(', ')})` };
}

/**
 * Per forecast bucket: how far the top second of the calendar's livestream pulses lies above their
 * bucket mean (the forecast carries the mean). A pulse rises within seconds and halves within a
 * minute or two, so its first bucket's mean is well below its peak — the peak is what must be
 * served. The shape is the calendar's (domain/event-shapes.ts), weighted by the traffic share.
 */
export function pulseTopRps(forecast: Forecast, occurrences: readonly EventOccurrence[]): Float64Array {
  const length = forecast.bands[0]?.length ?? 0;
  const extra = new Float64Array(length);
  const endMs = forecast.startMs + length * forecast.stepMs;
  for (const occurrence of occurrences) {
    const event = occurrence.event;
    if (event.kind !== 'livestream' || occurrence.endMs <= forecast.startMs || occurrence.startMs >= endMs) continue;
    if (event.workloads.length > 0 && !event.workloads.includes(forecast.workload)) continue;
    const share = occurrence.trafficShare ?? 1;
    const first = Math.max(0, Math.floor((occurrence.startMs - forecast.startMs) / forecast.stepMs));
    const last = Math.min(length - 1, Math.ceil((occurrence.endMs - forecast.startMs) / forecast.stepMs) - 1);
    const peakAtMs = occurrence.startMs + event.pulse.riseMs;
    for (let i = first; i <= last; i++) {
      const fromMs = Math.max(occurrence.startMs, forecast.startMs + i * forecast.stepMs);
      const toMs = Math.min(occurrence.endMs, forecast.startMs + (i + 1) * forecast.stepMs);
      if (toMs <= fromMs) continue;
      // Rise then decay: the top is at the peak when the bucket holds it, else at the edge nearer it.
      const topAtMs = peakAtMs < fromMs ? fromMs : peakAtMs >= toMs ? toMs - 1 : peakAtMs;
      const top = livestreamPulseRps(event, occurrence.startMs, occurrence.endMs, topAtMs);
      const mean = meanPulseRps(event, occurrence.startMs, occurrence.endMs, forecast.startMs + i * forecast.stepMs, forecast.startMs + (i + 1) * forecast.stepMs);
      extra[i] = (extra[i] as number) + share * Math.max(0, top - mean);
    }
  }
  return extra;
}

/** The band of `quantile` at `timeMs`; NaN outside the forecast (the guard then judges nothing). */
export function bandAt(forecast: Forecast | undefined, quantile: number, timeMs: number): number {
  if (forecast === undefined) return Number.NaN;
  const index = Math.floor((timeMs - forecast.startMs) / forecast.stepMs);
  const band = bandFor(forecast, quantile);
  return index >= 0 && index < band.length ? (band[index] as number) : Number.NaN;
}
