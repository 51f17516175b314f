/**
 * Seasonal lags in local time. Demand follows the wall clock: after a daylight-saving change the
 * evening peak is at 19:00 local time, one hour off from where it was in UTC. A "same bucket one
 * week earlier" must therefore step back one local week, which is 167 or 169 UTC hours across a
 * change. Offsets are found by sampling the zone every few hours and bisecting where it changes,
 * so a long per-minute history costs a few hundred zone lookups, not one per bucket.
 */
import { zoneOffsetMs } from '../domain/time-zones.ts';
import { HOUR_MS } from '../domain/units.ts';

/** Maps (index, lag in buckets) to the index of the same local phase `lag` buckets earlier. */
export type LagIndex = (index: number, lagBuckets: number) => number;

export const utcLag: LagIndex = (index, lagBuckets) => index - lagBuckets;

const SAMPLE_MS = 6 * HOUR_MS;

/**
 * Offset of `timeZone` from UTC at each bucket start, in whole buckets (rounded when the step
 * does not divide the offset change, e.g. 1-hour shifts with 45-minute buckets).
 */
export function localOffsetBuckets(startMs: number, stepMs: number, length: number, timeZone: string): Int32Array {
  const offsets = new Int32Array(length);
  if (length === 0) return offsets;
  const offsetAt = (index: number): number => Math.round(zoneOffsetMs(startMs + index * stepMs, timeZone) / stepMs);
  const sampleEvery = Math.max(1, Math.floor(SAMPLE_MS / stepMs));
  let previousIndex = 0;
  let previousOffset = offsetAt(0);
  offsets[0] = previousOffset;
  for (let index = sampleEvery; ; index += sampleEvery) {
    const sampleIndex = Math.min(index, length - 1);
    const sampleOffset = offsetAt(sampleIndex);
    if (sampleOffset === previousOffset) {
      offsets.fill(previousOffset, previousIndex, sampleIndex + 1);
    } else {
      // Bisect for the first index with the new offset (one change per 6 hours at most).
      let low = previousIndex;
      let high = sampleIndex;
      while (high - low > 1) {
        const middle = (low + high) >> 1;
        if (offsetAt(middle) === previousOffset) low = middle;
        else high = middle;
      }
      offsets.fill(previousOffset, previousIndex, high);
      offsets.fill(sampleOffset, high, sampleIndex + 1);
    }
    previousIndex = sampleIndex;
    previousOffset = sampleOffset;
    if (sampleIndex >= length - 1) break;
  }
  return offsets;
}

/** A LagIndex that keeps the local wall-clock phase; UTC lags when no zone is given. */
export function localLagIndex(startMs: number, stepMs: number, length: number, timeZone: string | undefined): LagIndex {
  if (timeZone === undefined) return utcLag;
  const offsets = localOffsetBuckets(startMs, stepMs, length, timeZone);
  const first = offsets[0] as number;
  if (offsets.every((offset) => offset === first)) return utcLag;
  return (index, lagBuckets) => {
    const utcIndex = index - lagBuckets;
    if (utcIndex < 0 || index >= offsets.length) return utcIndex;
    return utcIndex + ((offsets[index] as number) - (offsets[utcIndex] as number));
  };
}
