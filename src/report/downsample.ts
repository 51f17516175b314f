/**
 * Reduces a series to at most `maxPoints` buckets for drawing. The aggregate is chosen per series so
 * the picture never hides trouble: demand and deficits keep their maxima, capacity its minima.
 */

export type Aggregate = 'max' | 'min' | 'mean';

export interface Downsampled {
  readonly values: Float64Array;
  /** Source points per output point (1 = unchanged). */
  readonly factor: number;
}

/** Source points per bucket so that `length` points fit in `maxPoints`. */
export function downsampleFactor(length: number, maxPoints: number): number {
  if (!(maxPoints >= 1)) throw new RangeError(`maxPoints must be at least 1, got ${maxPoints}`);
  return Math.max(1, Math.ceil(length / maxPoints));
}

/** Buckets of `factor` consecutive points; NaN points are skipped, an all-NaN bucket stays NaN. */
export function downsampleBy(values: ArrayLike<number>, factor: number, aggregate: Aggregate): Float64Array {
  if (factor === 1) return Float64Array.from(values);
  const out = new Float64Array(Math.ceil(values.length / factor));
  for (let bucket = 0; bucket < out.length; bucket += 1) {
    const end = Math.min(values.length, (bucket + 1) * factor);
    let acc = Number.NaN;
    let count = 0;
    for (let i = bucket * factor; i < end; i += 1) {
      const value = values[i] as number;
      if (Number.isNaN(value)) continue;
      if (count === 0) acc = value;
      else if (aggregate === 'max') acc = Math.max(acc, value);
      else if (aggregate === 'min') acc = Math.min(acc, value);
      else acc += value;
      count += 1;
    }
    out[bucket] = aggregate === 'mean' && count > 0 ? acc / count : acc;
  }
  return out;
}

export function downsample(values: ArrayLike<number>, maxPoints: number, aggregate: Aggregate): Downsampled {
  const factor = downsampleFactor(values.length, maxPoints);
  return { values: downsampleBy(values, factor, aggregate), factor };
}
