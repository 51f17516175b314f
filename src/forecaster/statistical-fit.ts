/**
 * The event-free part of the forecast: detect the seasonality, choose how many past cycles to
 * average and how much to smooth them, fit the short-horizon correction, and calibrate quantiles
 * on the model's own replayed errors. Pure; `values` must already have calendar events masked out
 * (NaN) so they do not count as normal traffic.
 */
import { InputError } from '../domain/errors.ts';
import { DAY_MS } from '../domain/units.ts';
import {
  levelStructure, PrefixSums, profileReader, seasonalStructure, type BaseStructure,
} from './base-structure.ts';
import { calibrateErrors, collectLeadErrors, type ErrorCalibration } from './error-calibration.ts';
import { localLagIndex, type LagIndex } from './local-time-lags.ts';
import type { ForecasterParams } from './params.ts';
import { detectSeasonalPeriods, type DetectedPeriod } from './period-detection.ts';
import {
  anchorLeads, CORRECTION_FEATURES, fitCorrection, predictWithCorrection, type CorrectionModel, type CorrectionWindows,
} from './residual-correction.ts';

export interface StatisticalFitInput {
  readonly values: Float64Array;
  /** Epoch ms of values[0] (for local-time seasonal lags). */
  readonly startMs: number;
  readonly stepMs: number;
  /** Buckets to forecast after the last value. */
  readonly horizon: number;
  /** Quantiles the calibration must serve well (their mirrors are added for the pulse reserve). */
  readonly quantiles: readonly number[];
  readonly params: ForecasterParams;
}

export interface StatisticalFit {
  readonly description: string;
  readonly periods: readonly DetectedPeriod[];
  readonly cyclesLong: number;
  readonly smoothingHalfWidth: number;
  /** Point forecast for leads 1..horizon (bucket n + lead − 1). */
  readonly point: Float64Array;
  readonly calibration: ErrorCalibration;
  /** What a normal bucket at a past `index` looked like (for learning event uplifts); NaN = unknown. */
  profileAt(index: number): number;
}

/** Fewer finite buckets than this and no model is meaningful. */
export const MIN_HISTORY_BUCKETS = 12;

interface Member {
  structure: BaseStructure;
  correction: CorrectionModel;
  fromOrigin: number;
}

