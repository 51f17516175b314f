import { describe, expect, it } from 'vitest';
import { formatCompact, formatLocalDateTime, formatLocalTime, formatPercent, formatRps } from '../../../src/report/format.ts';

describe('formatCompact', () => {
  it.each([
    { name: 'zero', value: 0, text: '0' },
    { name: 'small integer', value: 950, text: '950' },
    { name: 'thousands', value: 1234, text: '1.23k' },
    { name: 'tens of thousands', value: 45_600, text: '45.6k' },
    { name: 'rounds up into the next suffix', value: 999_960, text: '1M' },
    { name: 'just below a thousand stays plain', value: 999, text: '999' },
    { name: 'millions', value: 7_800_000, text: '7.8M' },
    { name: 'negative', value: -1500, text: '-1.5k' },
    { name: 'fraction', value: 0.25, text: '0.25' },
    { name: 'tiny fraction keeps two significant digits', value: 0.00123, text: '0.0012' },
    { name: 'hundreds with decimals round to integers', value: 123.6, text: '124' },
    { name: 'NaN is a dash, not zero', value: Number.NaN, text: '–' },
  ])('$name: $value → $text', ({ value, text }) => {
    expect(formatCompact(value)).toBe(text);
  });

  it('formatRps appends the unit', () => {
    expect(formatRps(12_500)).toBe('12.5k rps');
  });
});

describe('formatPercent', () => {
  it.each([
    { name: 'zero is exact', percent: 0, text: '0%' },
    { name: 'tiny share stays visible', percent: 0.0042, text: '0.0042%' },
    { name: 'small share', percent: 1.234, text: '1.23%' },
    { name: 'large share', percent: 57.14, text: '57.1%' },
    { name: 'whole', percent: 100, text: '100%' },
  ])('$name: $percent → $text', ({ percent, text }) => {
    expect(formatPercent(percent)).toBe(text);
  });
});

describe('formatLocalTime', () => {
  const instant = Date.UTC(2024, 10, 11, 12, 0, 5); // 20:00:05 in Shanghai

  it.each([
    { name: 'UTC default', options: {}, text: '11-11 12:00' },
    { name: 'Shanghai', options: { timeZone: 'Asia/Shanghai' }, text: '11-11 20:00' },
    { name: 'with seconds', options: { timeZone: 'Asia/Shanghai', withSeconds: true }, text: '11-11 20:00:05' },
    { name: 'clock only', options: { timeZone: 'America/Los_Angeles', withDate: false }, text: '04:00' },
    { name: 'midnight is 00, not 24', options: { timeZone: 'Asia/Shanghai', withDate: false }, at: Date.UTC(2024, 10, 10, 16, 0, 0), text: '00:00' },
  ])('$name', ({ options, text, at }) => {
    expect(formatLocalTime(at ?? instant, options)).toBe(text);
  });

  it('formatLocalDateTime names the zone', () => {
    expect(formatLocalDateTime(instant, 'Asia/Shanghai')).toBe('2024-11-11 20:00 Asia/Shanghai');
  });
});
