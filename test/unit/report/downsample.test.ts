import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsample, downsampleBy } from '../../../src/report/downsample.ts';

describe('downsampleBy', () => {
  it.each([
    { name: 'max keeps peaks', aggregate: 'max' as const, values: [1, 5, 2, 2, 9], factor: 2, expected: [5, 2, 9] },
    { name: 'min keeps troughs', aggregate: 'min' as const, values: [1, 5, 2, 2, 9], factor: 2, expected: [1, 2, 9] },
    { name: 'mean averages', aggregate: 'mean' as const, values: [1, 5, 2, 2, 9], factor: 2, expected: [3, 2, 9] },
    { name: 'NaN is skipped', aggregate: 'max' as const, values: [Number.NaN, 4, 1, Number.NaN], factor: 2, expected: [4, 1] },
    { name: 'all-NaN bucket stays NaN', aggregate: 'mean' as const, values: [Number.NaN, Number.NaN, 3], factor: 2, expected: [Number.NaN, 3] },
    { name: 'factor 1 copies', aggregate: 'max' as const, values: [3, 1], factor: 1, expected: [3, 1] },
  ])('$name', ({ aggregate, values, factor, expected }) => {
    expect([...downsampleBy(values, factor, aggregate)]).toEqual(expected);
  });

  it('never exceeds maxPoints and keeps the overall maximum', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 1, max: 50 }),
      (values, maxPoints) => {
        const { values: out } = downsample(values, maxPoints, 'max');
        expect(out.length).toBeLessThanOrEqual(maxPoints);
        expect(Math.max(...out)).toBe(Math.max(...values));
      },
    ));
  });

  it('rejects a maxPoints below one', () => {
    expect(() => downsample([1, 2], 0, 'max')).toThrow(/maxPoints/);
  });
});
