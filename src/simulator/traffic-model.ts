/**
 * Offered demand of every online workload at every tick, computed on demand rather than stored:
 * a day at 1 s for 1,000 workloads would be 86 million numbers. Each workload has a base series
 * (a trace at its own bucket, or synthetic traffic) that is turned into per-tick rates by:
 *
 * - interpolation: `linear` = piecewise-linear through the bucket centres (smooth ramps between
 *   coarse buckets; a bucket's mean is kept only approximately), or `step` = the bucket's rate for
 *   its whole width;
 * - arrival noise: `poisson` = the tick's request count is Poisson(rate × tick) — what requests
 *   arriving independently at that rate look like second by second — or `none`.
 *
 * Noise is drawn from a counter-based hash of (seed, workload, tick), so any tick can be computed
 * in any order and twice with the same answer: strategies with foresight (the oracle) read future
 * ticks, and every strategy sees exactly the same demand.
 */
import type { RegularSeries } from '../domain/series.ts';

export type Interpolation = 'linear' | 'step';
export type ArrivalNoise = 'poisson' | 'none';

export interface DemandCurve {
  /** Rates (requests/s) per bucket; NaN buckets must have been filled by the caller. */
  readonly base: RegularSeries;
  readonly interpolation: Interpolation;
  readonly noise: ArrivalNoise;
}

export interface TrafficModelOptions {
  readonly startMs: number;
  readonly tickMs: number;
  readonly seed: number;
  /** One entry per workload index; undefined = no demand (offline workloads). */
  readonly curves: readonly (DemandCurve | undefined)[];
}

/** Poisson counts above this mean use the normal approximation (error well below 1 %). */
const NORMAL_APPROXIMATION_MEAN = 30;

const MODE_LINEAR = 1;
const MODE_STEP = 2;

export class TrafficModel {
  readonly startMs: number;
  readonly tickMs: number;
  readonly workloadCount: number;
  // Struct of arrays: the per-tick path reads only these contiguous arrays (a thousand scattered
  // series would miss the cache on every tick); a series' values are read once per bucket change.
  private readonly mode: Uint8Array;
  private readonly poisson: Uint8Array;
  private readonly baseStartMs: Float64Array;
  private readonly baseStepMs: Float64Array;
  private readonly lastBucket: Int32Array;
  private readonly series: (Float64Array | undefined)[];
  private readonly streamSeeds: Uint32Array;
  private readonly tickSeconds: number;
  private readonly defaultCursor: TrafficCursor;

  constructor(options: TrafficModelOptions) {
    this.startMs = options.startMs;
    this.tickMs = options.tickMs;
    this.tickSeconds = options.tickMs / 1000;
    const count = options.curves.length;
    this.workloadCount = count;
    this.mode = new Uint8Array(count);
    this.poisson = new Uint8Array(count);
    this.baseStartMs = new Float64Array(count);
    this.baseStepMs = new Float64Array(count);
    this.lastBucket = new Int32Array(count);
    this.series = [];
    this.streamSeeds = new Uint32Array(count);
    options.curves.forEach((curve, index) => {
      this.streamSeeds[index] = hash32(hash32(options.seed >>> 0) ^ Math.imul(index + 1, 0x27d4eb2d));
      this.series.push(curve?.base.values);
      if (curve === undefined) return;
      if (curve.base.values.length === 0) throw new RangeError(`demand curve ${index} is empty`);
      this.mode[index] = curve.interpolation === 'linear' ? MODE_LINEAR : MODE_STEP;
      this.poisson[index] = curve.noise === 'poisson' ? 1 : 0;
      this.baseStartMs[index] = curve.base.startMs;
      this.baseStepMs[index] = curve.base.stepMs;
      this.lastBucket[index] = curve.base.values.length - 1;
    });
    this.defaultCursor = this.cursor();
  }

  /**
   * A read position with its own cache of the current bucket per workload. Readers that walk
   * different times (now, and the oracle's future) each take one, so they do not evict each other.
   */
  cursor(): TrafficCursor {
    return new TrafficCursor(this.workloadCount);
  }

  /** Demand (requests/s) of every workload during tick `tick` into `out`. */
  fill(tick: number, out: Float64Array, cursor: TrafficCursor = this.defaultCursor): void {
    for (let index = 0; index < this.workloadCount; index += 1) out[index] = this.demandAt(index, tick, cursor);
  }

