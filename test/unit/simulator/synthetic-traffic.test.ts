import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCalendarText } from '../../../src/calendar/load-calendar.ts';
import type { PeakCalendar } from '../../../src/domain/calendar.ts';
import { InputError } from '../../../src/domain/errors.ts';
import { generateStackedPeakTraffic, type StackedPeakTrafficOptions } from '../../../src/simulator/synthetic-traffic.ts';

const CALENDAR_PATH = join(import.meta.dirname, '../../../forecasts/double11.yaml');
const double11: PeakCalendar = parseCalendarText(readFileSync(CALENDAR_PATH, 'utf8'), CALENDAR_PATH);

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
/** 2026-11-11 16:00 Asia/Shanghai. */
const EVENING_START_MS = Date.UTC(2026, 10, 11, 8);
/** Shanghai wall-clock time on 11/12 Nov 2026 as epoch ms. */
const shanghai = (hour: number, minute = 0, second = 0): number => Date.UTC(2026, 10, 11, hour - 8, minute, second);

function options(overrides: Partial<StackedPeakTrafficOptions> = {}): StackedPeakTrafficOptions {
  return {
    calendar: double11, workload: 'payment', startMs: EVENING_START_MS, endMs: EVENING_START_MS + 12 * HOUR_MS, stepMs: SECOND_MS,
    baseline: { meanRps: 10_000, dailyAmplitude: 0.5, peakHourLocal: 20, timeZone: 'Asia/Shanghai' },
    noiseCv: 0, seed: 1, ...overrides,
  };
}

function componentAt(traffic: ReturnType<typeof generateStackedPeakTraffic>, name: string, timeMs: number): number {
  const component = traffic.components.find((candidate) => candidate.name === name);
  if (component === undefined) throw new Error(`no component ${name}; have ${traffic.components.map((c) => c.name).join(', ')}`);
  return component.values[Math.floor((timeMs - traffic.series.startMs) / traffic.series.stepMs)] as number;
}

/** Index of the first step where the series differs from the sum of its components; -1 when none does. */
function firstMismatch(traffic: ReturnType<typeof generateStackedPeakTraffic>): number {
  return traffic.series.values.findIndex((value, index) =>
    value !== traffic.components.reduce((total, component) => total + (component.values[index] as number), 0));
}

