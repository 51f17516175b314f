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

export class TrafficModel {
  readonly startMs: number;
  readonly tickMs: number;
  readonly workloadCount: number;
  private readonly curves: readonly (DemandCurve | undefined)[];
  private readonly streamSeeds: Uint32Array;
  private readonly tickSeconds: number;

  constructor(options: TrafficModelOptions) {
    this.startMs = options.startMs;
    this.tickMs = options.tickMs;
    this.tickSeconds = options.tickMs / 1000;
    this.curves = options.curves;
    this.workloadCount = options.curves.length;
    this.streamSeeds = new Uint32Array(this.workloadCount);
    for (let index = 0; index < this.workloadCount; index += 1) {
      this.streamSeeds[index] = hash32(hash32(options.seed >>> 0) ^ Math.imul(index + 1, 0x27d4eb2d));
    }
  }

  /** Demand (requests/s) of every workload during tick `tick` into `out`. */
  fill(tick: number, out: Float64Array): void {
    for (let index = 0; index < this.workloadCount; index += 1) out[index] = this.demandAt(index, tick);
  }

  /** Demand (requests/s) of workload `index` during tick `tick` (ticks count from startMs). */
  demandAt(index: number, tick: number): number {
    const curve = this.curves[index];
    if (curve === undefined) return 0;
    const rate = this.expectedRateAt(curve, this.startMs + (tick + 0.5) * this.tickMs);
    if (curve.noise === 'none' || !(rate > 0)) return rate > 0 ? rate : 0;
    return poissonCount(rate * this.tickSeconds, this.streamSeeds[index]!, tick) / this.tickSeconds;
  }

  /** The noise-free rate of workload `index` at `timeMs`. */
  expectedRateRps(index: number, timeMs: number): number {
    const curve = this.curves[index];
    return curve === undefined ? 0 : Math.max(0, this.expectedRateAt(curve, timeMs));
  }

  hasDemand(index: number): boolean {
    return this.curves[index] !== undefined;
  }

  private expectedRateAt(curve: DemandCurve, timeMs: number): number {
    const { startMs, stepMs, values } = curve.base;
    const last = values.length - 1;
    if (curve.interpolation === 'step') {
      const bucket = Math.min(last, Math.max(0, Math.floor((timeMs - startMs) / stepMs)));
      return values[bucket]!;
    }
    const position = (timeMs - startMs) / stepMs - 0.5;
    if (position <= 0) return values[0]!;
    if (position >= last) return values[last]!;
    const lower = Math.floor(position);
    const fraction = position - lower;
    return values[lower]! * (1 - fraction) + values[lower + 1]! * fraction;
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
    const radius = Math.sqrt(-2 * Math.log(uniform(stream, tick, 0)));
    const z = radius * Math.cos(2 * Math.PI * uniform(stream, tick, 1));
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
