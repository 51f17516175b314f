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
import {
  calibrateErrors, calibrationTable, collectLeadErrors, quantilesReadByBands, scaledErrorQuantile, scaleFor, type ErrorCalibration,
} from './error-calibration.ts';
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
  /**
   * A fit made earlier on this workload's history (`StatisticalFit.reusable`): its periods, profile
   * shape, correction coefficients and error calibration are taken as they are; only the base
   * structure is rebuilt on the new history. Skips the fitting and the replayed-error calibration,
   * which are nine tenths of the cost. The caller decides whether it is recent enough.
   */
  readonly reuse?: ReusableFit;
}

/** What a later forecast of the same workload may reuse of a fit: a few hundred numbers. */
export interface ReusableFit {
  readonly periods: readonly DetectedPeriod[];
  readonly cyclesLong: number;
  readonly smoothingHalfWidth: number;
  /** Trailing window of the level base (no seasonality); 0 with seasonal periods. */
  readonly levelWindow: number;
  /** Statistical horizon the correction was fitted for: a later forecast may reach at most this far. */
  readonly horizon: number;
  /** Per residual scaling ('combined' = two), the correction coefficients per anchor lead. */
  readonly corrections: readonly CorrectionModel[];
  /** In table form (`calibrationTable`). */
  readonly calibration: ErrorCalibration;
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
  /** This fit (or the one reused) in the form a later forecast can reuse. */
  readonly reusable: ReusableFit;
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
  const reuse = input.reuse;
  // A fresh fit keeps only periods the history holds twice; a kept fit must still meet that.
  const tooLong = reuse?.periods.find((period) => period.periodBuckets * 2 > n);
  if (tooLong !== undefined) {
    throw new InputError(`the kept fit's period of ${tooLong.periodBuckets} buckets needs ${tooLong.periodBuckets * 2} buckets of history, there are ${n}`, { field: 'history' });
  }
  const periods: readonly DetectedPeriod[] = reuse !== undefined ? reuse.periods : params.periodsBuckets !== undefined
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
  let levelWindow = 0;
  let profileAt: (index: number) => number;
  let buildStructure: (scaleExponent: number) => { structure: BaseStructure; windows: CorrectionWindows; fromOrigin: number };

  if (periodLengths.length > 0) {
    const longPeriod = periodLengths[periodLengths.length - 1] as number;
    const shortPeriod = periodLengths[0] as number;
    const lagIndex = localLagIndex(input.startMs, stepMs, n + horizon, params.timeZone);
    ({ cyclesLong, smoothingHalfWidth } = reuse ?? chooseProfileShape({ values, raw, period: longPeriod, stepMs, params, lagIndex }));
    const reader = profileReader(values, smoothingHalfWidth, cyclesLong, raw, lagIndex);
    profileAt = (index) => reader(index, index, longPeriod, cyclesLong);
    const shortWindow = clamp(Math.round(params.shortWindowMs / stepMs), 2, Math.max(2, Math.floor(shortPeriod / 4)));
    const windows: CorrectionWindows = { shortWindow, longWindow: shortPeriod };
    const fromOrigin = Math.max(longPeriod + 1, n - trainingWindow);
    // A reused fit replays no past origins: the base is needed only as far back as the correction's
    // widest residual window reaches from now.
    const widestWindow = Math.max(windows.longWindow, 4 * windows.shortWindow, 3);
    const startIndex = reuse !== undefined ? n - widestWindow - DRIFT_CHECK_BUCKETS - 1 : Math.min(fromOrigin, n - calibrationWindow) - shortPeriod - 1;
    buildStructure = (scaleExponent) => ({
      structure: seasonalStructure({
        values, periods: periodLengths, cyclesLong, cyclesShort: params.shortCycles, smoothingHalfWidth, scaleExponent,
        startIndex: Math.max(0, startIndex), endIndex: n + horizon, prefixSums: raw, lagIndex,
      }),
      windows,
      fromOrigin: Math.min(fromOrigin, Math.max(longPeriod + 1, n - horizon - 1)),
    });
  } else {
    levelWindow = reuse?.levelWindow || chooseLevelWindow(values, raw, clamp(Math.round(params.levelWindowMs / stepMs), 3, Math.max(3, Math.floor(n / 2))), horizon);
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
  const members: Member[] = scalings.map((scaleExponent, index) => {
    const { structure, windows, fromOrigin } = buildStructure(scaleExponent);
    const kept = reuse?.corrections[index];
    const correction = kept !== undefined ? { ...kept, windows } : fitCorrection({
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
  const calibration = reuse !== undefined
    ? reuse.calibration
    : calibrateErrors(collectLeadErrors({
      values, anchors, maxOrigins: params.maxCalibrationOrigins,
      fromOrigin: Math.max(first.structure.firstOrigin, first.fromOrigin, n - calibrationWindow),
      predict,
    }), calibrationQuantiles, { recentCoverageCheck: params.recentCoverageCheck });

  if (reuse !== undefined) checkKeptFitStillHolds(values, calibration, (origin) => predict(origin, 1));

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
    calibration,
    profileAt,
    reusable: reuse ?? {
      periods, cyclesLong, smoothingHalfWidth, levelWindow, horizon,
      corrections: members.map((member) => member.correction),
      calibration: calibrationTable(calibration, quantilesReadByBands(input.quantiles)),
    },
  };
}

/** The last buckets a kept fit is checked on before it is reused. */
const DRIFT_CHECK_BUCKETS = 8;
/** At least this many of them outside the fit's widest band, and the fit is dropped (see below). */
const DRIFT_OUTSIDE_LIMIT = 4;

/**
 * A kept fit learned how residuals behaved *then*. After a regime change — a level shift, a new
 * daily shape — its correction coefficients can be near zero where a fresh fit would learn that the
 * shift persists (a ×1.5 shift two days after the fit: a fresh fit follows to +43 %, the kept one to
 * +4 %). So before reuse, the kept fit forecasts each of the last DRIFT_CHECK_BUCKETS buckets one
 * step ahead; when DRIFT_OUTSIDE_LIMIT or more of them fall outside its own widest calibrated band
 * (e.g. p1–p99: by chance 4 of 8 happens about once in 10⁵ checks), it no longer describes the
 * traffic and the forecast refits (InputError → the caller fits afresh).
 */
function checkKeptFitStillHolds(values: Float64Array, calibration: ErrorCalibration, predictNext: (origin: number) => number): void {
  const quantiles = calibration.table?.quantiles ?? [];
  const low = quantiles[0];
  const high = quantiles[quantiles.length - 1];
  if (low === undefined || high === undefined || !(low < 0.5 && high > 0.5)) return;
  const n = values.length;
  const lowError = scaledErrorQuantile(calibration, 1, low);
  const highError = scaledErrorQuantile(calibration, 1, high);
  let outside = 0;
  for (let index = Math.max(0, n - DRIFT_CHECK_BUCKETS); index < n; index++) {
    const actual = values[index] as number;
    const forecast = predictNext(index);
    if (!Number.isFinite(actual) || !Number.isFinite(forecast)) continue;
    const error = (actual - forecast) / scaleFor(calibration, forecast);
    if (error < lowError || error > highError) outside++;
  }
  if (outside >= DRIFT_OUTSIDE_LIMIT) {
    throw new InputError(`the kept fit no longer describes the traffic: ${outside} of the last ${DRIFT_CHECK_BUCKETS} buckets outside its p${percent(low)}–p${percent(high)} band`, { field: 'history' });
  }
}

function percent(quantile: number): number {
  return Number((quantile * 100).toPrecision(6));
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
