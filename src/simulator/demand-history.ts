/**
 * Demand *before* a simulation starts, for strategies that forecast (chuanliu). A forecaster needs
 * weeks of history; a scenario replays only its own window. Each online workload's history comes
 * from the same source as its traffic:
 *
 * - a trace: the cleaned trace rows before the start (gaps and outages stay NaN, scaled and
 *   shifted like the replay), averaged into the requested buckets;
 * - synthetic traffic: earlier days drawn by the same stacked-peak generator, calendar and seed,
 *   labelled SYNTHETIC. The generator runs at the bucket width; its per-step noise is scaled by
 *   1/√(bucket / replay step), which is the spread of a bucket mean of the replay's independent
 *   per-step noise, so the history is neither calmer nor noisier than the run it precedes.
 *
 * Nothing here reads the run's window: a request for buckets at or after `beforeMs` is cut there.
 */
import type { PeakCalendar } from '../domain/calendar.ts';
import type { RegularSeries } from '../domain/series.ts';
import { generateStackedPeakTraffic, type BaselineSeasonality } from './synthetic-traffic.ts';

/** Where one workload's pre-run demand comes from. */
export interface DemandHistorySource {
  /** True when the history is generated rather than read from recorded traffic. */
  readonly synthetic: boolean;
  /** Finest bucket the source can give (a trace's own step). */
  readonly stepMs: number;
  /** Earliest instant with data (−Infinity for a generator). */
  readonly earliestMs: number;
  /** For reports: what the history is. */
  readonly note: string;
  /**
   * Mean requests/s per bucket of `bucketMs` over [fromMs, toMs) (whole buckets from `fromMs`);
   * NaN where the source has less than half a bucket of data.
   */
  read(fromMs: number, toMs: number, bucketMs: number): Float64Array;
}

/** A window of history handed to a strategy. */
export interface HistoryWindow {
  /** Buckets strictly before the `beforeMs` asked for; NaN = no trustworthy observation. */
  readonly series: RegularSeries;
  readonly synthetic: boolean;
  readonly note: string;
}

export interface HistoryRequest {
  /** History ends here (exclusive), normally the run's start. */
  readonly beforeMs: number;
  /** How far back to reach. */
  readonly spanMs: number;
  /** Bucket width wanted; a source with coarser rows gives its own step instead. */
  readonly bucketMs: number;
}

/**
 * The window [beforeMs − spanMs, beforeMs) of `source`, in buckets of max(bucketMs, source step),
 * aligned so the last bucket ends exactly at `beforeMs`. Undefined when nothing of it has data.
 */
export function historyWindow(source: DemandHistorySource, request: HistoryRequest): HistoryWindow | undefined {
  const stepMs = Math.max(request.bucketMs, source.stepMs);
  const earliest = Math.max(request.beforeMs - request.spanMs, source.earliestMs);
  const count = Math.floor((request.beforeMs - earliest) / stepMs);
  if (!(count > 0)) return undefined;
  const startMs = request.beforeMs - count * stepMs;
  const values = source.read(startMs, request.beforeMs, stepMs);
  if (!values.some((value) => Number.isFinite(value))) return undefined;
  return { series: { startMs, stepMs, values, unit: 'requests/s' }, synthetic: source.synthetic, note: source.note };
}

/** History from a cleaned, scaled and shifted trace series (the rows before the run). */
export function traceHistorySource(series: RegularSeries, note: string): DemandHistorySource {
  return {
    synthetic: false,
    stepMs: series.stepMs,
    earliestMs: series.startMs,
    note,
    read: (fromMs, toMs, bucketMs) => meanPerBucket(series, fromMs, toMs, bucketMs),
  };
}

export interface SyntheticHistoryOptions {
  readonly calendar: PeakCalendar;
  readonly workload: string;
  readonly baseline: BaselineSeasonality;
  /** Noise per step of the replay. */
  readonly noiseCv: number;
  /** Step of the replay's generated series. */
  readonly replayStepMs: number;
  readonly seed: number;
}

/** History drawn by the synthetic generator (SYNTHETIC, labelled so). */
export function syntheticHistorySource(options: SyntheticHistoryOptions): DemandHistorySource {
  return {
    synthetic: true,
    stepMs: options.replayStepMs,
    earliestMs: Number.NEGATIVE_INFINITY,
    note: `SYNTHETIC: earlier days from the stacked-peak generator (same calendar, baseline and seed) for ${options.workload}`,
    read(fromMs, toMs, bucketMs) {
      const count = Math.floor((toMs - fromMs) / bucketMs);
      if (count <= 0) return new Float64Array(0);
      const { series } = generateStackedPeakTraffic({
        calendar: options.calendar,
        workload: options.workload,
        startMs: fromMs,
        endMs: fromMs + count * bucketMs,
        stepMs: bucketMs,
        baseline: options.baseline,
        noiseCv: options.noiseCv / Math.sqrt(Math.max(1, bucketMs / options.replayStepMs)),
        seed: options.seed,
      });
      return series.values.length === count ? series.values : series.values.slice(0, count);
    },
  };
}

/**
 * Time-weighted mean of `series` per bucket of [fromMs + k·bucketMs, …) (the rates are spread
 * evenly inside a source bucket); NaN where less than half the bucket is covered by finite data.
 */
export function meanPerBucket(series: RegularSeries, fromMs: number, toMs: number, bucketMs: number): Float64Array {
  const count = Math.max(0, Math.floor((toMs - fromMs) / bucketMs));
  const sums = new Float64Array(count);
  const covered = new Float64Array(count);
  const values = series.values;
  const firstSource = Math.max(0, Math.floor((fromMs - series.startMs) / series.stepMs));
  const endMs = fromMs + count * bucketMs;
  for (let index = firstSource; index < values.length; index++) {
    let sourceFromMs = series.startMs + index * series.stepMs;
    if (sourceFromMs >= endMs) break;
    const sourceToMs = sourceFromMs + series.stepMs;
    const rate = values[index] as number;
    if (!Number.isFinite(rate)) continue;
    sourceFromMs = Math.max(sourceFromMs, fromMs);
    while (sourceFromMs < sourceToMs && sourceFromMs < endMs) {
      const bucket = Math.floor((sourceFromMs - fromMs) / bucketMs);
      const bucketEndMs = fromMs + (bucket + 1) * bucketMs;
      const overlapMs = Math.min(sourceToMs, bucketEndMs) - sourceFromMs;
      sums[bucket] = (sums[bucket] as number) + rate * overlapMs;
      covered[bucket] = (covered[bucket] as number) + overlapMs;
      sourceFromMs += overlapMs;
    }
  }
  const out = new Float64Array(count);
  for (let bucket = 0; bucket < count; bucket++) {
    const coveredMs = covered[bucket] as number;
    out[bucket] = coveredMs * 2 >= bucketMs ? (sums[bucket] as number) / coveredMs : Number.NaN;
  }
  return out;
}
