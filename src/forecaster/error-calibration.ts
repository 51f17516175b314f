/**
 * Quantile bands from the forecaster's own past errors: replay the fitted model from recent
 * origins in the history (a rolling-origin backtest inside the history), collect the error at each
 * anchor lead, and use the empirical quantiles of those errors — scaled by the forecast level to a
 * power chosen from {0, ½, 1}, so a band is wider where the level is higher when the history says so.
 *
 * The upper tail is then split in two: the part mirrored by the lower tail is ordinary noise; what
 * the upper tail holds beyond that mirror is the asymmetric excursions — unscheduled pulses and
 * spikes — and becomes the pulse reserve.
 */
import { quantileOfSorted } from './robust-stats.ts';

export interface LeadErrorSamples {
  readonly anchors: readonly number[];
  /** errors[a][r] = actual − forecast at lead anchors[a] from the r-th replayed origin. */
  readonly errors: readonly Float64Array[];
  /** levels[a][r] = the forecast itself (used to scale the error). */
  readonly levels: readonly Float64Array[];
}

export interface ErrorCalibration {
  readonly anchors: readonly number[];
  /** Errors divided by the scale, sorted ascending, per anchor. */
  readonly sortedScaledErrors: readonly Float64Array[];
  /** Scale = max(level, floor)^exponent. */
  readonly exponent: number;
  readonly floor: number;
  /**
   * Per anchor, the level each calibrated quantile is read at after the recent-coverage check
   * (see `recentCoverageLevels`); a quantile not in the map is read at its own level.
   */
  readonly levels?: readonly ReadonlyMap<number, number>[];
  /**
   * A calibration kept from an earlier fit (see `calibrationTable`): per anchor, the scaled error
   * already read at each of `quantiles`. When present, `sortedScaledErrors` may be empty.
   */
  readonly table?: CalibrationTable;
}

export interface CalibrationTable {
  /** The exact quantiles readers ask for (0.5, each band quantile, and the mirrors `1 − q`). */
  readonly quantiles: readonly number[];
  /** values[a][j] = the scaled error quantile `quantiles[j]` at anchors[a]; NaN = no samples. */
  readonly values: readonly Float64Array[];
}

/** Share of each anchor's replayed errors, the most recent ones, held out to check coverage. */
const RECENT_HOLDOUT_SHARE = 0.25;

export interface CollectErrorsOptions {
  readonly values: Float64Array;
  readonly anchors: readonly number[];
  readonly fromOrigin: number;
  readonly maxOrigins: number;
  /** Point forecast of bucket origin + lead − 1 made at `origin`. */
  readonly predict: (origin: number, lead: number) => number;
}

export function collectLeadErrors(options: CollectErrorsOptions): LeadErrorSamples {
  const { values, anchors } = options;
  const n = values.length;
  const errors: Float64Array[] = [];
  const levels: Float64Array[] = [];
  for (const lead of anchors) {
    const lastOrigin = n - lead;
    const stride = Math.max(1, Math.ceil((lastOrigin - options.fromOrigin + 1) / options.maxOrigins));
    const errorList: number[] = [];
    const levelList: number[] = [];
    for (let origin = lastOrigin; origin >= options.fromOrigin; origin -= stride) {
      const actual = values[origin + lead - 1] as number;
      if (!Number.isFinite(actual)) continue;
      const forecast = options.predict(origin, lead);
      if (!Number.isFinite(forecast)) continue;
      errorList.push(actual - forecast);
      levelList.push(forecast);
    }
    errors.push(Float64Array.from(errorList));
    levels.push(Float64Array.from(levelList));
  }
  return { anchors, errors, levels };
}

export function scaleFor(calibration: Pick<ErrorCalibration, 'exponent' | 'floor'>, level: number): number {
  if (calibration.exponent === 0) return 1;
  const base = Math.max(calibration.floor, Number.isFinite(level) ? level : calibration.floor);
  return calibration.exponent === 1 ? base : Math.pow(base, calibration.exponent);
}

