/**
 * The forecaster's public entry point: demand quantile bands per bucket for one workload, with the
 * share of each peak component. A pure function of (history, occurrences, parameters, now): the
 * same inputs give the same forecast bit for bit, and nothing at or after `nowMs` is read.
 *
 * Steps: keep the history strictly before now (optionally averaged into a coarser bucket); mask the
 * buckets of past promotions and livestreams so they do not pass for normal traffic; fit the
 * statistical baseline (statistical-fit.ts); overlay the calendar's events (event-overlays.ts); put
 * the calibrated error quantiles around the total, and split the upper tail into noise and a
 * reserve for unscheduled pulses.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import { InputError } from '../domain/errors.ts';
import type { BandReserve, Forecast, ForecastComponent } from '../domain/forecast.ts';
import { seriesBefore, type RegularSeries } from '../domain/series.ts';
import { isValidTimeZone } from '../domain/time-zones.ts';
import { DAY_MS } from '../domain/units.ts';
import { scaleFor, scaledErrorQuantile } from './error-calibration.ts';
import { overlayEvents } from './event-overlays.ts';
import { resolveParams, type ForecasterParams } from './params.ts';
import { fitStatisticalModel } from './statistical-fit.ts';

export interface ForecastDemandInput {
  readonly workload: string;
  /** Observed demand; only buckets that end at or before `nowMs` are used. */
  readonly history: RegularSeries;
  /** The time the forecast is made at (an input: the forecaster reads no clock). */
  readonly nowMs: number;
  /** How far after `nowMs` the forecast reaches. */
  readonly horizonMs: number;
  /** Quantiles in (0, 1), e.g. [0.5, 0.9, 0.99]. Sorted and de-duplicated in the output. */
  readonly quantiles: readonly number[];
  /**
   * Calendar occurrences (from `eventOccurrences`). Pass the history's range too, not only the
   * horizon: past daily windows are what in-store uplifts are learned from. Occurrences of events
   * whose `workloads` list names other workloads are ignored.
   */
  readonly occurrences?: readonly EventOccurrence[];
  readonly params?: Partial<ForecasterParams>;
}

/** A forecast never reaches further than this many buckets (guards against a typo'd horizon). */
const MAX_HORIZON_BUCKETS = 100_000;

export function forecastDemand(input: ForecastDemandInput): Forecast {
  const params = resolveParams(input.params);
  const quantiles = checkQuantiles(input.quantiles);
  if (!(input.horizonMs > 0) || !Number.isFinite(input.horizonMs)) {
    throw new InputError(`horizon must be a positive duration, got ${input.horizonMs} ms`, { field: 'horizon' });
  }
  if (!Number.isFinite(input.nowMs)) throw new InputError('now must be a finite time', { field: 'now' });
  if (params.timeZone !== undefined && !isValidTimeZone(params.timeZone)) {
    throw new InputError(`unknown time zone "${params.timeZone}"; expected an IANA name such as Asia/Shanghai`, { field: 'timeZone' });
  }

  const visible = seriesBefore(input.history, input.nowMs);
  const series = params.stepMs !== undefined && params.stepMs !== visible.stepMs ? coarsen(visible, params.stepMs) : visible;
  const { stepMs, startMs } = series;
  const n = series.values.length;
  const historyEndMs = startMs + n * stepMs;
  // The first output bucket is the one containing now; with a history that stops before now, the
  // buckets in between are forecast but not returned.
  const outputFrom = n + Math.max(0, Math.floor((input.nowMs - historyEndMs) / stepMs));
  const outputLength = Math.ceil((input.nowMs + input.horizonMs - (startMs + outputFrom * stepMs)) / stepMs);
  if (outputFrom - n + outputLength > MAX_HORIZON_BUCKETS) {
    throw new InputError(`horizon too long: ${outputFrom - n + outputLength} buckets of ${stepMs} ms (at most ${MAX_HORIZON_BUCKETS})`, { field: 'horizon' });
  }

  const occurrences = (input.occurrences ?? []).filter((occurrence) =>
    occurrence.event.workloads.length === 0 || occurrence.event.workloads.includes(input.workload));
  const masked = maskOneOffEvents(series.values, startMs, stepMs, occurrences);

  // Daily-window edges may sit up to a day after the last output bucket.
  const edgeMargin = occurrences.some((occurrence) => occurrence.kind === 'offline-retail') ? Math.ceil(DAY_MS / stepMs) : 0;
  const statisticalHorizon = outputFrom - n + outputLength + Math.min(edgeMargin, Math.max(1, outputLength));
  const fit = fitStatisticalModel({ values: masked, startMs, stepMs, horizon: statisticalHorizon, quantiles, params });

  // Event-free median per statistical lead.
  const medianShift = (lead: number, level: number): number =>
    scaledErrorQuantile(fit.calibration, lead, 0.5) * scaleFor(fit.calibration, level);
  const futureMedian = Float64Array.from(fit.point, (value, i) => Math.max(0, value + medianShift(i + 1, value)));

  const overlay = overlayEvents({
    occurrences, history: series.values, historyStartMs: startMs, stepMs, profileAt: fit.profileAt, futureMedian,
    baselineHasDailyWindows: fit.periods.some((period) => period.label === 'daily' || period.label === 'weekly'),
    outputFrom, outputLength,
  });

  const baseline = new Float64Array(outputLength);
  const total = new Float64Array(outputLength);
  for (let i = 0; i < outputLength; i++) {
    const lead = outputFrom - n + i + 1;
    baseline[i] = Math.max(0, (futureMedian[lead - 1] as number) - (overlay.baselineBump[i] as number));
    let sum = baseline[i] as number;
    for (const component of overlay.components) sum += component.values[i] as number;
    total[i] = Math.max(0, sum);
  }

  const bands = quantiles.map(() => new Float64Array(outputLength));
  const reserves: BandReserve[] = [];
  const upperQuantiles = quantiles.filter((quantile) => quantile > 0.5);
  const reserveValues = upperQuantiles.map(() => new Float64Array(outputLength));
  for (let i = 0; i < outputLength; i++) {
    const lead = outputFrom - n + i + 1;
    const level = total[i] as number;
    const scale = scaleFor(fit.calibration, level);
    const median = scaledErrorQuantile(fit.calibration, lead, 0.5);
    let previous = 0;
    quantiles.forEach((quantile, k) => {
      const offset = scaledErrorQuantile(fit.calibration, lead, quantile) - median;
      let value = level + offset * scale;
      if (quantile > 0.5 && params.pulseReserve) {
        // The lower tail mirrored is what ordinary noise gives; the rest of the upper tail is pulses.
        const mirrored = median - scaledErrorQuantile(fit.calibration, lead, 1 - quantile);
        const reserve = Math.max(0, offset - Math.max(0, mirrored)) * scale;
        (reserveValues[upperQuantiles.indexOf(quantile)] as Float64Array)[i] = reserve;
      }
      if (Math.abs(quantile - 0.5) < 1e-12) value = level;
      value = Math.max(previous, value, 0);
      (bands[k] as Float64Array)[i] = value;
      previous = value;
    });
  }
  if (params.pulseReserve) {
    upperQuantiles.forEach((quantile, k) => reserves.push({
      kind: 'pulse-reserve', name: `pulse-reserve:p${Number((quantile * 100).toPrecision(6))}`, quantile, values: reserveValues[k] as Float64Array,
    }));
  }

  const components: ForecastComponent[] = [
    { kind: 'baseline', name: 'baseline', values: baseline },
    ...overlay.components.map((component) => ({ kind: component.kind, name: component.name, values: component.values })),
  ];
  const eventNote = overlay.components.length > 0
    ? `+events(${overlay.components.map((c) => (c.factor !== undefined ? `${c.name}×${c.factor.toFixed(2)} ${c.factorSource}` : c.name)).join(', ')})`
    : '';
  return {
    workload: input.workload,
    issuedAtMs: input.nowMs,
    startMs: startMs + outputFrom * stepMs,
    stepMs,
    unit: series.unit,
    quantiles,
    bands,
    components,
    model: `${fit.description}${eventNote}${params.pulseReserve ? '+pulse-reserve' : ''}`,
    reserves,
  };
}

