/** One-line sparklines (▁▂▃▄▅▆▇█) for replicas over time in terminal tables. */

const levels = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

export interface SparklineOptions {
  /** Most columns; longer series are bucketed (whole points per column) by their maximum. */
  readonly width: number;
  /** Value drawn as the full block. @defaultValue the series maximum */
  readonly max?: number;
}

/** Whole source points per column, so every column covers the same time. */
export function sparklineBucketSize(length: number, width: number): number {
  return Math.max(1, Math.ceil(length / Math.max(1, width)));
}

/**
 * Scaled from zero, not from the minimum, so a change from 40 to 42 replicas looks small, as it is.
 * Zero is a space, any positive value at least ▁.
 */
export function sparkline(values: ArrayLike<number>, options: SparklineOptions): string {
  if (values.length === 0 || options.width < 1) return '';
  const perColumn = sparklineBucketSize(values.length, options.width);
  const bucketMax: number[] = [];
  for (let start = 0; start < values.length; start += perColumn) {
    let max = Number.NaN;
    for (let i = start; i < Math.min(values.length, start + perColumn); i += 1) {
      const value = values[i] as number;
      if (Number.isFinite(value) && !(value <= max)) max = value;
    }
    bucketMax.push(max);
  }
  const top = options.max ?? Math.max(0, ...bucketMax.filter(Number.isFinite));
  return bucketMax.map((value) => {
    if (!Number.isFinite(value)) return ' ';
    if (value <= 0 || top <= 0) return ' ';
    const level = Math.min(levels.length - 1, Math.max(0, Math.ceil((value / top) * levels.length) - 1));
    return levels[level];
  }).join('');
}
