import { describe, expect, it } from 'vitest';
import { naiveScale, ScoreAccumulator } from '../../../src/forecaster/backtest/metrics.ts';

const f64 = (...values: number[]): Float64Array => Float64Array.from(values);

describe('ScoreAccumulator', () => {
  it('computes MASE, sMAPE, pinball, coverage, width and peak errors on a hand-checked window', () => {
    const accumulator = new ScoreAccumulator([0.5, 0.9]);
    accumulator.add(
      { actual: f64(10, 20, 30, 20), scale: 5 },
      { point: f64(12, 18, 24, 26), bands: [f64(12, 18, 24, 26), f64(15, 25, 28, 30)] },
    );
    const score = accumulator.result();
    // |errors| = 2, 2, 6, 6 → MAE 4 → MASE 4 / 5.
    expect(score.mase).toBeCloseTo(0.8, 12);
    expect(score.smapePercent).toBeCloseTo((200 * 2 / 22 + 200 * 2 / 38 + 200 * 6 / 54 + 200 * 6 / 46) / 4, 10);
    // p50 pinball: 0.5·|e| each → (1 + 1 + 3 + 3) / 4 / 5.
    expect(score.pinball[0]).toBeCloseTo(0.4, 12);
    // p90: actual − band = −5, −5, 2, −10 → 0.1·5, 0.1·5, 0.9·2, 0.1·10 → 3.8 / 4 / 5.
    expect(score.pinball[1]).toBeCloseTo(0.19, 12);
    expect(score.coverage).toEqual([0.5, 0.75]);
    expect(score.relativeWidth[1]).toBeCloseTo((3 + 7 + 4 + 4) / 80, 12);
    // Actual peaks at bucket 2 (30), the forecast at bucket 3 (26).
    expect(score.peakTimingBuckets).toBe(1);
    expect(score.peakHeightError).toBeCloseTo(4 / 30, 12);
  });

  it('leaves NaN actuals out of every measure', () => {
    const accumulator = new ScoreAccumulator([0.5]);
    accumulator.add({ actual: f64(10, Number.NaN, 10), scale: 1 }, { point: f64(11, 1000, 9), bands: [f64(11, 1000, 9)] });
    expect(accumulator.result()).toMatchObject({ buckets: 2, mase: 1, coverage: [0.5] });
  });

  it('averages MASE over origins (each with its own scale)', () => {
    const accumulator = new ScoreAccumulator([0.5]);
    accumulator.add({ actual: f64(10, 10), scale: 1 }, { point: f64(11, 11), bands: [f64(11, 11)] });
    accumulator.add({ actual: f64(10, 10), scale: 4 }, { point: f64(12, 12), bands: [f64(12, 12)] });
    expect(accumulator.result()).toMatchObject({ origins: 2, mase: (1 + 0.5) / 2 });
  });
});

describe('naiveScale', () => {
  it.each([
    { name: 'lag 1', values: [1, 3, 6, 10], lag: 1, expected: (2 + 3 + 4) / 3 },
    { name: 'lag 2 skipping NaN pairs', values: [1, 2, Number.NaN, 5, 4], lag: 2, expected: 3 },
    { name: 'nothing to measure falls back to 1', values: [5], lag: 1, expected: 1 },
    { name: 'a flat series falls back to 1', values: [5, 5, 5], lag: 1, expected: 1 },
  ])('$name', ({ values, lag, expected }) => {
    expect(naiveScale(Float64Array.from(values), lag, 100)).toBeCloseTo(expected, 12);
  });
});
