/**
 * Finds the seasonal periods of a series (daily, weekly, or any other) from its autocorrelation.
 *
 * Robust by construction: NaN buckets (gaps, outages) are skipped pair by pair, spikes are
 * winsorised before correlating, and a long series is first averaged into coarse blocks so the
 * search stays cheap (a few million multiply-adds whatever the length). A lag is a period when its
 * autocorrelation is a clear local maximum above `minAutocorrelation`; a multiple of a shorter
 * period (2 days, 3 days…) counts only when it stands out from its neighbouring multiples, which is
 * how a weekly cycle shows on top of a daily one (lag 7 d above lags 6 d and 8 d). Periods close to
 * a calendar day or week are snapped to exactly that many buckets.
 */
import { DAY_MS, WEEK_MS } from '../domain/units.ts';
import { quantileOfSorted, sortedFinite } from './robust-stats.ts';

export interface PeriodDetectionOptions {
  readonly stepMs: number;
  /** Minimum autocorrelation at a period. @defaultValue 0.2 */
  readonly minAutocorrelation?: number;
  /** Full cycles the history must hold for a period to count. @defaultValue 2 */
  readonly minCycles?: number;
  /** Largest period searched, in buckets. @defaultValue 15 days of buckets */
  readonly maxPeriodBuckets?: number;
  /** The coarse series has at most this many points. @defaultValue 3000 */
  readonly maxCoarsePoints?: number;
}

export interface DetectedPeriod {
  /** Period length in buckets of the input series. */
  readonly periodBuckets: number;
  readonly autocorrelation: number;
  /** `daily` / `weekly` when snapped to a calendar period, else `other`. */
  readonly label: 'daily' | 'weekly' | 'other';
}

/** How far a multiple must rise above its neighbouring multiples to count as its own period. */
const HARMONIC_MARGIN = 0.03;
/** How far the autocorrelation must fall between lag/4 and a period and rise again. */
const MIN_PROMINENCE = 0.15;
/** Relative distance within which a detected lag is snapped to a calendar day or week. */
const SNAP_TOLERANCE = 0.05;

export function detectSeasonalPeriods(values: Float64Array, options: PeriodDetectionOptions): DetectedPeriod[] {
  const minAutocorrelation = options.minAutocorrelation ?? 0.2;
  const minCycles = options.minCycles ?? 2;
  const maxPeriodBuckets = options.maxPeriodBuckets ?? Math.round((15 * DAY_MS) / options.stepMs);
  const blockSize = Math.max(1, Math.ceil(values.length / (options.maxCoarsePoints ?? 3000)));
  const coarse = winsorisedAndCentred(blockMeans(values, blockSize));
  const maxLag = Math.min(Math.floor(coarse.length / minCycles), Math.floor(maxPeriodBuckets / blockSize));
  if (maxLag < 2) return [];
  const acf = autocorrelations(coarse, maxLag);

  const peaks: number[] = [];
  for (let lag = 3; lag <= maxLag; lag++) {
    const value = acf[lag] as number;
    if (!(value >= minAutocorrelation)) continue;
    const halfWindow = Math.max(1, Math.round(lag * 0.15));
    let isPeak = true;
    for (let other = Math.max(1, lag - halfWindow); other <= Math.min(maxLag, lag + halfWindow); other++) {
      const otherValue = acf[other] as number;
      if (otherValue > value || (otherValue === value && other < lag)) {
        isPeak = false;
        break;
      }
    }
    // A peak at the very end of the searched range may be the rising flank of a longer one.
    if (!isPeak || lag + halfWindow > maxLag) continue;
    // A real cycle dips in between (the night between two evenings): without that trough, a bump
    // on a slowly decaying autocorrelation is noise, not a period.
    let trough = value;
    for (let other = Math.max(1, Math.floor(lag / 4)); other < lag; other++) trough = Math.min(trough, acf[other] as number);
    if (value - trough >= MIN_PROMINENCE) peaks.push(lag);
  }

  const kept: number[] = [];
  for (const lag of peaks) {
    const fundamental = kept.find((period) => isMultiple(lag, period));
    if (fundamental !== undefined) {
      const below = acf[lag - fundamental] as number;
      const above = lag + fundamental <= maxLag ? (acf[lag + fundamental] as number) : below;
      if (!((acf[lag] as number) > Math.max(below, above) + HARMONIC_MARGIN)) continue;
    }
    kept.push(lag);
  }

  const daily = DAY_MS / options.stepMs;
  const weekly = WEEK_MS / options.stepMs;
  const detected = new Map<number, DetectedPeriod>();
  for (const lag of kept) {
    const approximate = lag * blockSize;
    let period: DetectedPeriod;
    if (Number.isInteger(weekly) && Math.abs(approximate / weekly - 1) <= SNAP_TOLERANCE) {
      period = { periodBuckets: weekly, autocorrelation: acf[lag] as number, label: 'weekly' };
    } else if (Number.isInteger(daily) && Math.abs(approximate / daily - 1) <= SNAP_TOLERANCE) {
      period = { periodBuckets: daily, autocorrelation: acf[lag] as number, label: 'daily' };
    } else {
      period = refineOnFineSeries(values, approximate, blockSize, acf[lag] as number);
    }
    if (period.periodBuckets * minCycles <= values.length && !detected.has(period.periodBuckets)) {
      detected.set(period.periodBuckets, period);
    }
  }
  return [...detected.values()].sort((a, b) => a.periodBuckets - b.periodBuckets);
}

