import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestByColumn, bestRowIndices, scoreColumns } from '../../../src/report/score-columns.ts';
import { score } from './fixtures.ts';

describe('bestRowIndices', () => {
  it.each([
    { name: 'lower is better', values: [3, 1, 2], better: 'lower' as const, best: [1] },
    { name: 'higher is better', values: [3, 1, 2], better: 'higher' as const, best: [0] },
    { name: 'ties are all marked', values: [1, 3, 1], better: 'lower' as const, best: [0, 2] },
    { name: 'ties within float noise', values: [0.1 + 0.2, 0.3, 1], better: 'lower' as const, best: [0, 1] },
    { name: 'all equal: nothing distinguishes', values: [5, 5, 5], better: 'lower' as const, best: [] },
    { name: 'a single row is not marked', values: [5], better: 'higher' as const, best: [] },
    { name: 'NaN (not applicable) never wins', values: [Number.NaN, 4, 2], better: 'lower' as const, best: [2] },
    { name: 'NaN does not count as a competitor', values: [Number.NaN, 4], better: 'lower' as const, best: [] },
    { name: 'zero beats positive when lower is better', values: [0, 0.0001], better: 'lower' as const, best: [0] },
  ])('$name', ({ values, better, best }) => {
    expect([...bestRowIndices(values, better)].sort()).toEqual(best);
  });

  it('marks exactly the rows holding the extreme, unless every row holds it', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 8 }),
      fc.constantFrom('lower' as const, 'higher' as const),
      (values, better) => {
        const extreme = better === 'lower' ? Math.min(...values) : Math.max(...values);
        const holders = values.flatMap((value, index) => (value === extreme ? [index] : []));
        const expected = holders.length === values.length ? [] : holders;
        expect([...bestRowIndices(values, better)].sort((a, b) => a - b)).toEqual(expected);
      },
    ));
  });
});

describe('scoreColumns', () => {
  it.each([
    { key: 'unservedPercent', better: 'lower' },
    { key: 'onlineCoreHours', better: 'lower' },
    { key: 'offlineCoreHoursDone', better: 'higher' },
    { key: 'offlineDeadlinesMet', better: 'higher' },
    { key: 'cost', better: 'lower' },
    { key: 'scalingWrites', better: 'lower' },
  ])('$key: $better is better', ({ key, better }) => {
    expect(scoreColumns.find((column) => column.key === key)?.better).toBe(better);
  });

  it('time to Ready is not applicable without scale-ups', () => {
    const scores = [
      score('a', { timeToReadyMs: { mean: 0, p95: 0, max: 0, count: 0 } }),
      score('b', { timeToReadyMs: { mean: 9000, p95: 10_000, max: 11_000, count: 3 } }),
      score('c', { timeToReadyMs: { mean: 15_000, p95: 20_000, max: 30_000, count: 3 } }),
    ];
    expect([...(bestByColumn(scores).get('timeToReadyP95') ?? [])]).toEqual([1]);
  });
});
