/**
 * Small NaN-aware statistics used across the forecaster. NaN means "no observation" everywhere in
 * chuanliu (a gap or an outage), so every helper here skips NaN instead of treating it as zero.
 */

/** The finite values of `values`, sorted ascending. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) count++;
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isFinite(value)) out[j++] = value;
  }
  return out.sort();
}

/**
 * Quantile `q` of an ascending array by linear interpolation between order statistics
 * (Hyndman–Fan type 7, the default of R and numpy). NaN for an empty array.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const count = sorted.length;
  if (count === 0) return Number.NaN;
  if (count === 1) return sorted[0] as number;
  const position = Math.min(1, Math.max(0, q)) * (count - 1);
  const lower = Math.floor(position);
  const upper = Math.min(count - 1, lower + 1);
  const weight = position - lower;
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight;
}

/** Quantile `q` of the finite values (NaN when there are none). */
export function quantileOf(values: ArrayLike<number>, q: number): number {
  return quantileOfSorted(sortedFinite(values), q);
}

export function medianOf(values: ArrayLike<number>): number {
  return quantileOf(values, 0.5);
}

/** Mean of the finite values; NaN when there are none. */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isFinite(value)) {
      sum += value;
      count++;
    }
  }
  return count > 0 ? sum / count : Number.NaN;
}

/** Median absolute deviation from the median (unscaled); NaN when there are no finite values. */
export function madOf(values: ArrayLike<number>): number {
  const median = medianOf(values);
  if (Number.isNaN(median)) return Number.NaN;
  const deviations = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) deviations[i] = Math.abs((values[i] as number) - median);
  return medianOf(deviations);
}

/**
 * Robust mean of a handful of values (the same phase in K past periods): the mean after dropping
 * the lowest and the highest when there are at least four, so one holiday or one spike in one
 * week does not move the profile; the plain mean of two or three; NaN when none is finite.
 * `scratch` is reused to avoid allocation in the hot loop.
 */
export function trimmedMeanOfFew(values: Float64Array, count: number): number {
  if (count === 0) return Number.NaN;
  if (count < 4) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += values[i] as number;
    return sum / count;
  }
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const value = values[i] as number;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return (sum - min - max) / (count - 2);
}
