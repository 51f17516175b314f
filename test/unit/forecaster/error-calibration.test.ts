/**
 * The recent-coverage check of the band calibration: quantile levels move out when the most recent
 * replayed errors cross them more often than their level says, in when less, never for the median.
 * Errors are SYNTHETIC Gaussian draws from a seeded generator.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/domain/random.ts';
import { bandFor } from '../../../src/domain/forecast.ts';
import { HOUR_MS } from '../../../src/domain/units.ts';
import { recentCoverageLevels } from '../../../src/forecaster/error-calibration.ts';
import { forecastDemand } from '../../../src/forecaster/forecast-demand.ts';
import { syntheticSeries, withValues } from './synthetic.ts';

/** `count` errors, most recent first: the first `recentCount` with standard deviation `recentSd`, the rest 1. */
function errors(count: number, recentCount: number, recentSd: number, seed = 11): Float64Array {
  const rng = createRng(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return Float64Array.from({ length: count }, (_, r) => gaussian() * (r < recentCount ? recentSd : 1));
}

const quantiles = [0.01, 0.1, 0.5, 0.9, 0.99];

describe('recentCoverageLevels', () => {
  it('keeps the levels near nominal when the errors do not change', () => {
    const levels = recentCoverageLevels(errors(4000, 0, 1), quantiles);
    expect(levels.has(0.5)).toBe(false);
    expect(Math.abs((levels.get(0.9) as number) - 0.9)).toBeLessThan(0.03);
    expect(Math.abs((levels.get(0.1) as number) - 0.1)).toBeLessThan(0.03);
  });

  it('moves the levels out by the shortfall when the recent errors are wider, the tail at most halved', () => {
    const levels = recentCoverageLevels(errors(4000, 1000, 2), quantiles);
    // A unit-normal 90th percentile covers about 74% of N(0, 2²): the level would move out by about
    // 16 points; the tail beyond it shrinks at most twofold, so 0.95 (and 0.05, 0.995, 0.005).
    expect(levels.get(0.9)).toBeCloseTo(0.95, 12);
    expect(levels.get(0.1)).toBeCloseTo(0.05, 12);
    expect(levels.get(0.99)).toBeCloseTo(0.995, 12);
    expect(levels.get(0.01)).toBeCloseTo(0.005, 12);
  });

  it('moves them in when the recent errors are narrower, the tail at most doubled', () => {
    const levels = recentCoverageLevels(errors(4000, 1000, 0.3), quantiles);
    expect(levels.get(0.9)).toBeLessThan(0.9);
    expect(levels.get(0.9)).toBeGreaterThanOrEqual(0.8);
    expect(levels.get(0.1)).toBeGreaterThan(0.1);
    expect(levels.get(0.1)).toBeLessThanOrEqual(0.2);
  });

  it('never moves a level across the median', () => {
    const wider = recentCoverageLevels(errors(4000, 1000, 2), [0.49, 0.51]);
    expect(wider.get(0.49)).toBeLessThanOrEqual(0.5);
    expect(wider.get(0.51)).toBeGreaterThanOrEqual(0.5);
    const narrower = recentCoverageLevels(errors(4000, 1000, 0.3), [0.49, 0.51]);
    expect(narrower.get(0.49)).toBeLessThanOrEqual(0.5);
    expect(narrower.get(0.51)).toBeGreaterThanOrEqual(0.5);
  });

  it('leaves too few errors alone', () => {
    expect(recentCoverageLevels(errors(3, 0, 1), quantiles).size).toBe(0);
  });
});

describe('forecastDemand: bands follow the recent error regime', () => {
  it('widens the p90 band when the noise of the last week tripled (5 % → about 15 %)', () => {
    const history = syntheticSeries({ days: 35, noise: 0.05, seed: 5 });
    const noisier = withValues(history, (values) => {
      const rng = createRng(9);
      for (let i = values.length - 7 * 24; i < values.length; i++) values[i] = (values[i] as number) * (1 + 0.15 * (rng() - 0.5) * 3.4);
    });
    const nowMs = history.startMs + history.values.length * HOUR_MS;
    const width = (checked: boolean): number => {
      const forecast = forecastDemand({ workload: 'w', history: noisier, nowMs, horizonMs: 12 * HOUR_MS, quantiles: [0.5, 0.9], params: { recentCoverageCheck: checked } });
      const p50 = bandFor(forecast, 0.5);
      return bandFor(forecast, 0.9).reduce((sum, value, i) => sum + value - (p50[i] as number), 0);
    };
    expect(width(true)).toBeGreaterThan(width(false) * 1.1);
  });
});
