/**
 * Outages: stretches where the source recorded zeros because it was down, not because nobody
 * came. Read as demand they would teach a forecaster that the service goes quiet for a day; they
 * become NaN (no observation) instead.
 */

export interface OutageRun {
  /** Index of the first zero bucket of the run. */
  startIndex: number;
  /** Number of consecutive zero buckets. */
  length: number;
  /** Counts the neighbourhood predicts for the whole run; the run's actual total is 0. */
  expectedCount: number;
}

export interface OutageDetectionOptions {
  /**
   * Detection is off when zero stretches are common: more than this many maximal zero runs per
   * non-zero bucket. Counting runs rather than zero buckets keeps one long outage from switching
   * detection off, while bursty traffic (Azure code: a run of zeros after every burst) stays off.
   */
  maxZeroRunsPerBusyBucket?: number;
  /** Shortest zero run considered, in buckets; shorter lulls are left as demand. */
  minRunBuckets?: number;
  /**
   * A run is an outage when its neighbours predict at least this many arrivals in it: under a
   * Poisson arrival model, P(no arrival) = e^−expected, so 14 means below one in a million.
   */
  minExpectedCount?: number;
  /** How many present buckets on each side of a run estimate its neighbourhood rate. */
  neighbourBuckets?: number;
}

export const OUTAGE_DEFAULTS: Required<OutageDetectionOptions> = {
  maxZeroRunsPerBusyBucket: 0.05,
  minRunBuckets: 3,
  minExpectedCount: 14,
  neighbourBuckets: 30,
};

export interface OutageDetection {
  runs: OutageRun[];
  /** Maximal zero runs per non-zero bucket. */
  zeroRunsPerBusyBucket: number;
  /** False when zeros are too common for a zero run to mean anything. */
  applied: boolean;
}

/**
 * Finds zero runs that are implausible as demand in a series that is rarely zero. `counts` are
 * arrivals per bucket (NaN = no observation). Runs already known (NaN) split runs.
 */
export function detectOutages(counts: Float64Array, options: OutageDetectionOptions = {}): OutageDetection {
  const settings = { ...OUTAGE_DEFAULTS, ...options };
  let busy = 0;
  let zeroRuns = 0;
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index] as number;
    if (count > 0) busy++;
    else if (count === 0 && counts[index - 1] !== 0) zeroRuns++;
  }
  const zeroRunsPerBusyBucket = busy === 0 ? Number.POSITIVE_INFINITY : zeroRuns / busy;
  if (zeroRunsPerBusyBucket > settings.maxZeroRunsPerBusyBucket) return { runs: [], zeroRunsPerBusyBucket, applied: false };

  const candidates: { startIndex: number; length: number }[] = [];
  const inCandidate = new Uint8Array(counts.length);
  for (let index = 0; index < counts.length;) {
    if (counts[index] !== 0) {
      index++;
      continue;
    }
    let end = index;
    while (end < counts.length && counts[end] === 0) end++;
    if (end - index >= settings.minRunBuckets) {
      candidates.push({ startIndex: index, length: end - index });
      inCandidate.fill(1, index, end);
    }
    index = end;
  }

  const runs: OutageRun[] = [];
  for (const candidate of candidates) {
    let sum = 0;
    let taken = 0;
    // Neighbours skip gaps and other candidate runs, so a run next to an outage is judged by real traffic.
    for (let index = candidate.startIndex - 1, found = 0; index >= 0 && found < settings.neighbourBuckets; index--) {
      const count = counts[index] as number;
      if (Number.isNaN(count) || inCandidate[index] === 1) continue;
      sum += count;
      found++;
      taken++;
    }
    const end = candidate.startIndex + candidate.length;
    for (let index = end, found = 0; index < counts.length && found < settings.neighbourBuckets; index++) {
      const count = counts[index] as number;
      if (Number.isNaN(count) || inCandidate[index] === 1) continue;
      sum += count;
      found++;
      taken++;
    }
    if (taken === 0) continue;
    const expectedCount = (sum / taken) * candidate.length;
    if (expectedCount >= settings.minExpectedCount) runs.push({ ...candidate, expectedCount });
  }
  return { runs, zeroRunsPerBusyBucket, applied: true };
}
