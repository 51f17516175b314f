/**
 * The "normal" level a bucket is expected to have before any short-term correction, and the
 * residual features the short-horizon correction reads. Two shapes:
 *
 * - seasonal: a robust seasonal profile — the trimmed mean of the same phase over the last K cycles
 *   of the longest period (a week), lightly smoothed across neighbouring buckets; the shortest period
 *   (a day) gives a second profile the regression may blend in;
 * - level: no seasonality was found (an hour of per-second traffic), so the base is the mean of a
 *   trailing window at the origin.
 *
 * Everything reads only indices before the origin it is asked about, so a forecast made at `now`
 * cannot see the future. NaN inputs are skipped; a phase with no finite past value is NaN.
 */
import { utcLag, type LagIndex } from './local-time-lags.ts';
import { trimmedMeanOfFew } from './robust-stats.ts';

export interface BaseStructure {
  /** Short description for reports, e.g. `seasonal(48,336 buckets)`. */
  readonly description: string;
  /** The smallest origin for which `base` is defined. */
  readonly firstOrigin: number;
  /** Expected value of bucket `index` seen from `origin` (index ≥ origin − 1 for forecasts). NaN = unknown. */
  base(origin: number, index: number): number;
  /** Divisor that makes residuals comparable across levels (the base itself, or 1). */
  scale(origin: number, index: number): number;
  /** Mean scaled residual over the `length` buckets before `origin`; NaN when none is finite. */
  windowResidual(origin: number, length: number): number;
  /** Scaled difference between the short-period and the long-period profile at `index` (0 without two periods). */
  blend(origin: number, index: number): number;
  /**
   * Scaled deviation of the latest single cycle from the base at `index`: of the value one long
   * period earlier, and one short period earlier (0 when unavailable before `origin`). Lets the
   * correction weigh last week and yesterday more than the averaged profile does.
   */
  lastCycleDeviations(origin: number, index: number, out: Float64Array, offset: number): void;
}

export interface SeasonalStructureOptions {
  readonly values: Float64Array;
  /** Detected periods in buckets, ascending (at least one). */
  readonly periods: readonly number[];
  /** Cycles of the longest period averaged. */
  readonly cyclesLong: number;
  /** Cycles of the shortest period averaged (used only with two or more periods). */
  readonly cyclesShort: number;
  /** Each past value is the mean of ± this many neighbouring buckets (0 = none). */
  readonly smoothingHalfWidth: number;
  /** Residuals are divided by base^exponent: 1 = relative (multiplicative), 0 = absolute, ½ = Poisson-like. */
  readonly scaleExponent: number;
  /** Last index a forecast will ask about (exclusive). */
  readonly endIndex: number;
  /** First index whose base is needed. */
  readonly startIndex: number;
  /** Prefix sums of `values`, when the caller already has them. */
  readonly prefixSums?: PrefixSums;
  /** Seasonal lags in local time (local-time-lags.ts). @defaultValue UTC lags */
  readonly lagIndex?: LagIndex;
}

/** Prefix sums over finite values, for O(1) window means. */
export class PrefixSums {
  readonly sums: Float64Array;
  readonly counts: Float64Array;

  constructor(values: ArrayLike<number>) {
    this.sums = new Float64Array(values.length + 1);
    this.counts = new Float64Array(values.length + 1);
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      const finite = Number.isFinite(value);
      this.sums[i + 1] = (this.sums[i] as number) + (finite ? value : 0);
      this.counts[i + 1] = (this.counts[i] as number) + (finite ? 1 : 0);
    }
  }

  /** Mean of the finite values in [from, to) clipped to the data; NaN when none. */
  mean(from: number, to: number): number {
    const lo = Math.max(0, from);
    const hi = Math.min(this.sums.length - 1, to);
    if (hi <= lo) return Number.NaN;
    const count = (this.counts[hi] as number) - (this.counts[lo] as number);
    return count > 0 ? ((this.sums[hi] as number) - (this.sums[lo] as number)) / count : Number.NaN;
  }
}

/**
 * Reads the seasonal profile: the trimmed mean of the same phase over `cycles` past periods, each
 * past value smoothed over ± `halfWidth` buckets, using only indices before `limit`. Cycles too
 * recent for `limit` are skipped and replaced by older ones, so a lead longer than the period still
 * gets `cycles` values.
 */
export type ProfileReader = (index: number, limit: number, period: number, cycles: number) => number;

export function profileReader(
  values: Float64Array,
  halfWidth: number,
  maxCycles: number,
  raw: PrefixSums = new PrefixSums(values),
  lagIndex: LagIndex = utcLag,
): ProfileReader {
  const scratch = new Float64Array(maxCycles + 1);
  return (index, limit, period, cycles) => {
    const firstCycle = Math.max(1, Math.ceil((index - limit + 1) / period));
    let count = 0;
    for (let k = firstCycle; k < firstCycle + cycles && count < scratch.length; k++) {
      const center = lagIndex(index, k * period);
      if (center < 0) break;
      const value = halfWidth === 0
        ? (center < limit ? (values[center] as number) : Number.NaN)
        : raw.mean(center - halfWidth, Math.min(limit, center + halfWidth + 1));
      if (Number.isFinite(value)) scratch[count++] = value;
    }
    return trimmedMeanOfFew(scratch, count);
  };
}

