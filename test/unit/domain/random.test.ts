import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRng, deriveSeed, lognormalDraw, lognormalFromMedianP95, normalDraw, unitMeanNoise,
} from '../../../src/domain/random.ts';

function draws(count: number, draw: () => number): number[] {
  return Array.from({ length: count }, draw);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

describe('createRng', () => {
  it('gives the same sequence for the same seed and uniform values in [0, 1)', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const first = draws(50, createRng(seed));
      expect(draws(50, createRng(seed))).toEqual(first);
      for (const value of first) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
      }
    }), { numRuns: 100 });
  });

  it('gives different sequences for neighbouring seeds', () => {
    expect(draws(5, createRng(1))).not.toEqual(draws(5, createRng(2)));
    expect(draws(5, createRng(0))).not.toEqual(draws(5, createRng(1)));
  });

  it('is uniform by a chi-square test over 10 bins (200,000 draws, 1 % critical value 21.67)', () => {
    const rng = createRng(42);
    const counts = new Array<number>(10).fill(0);
    for (let index = 0; index < 200_000; index += 1) {
      const bin = Math.floor(rng() * 10);
      counts[bin] = (counts[bin] as number) + 1;
    }
    const chiSquare = counts.reduce((sum, count) => sum + (count - 20_000) ** 2 / 20_000, 0);
    expect(chiSquare).toBeLessThan(21.67);
  });

  it('rejects a non-finite seed', () => {
    expect(() => createRng(Number.NaN)).toThrow(/finite/);
  });
});

describe('deriveSeed', () => {
  it('gives independent streams per label, stable per (seed, label)', () => {
    expect(deriveSeed(7, 'traffic:payment')).toBe(deriveSeed(7, 'traffic:payment'));
    expect(deriveSeed(7, 'traffic:payment')).not.toBe(deriveSeed(7, 'traffic:refund'));
    expect(deriveSeed(7, 'traffic:payment')).not.toBe(deriveSeed(8, 'traffic:payment'));
  });
});

describe('distributions (seeded, so these checks are exact for the seed)', () => {
  it('normalDraw has mean ≈ 0 and variance ≈ 1', () => {
    const rng = createRng(2026);
    const values = draws(20_000, () => normalDraw(rng));
    const average = mean(values);
    expect(Math.abs(average)).toBeLessThan(0.03);
    expect(Math.abs(mean(values.map((value) => (value - average) ** 2)) - 1)).toBeLessThan(0.05);
  });

  it('lognormalFromMedianP95 reproduces the stated p50 and p95 of startup times', () => {
    const params = lognormalFromMedianP95(20_000, 45_000);
    const startRng = createRng(11);
    const values = draws(20_000, () => lognormalDraw(startRng, params));
    expect(quantile(values, 0.5) / 20_000).toBeCloseTo(1, 1);
    expect(quantile(values, 0.95) / 45_000).toBeCloseTo(1, 1);
  });

  it('lognormalFromMedianP95 with p50 = p95 is a constant', () => {
    expect(lognormalDraw(createRng(1), lognormalFromMedianP95(30, 30))).toBeCloseTo(30, 9);
  });

  it.each([
    { p50: 0, p95: 10 },
    { p50: 20, p95: 10 },
  ])('lognormalFromMedianP95 rejects p50=$p50, p95=$p95', ({ p50, p95 }) => {
    expect(() => lognormalFromMedianP95(p50, p95)).toThrow(/0 < p50 ≤ p95/);
  });

  it.each([0.05, 0.2, 0.5])('unitMeanNoise with cv %f has mean 1 and that cv', (cv) => {
    const noiseRng = createRng(5);
    const values = draws(40_000, () => unitMeanNoise(noiseRng, cv));
    const average = mean(values);
    const sd = Math.sqrt(mean(values.map((value) => (value - average) ** 2)));
    expect(Math.abs(average - 1)).toBeLessThan(0.01);
    expect(Math.abs(sd / average - cv) / cv).toBeLessThan(0.05);
  });

  it('unitMeanNoise with cv 0 is exactly 1 and draws nothing', () => {
    const noiseRng = createRng(5);
    expect(unitMeanNoise(noiseRng, 0)).toBe(1);
    expect(noiseRng()).toBe(createRng(5)());
  });
});
