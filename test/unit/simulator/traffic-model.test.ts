import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inverseNormalCdf, poissonCount, TrafficModel, type DemandCurve } from '../../../src/simulator/traffic-model.ts';
import { fillGapsLinearly } from '../../../src/simulator/load-scenario.ts';

function curve(values: number[], options: Partial<DemandCurve> = {}): DemandCurve {
  return { base: { startMs: 0, stepMs: 60_000, values: Float64Array.from(values), unit: 'requests/s' }, interpolation: 'linear', noise: 'none', ...options };
}

function model(curves: (DemandCurve | undefined)[], seed = 1): TrafficModel {
  return new TrafficModel({ startMs: 0, tickMs: 1000, seed, curves });
}

describe('interpolation of coarse buckets to ticks', () => {
  it.each([
    // Bucket centres at 30 s (100) and 90 s (200): tick 59 (centre 59.5 s) is halfway + a bit.
    { name: 'linear: at a bucket centre, the bucket value', interpolation: 'linear' as const, tick: 29.5, expected: 100 },
    { name: 'linear: halfway between centres, the mean of both', interpolation: 'linear' as const, tick: 59.5, expected: 150 },
    { name: 'linear: before the first centre, the first value', interpolation: 'linear' as const, tick: 0, expected: 100 },
    { name: 'linear: after the last centre, the last value', interpolation: 'linear' as const, tick: 170, expected: 300 },
    { name: 'step: the bucket value for the whole bucket', interpolation: 'step' as const, tick: 59, expected: 100 },
    { name: 'step: the next bucket from its first tick', interpolation: 'step' as const, tick: 60, expected: 200 },
  ])('$name', ({ interpolation, tick, expected }) => {
    const traffic = model([curve([100, 200, 300], { interpolation })]);
    // Fractional ticks are the tick centres expressed as tick − 0.5 (tick t covers [t, t+1) s).
    expect(traffic.expectedRateRps(0, (tick + 0.5) * 1000)).toBeCloseTo(expected, 9);
  });

  it('workloads without a curve (offline) have no demand', () => {
    const traffic = model([undefined, curve([5])]);
    expect(traffic.demandAt(0, 10)).toBe(0);
    expect(traffic.hasDemand(0)).toBe(false);
    expect(traffic.demandAt(1, 10)).toBe(5);
  });
});

describe('Poisson arrivals', () => {
  it.each([3, 25, 400, 20_000])('mean %i: sample mean and variance match a Poisson (both ≈ the mean)', (mean) => {
    const draws = Array.from({ length: 20_000 }, (_, tick) => poissonCount(mean, 12345, tick));
    const sampleMean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    const variance = draws.reduce((sum, value) => sum + (value - sampleMean) ** 2, 0) / draws.length;
    expect(sampleMean / mean).toBeGreaterThan(0.97);
    expect(sampleMean / mean).toBeLessThan(1.03);
    expect(variance / mean).toBeGreaterThan(0.9);
    expect(variance / mean).toBeLessThan(1.1);
    expect(draws.every((value) => Number.isInteger(value) && value >= 0)).toBe(true);
  });

  it('the normal quantile table is accurate', () => {
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 9);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959964, 5);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('property: any tick can be read in any order, any number of times, with the same answer', () => {
    fc.assert(fc.property(fc.integer(), fc.array(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 50 }), (seed, ticks) => {
      const traffic = model([curve([500, 900, 40, 7000], { noise: 'poisson' }), curve([3, 1, 2], { noise: 'poisson', interpolation: 'step' })], seed);
      const forwards = ticks.map((tick) => [traffic.demandAt(0, tick), traffic.demandAt(1, tick)]);
      const cursor = traffic.cursor();
      const backwards = [...ticks].reverse().map((tick) => [traffic.demandAt(0, tick, cursor), traffic.demandAt(1, tick, cursor)]).reverse();
      return JSON.stringify(forwards) === JSON.stringify(backwards);
    }));
  });

  it('different seeds give different noise, the same seed the same', () => {
    const a = model([curve([1000], { noise: 'poisson' })], 1);
    const b = model([curve([1000], { noise: 'poisson' })], 1);
    const c = model([curve([1000], { noise: 'poisson' })], 2);
    const read = (traffic: TrafficModel) => Array.from({ length: 100 }, (_, tick) => traffic.demandAt(0, tick));
    expect(read(a)).toEqual(read(b));
    expect(read(a)).not.toEqual(read(c));
  });
});

describe('gap filling of replayed traces', () => {
  it.each([
    { name: 'an inner gap becomes the straight line between its neighbours', input: [10, NaN, NaN, 40], output: [10, 20, 30, 40] },
    { name: 'a leading gap takes the first valid value', input: [NaN, NaN, 5, 7], output: [5, 5, 5, 7] },
    { name: 'a trailing gap keeps the last valid value', input: [1, 2, NaN], output: [1, 2, 2] },
    { name: 'no gap: unchanged', input: [3, 4, 5], output: [3, 4, 5] },
  ])('$name', ({ input, output }) => {
    const values = Float64Array.from(input);
    fillGapsLinearly(values);
    expect(Array.from(values)).toEqual(output);
  });
});
