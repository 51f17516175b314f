/** `chuanliu explain` helpers: reading `--at`, and the forecast behind a slot. */
import { describe, expect, it } from 'vitest';
import { forecastAtSlot, parseAtTime, renderExplanation } from '../../../src/cli/explain.ts';
import type { Forecast } from '../../../src/domain/forecast.ts';
import type { SlotExplanation } from '../../../src/planner/index.ts';

const MINUTE_MS = 60_000;
/** 2026-11-11 17:00 → 23:00 in Shanghai, 1-minute slots. */
const plan = { id: 'plan-test', startMs: Date.parse('2026-11-11T09:00:00Z'), slotMs: MINUTE_MS, slotCount: 360 };

describe('parseAtTime', () => {
  it.each([
    { name: 'a wall time later the same day', text: '20:00', expected: '2026-11-11T12:00:00.000Z' },
    { name: 'a wall time with seconds', text: '20:00:30', expected: '2026-11-11T12:00:30.000Z' },
    { name: 'the plan start itself', text: '17:00', expected: '2026-11-11T09:00:00.000Z' },
    { name: 'a local date-time in the zone', text: '2026-11-11T22:59', expected: '2026-11-11T14:59:00.000Z' },
    { name: 'an instant with offset', text: '2026-11-11T21:15:00+08:00', expected: '2026-11-11T13:15:00.000Z' },
    { name: 'an instant in UTC', text: '2026-11-11T13:15:00Z', expected: '2026-11-11T13:15:00.000Z' },
  ])('$name', ({ text, expected }) => {
    expect(new Date(parseAtTime(text, 'Asia/Shanghai', plan)).toISOString()).toBe(expected);
  });

  it('a wall time before the plan start means the next day', () => {
    const overnight = { ...plan, slotCount: 24 * 60 };
    expect(new Date(parseAtTime('09:30', 'Asia/Shanghai', overnight)).toISOString()).toBe('2026-11-12T01:30:00.000Z');
  });

  it.each([
    { name: 'a wall time after the plan ends', text: '23:00', message: /2026-11-11 23:00 Asia\/Shanghai is outside plan plan-test, which covers 2026-11-11 17:00 Asia\/Shanghai → 11-11 23:00/ },
    { name: 'a wall time before the start (tomorrow, outside)', text: '16:59', message: /2026-11-12 16:59 Asia\/Shanghai is outside plan/ },
    { name: 'an instant before the plan', text: '2026-11-11T08:59:59Z', message: /2026-11-11 16:59 Asia\/Shanghai is outside plan/ },
    { name: 'hour 25', text: '25:00', message: /"25:00" is not a time of day/ },
    { name: 'minute 60', text: '20:60', message: /"20:60" is not a time of day/ },
    { name: 'words', text: 'tonight', message: /"tonight" is not an instant/ },
  ])('bad: $name', ({ text, message }) => {
    expect(() => parseAtTime(text, 'Asia/Shanghai', plan)).toThrow(message);
    expect(() => parseAtTime(text, 'Asia/Shanghai', plan)).toThrow(expect.objectContaining({ location: { source: '--at' } }));
  });
});

describe('forecastAtSlot', () => {
  // Two 30 s buckets per 1 min slot; the second of slot 1 is the highest.
  const forecast: Forecast = {
    workload: 'payment', issuedAtMs: plan.startMs, startMs: plan.startMs, stepMs: 30_000, unit: 'requests/s', quantiles: [0.5, 0.99],
    bands: [Float64Array.of(100, 110, 120, 150), Float64Array.of(130, 140, 160, 190)],
    components: [
      { kind: 'baseline', name: 'baseline', values: Float64Array.of(100, 100, 100, 100) },
      { kind: 'promotion', name: 'promotion:a', values: Float64Array.of(0, 10, 20, 50) },
      { kind: 'livestream', name: 'livestream:b', values: Float64Array.of(0, 0, 0, 0) },
    ],
    model: 'test',
  };
  const slot = (index: number, kind: SlotExplanation['kind'] = 'online'): SlotExplanation => ({
    workload: 'payment', kind, slotIndex: index, slotStartMs: plan.startMs + index * MINUTE_MS, targetReplicas: 1, steps: [], message: 'm',
  });

  it('takes the slot\'s bucket with the highest top band, components largest first without zeros', () => {
    expect(forecastAtSlot(forecast, slot(1), MINUTE_MS)).toEqual({
      model: 'test',
      bucketStartMs: plan.startMs + 90_000,
      quantiles: [{ quantile: 0.5, rps: 150 }, { quantile: 0.99, rps: 190 }],
      components: [
        { name: 'baseline', kind: 'baseline', rps: 100, sharePercent: (100 / 150) * 100 },
        { name: 'promotion:a', kind: 'promotion', rps: 50, sharePercent: (50 / 150) * 100 },
      ],
    });
  });

  it.each([
    { name: 'no forecast', forecast: undefined, explanation: slot(0) },
    { name: 'an offline slot', forecast, explanation: slot(0, 'offline') },
    { name: 'a slot past the forecast', forecast, explanation: slot(5) },
  ])('nothing for $name', ({ forecast: given, explanation }) => {
    expect(forecastAtSlot(given, explanation, MINUTE_MS)).toBeUndefined();
  });

  it('renders the headline with the step that set the level, then the forecast', () => {
    const step = {
      id: 's1', workload: 'payment', effectiveAtMs: plan.startMs + 30_000, readyByMs: plan.startMs + MINUTE_MS, fromReplicas: 4, toReplicas: 7,
      direction: 'acquire' as const, reason: 'forecast-increase' as const, message: 'payment 4→7 at 17:00:30', leadMs: 30_000,
    };
    const text = renderExplanation(
      { ...slot(1), targetReplicas: 7, cause: 'forecast', needReplicas: 7, steps: [step], message: 'payment at 17:01:00: 7 replicas — forecast p99 190 rps ÷ 30 rps per replica = 7' },
      forecastAtSlot(forecast, slot(1), MINUTE_MS),
      { timeZone: 'Asia/Shanghai', color: false },
    );
    expect(text.split('\n')).toEqual([
      'payment: 7 replicas at 11-11 17:01 (step written 17:00:30, Ready by 17:01:00): forecast p99 190 rps ÷ 30 rps per replica = 7',
      '  cause: forecast; the demand alone needs 7',
      '  set by: written 17:00:30, ready by 17:01:00, 4→7 (forecast-increase) — payment 4→7 at 17:00:30',
      '  forecast at 11-11 17:01 (test):',
      '    p50 150 rps, p99 190 rps',
      '    median made of baseline 100 rps (66.7%) + promotion:a 50 rps (33.3%)',
    ]);
  });
});