/**
 * Chooses the scale exponent with the lowest pinball loss over `quantiles` on the samples themselves
 * (three candidates and thousands of samples: no room to overfit) and returns the sorted scaled errors.
 */
export function calibrateErrors(
  samples: LeadErrorSamples, quantiles: readonly number[], options: { readonly recentCoverageCheck: boolean } = { recentCoverageCheck: true },
): ErrorCalibration {
  let levelSum = 0;
  let levelCount = 0;
  for (const levels of samples.levels) {
    for (const level of levels) {
      if (level > 0) {
        levelSum += level;
        levelCount++;
      }
    }
  }
  const floor = levelCount > 0 ? 0.05 * (levelSum / levelCount) : 1;
  let best: ErrorCalibration | undefined;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (const exponent of [0, 0.5, 1]) {
    const scales = samples.levels.map((levels) => {
      const out = new Float64Array(levels.length);
      for (let r = 0; r < levels.length; r++) out[r] = scaleFor({ exponent, floor }, levels[r] as number);
      return out;
    });
    const sortedScaledErrors = samples.errors.map((errors, a) => {
      const scale = scales[a] as Float64Array;
      const scaled = new Float64Array(errors.length);
      for (let r = 0; r < errors.length; r++) scaled[r] = (errors[r] as number) / (scale[r] as number);
      return scaled.sort();
    });
    let loss = 0;
    sortedScaledErrors.forEach((sorted, a) => {
      const errors = samples.errors[a] as Float64Array;
      const scale = scales[a] as Float64Array;
      for (const quantile of quantiles) {
        const offset = quantileOfSorted(sorted, quantile);
        if (!Number.isFinite(offset)) continue;
        for (let r = 0; r < errors.length; r++) {
          const difference = (errors[r] as number) - offset * (scale[r] as number);
          loss += difference >= 0 ? quantile * difference : (quantile - 1) * difference;
        }
      }
    });
    if (loss < bestLoss - 1e-12 * Math.abs(bestLoss) || best === undefined) {
      bestLoss = loss;
      best = { anchors: samples.anchors, sortedScaledErrors, exponent, floor };
    }
  }
  const chosen = best as ErrorCalibration;
  if (!options.recentCoverageCheck) return chosen;
  const levels = samples.errors.map((errors, a) => {
    const levelsOfAnchor = samples.levels[a] as Float64Array;
    const scaled = Float64Array.from(errors, (error, r) => error / scaleFor(chosen, levelsOfAnchor[r] as number));
    return recentCoverageLevels(scaled, quantiles);
  });
  return { ...chosen, levels };
}

/**
 * The recent-coverage check (conformal-style, on held-out recent errors): the quantiles of the
 * older errors are measured on the most recent RECENT_HOLDOUT_SHARE of them. Where the recent
 * errors cross a quantile more often than its level says (traffic got harder to forecast), the
 * level is moved out by the shortfall, and in by an excess — so the bands follow the error regime
 * the forecast is made in, not the average of the last four weeks. The median is left alone.
 * `errors` are in time order, most recent first (as `collectLeadErrors` returns them).
 */
