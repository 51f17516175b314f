/**
 * The forecaster's public entry point: demand quantile bands per bucket for one workload, with the
 * share of each peak component. A pure function of (history, occurrences, parameters, now): the
 * same inputs give the same forecast bit for bit, and nothing at or after `nowMs` is read.
 *
 * Steps: keep the history strictly before now (optionally averaged into a coarser bucket); mask the
 * buckets of past promotions and livestreams so they do not pass for normal traffic; fit the
 * statistical baseline (statistical-fit.ts); overlay the calendar's events (event-overlays.ts); put
 * the calibrated error quantiles around the total, and split the upper tail into noise and a
 * reserve for unscheduled pulses (quantile-bands.ts).
 *
 * A forecast never has a blank (NaN) band value. When the full model cannot fill every bucket —
 * typically a promotion in progress with only hours of history: its buckets are masked as event
 * traffic, leaving nothing recent to level on — the forecaster falls back in the order of
 * `FORECAST_METHODS` (fallback-forecasts.ts) and says which step it used, and why, in `model`,
 * `method` and `warnings`. With no usable history at all it throws ForecastUnavailableError.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import { ForecastUnavailableError, InputError } from '../domain/errors.ts';
import { FORECAST_METHODS, type Forecast, type ForecastMethod } from '../domain/forecast.ts';
import { seriesBefore, type RegularSeries } from '../domain/series.ts';
import { isValidTimeZone } from '../domain/time-zones.ts';
import { DAY_MS, formatDurationMs } from '../domain/units.ts';
import { fitSettings, fitToReuse, DEMAND_FIT_VERSION, type DemandFit } from './demand-fit.ts';
import { scaleFor, scaledErrorQuantile } from './error-calibration.ts';
import { overlayEvents } from './event-overlays.ts';
import {
  countFinite, eventNote, recentLevelForecast, recentMaximumForecast, toForecastComponent, upliftWarnings,
  type StageContext, type StageForecast,
} from './fallback-forecasts.ts';
import { resolveParams, type ForecasterParams } from './params.ts';
import type { DetectedPeriod } from './period-detection.ts';
import { allFinite, bandsAround } from './quantile-bands.ts';
import { fitStatisticalModel, MIN_HISTORY_BUCKETS, type ReusableFit } from './statistical-fit.ts';

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
  /**
   * This workload's fit from an earlier forecast (`ForecastWithFit.fit`): reused while it is young
   * enough (`params.refitAfterMs`, demand-fit.ts), which skips nine tenths of the work.
   */
  readonly priorFit?: DemandFit;
}

export interface ForecastWithFit {
  readonly forecast: Forecast;
  /**
   * The fit to pass as `priorFit` next time: the new one, or the reused one unchanged. Undefined
   * when the full model was not the method used (a fallback's forecast is never reused).
   */
  readonly fit: DemandFit | undefined;
  /** True when `priorFit` was reused; else why it was not (no earlier fit, due, settings changed…). */
  readonly fitReused: true | string;
}

/** A forecast never reaches further than this many buckets (guards against a typo'd horizon). */
const MAX_HORIZON_BUCKETS = 100_000;

export function forecastDemand(input: ForecastDemandInput): Forecast {
  return forecastDemandWithFit(input).forecast;
}

