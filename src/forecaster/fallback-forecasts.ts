/**
 * The later steps of the forecaster's fallback order (FORECAST_METHODS), used when the full model
 * (and the same with a shorter seasonality) cannot give a finite band everywhere:
 *
 * - recent-level: the mean observed rate over the last `levelWindowMs` (at least 3 buckets), each
 *   bucket first divided by the calendar uplift in force then (and livestream pulses subtracted), so
 *   a promotion already running is not counted twice; that level × the calendar's uplift ahead
 *   (event-overlays.ts) is the median. Bands: the replayed errors of that trailing mean over the
 *   observed history (error-calibration.ts).
 * - recent-maximum: the largest observed rate over the last day, flat, as every quantile.
 *
 * And the helpers every step shares to describe its events. Pure.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import type { BandReserve, ForecastComponent } from '../domain/forecast.ts';
import type { RegularSeries } from '../domain/series.ts';
import { DAY_MS, formatDurationMs } from '../domain/units.ts';
import { calibrateErrors, collectLeadErrors } from './error-calibration.ts';
import { overlayEvents, type EventComponent } from './event-overlays.ts';
import { meanPromotionFraction, meanPulseRps, meanRetailFraction } from './event-shape-integrals.ts';
import type { ForecasterParams } from './params.ts';
import { bandsAround } from './quantile-bands.ts';
import { anchorLeads } from './residual-correction.ts';
import { withMirrors } from './statistical-fit.ts';

export interface StageContext {
  /** History before now, in the forecast's bucket (events not masked). */
  readonly series: RegularSeries;
  /** The same with calendar events' buckets NaN. */
  readonly masked: Float64Array;
  /** Occurrences of this workload's events over the history and the horizon. */
  readonly occurrences: readonly EventOccurrence[];
  readonly quantiles: readonly number[];
  readonly params: ForecasterParams;
  /** Output buckets: indices [outputFrom, outputFrom + outputLength) from the history's start. */
  readonly outputFrom: number;
  readonly outputLength: number;
  /** Leads the statistical model forecasts (the output plus a margin for daily-window edges). */
  readonly statisticalHorizon: number;
}

export interface StageForecast {
  readonly bands: Float64Array[];
  readonly reserves: BandReserve[];
  readonly components: ForecastComponent[];
  readonly model: string;
}

/** Smallest window the recent level is averaged over, in buckets. */
const MIN_LEVEL_BUCKETS = 3;
/** How far back the recent maximum looks. */
const RECENT_MAXIMUM_WINDOW_MS = DAY_MS;

/** Step 3: level of the recent observed rate (net of the uplift in force) × the calendar's uplift ahead. Returns why not when it cannot. */
export function recentLevelForecast(context: StageContext): StageForecast | string {
  const { series, masked, occurrences, quantiles, params, outputFrom, outputLength } = context;
  const { values, startMs, stepMs } = series;
  const n = values.length;
  const window = Math.min(n, Math.max(MIN_LEVEL_BUCKETS, Math.round(params.levelWindowMs / stepMs)));
  const overlayFor = (futureMedian: Float64Array): ReturnType<typeof overlayEvents> => overlayEvents({
    occurrences, history: values, maskedHistory: masked, historyStartMs: startMs, stepMs,
    profileAt: () => Number.NaN, futureMedian, baselineHasDailyWindows: false, outputFrom, outputLength,
  });
  // The factors the overlay uses (learned, stated or fallback), to take the uplift out of the recent rate.
  const factors = new Map(overlayFor(new Float64Array(context.statisticalHorizon).fill(1)).components
    .flatMap((component) => (component.factor !== undefined ? [[component.name, component.factor] as const] : [])));

  let sum = 0;
  let count = 0;
  for (let index = n - window; index < n; index++) {
    const value = values[index] as number;
    if (!Number.isFinite(value)) continue;
    const fromMs = startMs + index * stepMs;
    const effect = eventEffectAt(occurrences, factors, fromMs, fromMs + stepMs);
    sum += Math.max(0, value - effect.additiveRps) / Math.max(0.05, effect.multiplier);
    count++;
  }
  if (count === 0) return `no observation in the last ${formatDurationMs(window * stepMs)}`;
  const level = sum / count;

  const overlay = overlayFor(new Float64Array(context.statisticalHorizon).fill(level));
  const baseline = new Float64Array(outputLength).fill(level);
  const total = Float64Array.from(baseline);
  for (const component of overlay.components) {
    for (let i = 0; i < outputLength; i++) total[i] = Math.max(0, (total[i] as number) + (component.values[i] as number));
  }

  // How wrong a trailing mean of `window` buckets has been over the observed history, per lead.
  const prefix = new Float64Array(n + 1);
  const counts = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const value = values[i] as number;
    prefix[i + 1] = (prefix[i] as number) + (Number.isFinite(value) ? value : 0);
    counts[i + 1] = (counts[i] as number) + (Number.isFinite(value) ? 1 : 0);
  }
  const trailingMean = (origin: number): number => {
    const seen = (counts[origin] as number) - (counts[origin - window] as number);
    return seen > 0 ? ((prefix[origin] as number) - (prefix[origin - window] as number)) / seen : Number.NaN;
  };
  const samples = collectLeadErrors({
    values, anchors: anchorLeads(context.statisticalHorizon), fromOrigin: window, maxOrigins: params.maxCalibrationOrigins,
    predict: (origin) => trailingMean(origin),
  });
  const kept = samples.anchors.flatMap((_, a) => ((samples.errors[a] as Float64Array).length > 0 ? [a] : []));
  if (kept.length === 0) return `no past origin in ${n} buckets to measure a ${window}-bucket level's error on`;
  const calibration = calibrateErrors({
    anchors: kept.map((a) => samples.anchors[a] as number),
    errors: kept.map((a) => samples.errors[a] as Float64Array),
    levels: kept.map((a) => samples.levels[a] as Float64Array),
  }, withMirrors(quantiles));
  const { bands, reserves } = bandsAround({ total, calibration, firstLead: outputFrom - n + 1, quantiles, pulseReserve: params.pulseReserve });
  const netOf = occurrences.some((occurrence) => occurrence.startMs < startMs + n * stepMs && occurrence.endMs > startMs + (n - window) * stepMs)
    ? ' net of the uplift in force' : '';
  return {
    bands,
    reserves,
    components: [{ kind: 'baseline', name: 'baseline', values: baseline }, ...overlay.components.map(toForecastComponent)],
    model: `recent-level(mean of the last ${window} buckets${netOf})${eventNote(overlay.components)}`,
  };
}