export function recentCoverageLevels(errors: Float64Array, quantiles: readonly number[]): Map<number, number> {
  const levels = new Map<number, number>();
  const count = errors.length;
  const holdout = Math.floor(count * RECENT_HOLDOUT_SHARE);
  if (holdout < 1 || count - holdout < 2) return levels;
  const older = Float64Array.from(errors.subarray(holdout)).sort();
  const recent = errors.subarray(0, holdout);
  for (const quantile of quantiles) {
    if (Math.abs(quantile - 0.5) < 1e-12) continue;
    const threshold = quantileOfSorted(older, quantile);
    let below = 0;
    for (const error of recent) if (error <= threshold) below++;
    const covered = below / holdout;
    const adjusted = quantile + (quantile - covered);
    // The tail beyond a level shrinks or grows at most twofold (0.99 stays within 0.98–0.995, 0.9
    // within 0.8–0.95): recent errors are few and correlated, and a heavy tail turns a small move
    // of an extreme level into a band many times wider. Never across the median (0.49 stays below
    // it, or the median band would be pushed off the sum of its components), never beyond what the
    // samples resolve.
    const tail = quantile > 0.5 ? 1 - quantile : quantile;
    const low = quantile > 0.5 ? Math.max(0.5, 1 - 2 * tail) : Math.max(1 / (count + 1), tail / 2);
    const high = quantile > 0.5 ? Math.min(count / (count + 1), 1 - tail / 2) : Math.min(0.5, 2 * tail);
    levels.set(quantile, Math.min(high, Math.max(low, adjusted)));
  }
  return levels;
}

/** Scaled error quantile `quantile` at `lead`, interpolated between anchors; 0 without samples. */
export function scaledErrorQuantile(calibration: ErrorCalibration, lead: number, quantile: number): number {
  const { anchors } = calibration;
  let upper = anchors.findIndex((anchor) => anchor >= lead);
  if (upper < 0) upper = anchors.length - 1;
  const lower = Math.max(0, upper - 1);
  const a = anchors[lower] as number;
  const b = anchors[upper] as number;
  const weight = b === a ? 1 : Math.min(1, Math.max(0, (lead - a) / (b - a)));
  const low = anchorErrorQuantile(calibration, lower, quantile);
  const high = anchorErrorQuantile(calibration, upper, quantile);
  const value = Number.isFinite(low) && Number.isFinite(high) ? low * (1 - weight) + high * weight : Number.isFinite(high) ? high : low;
  return Number.isFinite(value) ? value : 0;
}

/** The scaled error quantile at one anchor, read at its recent-coverage level (or from the table). */
function anchorErrorQuantile(calibration: ErrorCalibration, anchorIndex: number, quantile: number): number {
  const { table } = calibration;
  if (table !== undefined) {
    let nearest = 0;
    for (let j = 1; j < table.quantiles.length; j++) {
      if (Math.abs((table.quantiles[j] as number) - quantile) < Math.abs((table.quantiles[nearest] as number) - quantile)) nearest = j;
    }
    return (table.values[anchorIndex] as Float64Array)[nearest] ?? Number.NaN;
  }
  const level = calibration.levels?.[anchorIndex]?.get(quantile) ?? quantile;
  return quantileOfSorted(calibration.sortedScaledErrors[anchorIndex] as Float64Array, level);
}

/**
 * The calibration reduced to what a forecast reads from it: the scaled error at each quantile a band
 * asks for (`readQuantiles`: 0.5, the bands and their mirrors), per anchor. A few dozen numbers
 * instead of thousands of sorted errors, so a fit can be kept between refreshes (the controller
 * stores it beside the forecast); bands made from the table equal those made from the full
 * calibration for these quantiles.
 */
export function calibrationTable(calibration: ErrorCalibration, readQuantiles: readonly number[]): ErrorCalibration {
  const quantiles = [...new Set(readQuantiles)].sort((a, b) => a - b);
  const values = calibration.anchors.map((_anchor, a) => Float64Array.from(quantiles, (quantile) => anchorErrorQuantile(calibration, a, quantile)));
  return { anchors: calibration.anchors, sortedScaledErrors: [], exponent: calibration.exponent, floor: calibration.floor, table: { quantiles, values } };
}

/** Every quantile a forecast with bands at `quantiles` reads from its calibration (see bandsAround). */
export function quantilesReadByBands(quantiles: readonly number[]): number[] {
  const read = new Set<number>([0.5]);
  for (const quantile of quantiles) {
    read.add(quantile);
    read.add(1 - quantile);
  }
  return [...read];
}