describe('generateStackedPeakTraffic on the synthetic Double-11 calendar', () => {
  const traffic = generateStackedPeakTraffic(options());

  it('returns a regular requests/s series over the range and one component per event and region copy', () => {
    expect(traffic.series).toMatchObject({ startMs: EVENING_START_MS, stepMs: SECOND_MS, unit: 'requests/s' });
    expect(traffic.series.values).toHaveLength(12 * 3600);
    expect(traffic.components.map((component) => component.name)).toEqual([
      'baseline',
      'offline-retail:in-store-evening@utc-plus-10', 'offline-retail:in-store-evening',
      'promotion:platform-a-2000@utc-plus-10', 'promotion:platform-a-2000',
      'livestream:host-a-2030', 'promotion:platform-b-2100', 'livestream:host-b-2115', 'livestream:host-c-2350',
      'promotion:platform-c-0000',
    ]);
  });

  it('sums its components to the series exactly when there is no noise', () => {
    expect(firstMismatch(traffic)).toBe(-1);
  });

  it('peaks the baseline at the stated local hour', () => {
    const baseline = traffic.components[0]?.values ?? new Float64Array();
    const peakIndex = baseline.indexOf(Math.max(...baseline));
    expect(EVENING_START_MS + peakIndex * SECOND_MS).toBe(shanghai(20));
    expect(Math.max(...baseline)).toBeCloseTo(10_000 * 1.5, 6);
  });

  it('draws each component with the calendar\'s shapes and traffic shares', () => {
    const baselineAt = (timeMs: number): number => componentAt(traffic, 'baseline', timeMs);
    // In-store window 18:00–22:00, factor 1.8, tops out at 20:00 on the home zone's 88 %.
    expect(componentAt(traffic, 'offline-retail:in-store-evening', shanghai(20))).toBeCloseTo(0.8 * baselineAt(shanghai(20)) * 0.88, 6);
    expect(componentAt(traffic, 'offline-retail:in-store-evening', shanghai(17, 59))).toBe(0);
    // The region two hours ahead peaks at 18:00 Shanghai time on its 12 %.
    expect(componentAt(traffic, 'offline-retail:in-store-evening@utc-plus-10', shanghai(18))).toBeCloseTo(0.8 * baselineAt(shanghai(18)) * 0.12, 6);
    // Platform A: factor 2.2 with a 2-minute ramp; half-way up after 1 minute, full after the ramp.
    expect(componentAt(traffic, 'promotion:platform-a-2000', shanghai(20, 1))).toBeCloseTo(1.2 * 0.5 * baselineAt(shanghai(20, 1)) * 0.88, 6);
    expect(componentAt(traffic, 'promotion:platform-a-2000', shanghai(20, 30))).toBeCloseTo(1.2 * baselineAt(shanghai(20, 30)) * 0.88, 6);
    expect(componentAt(traffic, 'promotion:platform-a-2000@utc-plus-10', shanghai(18, 30))).toBeCloseTo(1.2 * baselineAt(shanghai(18, 30)) * 0.12, 6);
    // Platform B would be learned from history; the generator has none and uses the fallback 1.8.
    expect(componentAt(traffic, 'promotion:platform-b-2100', shanghai(22))).toBeCloseTo(0.8 * baselineAt(shanghai(22)), 6);
    // Host A: 6,000 requests/s at the top after a 10 s rise, halved one half-life (1 min) later.
    expect(componentAt(traffic, 'livestream:host-a-2030', shanghai(20, 30, 10))).toBeCloseTo(6000, 6);
    expect(componentAt(traffic, 'livestream:host-a-2030', shanghai(20, 30, 5))).toBeCloseTo(3000, 6);
    expect(componentAt(traffic, 'livestream:host-a-2030', shanghai(20, 31, 10))).toBeCloseTo(3000, 6);
    expect(componentAt(traffic, 'livestream:host-a-2030', shanghai(20, 50))).toBe(0);
  });

  it('applies only the events that name the workload (or name none)', () => {
    const refund = generateStackedPeakTraffic(options({ workload: 'refund' }));
    expect(refund.components.map((component) => component.name)).toEqual([
      'baseline', 'promotion:platform-a-2000@utc-plus-10', 'promotion:platform-a-2000', 'promotion:platform-b-2100',
    ]);
  });

  it('stacks the peaks: the evening high is several times the baseline', () => {
    const peak = Math.max(...traffic.series.values);
    const baselinePeak = Math.max(...(traffic.components[0]?.values ?? []));
    expect(peak / baselinePeak).toBeGreaterThan(2);
  });
});