  /** Demand (requests/s) of workload `index` during tick `tick` (ticks count from startMs). */
  demandAt(index: number, tick: number, cursor: TrafficCursor = this.defaultCursor): number {
    const mode = this.mode[index]!;
    if (mode === 0) return 0;
    const rate = this.rateAt(index, this.startMs + (tick + 0.5) * this.tickMs, cursor);
    if (!(rate > 0)) return 0;
    if (this.poisson[index] === 0) return rate;
    return poissonCount(rate * this.tickSeconds, this.streamSeeds[index]!, tick) / this.tickSeconds;
  }

  /** The noise-free rate of workload `index` at `timeMs`. */
  expectedRateRps(index: number, timeMs: number): number {
    return this.mode[index] === 0 ? 0 : Math.max(0, this.rateAt(index, timeMs, this.cursor()));
  }

  hasDemand(index: number): boolean {
    return this.mode[index] !== 0;
  }

  private rateAt(index: number, timeMs: number, cursor: TrafficCursor): number {
    const last = this.lastBucket[index]!;
    const offset = (timeMs - this.baseStartMs[index]!) / this.baseStepMs[index]!;
    if (this.mode[index] === MODE_STEP) {
      const bucket = offset <= 0 ? 0 : offset >= last ? last : Math.floor(offset);
      if (cursor.lower[index] !== bucket) cursor.load(index, bucket, this.series[index]!, last);
      return cursor.lowerValue[index]!;
    }
    const position = offset - 0.5;
    const lower = position <= 0 ? 0 : position >= last ? last : Math.floor(position);
    if (cursor.lower[index] !== lower) cursor.load(index, lower, this.series[index]!, last);
    const fraction = position <= 0 || position >= last ? 0 : position - lower;
    return cursor.lowerValue[index]! * (1 - fraction) + cursor.upperValue[index]! * fraction;
  }
}

/** Cached bucket values per workload (see TrafficModel.cursor). */
export class TrafficCursor {
  readonly lower: Int32Array;
  readonly lowerValue: Float64Array;
  readonly upperValue: Float64Array;

  constructor(workloadCount: number) {
    this.lower = new Int32Array(workloadCount).fill(-1);
    this.lowerValue = new Float64Array(workloadCount);
    this.upperValue = new Float64Array(workloadCount);
  }

  load(index: number, lower: number, values: Float64Array, last: number): void {
    this.lower[index] = lower;
    this.lowerValue[index] = values[lower]!;
    this.upperValue[index] = values[Math.min(last, lower + 1)]!;
  }
}

/** Murmur3's 32-bit finaliser: a good avalanche for counter-based streams. */
function hash32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform in (0, 1) from (stream, tick, draw). */
function uniform(stream: number, tick: number, draw: number): number {
  const h = hash32(stream ^ hash32(Math.imul(tick, 0x9e3779b1) ^ Math.imul(draw + 1, 0x85ebca77)));
  return (h + 0.5) / 4294967296;
}

/** A Poisson(mean) count, from the counter-based stream of (stream, tick). */
export function poissonCount(mean: number, stream: number, tick: number): number {
  if (!(mean > 0)) return 0;
  if (mean >= NORMAL_APPROXIMATION_MEAN) {
    const z = NORMAL_QUANTILES[hash32(stream ^ hash32(Math.imul(tick, 0x9e3779b1))) & NORMAL_TABLE_MASK]!;
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  // Knuth: multiply uniforms until the product drops below e^−mean.
  const limit = Math.exp(-mean);
  let product = 1;
  let count = -1;
  do {
    count += 1;
    product *= uniform(stream, tick, count);
  } while (product > limit);
  return count;
}

/**
 * 2^16 standard normal quantiles at the midpoints (i + ½)/2^16: a hash picks one, which gives a
 * normal draw (stratified, tails to ±4.4σ) without a logarithm or cosine per tick and workload.
 */
const NORMAL_TABLE_BITS = 16;
const NORMAL_TABLE_MASK = (1 << NORMAL_TABLE_BITS) - 1;
const NORMAL_QUANTILES = (() => {
  const size = 1 << NORMAL_TABLE_BITS;
  const table = new Float64Array(size);
  for (let index = 0; index < size; index += 1) table[index] = inverseNormalCdf((index + 0.5) / size);
  return table;
})();

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q
    / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
