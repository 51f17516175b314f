/**
 * A regularly sampled series: value i covers [startMs + i·stepMs, startMs + (i+1)·stepMs).
 *
 * `NaN` marks a bucket with no trustworthy observation (a gap in the source, an outage whose
 * zeros are not demand). Consumers must skip NaN rather than read it as zero demand.
 */
export interface RegularSeries {
  /** Epoch milliseconds (UTC) of the first bucket's start. */
  readonly startMs: number;
  /** Bucket width in milliseconds. */
  readonly stepMs: number;
  /** Rate per bucket in the series' unit (normally requests per second); NaN = missing. */
  readonly values: Float64Array;
  /** What the values measure, e.g. `requests/s`. */
  readonly unit: string;
}

export function seriesEndMs(series: RegularSeries): number {
  return series.startMs + series.values.length * series.stepMs;
}

/** Index of the bucket containing `timeMs` (may be out of range). */
export function bucketIndex(series: Pick<RegularSeries, 'startMs' | 'stepMs'>, timeMs: number): number {
  return Math.floor((timeMs - series.startMs) / series.stepMs);
}

/** The part of `series` strictly before `endMs`: what a forecaster at `now = endMs` may see. */
export function seriesBefore(series: RegularSeries, endMs: number): RegularSeries {
  const count = Math.max(0, Math.min(series.values.length, bucketIndex(series, endMs)));
  return { ...series, values: series.values.subarray(0, count) };
}