/** `forecastDemand`, also returning the fit a later forecast of the workload may reuse. */
export function forecastDemandWithFit(input: ForecastDemandInput): ForecastWithFit {
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
  const observed = countFinite(series.values);
  if (observed < MIN_HISTORY_BUCKETS) {
    throw new ForecastUnavailableError('history-too-short',
      `history too short: ${observed} observed buckets of ${formatDurationMs(stepMs)} before now, need at least ${MIN_HISTORY_BUCKETS}`, { field: 'history' });
  }

  const occurrences = (input.occurrences ?? []).filter((occurrence) =>
    occurrence.event.workloads.length === 0 || occurrence.event.workloads.includes(input.workload));
  const masked = maskOneOffEvents(series.values, startMs, stepMs, occurrences);
  // Daily-window edges may sit up to a day after the last output bucket.
  const edgeMargin = occurrences.some((occurrence) => occurrence.kind === 'offline-retail') ? Math.ceil(DAY_MS / stepMs) : 0;
  const context: StageContext = {
    series, masked, occurrences, quantiles, params, outputFrom, outputLength,
    statisticalHorizon: outputFrom - n + outputLength + Math.min(edgeMargin, Math.max(1, outputLength)),
  };

  // The fallback order (FORECAST_METHODS): each step is tried only when the one before could not
  // give a finite band everywhere, and the forecast says which step made it and why.
  const failures: string[] = [];
  let periods: readonly DetectedPeriod[] = [];
  const settings = fitSettings(params, quantiles, stepMs);
  const reuse = fitToReuse(input.priorFit, { workload: input.workload, nowMs: input.nowMs, settings, horizon: context.statisticalHorizon, refitAfterMs: params.refitAfterMs });
  // Set by the full model's attempt: the fit it used, and whether that was the prior one.
  const fitOutcome: { fitted: ReusableFit | undefined; reused: true | string } = {
    fitted: undefined, reused: 'reuse' in reuse ? 'the kept fit was not tried' : reuse.refitBecause,
  };
  const attempt = (method: ForecastMethod, run: () => StageForecast | string): StageForecast | undefined => {
    let result: StageForecast | string;
    try {
      result = run();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      result = error.message;
    }
    if (typeof result === 'string') {
      failures.push(`${method}: ${result}`);
      return undefined;
    }
    if (!allFinite(result.bands)) {
      const blank = result.bands[0]?.filter((value) => !Number.isFinite(value)).length ?? 0;
      failures.push(`${method}: ${blank} of ${outputLength} buckets without a value${maskedTailNote(series, masked)}`);
      return undefined;
    }
    return result;
  };
  const chosen = attempt('full', () => {
    if ('reuse' in reuse) {
      // A reused fit that cannot fill every bucket (the history changed shape under it) is refit.
      const result = reusedForecast(context, reuse.reuse, reuse.ageMs);
      if (typeof result === 'string') fitOutcome.reused = result;
      else {
        fitOutcome.reused = true;
        fitOutcome.fitted = reuse.reuse;
        periods = result.periods;
        return result;
      }
    }
    const result = statisticalForecast(context, undefined, undefined);
    periods = result.periods;
    fitOutcome.fitted = result.reusable;
    return result;
  }) ?? attempt('shorter-seasonality', () => {
    if (periods.length < 2) return `not applicable: the full model had ${periods.length === 0 ? 'no seasonal period' : 'one seasonal period'}`;
    return statisticalForecast(context, [(periods[0] as DetectedPeriod).periodBuckets], undefined);
  }) ?? attempt('recent-level', () => recentLevelForecast(context))
    ?? attempt('recent-maximum', () => recentMaximumForecast(context));
  const method = FORECAST_METHODS[failures.length] as ForecastMethod;
  if (chosen === undefined) {
    throw new ForecastUnavailableError('no-recent-observation', `no forecast could be made: ${failures.join('; ')}`, { field: 'history' });
  }
  const fallbackWarning = failures.length > 0
    ? [`forecast fell back to ${method} (step ${failures.length + 1} of ${FORECAST_METHODS.length}) because ${failures.join('; ')}`]
    : [];
  const forecast: Forecast = {
    workload: input.workload,
    issuedAtMs: input.nowMs,
    startMs: startMs + outputFrom * stepMs,
    stepMs,
    unit: series.unit,
    quantiles,
    bands: chosen.bands,
    components: chosen.components,
    model: failures.length > 0 ? `fallback(${method}): ${chosen.model}` : chosen.model,
    reserves: chosen.reserves,
    method,
    warnings: [...fallbackWarning, ...upliftWarnings(chosen.components)],
  };
  const { fitted, reused } = fitOutcome;
  const fit: DemandFit | undefined = failures.length > 0 || fitted === undefined ? undefined
    : reused === true && input.priorFit !== undefined ? input.priorFit
      : { version: DEMAND_FIT_VERSION, workload: input.workload, fittedAtMs: input.nowMs, settings, statistical: fitted };
  return { forecast, fit, fitReused: reused };
}

/** The full model on a reused fit; why not, when it leaves a bucket blank or no longer fits the history. */
function reusedForecast(context: StageContext, reuse: ReusableFit, ageMs: number): (StageForecast & { periods: readonly DetectedPeriod[] }) | string {
  try {
    const result = statisticalForecast(context, undefined, reuse);
    if (!allFinite(result.bands)) return 'the kept fit left buckets blank';
    return { ...result, model: `${result.model} (fit of ${formatDurationMs(ageMs)} ago reused)` };
  } catch (error) {
    if (error instanceof InputError) return error.bareMessage;
    throw error;
  }
}

/** The full model (or, with `periodsBuckets`, the same with those periods only): statistical baseline + events + calibrated bands. */
function statisticalForecast(
  context: StageContext, periodsBuckets: readonly number[] | undefined, reuse: ReusableFit | undefined,
): StageForecast & { periods: readonly DetectedPeriod[]; reusable: ReusableFit } {
  const { series, masked, occurrences, quantiles, outputFrom, outputLength } = context;
  const { startMs, stepMs } = series;
  const n = series.values.length;
  const params = periodsBuckets !== undefined ? { ...context.params, periodsBuckets } : context.params;
  const fit = fitStatisticalModel({ values: masked, startMs, stepMs, horizon: context.statisticalHorizon, quantiles, params, ...(reuse !== undefined ? { reuse } : {}) });

  // Event-free median per statistical lead.
  const medianShift = (lead: number, level: number): number =>
    scaledErrorQuantile(fit.calibration, lead, 0.5) * scaleFor(fit.calibration, level);
  const futureMedian = Float64Array.from(fit.point, (value, i) => Math.max(0, value + medianShift(i + 1, value)));

  const overlay = overlayEvents({
    occurrences, history: series.values, maskedHistory: masked, historyStartMs: startMs, stepMs, profileAt: fit.profileAt, futureMedian,
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
  const { bands, reserves } = bandsAround({ total, calibration: fit.calibration, firstLead: outputFrom - n + 1, quantiles, pulseReserve: context.params.pulseReserve });
  return {
    bands,
    reserves,
    components: [{ kind: 'baseline', name: 'baseline', values: baseline }, ...overlay.components.map(toForecastComponent)],
    model: `${fit.description}${eventNote(overlay.components)}${context.params.pulseReserve ? '+pulse-reserve' : ''}`,
    periods: fit.periods,
    reusable: fit.reusable,
  };
}

/** Why a statistical model may have nothing recent to go on: the history's tail is inside calendar events. */
function maskedTailNote(series: RegularSeries, masked: Float64Array): string {
  let tail = 0;
  while (tail < masked.length && Number.isNaN(masked[masked.length - 1 - tail] as number)) tail++;
  let eventBuckets = 0;
  for (let i = masked.length - tail; i < masked.length; i++) if (Number.isFinite(series.values[i] as number)) eventBuckets++;
  return eventBuckets > 0 ? ` (the last ${formatDurationMs(tail * series.stepMs)} of history are inside calendar events, kept out of the model as event traffic)` : '';
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
