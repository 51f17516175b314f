/**
 * SYNTHETIC series for the forecaster's unit tests: a known daily/weekly shape, seeded noise,
 * optional spikes, NaN outages and event uplifts, so each test can check what was put in.
 */
import { createRng } from '../../../src/domain/random.ts';
import type { RegularSeries } from '../../../src/domain/series.ts';
import { DAY_MS, HOUR_MS } from '../../../src/domain/units.ts';

/** Monday 2024-01-01T00:00Z. */
export const MONDAY_MS = Date.UTC(2024, 0, 1);

export interface SyntheticOptions {
  days: number;
  stepMs?: number;
  /** Relative daily swing. @defaultValue 0.5 */
  dailyAmplitude?: number;
  /** Relative weekend dip. @defaultValue 0 */
  weekendDip?: number;
  /** Gaussian noise standard deviation relative to the level. @defaultValue 0.05 */
  noise?: number;
  seed?: number;
  meanRps?: number;
  /** Period in buckets of an extra, non-calendar cycle. */
  extraPeriodBuckets?: number;
}

/** Noise-free expected value at `timeMs`. */
export function expectedRps(timeMs: number, options: SyntheticOptions): number {
  const hourOfDay = ((timeMs - MONDAY_MS) % DAY_MS) / HOUR_MS;
  const dayOfWeek = Math.floor((timeMs - MONDAY_MS) / DAY_MS) % 7;
  const daily = 1 + (options.dailyAmplitude ?? 0.5) * Math.sin((2 * Math.PI * (hourOfDay - 14)) / 24 + Math.PI / 2);
  const weekly = dayOfWeek >= 5 ? 1 - (options.weekendDip ?? 0) : 1;
  return (options.meanRps ?? 100) * daily * weekly;
}

export function syntheticSeries(options: SyntheticOptions): RegularSeries {
  const stepMs = options.stepMs ?? HOUR_MS;
  const count = Math.round((options.days * DAY_MS) / stepMs);
  const rng = createRng(options.seed ?? 1);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const timeMs = MONDAY_MS + i * stepMs;
    let value = expectedRps(timeMs, options);
    if (options.extraPeriodBuckets !== undefined) value *= 1 + 0.4 * Math.sin((2 * Math.PI * i) / options.extraPeriodBuckets);
    values[i] = Math.max(0, value * (1 + (options.noise ?? 0.05) * gaussian()));
  }
  return { startMs: MONDAY_MS, stepMs, values, unit: 'requests/s' };
}

export function withValues(series: RegularSeries, edit: (values: Float64Array) => void): RegularSeries {
  const values = Float64Array.from(series.values);
  edit(values);
  return { ...series, values };
}