/** Step 4: the largest observed rate over the last day, flat. */
export function recentMaximumForecast(context: StageContext): StageForecast | string {
  const { series, quantiles, params, outputLength } = context;
  const n = series.values.length;
  const window = Math.min(n, Math.max(1, Math.round(RECENT_MAXIMUM_WINDOW_MS / series.stepMs)));
  let maximum = Number.NEGATIVE_INFINITY;
  for (let index = n - window; index < n; index++) {
    const value = series.values[index] as number;
    if (Number.isFinite(value) && value > maximum) maximum = value;
  }
  if (!Number.isFinite(maximum)) return `no observation in the last ${formatDurationMs(window * series.stepMs)}`;
  const flat = (): Float64Array => new Float64Array(outputLength).fill(Math.max(0, maximum));
  return {
    bands: quantiles.map(flat),
    reserves: params.pulseReserve
      ? quantiles.filter((quantile) => quantile > 0.5).map((quantile) => ({
        kind: 'pulse-reserve' as const, name: `pulse-reserve:p${Number((quantile * 100).toPrecision(6))}`, quantile, values: new Float64Array(outputLength),
      }))
      : [],
    components: [{ kind: 'baseline', name: 'baseline', values: flat() }],
    model: `recent-maximum(largest of the last ${window} buckets, flat)`,
  };
}

/** The calendar's effect on bucket [fromMs, toMs): a multiplier on the normal level and pulses on top. */
function eventEffectAt(
  occurrences: readonly EventOccurrence[], factors: ReadonlyMap<string, number>, fromMs: number, toMs: number,
): { multiplier: number; additiveRps: number } {
  let multiplier = 1;
  let additiveRps = 0;
  for (const occurrence of occurrences) {
    if (occurrence.endMs <= fromMs || occurrence.startMs >= toMs) continue;
    const share = occurrence.trafficShare ?? 1;
    const event = occurrence.event;
    if (event.kind === 'livestream') {
      additiveRps += share * meanPulseRps(event, occurrence.startMs, occurrence.endMs, fromMs, toMs);
      continue;
    }
    const factor = factors.get(`${occurrence.kind}:${occurrence.eventId}`)
      ?? (event.uplift.kind === 'expected' ? event.uplift.factor : event.uplift.fallbackFactor);
    const fraction = event.kind === 'promotion'
      ? meanPromotionFraction(event, occurrence.startMs, occurrence.endMs, fromMs, toMs)
      : meanRetailFraction(occurrence.startMs, occurrence.endMs, fromMs, toMs);
    multiplier += (factor - 1) * share * fraction;
  }
  return { multiplier, additiveRps };
}

export function toForecastComponent(component: EventComponent): ForecastComponent {
  return {
    kind: component.kind,
    name: component.name,
    values: component.values,
    ...(component.factor !== undefined && component.factorSource !== undefined
      ? { uplift: { factor: component.factor, source: component.factorSource, occurrences: component.learnedFrom ?? 0 } }
      : {}),
  };
}

/** `+events(promotion:a×2.20 stated, promotion:b×1.93 learned from 2 occurrences)`, or '' without events. */
export function eventNote(components: readonly EventComponent[]): string {
  if (components.length === 0) return '';
  const describe = (component: EventComponent): string => {
    if (component.factor === undefined) return component.name;
    const learned = component.factorSource === 'learned'
      ? ` learned from ${component.learnedFrom ?? 0} occurrence${component.learnedFrom === 1 ? '' : 's'}`
      : ` ${component.factorSource ?? ''}`;
    return `${component.name}×${component.factor.toFixed(2)}${learned}`;
  };
  return `+events(${components.map(describe).join(', ')})`;
}

/** One line per event whose uplift was to be learned but had no past occurrence in the history to learn from. */
export function upliftWarnings(components: readonly ForecastComponent[]): string[] {
  return components.flatMap((component) => (component.uplift?.source === 'fallback'
    ? [`${component.name}: no past occurrence in the history to learn the uplift from; using the calendar's fallback uplift ×${component.uplift.factor.toFixed(2)}`]
    : []));
}

export function countFinite(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) count++;
  return count;
}
