import { describe, expect, it } from 'vitest';
import { sparkline } from '../../../src/report/sparkline.ts';

describe('sparkline', () => {
  it.each([
    { name: 'scaled from zero', values: [1, 2, 4, 8], width: 10, expected: '▁▂▄█' },
    { name: 'zero is blank', values: [0, 8], width: 10, expected: ' █' },
    { name: 'half of the maximum is half height', values: [21, 42], width: 10, expected: '▄█' },
    { name: 'buckets keep the maximum', values: [1, 8, 1, 1], width: 2, expected: '█▁' },
    { name: 'empty', values: [], width: 5, expected: '' },
  ])('$name', ({ values, width, expected }) => {
    expect(sparkline(values, { width })).toBe(expected);
  });
});
