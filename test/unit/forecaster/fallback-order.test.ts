/**
 * The forecaster never returns a blank band: with an event in progress and only hours of history
 * (the normal case for a flash sale), with a gap at the end, with almost nothing to go on, it falls
 * back in the stated order (FORECAST_METHODS) and says which step it used; with no usable history
 * it throws ForecastUnavailableError. All histories here are SYNTHETIC (synthetic.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CalendarEvent, EventOccurrence } from '../../../src/domain/calendar.ts';
import { ForecastUnavailableError, InputError } from '../../../src/domain/errors.ts';
import { bandFor, FORECAST_METHODS, type Forecast } from '../../../src/domain/forecast.ts';
import type { RegularSeries } from '../../../src/domain/series.ts';
import { HOUR_MS, MINUTE_MS } from '../../../src/domain/units.ts';
import { forecastDemand } from '../../../src/forecaster/forecast-demand.ts';
import { expectedRps, MONDAY_MS, syntheticSeries, withValues } from './synthetic.ts';

type Promotion = Extract<CalendarEvent, { kind: 'promotion' }>;

function promotionAt(startMs: number, durationMs: number, uplift: Promotion['uplift'], id = 'flash'): EventOccurrence {
  const event: Promotion = { kind: 'promotion', id, platform: id, startMs, durationMs, timeZone: 'UTC', rampMs: 5 * MINUTE_MS, uplift, workloads: [] };
  return { eventId: id, kind: 'promotion', label: id, startMs, endMs: startMs + durationMs, event };
}

/** One-minute SYNTHETIC history of `hours`, with the traffic × `factor` inside each [start, end). */
function minuteHistory(hours: number, uplifted: readonly { startMs: number; endMs: number; factor: number }[], seed = 7): RegularSeries {
  return withValues(syntheticSeries({ days: hours / 24, stepMs: MINUTE_MS, seed }), (values) => {
    for (const window of uplifted) {
      for (let i = 0; i < values.length; i++) {
        const timeMs = MONDAY_MS + i * MINUTE_MS;
        if (timeMs >= window.startMs && timeMs < window.endMs) values[i] = (values[i] as number) * window.factor;
      }
    }
  });
}

function expectNeverBlank(forecast: Forecast): void {
  for (const band of forecast.bands) expect([...band].every(Number.isFinite)).toBe(true);
  for (let i = 0; i < (forecast.bands[0]?.length ?? 0); i++) {
    for (let k = 1; k < forecast.bands.length; k++) expect(forecast.bands[k]![i]).toBeGreaterThanOrEqual(forecast.bands[k - 1]![i]!);
  }
}

const quantiles = [0.5, 0.9, 0.99];