describe('generateStackedPeakTraffic: noise and determinism', () => {
  const short = { endMs: EVENING_START_MS + 6 * HOUR_MS, stepMs: 10 * SECOND_MS };

  it('gives the same series for the same seed and a different one for another seed', () => {
    const first = generateStackedPeakTraffic(options({ ...short, noiseCv: 0.1, seed: 7 }));
    const again = generateStackedPeakTraffic(options({ ...short, noiseCv: 0.1, seed: 7 }));
    const other = generateStackedPeakTraffic(options({ ...short, noiseCv: 0.1, seed: 8 }));
    expect(again.series.values).toEqual(first.series.values);
    expect(other.series.values).not.toEqual(first.series.values);
  });

  it('multiplies the noise-free sum by mean-1 noise of the stated spread', () => {
    const noisy = generateStackedPeakTraffic(options({ ...short, noiseCv: 0.1, seed: 3 }));
    const ratios = Array.from(noisy.series.values, (value, index) =>
      value / noisy.components.reduce((total, component) => total + (component.values[index] as number), 0));
    const mean = ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length;
    const sd = Math.sqrt(ratios.reduce((sum, ratio) => sum + (ratio - mean) ** 2, 0) / ratios.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
  });

  it('keeps the same noise for one workload when another workload is generated in between', () => {
    const alone = generateStackedPeakTraffic(options({ ...short, noiseCv: 0.2, seed: 5 }));
    generateStackedPeakTraffic(options({ ...short, noiseCv: 0.2, seed: 5, workload: 'refund' }));
    const refund = generateStackedPeakTraffic(options({ ...short, noiseCv: 0.2, seed: 5, workload: 'refund' }));
    expect(generateStackedPeakTraffic(options({ ...short, noiseCv: 0.2, seed: 5 })).series.values).toEqual(alone.series.values);
    expect(refund.series.values).not.toEqual(alone.series.values);
  });

  it('gives finite, non-negative rates and components summing to the series for any valid options', () => {
    const settings = fc.record({
      startOffsetMs: fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
      lengthMs: fc.integer({ min: MINUTE_MS, max: 36 * HOUR_MS }),
      stepMs: fc.constantFrom(SECOND_MS, 15 * SECOND_MS, MINUTE_MS, 5 * MINUTE_MS),
      meanRps: fc.double({ min: 0, max: 1e5, noNaN: true }),
      dailyAmplitude: fc.double({ min: 0, max: 0.99, noNaN: true }),
      weeklyAmplitude: fc.double({ min: 0, max: 0.99, noNaN: true }),
      peakHourLocal: fc.double({ min: 0, max: 24, noNaN: true }),
      timeZone: fc.constantFrom('Asia/Shanghai', 'Europe/Berlin', 'America/New_York'),
      workload: fc.constantFrom('payment', 'refund', 'checkout', 'other'),
      seed: fc.integer(),
    });
    fc.assert(fc.property(settings, (setting) => {
      const startMs = EVENING_START_MS + setting.startOffsetMs;
      const traffic = generateStackedPeakTraffic({
        calendar: double11, workload: setting.workload, startMs, endMs: startMs + setting.lengthMs, stepMs: setting.stepMs,
        baseline: { meanRps: setting.meanRps, dailyAmplitude: setting.dailyAmplitude, peakHourLocal: setting.peakHourLocal, timeZone: setting.timeZone, weeklyAmplitude: setting.weeklyAmplitude },
        noiseCv: 0, seed: setting.seed,
      });
      expect(traffic.series.values).toHaveLength(Math.ceil(setting.lengthMs / setting.stepMs));
      expect(traffic.series.values.every((value) => Number.isFinite(value) && value >= 0)).toBe(true);
      expect(firstMismatch(traffic)).toBe(-1);
    }), { numRuns: 40 });
  });
});

describe('generateStackedPeakTraffic: bad options', () => {
  it.each([
    { name: 'zero step', overrides: { stepMs: 0 }, field: 'stepMs' },
    { name: 'end before start', overrides: { endMs: EVENING_START_MS - 1 }, field: 'endMs' },
    { name: 'negative noise', overrides: { noiseCv: -0.1 }, field: 'noiseCv' },
    { name: 'daily amplitude of 1', overrides: { baseline: { meanRps: 1, dailyAmplitude: 1, peakHourLocal: 20, timeZone: 'UTC' } }, field: 'baseline.dailyAmplitude' },
    { name: 'peak hour 25', overrides: { baseline: { meanRps: 1, dailyAmplitude: 0.2, peakHourLocal: 25, timeZone: 'UTC' } }, field: 'baseline.peakHourLocal' },
    { name: 'negative mean', overrides: { baseline: { meanRps: -1, dailyAmplitude: 0.2, peakHourLocal: 20, timeZone: 'UTC' } }, field: 'baseline.meanRps' },
  ])('$name names $field', ({ overrides, field }) => {
    expect(() => generateStackedPeakTraffic(options(overrides))).toThrow(InputError);
    expect(() => generateStackedPeakTraffic(options(overrides))).toThrow(field);
  });
});