function checkQuantiles(quantiles: readonly number[]): number[] {
  if (quantiles.length === 0) throw new InputError('at least one quantile is needed', { field: 'quantiles' });
  for (const quantile of quantiles) {
    if (!(quantile > 0 && quantile < 1)) throw new InputError(`quantile ${quantile} is not in (0, 1)`, { field: 'quantiles' });
  }
  return [...new Set(quantiles)].sort((a, b) => a - b);
}

/** Buckets touched by a promotion or a livestream become NaN: the baseline learns normal traffic. */
function maskOneOffEvents(values: Float64Array, startMs: number, stepMs: number, occurrences: readonly EventOccurrence[]): Float64Array {
  const masked = Float64Array.from(values);
  const pastWindows: { startMs: number; endMs: number }[] = [];
  for (const occurrence of occurrences) {
    if (occurrence.kind === 'livestream') pastWindows.push({ startMs: occurrence.startMs, endMs: occurrence.endMs });
  }
  const learnedPromotions = new Set<string>();
  for (const occurrence of occurrences) {
    const event = occurrence.event;
    if (event.kind !== 'promotion') continue;
    pastWindows.push({ startMs: occurrence.startMs, endMs: occurrence.endMs });
    if (event.uplift.kind === 'learn' && !learnedPromotions.has(event.id)) {
      learnedPromotions.add(event.id);
      for (const pastStartMs of event.uplift.pastStartsMs) pastWindows.push({ startMs: pastStartMs, endMs: pastStartMs + event.durationMs });
    }
  }
  for (const window of pastWindows) {
    const first = Math.max(0, Math.floor((window.startMs - startMs) / stepMs));
    const last = Math.min(values.length - 1, Math.ceil((window.endMs - startMs) / stepMs) - 1);
    for (let i = first; i <= last; i++) masked[i] = Number.NaN;
  }
  return masked;
}

/** Averages the series into buckets of `stepMs` (a whole multiple of its step); half-empty buckets are NaN. */
function coarsen(series: RegularSeries, stepMs: number): RegularSeries {
  const factor = stepMs / series.stepMs;
  if (!Number.isInteger(factor) || factor < 1) {
    throw new InputError(`bucket ${stepMs} ms is not a whole multiple of the history's ${series.stepMs} ms`, { field: 'bucket' });
  }
  const alignedStartMs = Math.ceil(series.startMs / stepMs) * stepMs;
  const skip = Math.round((alignedStartMs - series.startMs) / series.stepMs);
  const count = Math.max(0, Math.floor((series.values.length - skip) / factor));
  const values = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    let sum = 0;
    let finite = 0;
    for (let j = skip + b * factor; j < skip + (b + 1) * factor; j++) {
      const value = series.values[j] as number;
      if (Number.isFinite(value)) {
        sum += value;
        finite++;
      }
    }
    values[b] = finite * 2 >= factor ? sum / finite : Number.NaN;
  }
  return { startMs: alignedStartMs, stepMs, values, unit: series.unit };
}