function isMultiple(lag: number, period: number): boolean {
  const ratio = lag / period;
  const nearest = Math.round(ratio);
  return nearest >= 2 && Math.abs(ratio - nearest) <= 0.1;
}

/** Means of consecutive blocks; a block with fewer than half of its buckets finite is NaN. */
function blockMeans(values: Float64Array, blockSize: number): Float64Array {
  if (blockSize === 1) return Float64Array.from(values);
  const blocks = Math.floor(values.length / blockSize);
  const out = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let sum = 0;
    let count = 0;
    for (let i = b * blockSize; i < (b + 1) * blockSize; i++) {
      const value = values[i] as number;
      if (Number.isFinite(value)) {
        sum += value;
        count++;
      }
    }
    out[b] = count * 2 >= blockSize ? sum / count : Number.NaN;
  }
  return out;
}

/** Clips to the 2nd–98th percentiles (spikes would otherwise dominate every product) and centres on the mean. */
function winsorisedAndCentred(values: Float64Array): Float64Array {
  const sorted = sortedFinite(values);
  if (sorted.length === 0) return values;
  const low = quantileOfSorted(sorted, 0.02);
  const high = quantileOfSorted(sorted, 0.98);
  let sum = 0;
  let count = 0;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) {
      out[i] = Number.NaN;
      continue;
    }
    const clipped = Math.min(high, Math.max(low, value));
    out[i] = clipped;
    sum += clipped;
    count++;
  }
  const mean = sum / count;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) - mean;
  return out;
}

/** Autocorrelation at lags 0..maxLag over the pairs where both values are finite. */
function autocorrelations(centred: Float64Array, maxLag: number): Float64Array {
  let variance = 0;
  let count = 0;
  for (const value of centred) {
    if (Number.isFinite(value)) {
      variance += value * value;
      count++;
    }
  }
  variance /= Math.max(1, count);
  const acf = new Float64Array(maxLag + 1);
  if (!(variance > 0)) return acf;
  acf[0] = 1;
  for (let lag = 1; lag <= maxLag; lag++) acf[lag] = correlationAtLag(centred, lag, variance);
  return acf;
}

function correlationAtLag(centred: Float64Array, lag: number, variance: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = lag; i < centred.length; i++) {
    const product = (centred[i] as number) * (centred[i - lag] as number);
    if (Number.isFinite(product)) {
      sum += product;
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs / variance : 0;
}

/** The best lag of the full-resolution series within one block of the coarse estimate. */
function refineOnFineSeries(values: Float64Array, approximate: number, blockSize: number, coarseAcf: number): DetectedPeriod {
  if (blockSize === 1) return { periodBuckets: approximate, autocorrelation: coarseAcf, label: 'other' };
  const centred = winsorisedAndCentred(values);
  let variance = 0;
  let count = 0;
  for (const value of centred) {
    if (Number.isFinite(value)) {
      variance += value * value;
      count++;
    }
  }
  variance /= Math.max(1, count);
  let best = approximate;
  let bestAcf = Number.NEGATIVE_INFINITY;
  for (let lag = Math.max(2, approximate - blockSize); lag <= approximate + blockSize; lag++) {
    const value = correlationAtLag(centred, lag, variance);
    if (value > bestAcf) {
      bestAcf = value;
      best = lag;
    }
  }
  return { periodBuckets: best, autocorrelation: bestAcf, label: 'other' };
}