export function seasonalStructure(options: SeasonalStructureOptions): BaseStructure {
  const { values, periods, scaleExponent } = options;
  const n = values.length;
  const longPeriod = periods[periods.length - 1] as number;
  const shortPeriod = periods[0] as number;
  const twoPeriods = periods.length > 1;
  const halfWidth = options.smoothingHalfWidth;
  const raw = options.prefixSums ?? new PrefixSums(values);
  const lagIndex = options.lagIndex ?? utcLag;
  const profile = profileReader(values, halfWidth, Math.max(options.cyclesLong, options.cyclesShort), raw, lagIndex);

  const from = Math.max(0, options.startIndex);
  const length = Math.max(0, options.endIndex - from);
  const longProfile = new Float64Array(length);
  const shortProfile = new Float64Array(length);
  for (let offset = 0; offset < length; offset++) {
    const index = from + offset;
    const limit = Math.min(index, n);
    longProfile[offset] = profile(index, limit, longPeriod, options.cyclesLong);
    shortProfile[offset] = twoPeriods ? profile(index, limit, shortPeriod, options.cyclesShort) : Number.NaN;
  }

  let positiveSum = 0;
  let positiveCount = 0;
  for (const value of values) {
    if (Number.isFinite(value) && value > 0) {
      positiveSum += value;
      positiveCount++;
    }
  }
  // Near-zero bases (night-time of a tiny service) would blow relative residuals up.
  const scaleFloor = positiveCount > 0 ? 0.05 * (positiveSum / positiveCount) : 1;

  const baseAt = (index: number): number => {
    const offset = index - from;
    if (offset < 0 || offset >= length) return Number.NaN;
    const long = longProfile[offset] as number;
    return Number.isFinite(long) ? long : (shortProfile[offset] as number);
  };
  const scaleAt = (index: number): number => scaleOf(baseAt(index), scaleFloor, scaleExponent);

  // How far the same phase one `period` earlier (the latest one before `origin`) ran from the base.
  function cycleDeviation(origin: number, index: number, period: number, base: number, scale: number): number {
    const center = lagIndex(index, period * Math.max(1, Math.ceil((index - origin + 1) / period)));
    if (center < 0 || !Number.isFinite(base)) return 0;
    const value = halfWidth === 0
      ? (center < origin ? (values[center] as number) : Number.NaN)
      : raw.mean(center - halfWidth, Math.min(origin, center + halfWidth + 1));
    return Number.isFinite(value) ? (value - base) / scale : 0;
  }

  const residuals = new Float64Array(Math.max(0, n - from));
  for (let index = from; index < n; index++) {
    residuals[index - from] = ((values[index] as number) - baseAt(index)) / scaleAt(index);
  }
  const residualSums = new PrefixSums(residuals);

  return {
    description: `seasonal(${periods.join(',')} buckets)`,
    firstOrigin: from + 1,
    base: (_origin, index) => baseAt(index),
    scale: (_origin, index) => scaleAt(index),
    windowResidual: (origin, windowLength) => residualSums.mean(origin - windowLength - from, origin - from),
    lastCycleDeviations: (origin, index, out, offset) => {
      const base = baseAt(index);
      const scale = scaleAt(index);
      out[offset] = cycleDeviation(origin, index, longPeriod, base, scale);
      out[offset + 1] = twoPeriods && index - shortPeriod < origin ? cycleDeviation(origin, index, shortPeriod, base, scale) : 0;
    },
    blend: (_origin, index) => {
      if (!twoPeriods) return 0;
      const offset = index - from;
      const short = shortProfile[offset] as number;
      const long = longProfile[offset] as number;
      return Number.isFinite(short) && Number.isFinite(long) ? (short - long) / scaleAt(index) : 0;
    },
  };
}

export interface LevelStructureOptions {
  readonly values: Float64Array;
  /** Trailing window whose mean is the base. */
  readonly levelWindow: number;
  readonly scaleExponent: number;
}

export function levelStructure(options: LevelStructureOptions): BaseStructure {
  const { values, levelWindow, scaleExponent } = options;
  const raw = new PrefixSums(values);
  const overall = raw.mean(0, values.length);
  const scaleFloor = Number.isFinite(overall) && overall > 0 ? 0.05 * overall : 1;
  const baseAt = (origin: number): number => raw.mean(origin - levelWindow, origin);
  const scaleAt = (origin: number): number => scaleOf(baseAt(origin), scaleFloor, scaleExponent);
  return {
    description: `level(${levelWindow} buckets)`,
    firstOrigin: 1,
    base: (origin) => baseAt(origin),
    scale: (origin) => scaleAt(origin),
    windowResidual: (origin, windowLength) => (raw.mean(origin - windowLength, origin) - baseAt(origin)) / scaleAt(origin),
    blend: () => 0,
    lastCycleDeviations: (_origin, _index, out, offset) => {
      out[offset] = 0;
      out[offset + 1] = 0;
    },
  };
}

function scaleOf(base: number, floor: number, exponent: number): number {
  if (exponent === 0) return 1;
  const level = Math.max(floor, Number.isFinite(base) ? base : 0);
  return exponent === 1 ? level : Math.pow(level, exponent);
}
