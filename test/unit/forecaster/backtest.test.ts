import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, WEEK_MS } from '../../../src/domain/units.ts';
import { arimaModel, interpolateMissing } from '../../../src/forecaster/backtest/baselines/arima.ts';
import { holtWintersModel } from '../../../src/forecaster/backtest/baselines/holt-winters.ts';
import { seasonalNaiveModel } from '../../../src/forecaster/backtest/baselines/seasonal-naive.ts';
import { chuanliuModel } from '../../../src/forecaster/backtest/chuanliu-model.ts';
import type { ModelInput } from '../../../src/forecaster/backtest/model.ts';
import { chooseOrigins, runBacktest } from '../../../src/forecaster/backtest/rolling-origin.ts';
import { expectedRps, MONDAY_MS, syntheticSeries } from './synthetic.ts';

const quantiles = [0.5, 0.9, 0.99];

function inputOf(values: Float64Array, horizon: number): ModelInput {
  return { history: values, startMs: MONDAY_MS, stepMs: HOUR_MS, horizon, quantiles };
}

describe('baselines', () => {
  const clean = syntheticSeries({ days: 28, noise: 0, weekendDip: 0.3 });

  it('seasonal naive repeats the bucket one period earlier, stepping over a missing one', () => {
    const values = Float64Array.from(clean.values);
    const n = values.length;
    values[n - 168 + 2] = Number.NaN;
    const forecast = seasonalNaiveModel({ name: 'snaive-weekly', periodMs: WEEK_MS }).forecast(inputOf(values, 4));
    expect(Array.from(forecast.point)).toEqual([values[n - 168], values[n - 167], values[n - 336 + 2], values[n - 165]]);
  });

  it('naive repeats the last value', () => {
    const forecast = seasonalNaiveModel({ name: 'naive', periodMs: 0 }).forecast(inputOf(clean.values, 3));
    expect(Array.from(forecast.point)).toEqual(new Array(3).fill(clean.values[clean.values.length - 1]));
  });

  it('Holt-Winters reproduces a noise-free daily cycle', () => {
    const daily = syntheticSeries({ days: 21, noise: 0 });
    const forecast = holtWintersModel({ name: 'hw', periodMs: DAY_MS, trainingWindowMs: 14 * DAY_MS }).forecast(inputOf(daily.values, 24));
    forecast.point.forEach((value, i) => {
      expect(value).toBeCloseTo(expectedRps(MONDAY_MS + (daily.values.length + i) * HOUR_MS, { days: 0 }), 0);
    });
  });

  it('arima (AutoARIMA on daily differences) gives finite forecasts and Gaussian bands around them', () => {
    const noisy = syntheticSeries({ days: 14, noise: 0.05 });
    const model = arimaModel({ name: 'arima', seasonalPeriodMs: DAY_MS, trainingPoints: 200 });
    const forecast = model.forecast(inputOf(noisy.values, 12));
    expect(forecast.point.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < 12; i++) {
      expect(forecast.bands[0]?.[i]).toBeCloseTo(forecast.point[i] as number, 9);
      expect(forecast.bands[2]?.[i]).toBeGreaterThan(forecast.bands[1]?.[i] as number);
    }
    expect(model.stats).toMatchObject({ fits: 1, fallbacks: 0 });
  });

  it.each([
    { name: 'inner gap', values: [1, Number.NaN, Number.NaN, 4], expected: [1, 2, 3, 4] },
    { name: 'leading gap', values: [Number.NaN, 2, 3], expected: [2, 2, 3] },
    { name: 'trailing gap', values: [1, 2, Number.NaN], expected: [1, 2, 2] },
  ])('interpolateMissing: $name', ({ values, expected }) => {
    expect(Array.from(interpolateMissing(Float64Array.from(values)))).toEqual(expected);
  });
});

describe('rolling-origin backtest', () => {
  it('spreads origins over the span, never at whole-hour spacing, leaving room for the longest horizon', () => {
    const origins = chooseOrigins(2000, HOUR_MS / 2, { origins: 10, evaluationSpanMs: 20 * DAY_MS, minHistoryMs: 7 * DAY_MS, horizons: [2, 48] });
    expect(origins).toHaveLength(10);
    expect(origins[origins.length - 1]).toBe(2000 - 48);
    const spacing = (origins[1] as number) - (origins[0] as number);
    expect(spacing % 2).not.toBe(0);
    expect(origins[0]).toBeGreaterThanOrEqual(7 * 48);
  });

  it('scores every model on the same windows and calibrates chuanliu\'s bands near nominal on synthetic noise', () => {
    const series = syntheticSeries({ days: 42, noise: 0.1, weekendDip: 0.3, seed: 21 });
    const result = runBacktest({
      series,
      models: [chuanliuModel(), seasonalNaiveModel({ name: 'snaive-weekly', periodMs: WEEK_MS })],
      horizons: [1, 24], quantiles, origins: 30, evaluationSpanMs: 14 * DAY_MS, minHistoryMs: 21 * DAY_MS,
    });
    expect(result.originsMs).toHaveLength(30);
    const day = result.horizons[1];
    const chuanliu = day?.models.find((model) => model.model === 'chuanliu')?.score;
    const naive = day?.models.find((model) => model.model === 'snaive-weekly')?.score;
    expect(chuanliu?.buckets).toBe(naive?.buckets);
    expect(chuanliu?.coverage[1]).toBeGreaterThan(0.82);
    expect(chuanliu?.coverage[1]).toBeLessThan(0.97);
    expect(chuanliu?.coverage[0]).toBeGreaterThan(0.35);
    expect(chuanliu?.coverage[0]).toBeLessThan(0.65);
    // Averaging several weeks beats repeating the last one when the noise is independent.
    expect(chuanliu?.mase).toBeLessThan((naive?.mase as number) * 0.85);
  });

  it('leaves out a model that cannot run at some origin, with the reason', () => {
    const series = syntheticSeries({ days: 10 });
    const result = runBacktest({
      series, models: [chuanliuModel(), seasonalNaiveModel({ name: 'snaive-weekly', periodMs: WEEK_MS })],
      horizons: [6], quantiles, origins: 3, evaluationSpanMs: 2 * DAY_MS, minHistoryMs: 5 * DAY_MS,
    });
    expect(result.skipped).toEqual([expect.objectContaining({ model: 'snaive-weekly' })]);
    expect(result.horizons[0]?.models.map((model) => model.model)).toEqual(['chuanliu']);
  });
});
