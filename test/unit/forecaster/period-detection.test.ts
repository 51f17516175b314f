import { describe, expect, it } from 'vitest';
import { detectSeasonalPeriods } from '../../../src/forecaster/period-detection.ts';
import { createRng } from '../../../src/domain/random.ts';
import { HOUR_MS, MINUTE_MS } from '../../../src/domain/units.ts';
import { syntheticSeries, withValues } from './synthetic.ts';

describe('detectSeasonalPeriods', () => {
  it.each([
    { name: 'hourly, daily cycle only', options: { days: 28 }, expected: [24] },
    { name: 'hourly, daily and weekly cycles', options: { days: 42, weekendDip: 0.4 }, expected: [24, 168] },
    { name: '30-minute buckets, daily and weekly', options: { days: 35, stepMs: 30 * MINUTE_MS, weekendDip: 0.4 }, expected: [48, 336] },
    { name: '5-minute buckets, daily cycle', options: { days: 10, stepMs: 5 * MINUTE_MS }, expected: [288] },
  ])('$name → $expected', ({ options, expected }) => {
    const series = syntheticSeries({ ...options, noise: 0.1 });
    const periods = detectSeasonalPeriods(series.values, { stepMs: series.stepMs });
    expect(periods.map((period) => period.periodBuckets)).toEqual(expected);
  });

  it('labels calendar periods daily and weekly', () => {
    const series = syntheticSeries({ days: 42, weekendDip: 0.4 });
    expect(detectSeasonalPeriods(series.values, { stepMs: HOUR_MS }).map((period) => period.label)).toEqual(['daily', 'weekly']);
  });

  it('finds a non-calendar period and says so', () => {
    const series = syntheticSeries({ days: 14, dailyAmplitude: 0, extraPeriodBuckets: 50, noise: 0.05 });
    const periods = detectSeasonalPeriods(series.values, { stepMs: HOUR_MS });
    expect(periods).toEqual([expect.objectContaining({ periodBuckets: 50, label: 'other' })]);
  });

  it('finds nothing in white noise', () => {
    const rng = createRng(7);
    const values = Float64Array.from({ length: 2000 }, () => 100 + 10 * rng());
    expect(detectSeasonalPeriods(values, { stepMs: MINUTE_MS })).toEqual([]);
  });

  it('finds nothing in a slow random walk (autocorrelation decays without a trough)', () => {
    const rng = createRng(3);
    let level = 100;
    const values = Float64Array.from({ length: 2000 }, () => (level += rng() - 0.5));
    expect(detectSeasonalPeriods(values, { stepMs: 10_000 })).toEqual([]);
  });

  it('is robust to outages (NaN days) and huge spikes', () => {
    const series = withValues(syntheticSeries({ days: 42, weekendDip: 0.4, noise: 0.1 }), (values) => {
      values.fill(Number.NaN, 24 * 10, 24 * 13);
      for (let i = 50; i < values.length; i += 97) values[i] = (values[i] as number) * 80;
    });
    expect(detectSeasonalPeriods(series.values, { stepMs: HOUR_MS }).map((period) => period.periodBuckets)).toEqual([24, 168]);
  });

  it('needs two full cycles of history', () => {
    const series = syntheticSeries({ days: 1.5 });
    expect(detectSeasonalPeriods(series.values, { stepMs: HOUR_MS })).toEqual([]);
  });
});
