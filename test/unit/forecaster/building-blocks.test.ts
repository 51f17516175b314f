import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { livestreamPulseRps, promotionEffectFraction, retailWindowEffectFraction } from '../../../src/domain/event-shapes.ts';
import { HOUR_MS, MINUTE_MS, WEEK_MS } from '../../../src/domain/units.ts';
import { meanPromotionFraction, meanPulseRps, meanRetailFraction } from '../../../src/forecaster/event-shape-integrals.ts';
import { huberRidge, selectKth, weightedRidge } from '../../../src/forecaster/least-squares.ts';
import { localLagIndex, localOffsetBuckets } from '../../../src/forecaster/local-time-lags.ts';
import { anchorLeads } from '../../../src/forecaster/residual-correction.ts';
import { quantileOf, trimmedMeanOfFew } from '../../../src/forecaster/robust-stats.ts';

function numericMean(shape: (timeMs: number) => number, fromMs: number, toMs: number): number {
  const samples = 20_000;
  let sum = 0;
  for (let s = 0; s < samples; s++) sum += shape(fromMs + ((s + 0.5) / samples) * (toMs - fromMs));
  return sum / samples;
}

describe('bucket means of the event shapes equal the shapes integrated', () => {
  const startMs = 1_000_000;
  const endMs = startMs + 2 * HOUR_MS;
  const bucket = fc.tuple(fc.integer({ min: -30, max: 150 }), fc.integer({ min: 1, max: 60 }))
    .map(([fromMinute, lengthMinutes]) => ({ fromMs: startMs + fromMinute * MINUTE_MS, toMs: startMs + (fromMinute + lengthMinutes) * MINUTE_MS }));

  it('promotion ramp', () => {
    fc.assert(fc.property(bucket, fc.integer({ min: 0, max: 40 * MINUTE_MS }), ({ fromMs, toMs }, rampMs) => {
      expect(meanPromotionFraction({ rampMs }, startMs, endMs, fromMs, toMs))
        .toBeCloseTo(numericMean((t) => promotionEffectFraction({ rampMs }, startMs, endMs, t), fromMs, toMs), 3);
    }), { numRuns: 50 });
  });

  it('in-store sin² window', () => {
    fc.assert(fc.property(bucket, ({ fromMs, toMs }) => {
      expect(meanRetailFraction(startMs, endMs, fromMs, toMs)).toBeCloseTo(numericMean((t) => retailWindowEffectFraction(startMs, endMs, t), fromMs, toMs), 3);
    }), { numRuns: 50 });
  });

  it('livestream pulse', () => {
    const session = { expectedPeakRps: 100, pulse: { riseMs: 20_000, decayHalfLifeMs: 90_000 } };
    fc.assert(fc.property(bucket, ({ fromMs, toMs }) => {
      expect(meanPulseRps(session, startMs, endMs, fromMs, toMs)).toBeCloseTo(numericMean((t) => livestreamPulseRps(session, startMs, endMs, t), fromMs, toMs), 1);
    }), { numRuns: 50 });
  });
});

describe('least squares', () => {
  const design = (rows: number, beta: number[], outliers = 0) => {
    const x = new Float64Array(rows * beta.length);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < beta.length; j++) x[r * beta.length + j] = j === 0 ? 1 : Math.sin(r * (j + 1) * 0.37);
      y[r] = beta.reduce((sum, b, j) => sum + b * (x[r * beta.length + j] as number), 0) + (r < outliers ? 1000 : 0);
    }
    return { x, y, rows, columns: beta.length };
  };

  it('recovers known coefficients', () => {
    expect(Array.from(weightedRidge(design(200, [2, -1, 0.5]), undefined, 1e-9)).map((b) => Number(b.toFixed(4)))).toEqual([2, -1, 0.5]);
  });

  it('Huber resists a few gross outliers where plain least squares does not', () => {
    const data = design(200, [2, -1, 0.5], 6);
    expect(Math.abs((weightedRidge(data, undefined, 1e-9)[0] as number) - 2)).toBeGreaterThan(10);
    expect(huberRidge(data, { ridge: 1e-9, iterations: 10, huberScale: 2 })[0]).toBeCloseTo(2, 0);
  });

  it('selectKth agrees with sorting', () => {
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 60 }), fc.nat(), (values, k) => {
      const index = k % values.length;
      expect(selectKth(Float64Array.from(values), index)).toBe(Float64Array.from(values).sort()[index]);
    }));
  });
});

describe('local-time seasonal lags', () => {
  const stepMs = 30 * MINUTE_MS;
  // Sunday 2014-11-02 06:00 UTC = 01:00 EST, the hour after New York fell back.
  const startMs = Date.UTC(2014, 9, 20);

  it('finds the offset change and keeps a week-ago lag on the same local wall time', () => {
    const length = 3 * 7 * 48;
    const offsets = localOffsetBuckets(startMs, stepMs, length, 'America/New_York');
    expect(offsets[0]).toBe(-8);
    expect(offsets[length - 1]).toBe(-10);
    const lag = localLagIndex(startMs, stepMs, length, 'America/New_York');
    const weekBuckets = WEEK_MS / stepMs;
    for (const index of [2 * weekBuckets + 5, 2 * weekBuckets + 30]) {
      const earlier = lag(index, weekBuckets);
      const wallClock = (i: number): number => (startMs + i * stepMs + (offsets[i] as number) * stepMs) % (24 * HOUR_MS);
      expect(wallClock(earlier)).toBe(wallClock(index));
    }
  });

  it('is plain UTC arithmetic without a zone', () => {
    expect(localLagIndex(startMs, stepMs, 100, undefined)(60, 48)).toBe(12);
  });
});

describe('small helpers', () => {
  it.each([
    { q: 0, expected: 1 }, { q: 0.5, expected: 2.5 }, { q: 1, expected: 4 }, { q: 0.25, expected: 1.75 },
  ])('quantile $q of 1..4 (type 7) = $expected, NaN skipped', ({ q, expected }) => {
    expect(quantileOf([4, Number.NaN, 1, 3, 2], q)).toBe(expected);
  });

  it.each([
    { values: [1, 2, 3], expected: 2 },
    { values: [1, 2, 3, 1000], expected: 2.5 },
    { values: [], expected: Number.NaN },
  ])('trimmed mean of few $values', ({ values, expected }) => {
    expect(trimmedMeanOfFew(Float64Array.from(values), values.length)).toEqual(expected);
  });

  it.each([
    { horizon: 1, expected: [1] },
    { horizon: 2, expected: [1, 2] },
    { horizon: 12, expected: [1, 2, 3, 4, 6, 8, 12] },
    { horizon: 48, expected: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48] },
  ])('anchor leads up to $horizon', ({ horizon, expected }) => {
    expect(anchorLeads(horizon)).toEqual(expected);
  });
});