export function fitStatisticalModel(input: StatisticalFitInput): StatisticalFit {
  const { values, stepMs, horizon, params } = input;
  const n = values.length;
  let finite = 0;
  for (const value of values) if (Number.isFinite(value)) finite++;
  if (finite < MIN_HISTORY_BUCKETS) {
    throw new InputError(`history too short: ${finite} usable buckets, need at least ${MIN_HISTORY_BUCKETS}`, { field: 'history' });
  }
  const raw = new PrefixSums(values);
  const periods: DetectedPeriod[] = params.periodsBuckets !== undefined
    ? params.periodsBuckets.filter((period) => period >= 2 && period * 2 <= n)
      .map((period) => ({ periodBuckets: period, autocorrelation: Number.NaN, label: 'other' as const }))
    : detectSeasonalPeriods(values, { stepMs, minAutocorrelation: params.minAutocorrelation });
  // Traffic cycles are set by the calendar: when a daily or weekly cycle is found, other lags that
  // happen to correlate (11 days on NASA, through its gaps) are not used as seasons.
  const calendarPeriods = periods.filter((period) => period.label !== 'other');
  const periodLengths = (calendarPeriods.length > 0 ? calendarPeriods : periods).map((period) => period.periodBuckets);
  const scalings = params.residualScaling === 'combined' ? [1, 0] : [params.residualScaling === 'relative' ? 1 : 0];
  const calibrationQuantiles = withMirrors(input.quantiles);

  const trainingWindow = Math.max(1, Math.round(params.trainingWindowMs / stepMs));
  const calibrationWindow = Math.max(1, Math.round(params.calibrationWindowMs / stepMs));
  const anchors = anchorLeads(horizon);

  let cyclesLong = 0;
  let smoothingHalfWidth = 0;
  let profileAt: (index: number) => number;
  let buildStructure: (scaleExponent: number) => { structure: BaseStructure; windows: CorrectionWindows; fromOrigin: number };

  if (periodLengths.length > 0) {
    const longPeriod = periodLengths[periodLengths.length - 1] as number;
    const shortPeriod = periodLengths[0] as number;
    const lagIndex = localLagIndex(input.startMs, stepMs, n + horizon, params.timeZone);
    ({ cyclesLong, smoothingHalfWidth } = chooseProfileShape({ values, raw, period: longPeriod, stepMs, params, lagIndex }));
    const reader = profileReader(values, smoothingHalfWidth, cyclesLong, raw, lagIndex);
    profileAt = (index) => reader(index, index, longPeriod, cyclesLong);
    const shortWindow = clamp(Math.round(params.shortWindowMs / stepMs), 2, Math.max(2, Math.floor(shortPeriod / 4)));
    const windows: CorrectionWindows = { shortWindow, longWindow: shortPeriod };
    const fromOrigin = Math.max(longPeriod + 1, n - trainingWindow);
    buildStructure = (scaleExponent) => ({
      structure: seasonalStructure({
        values, periods: periodLengths, cyclesLong, cyclesShort: params.shortCycles, smoothingHalfWidth, scaleExponent,
        startIndex: Math.max(0, Math.min(fromOrigin, n - calibrationWindow) - shortPeriod - 1), endIndex: n + horizon, prefixSums: raw, lagIndex,
      }),
      windows,
      fromOrigin: Math.min(fromOrigin, Math.max(longPeriod + 1, n - horizon - 1)),
    });
  } else {
    const levelWindow = chooseLevelWindow(values, raw, clamp(Math.round(params.levelWindowMs / stepMs), 3, Math.max(3, Math.floor(n / 2))), horizon);
    profileAt = (index) => raw.mean(index - levelWindow, index);
    const windows: CorrectionWindows = {
      shortWindow: Math.max(1, Math.round(levelWindow / 12)),
      longWindow: Math.max(2, Math.round(levelWindow / 3)),
    };
    buildStructure = (scaleExponent) => ({
      structure: levelStructure({ values, levelWindow, scaleExponent }),
      windows,
      fromOrigin: Math.max(windows.shortWindow + 1, n - trainingWindow),
    });
  }

  // With 'combined', one model with relative and one with absolute residuals are fitted and their
  // forecasts averaged: relative residuals win at short leads on nyc_taxi (a level shift scales with
  // the profile), absolute ones further out, and the average beat picking either per lead from the
  // replayed errors.
  const members: Member[] = scalings.map((scaleExponent) => {
    const { structure, windows, fromOrigin } = buildStructure(scaleExponent);
    const correction = fitCorrection({
      values, structure, windows, horizon, fromOrigin,
      maxOrigins: params.maxTrainingOrigins, ridge: params.ridge, huberScale: params.huberScale,
    });
    return { structure, correction, fromOrigin };
  });
  const scratch = { features: new Float64Array(CORRECTION_FEATURES), beta: new Float64Array(CORRECTION_FEATURES) };
  const predict = (origin: number, lead: number): number => {
    let sum = 0;
    let count = 0;
    for (const member of members) {
      const value = predictWithCorrection(member.structure, member.correction, origin, lead, scratch);
      if (Number.isFinite(value)) {
        sum += value;
        count++;
      }
    }
    return count > 0 ? sum / count : Number.NaN;
  };
  const first = members[0] as Member;
  const samples = collectLeadErrors({
    values, anchors, maxOrigins: params.maxCalibrationOrigins,
    fromOrigin: Math.max(first.structure.firstOrigin, first.fromOrigin, n - calibrationWindow),
    predict,
  });

  const point = new Float64Array(horizon);
  for (let lead = 1; lead <= horizon; lead++) {
    let value = predict(n, lead);
    if (!Number.isFinite(value)) value = first.structure.base(n, n + lead - 1);
    point[lead - 1] = Number.isFinite(value) ? value : raw.mean(n - Math.max(1, Math.min(n, 48)), n);
  }
  const scalingNote = scalings.map((exponent) => (exponent === 1 ? 'relative' : exponent === 0 ? 'absolute' : 'sqrt')).join('+');

  return {
    description: `${first.structure.description}${periodLengths.length > 0 ? ` K=${cyclesLong} w=${smoothingHalfWidth}` : ''}+correction(${scalingNote})`,
    periods,
    cyclesLong,
    smoothingHalfWidth,
    point,
    calibration: calibrateErrors(samples, calibrationQuantiles, { recentCoverageCheck: params.recentCoverageCheck }),
    profileAt,
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

export function withMirrors(quantiles: readonly number[]): number[] {
  const all = new Set<number>([0.5]);
  for (const quantile of quantiles) {
    all.add(quantile);
    all.add(Number((1 - quantile).toFixed(12)));
  }
  return [...all].sort((a, b) => a - b);
}

/**
 * Chooses the number of past cycles and the smoothing half-width whose profile alone best predicts
 * the recent history (mean absolute error over up to 2,000 recent buckets). Cheap: no fitting.
 */
function chooseProfileShape(input: {
  values: Float64Array;
  raw: PrefixSums;
  period: number;
  stepMs: number;
  params: ForecasterParams;
  lagIndex: LagIndex;
}): {
  cyclesLong: number;
  smoothingHalfWidth: number;
} {
  const { values, raw, period, stepMs, params } = input;
  const n = values.length;
  const availableCycles = Math.max(1, Math.floor(n / period) - 1);
  const cycleOptions = [...new Set(params.cycleCandidates.map((cycles) => clamp(cycles, 1, availableCycles)))];
  const maxHalfWidth = Math.floor(params.maxSmoothingMs / stepMs);
  const widthOptions = [0, 1, 2, 4, 8, 16, 32].filter((width) => width <= maxHalfWidth);
  const evaluationWindow = Math.min(n - period, Math.round((14 * DAY_MS) / stepMs));
  const from = n - Math.max(1, evaluationWindow);
  const stride = Math.max(1, Math.ceil((n - from) / 2000));
  let best = { cyclesLong: cycleOptions[0] as number, smoothingHalfWidth: 0 };
  let bestError = Number.POSITIVE_INFINITY;
  for (const width of widthOptions) {
    for (const cycles of cycleOptions) {
      const reader = profileReader(values, width, cycles, raw, input.lagIndex);
      let sum = 0;
      let count = 0;
      for (let index = n - 1; index >= from; index -= stride) {
        const actual = values[index] as number;
        if (!Number.isFinite(actual)) continue;
        const predicted = reader(index, index, period, cycles);
        if (!Number.isFinite(predicted)) continue;
        sum += Math.abs(actual - predicted);
        count++;
      }
      const error = count > 0 ? sum / count : Number.POSITIVE_INFINITY;
      if (error < bestError) {
        bestError = error;
        best = { cyclesLong: cycles, smoothingHalfWidth: width };
      }
    }
  }
  return best;
}

/**
 * Without seasonality the base is a trailing mean; its length is chosen among 1/16…1 of the
 * configured window by how well it predicts the next `horizon` buckets over the history (mean
 * absolute error, up to 1,000 origins). Slowly varying traffic wants a short window, bursty traffic
 * a long one.
 */
function chooseLevelWindow(values: Float64Array, raw: PrefixSums, maxWindow: number, horizon: number): number {
  const n = values.length;
  const options = [...new Set([1, 2, 4, 8, 16].map((divisor) => Math.max(3, Math.round(maxWindow / divisor))))];
  const reach = Math.max(1, Math.min(horizon, Math.floor(n / 4)));
  const from = Math.max(...options) + 1;
  const stride = Math.max(1, Math.ceil((n - reach - from) / 1000));
  let best = maxWindow;
  let bestError = Number.POSITIVE_INFINITY;
  for (const window of options) {
    let sum = 0;
    let count = 0;
    for (let origin = from; origin + reach <= n; origin += stride) {
      const level = raw.mean(origin - window, origin);
      const future = raw.mean(origin, origin + reach);
      if (!Number.isFinite(level) || !Number.isFinite(future)) continue;
      sum += Math.abs(future - level);
      count++;
    }
    const error = count > 0 ? sum / count : Number.POSITIVE_INFINITY;
    if (error < bestError) {
      bestError = error;
      best = window;
    }
  }
  return best;
}