describe('forecastDemand: an event in progress with hours of history', () => {
  const inProgress = (hours: number, startedAgoMs: number, durationMs: number): { forecast: Forecast; truthAt: (i: number) => number; endIndex: number } => {
    const nowMs = MONDAY_MS + hours * HOUR_MS;
    const startMs = nowMs - startedAgoMs;
    const endMs = startMs + durationMs;
    const history = minuteHistory(hours, [{ startMs, endMs, factor: 2 }]);
    const forecast = forecastDemand({
      workload: 'payment', history, nowMs, horizonMs: 2 * HOUR_MS, quantiles,
      occurrences: [promotionAt(startMs, durationMs, { kind: 'expected', factor: 2 })],
    });
    const truthAt = (i: number): number => {
      const timeMs = nowMs + i * MINUTE_MS;
      return expectedRps(timeMs, { days: 0 }) * (timeMs < endMs ? 2 : 1);
    };
    return { forecast, truthAt, endIndex: Math.round((endMs - nowMs) / MINUTE_MS) };
  };

  it('17 h of one-minute history, a promotion started an hour ago: the recent level × the stated uplift, said out loud', () => {
    const { forecast, truthAt, endIndex } = inProgress(17, HOUR_MS, 2 * HOUR_MS);
    expect(forecast.bands[0]).toHaveLength(120);
    expectNeverBlank(forecast);
    expect(forecast.method).toBe('recent-level');
    expect(forecast.model).toMatch(/^fallback\(recent-level\): recent-level\(mean of the last 30 buckets net of the uplift in force\)\+events\(promotion:flash×2\.00 stated\)/);
    expect(forecast.warnings?.[0]).toBe('forecast fell back to recent-level (step 3 of 4) because full: 120 of 120 buckets without a value (the last 1h of history are inside calendar events, kept out of the model as event traffic); shorter-seasonality: not applicable: the full model had no seasonal period');
    const median = bandFor(forecast, 0.5);
    // While the promotion runs the median stays at the observed (uplifted) rate; after it, half that.
    for (const i of [10, endIndex - 10, endIndex + 10]) expect(Math.abs((median[i] as number) - truthAt(i)) / truthAt(i)).toBeLessThan(0.15);
    // The upper bands have width: they come from the level's replayed errors, not a copy of p50.
    expect(bandFor(forecast, 0.99)[10]).toBeGreaterThan((median[10] as number) * 1.02);
  });

  it.each([
    { name: '3 h of history, promotion started 20 min ago', hours: 3, startedAgoMs: 20 * MINUTE_MS },
    { name: '17 h of history, promotion started 5 h ago', hours: 17, startedAgoMs: 5 * HOUR_MS },
    { name: '6 h of history, promotion started 5 min ago', hours: 6, startedAgoMs: 5 * MINUTE_MS },
  ])('$name: no blank band, the level as observed, any fallback said out loud', ({ hours, startedAgoMs }) => {
    const { forecast, truthAt } = inProgress(hours, startedAgoMs, startedAgoMs + 3 * HOUR_MS);
    expectNeverBlank(forecast);
    if (forecast.method !== 'full') expect(forecast.warnings?.[0]).toMatch(new RegExp(`^forecast fell back to ${forecast.method}`));
    // Near term the level is known (further out a level model cannot see the daily rise coming).
    const median = bandFor(forecast, 0.5);
    expect(Math.abs((median[10] as number) - truthAt(10)) / truthAt(10)).toBeLessThan(0.15);
  });

  it('uses the full model when it can, and says nothing', () => {
    const history = minuteHistory(17, []);
    const forecast = forecastDemand({ workload: 'payment', history, nowMs: MONDAY_MS + 17 * HOUR_MS, horizonMs: 2 * HOUR_MS, quantiles });
    expectNeverBlank(forecast);
    expect(forecast.method).toBe('full');
    expect(forecast.model).not.toContain('fallback');
    expect(forecast.warnings).toEqual([]);
  });

  it('falls back to the recent maximum when the last half hour is a gap as well', () => {
    const nowMs = MONDAY_MS + 17 * HOUR_MS;
    const startMs = nowMs - HOUR_MS;
    const history = withValues(minuteHistory(17, [{ startMs, endMs: nowMs + HOUR_MS, factor: 2 }]), (values) => values.fill(Number.NaN, values.length - 40));
    const forecast = forecastDemand({
      workload: 'payment', history, nowMs, horizonMs: HOUR_MS, quantiles, occurrences: [promotionAt(startMs, 2 * HOUR_MS, { kind: 'expected', factor: 2 })],
    });
    expectNeverBlank(forecast);
    expect(forecast.method).toBe('recent-maximum');
    let maximum = 0;
    for (const value of history.values) if (Number.isFinite(value)) maximum = Math.max(maximum, value);
    for (const band of forecast.bands) expect([...band].every((value) => value === maximum)).toBe(true);
    expect(forecast.warnings?.[0]).toContain('recent-level: no observation in the last 30m');
  });

  it.each([
    { name: 'fewer than 12 observed buckets', history: minuteHistory(17, []).values.subarray(0, 8), reason: 'history-too-short', message: /history too short: 8 observed buckets of 1m before now, need at least 12/ },
    {
      name: 'nothing observed in the last day', reason: 'no-recent-observation', message: /recent-maximum: no observation in the last 1d/,
      history: withValues(minuteHistory(40, []), (values) => values.fill(Number.NaN, values.length - 30 * 60)).values,
    },
  ])('$name → ForecastUnavailableError ($reason), an InputError naming the history', ({ history, reason, message }) => {
    const series: RegularSeries = { startMs: MONDAY_MS, stepMs: MINUTE_MS, values: history, unit: 'requests/s' };
    const call = (): Forecast => forecastDemand({
      workload: 'payment', history: series, nowMs: MONDAY_MS + history.length * MINUTE_MS, horizonMs: HOUR_MS, quantiles,
    });
    expect(call).toThrowError(ForecastUnavailableError);
    try {
      call();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as ForecastUnavailableError).reason).toBe(reason);
      expect((error as ForecastUnavailableError).location.field).toBe('history');
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('forecastDemand: learn events from few past occurrences', () => {
  const trueFactor = 2.5;
  it.each([
    { name: 'one occurrence in 30 h of history', hours: 30, pastStartsH: [6] },
    { name: 'two occurrences in 41 h of history', hours: 41, pastStartsH: [6, 30] },
    { name: 'one occurrence at the very start of 24 h of history', hours: 24, pastStartsH: [0] },
  ])('$name: learns the uplift and says from how many', ({ hours, pastStartsH }) => {
    const nowMs = MONDAY_MS + hours * HOUR_MS;
    const pastStartsMs = pastStartsH.map((h) => MONDAY_MS + h * HOUR_MS);
    const history = minuteHistory(hours, pastStartsMs.map((startMs) => ({ startMs, endMs: startMs + 2 * HOUR_MS, factor: trueFactor })));
    const forecast = forecastDemand({
      workload: 'payment', history, nowMs, horizonMs: 4 * HOUR_MS, quantiles,
      occurrences: [promotionAt(nowMs + HOUR_MS, 2 * HOUR_MS, { kind: 'learn', fallbackFactor: 1.3, pastStartsMs })],
    });
    expectNeverBlank(forecast);
    const component = forecast.components.find((candidate) => candidate.name === 'promotion:flash');
    expect(component?.uplift?.source).toBe('learned');
    expect(component?.uplift?.occurrences).toBe(pastStartsMs.length);
    expect(Math.abs((component?.uplift?.factor as number) - trueFactor)).toBeLessThan(0.2);
    expect(forecast.model).toContain(`promotion:flash×${component?.uplift?.factor.toFixed(2)} learned from ${pastStartsMs.length} occurrence`);
    expect(forecast.warnings).toEqual([]);
  });

  it('with no past occurrence in the history, uses the fallback uplift and says so', () => {
    const nowMs = MONDAY_MS + 30 * HOUR_MS;
    const forecast = forecastDemand({
      workload: 'payment', history: minuteHistory(30, []), nowMs, horizonMs: 4 * HOUR_MS, quantiles,
      occurrences: [promotionAt(nowMs + HOUR_MS, 2 * HOUR_MS, { kind: 'learn', fallbackFactor: 1.3, pastStartsMs: [MONDAY_MS - 30 * 24 * HOUR_MS] })],
    });
    const component = forecast.components.find((candidate) => candidate.name === 'promotion:flash');
    expect(component?.uplift).toEqual({ factor: 1.3, source: 'fallback', occurrences: 0 });
    expect(forecast.warnings).toEqual(["promotion:flash: no past occurrence in the history to learn the uplift from; using the calendar's fallback uplift ×1.30"]);
  });
});

describe('forecastDemand: never blank (property)', () => {
  const stepMs = fc.constantFrom(MINUTE_MS, 5 * MINUTE_MS);
  const uplift = fc.oneof(
    fc.record({ kind: fc.constant('expected' as const), factor: fc.double({ min: 1, max: 5, noNaN: true }) }),
    fc.record({ kind: fc.constant('learn' as const), fallbackFactor: fc.double({ min: 1, max: 5, noNaN: true }), pastStartsMs: fc.constant<number[]>([]) }),
  );
  const scenario = fc.record({
    stepMs,
    buckets: fc.integer({ min: 12, max: 900 }),
    level: fc.double({ min: 0, max: 5000, noNaN: true }),
    noise: fc.double({ min: 0, max: 1, noNaN: true }),
    gapShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
    tailGap: fc.integer({ min: 0, max: 60 }),
    nowAfterEndBuckets: fc.integer({ min: 0, max: 5 }),
    horizonBuckets: fc.integer({ min: 1, max: 240 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    events: fc.array(fc.record({
      startOffsetBuckets: fc.integer({ min: -600, max: 240 }),
      durationBuckets: fc.integer({ min: 1, max: 400 }),
      uplift,
      pastOffsetBuckets: fc.option(fc.integer({ min: 1, max: 900 }), { nil: undefined }),
    }), { maxLength: 3 }),
  });

  it('every band value is finite and p50 ≤ p90 ≤ p99, or no usable history is named', () => {
    fc.assert(fc.property(scenario, (s) => {
      let state = s.seed;
      const random = (): number => {
        state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
        return state / 2 ** 32;
      };
      const values = new Float64Array(s.buckets);
      for (let i = 0; i < s.buckets; i++) {
        values[i] = random() < s.gapShare || i >= s.buckets - s.tailGap ? Number.NaN : Math.max(0, s.level * (1 + s.noise * (random() - 0.5)));
      }
      const history: RegularSeries = { startMs: MONDAY_MS, stepMs: s.stepMs, values, unit: 'requests/s' };
      const historyEndMs = MONDAY_MS + s.buckets * s.stepMs;
      const nowMs = historyEndMs + s.nowAfterEndBuckets * s.stepMs;
      const occurrences = s.events.map((event, k) => {
        const startMs = nowMs + event.startOffsetBuckets * s.stepMs;
        const pastStartsMs = event.pastOffsetBuckets !== undefined ? [nowMs - event.pastOffsetBuckets * s.stepMs] : [];
        return promotionAt(startMs, event.durationBuckets * s.stepMs, event.uplift.kind === 'learn' ? { ...event.uplift, pastStartsMs } : event.uplift, `event-${k}`);
      });
      let forecast: Forecast;
      try {
        forecast = forecastDemand({ workload: 'payment', history, nowMs, horizonMs: s.horizonBuckets * s.stepMs, quantiles, occurrences });
      } catch (error) {
        expect(error).toBeInstanceOf(ForecastUnavailableError);
        return;
      }
      expectNeverBlank(forecast);
      expect(FORECAST_METHODS).toContain(forecast.method);
      for (const component of forecast.components) expect([...component.values].every(Number.isFinite)).toBe(true);
    }), { numRuns: 80, seed: 20261204 });
  });
});
