import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CalendarEvent, EventOccurrence } from '../../../src/domain/calendar.ts';
import { InputError } from '../../../src/domain/errors.ts';
import { bandFor, type Forecast } from '../../../src/domain/forecast.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../src/domain/units.ts';
import { forecastDemand, type ForecastDemandInput } from '../../../src/forecaster/forecast-demand.ts';
import { expectedRps, MONDAY_MS, syntheticSeries, withValues } from './synthetic.ts';

const quantiles = [0.5, 0.9, 0.99];

function forecastAt(overrides: Partial<ForecastDemandInput> & Pick<ForecastDemandInput, 'history'>): Forecast {
  const { history } = overrides;
  return forecastDemand({
    workload: 'payment',
    nowMs: history.startMs + history.values.length * history.stepMs,
    horizonMs: DAY_MS,
    quantiles,
    ...overrides,
  });
}

function medianOf(forecast: Forecast): Float64Array {
  return bandFor(forecast, 0.5);
}

function meanAbsoluteError(forecast: Forecast, truth: (timeMs: number) => number): number {
  const median = medianOf(forecast);
  let sum = 0;
  median.forEach((value, i) => { sum += Math.abs(value - truth(forecast.startMs + i * forecast.stepMs)); });
  return sum / median.length;
}

describe('forecastDemand: shape of the output', () => {
  const history = syntheticSeries({ days: 35, weekendDip: 0.3 });

  it('covers [now, now + horizon) in the history step, issued at now', () => {
    const nowMs = MONDAY_MS + 30 * DAY_MS;
    const forecast = forecastAt({ history, nowMs, horizonMs: 6 * HOUR_MS });
    expect(forecast).toMatchObject({ workload: 'payment', issuedAtMs: nowMs, startMs: nowMs, stepMs: HOUR_MS, quantiles, unit: 'requests/s' });
    expect(forecast.bands.map((band) => band.length)).toEqual([6, 6, 6]);
  });

  it('starts at the bucket containing a now that is not on a bucket boundary', () => {
    const nowMs = MONDAY_MS + 30 * DAY_MS + 20 * MINUTE_MS;
    const forecast = forecastAt({ history, nowMs, horizonMs: 2 * HOUR_MS });
    expect(forecast.startMs).toBe(MONDAY_MS + 30 * DAY_MS);
    expect(medianOf(forecast).length).toBe(3);
  });

  it('averages into a coarser bucket when params.stepMs asks for one', () => {
    const forecast = forecastAt({ history, horizonMs: DAY_MS, params: { stepMs: 3 * HOUR_MS } });
    expect(forecast.stepMs).toBe(3 * HOUR_MS);
    expect(medianOf(forecast).length).toBe(8);
  });

  it('sorts and de-duplicates the quantiles', () => {
    expect(forecastAt({ history, quantiles: [0.99, 0.5, 0.9, 0.5] }).quantiles).toEqual([0.5, 0.9, 0.99]);
  });

  it('tracks a clean weekly pattern closely (within 6% of the level on average)', () => {
    const forecast = forecastAt({ history, horizonMs: 2 * DAY_MS });
    expect(meanAbsoluteError(forecast, (timeMs) => expectedRps(timeMs, { days: 0, weekendDip: 0.3 }))).toBeLessThan(6);
  });
});

describe('forecastDemand: invariants', () => {
  it('is deterministic: the same input gives the same forecast, bit for bit', () => {
    const history = syntheticSeries({ days: 21, seed: 5 });
    const first = forecastAt({ history });
    const second = forecastAt({ history: { ...history, values: Float64Array.from(history.values) } });
    expect(second).toEqual(first);
  });

  it('never peeks past now: changing the history at or after now changes nothing', () => {
    const history = syntheticSeries({ days: 21, seed: 9 });
    fc.assert(fc.property(
      fc.integer({ min: 16 * 24, max: 20 * 24 }),
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 48 }),
      (nowIndex, future) => {
        const nowMs = history.startMs + nowIndex * history.stepMs;
        const reference = forecastAt({ history, nowMs, horizonMs: 12 * HOUR_MS });
        const edited = withValues(history, (values) => future.forEach((value, k) => {
          if (nowIndex + k < values.length) values[nowIndex + k] = value;
        }));
        expect(forecastAt({ history: edited, nowMs, horizonMs: 12 * HOUR_MS })).toEqual(reference);
      },
    ), { numRuns: 8 });
  });

  it('gives monotone, non-negative quantile bands whose median equals the sum of the components', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.double({ min: 0, max: 0.6, noNaN: true }),
      fc.uniqueArray(fc.double({ min: 0.01, max: 0.995, noNaN: true }), { minLength: 1, maxLength: 4 }),
      (seed, noise, extra) => {
        const history = syntheticSeries({ days: 15, seed, noise, weekendDip: 0.2 });
        const forecast = forecastAt({ history, quantiles: [0.5, ...extra], horizonMs: 12 * HOUR_MS });
        for (let i = 0; i < 12; i++) {
          for (let k = 0; k < forecast.bands.length; k++) {
            const value = forecast.bands[k]?.[i] as number;
            expect(value).toBeGreaterThanOrEqual(0);
            if (k > 0) expect(value).toBeGreaterThanOrEqual(forecast.bands[k - 1]?.[i] as number);
          }
          const sum = forecast.components.reduce((total, component) => total + (component.values[i] as number), 0);
          expect(sum).toBeCloseTo(medianOf(forecast)[i] as number, 6);
        }
      },
    ), { numRuns: 12 });
  });
});

describe('forecastDemand: missing data', () => {
  const clean = syntheticSeries({ days: 35, weekendDip: 0.3, seed: 11 });
  const truth = (timeMs: number): number => expectedRps(timeMs, { days: 0, weekendDip: 0.3 });

  it('stays accurate across an outage (NaN) a week ago: the profile averages the weeks that have data', () => {
    const withOutage = withValues(clean, (values) => values.fill(Number.NaN, 27 * 24, 27 * 24 + 36));
    expect(meanAbsoluteError(forecastAt({ history: withOutage }), truth)).toBeLessThan(6);
  });

  it('skips outage buckets (NaN) instead of reading them as zero demand', () => {
    const from = 35 * 24 - 10;
    const withOutage = withValues(clean, (values) => values.fill(Number.NaN, from));
    const withZeros = withValues(clean, (values) => values.fill(0, from));
    const nanError = meanAbsoluteError(forecastAt({ history: withOutage }), truth);
    const zeroError = meanAbsoluteError(forecastAt({ history: withZeros }), truth);
    expect(nanError).toBeLessThan(8);
    expect(nanError * 1.5).toBeLessThan(zeroError);
  });

  it('forecasts across a history that ends in an outage', () => {
    const forecast = forecastAt({ history: withValues(clean, (values) => values.fill(Number.NaN, values.length - 6)) });
    expect(medianOf(forecast).every(Number.isFinite)).toBe(true);
    expect(meanAbsoluteError(forecast, truth)).toBeLessThan(10);
  });

  it('forecasts from the end of the history when now is later, returning buckets from now', () => {
    const nowMs = clean.startMs + clean.values.length * clean.stepMs + 5 * HOUR_MS;
    const forecast = forecastAt({ history: clean, nowMs, horizonMs: 6 * HOUR_MS });
    expect(forecast.startMs).toBe(nowMs);
    expect(meanAbsoluteError(forecast, truth)).toBeLessThan(8);
  });
});

describe('forecastDemand: bad input', () => {
  const history = syntheticSeries({ days: 3 });
  it.each([
    { name: 'quantile outside (0, 1)', input: { quantiles: [0.5, 1.2] }, field: 'quantiles' },
    { name: 'no quantile', input: { quantiles: [] }, field: 'quantiles' },
    { name: 'negative horizon', input: { horizonMs: -HOUR_MS }, field: 'horizon' },
    { name: 'unknown time zone', input: { params: { timeZone: 'Mars/Olympus' } }, field: 'timeZone' },
    { name: 'bucket not a multiple of the step', input: { params: { stepMs: 90 * MINUTE_MS } }, field: 'bucket' },
    { name: 'too little history', input: { history: { ...history, values: history.values.subarray(0, 5) } }, field: 'history' },
  ])('$name → InputError naming $field', ({ input, field }) => {
    const call = (): Forecast => forecastAt({ history, ...input });
    expect(call).toThrowError(InputError);
    try {
      call();
    } catch (error) {
      expect((error as InputError).location.field).toBe(field);
    }
  });
});

function promotion(overrides: Partial<Extract<CalendarEvent, { kind: 'promotion' }>>): Extract<CalendarEvent, { kind: 'promotion' }> {
  return {
    kind: 'promotion', id: 'platform-a', platform: 'platform-a', startMs: MONDAY_MS + 35 * DAY_MS + 12 * HOUR_MS,
    durationMs: 4 * HOUR_MS, timeZone: 'UTC', rampMs: 0, uplift: { kind: 'expected', factor: 2 }, workloads: [], ...overrides,
  };
}

function occurrenceOf(event: CalendarEvent & { startMs: number; durationMs: number }): EventOccurrence {
  return { eventId: event.id, kind: event.kind, label: event.id, startMs: event.startMs, endMs: event.startMs + event.durationMs, event };
}

describe('forecastDemand: calendar events', () => {
  const days = 35;
  const pastStartsMs = [MONDAY_MS + 14 * DAY_MS + 12 * HOUR_MS, MONDAY_MS + 28 * DAY_MS + 12 * HOUR_MS];
  const trueFactor = 2.5;
  const history = withValues(syntheticSeries({ days, seed: 3 }), (values) => {
    for (const startMs of pastStartsMs) {
      const first = (startMs - MONDAY_MS) / HOUR_MS;
      for (let i = first; i < first + 4; i++) values[i] = (values[i] as number) * trueFactor;
    }
  });
  const componentRatio = (forecast: Forecast, name: string, offsetHours: number): number => {
    const index = offsetHours;
    const component = forecast.components.find((candidate) => candidate.name === name);
    const baseline = forecast.components.find((candidate) => candidate.kind === 'baseline');
    return (component?.values[index] as number) / (baseline?.values[index] as number);
  };

  it('learns a promotion uplift from its past occurrences in the history', () => {
    const event = promotion({ uplift: { kind: 'learn', fallbackFactor: 1.3, pastStartsMs } });
    const forecast = forecastAt({ history, occurrences: [occurrenceOf(event)] });
    expect(componentRatio(forecast, 'promotion:platform-a', 13)).toBeGreaterThan(trueFactor - 1 - 0.15);
    expect(componentRatio(forecast, 'promotion:platform-a', 13)).toBeLessThan(trueFactor - 1 + 0.15);
    expect(forecast.model).toContain('learned');
  });

  it('keeps past promotion buckets out of the baseline (masked, not averaged in)', () => {
    const event = promotion({ uplift: { kind: 'learn', fallbackFactor: 1.3, pastStartsMs } });
    const forecast = forecastAt({ history, occurrences: [occurrenceOf(event)] });
    const baseline = forecast.components.find((component) => component.kind === 'baseline') as { values: Float64Array };
    const truth = expectedRps(MONDAY_MS + days * DAY_MS + 13 * HOUR_MS, { days: 0 });
    expect(Math.abs((baseline.values[13] as number) - truth) / truth).toBeLessThan(0.08);
  });

  it('uses the fallback factor when the history has no past occurrence', () => {
    const event = promotion({ uplift: { kind: 'learn', fallbackFactor: 1.3, pastStartsMs: [MONDAY_MS - 100 * DAY_MS] } });
    const forecast = forecastAt({ history, occurrences: [occurrenceOf(event)] });
    expect(componentRatio(forecast, 'promotion:platform-a', 13)).toBeCloseTo(0.3, 6);
  });

  it('uses a stated factor, weighted by the occurrence traffic share', () => {
    const event = promotion({ uplift: { kind: 'expected', factor: 3 } });
    const forecast = forecastAt({ history, occurrences: [{ ...occurrenceOf(event), trafficShare: 0.5 }] });
    expect(componentRatio(forecast, 'promotion:platform-a', 13)).toBeCloseTo(1, 6);
    expect(componentRatio(forecast, 'promotion:platform-a', 11)).toBe(0);
  });

  it('ignores events for other workloads', () => {
    const event = promotion({ workloads: ['refund'] });
    const forecast = forecastAt({ history, occurrences: [occurrenceOf(event)] });
    expect(forecast.components.map((component) => component.kind)).toEqual(['baseline']);
  });

  it('adds a livestream pulse with its full area (rise/2 + half-life/ln 2) × peak', () => {
    const session: CalendarEvent = {
      kind: 'livestream', id: 'host-a', host: 'host-a', startMs: MONDAY_MS + days * DAY_MS + 20 * HOUR_MS + 30 * MINUTE_MS,
      durationMs: 2 * HOUR_MS, expectedPeakRps: 600, pulse: { riseMs: 10_000, decayHalfLifeMs: 60_000 }, workloads: [],
    };
    const forecast = forecastAt({ history, occurrences: [occurrenceOf(session)] });
    const pulse = forecast.components.find((component) => component.name === 'livestream:host-a') as { values: Float64Array };
    const requests = pulse.values.reduce((sum, rps) => sum + rps * (HOUR_MS / 1000), 0);
    expect(requests).toBeCloseTo(600 * (5 + 60 / Math.LN2), 0);
    expect(pulse.values[20]).toBeGreaterThan(0);
    expect(pulse.values[19]).toBe(0);
  });

  it('moves the usual in-store bump out of a daily baseline into the offline-retail component', () => {
    const event: CalendarEvent = {
      kind: 'offline-retail', id: 'in-store', timeZone: 'UTC', startMinuteOfDay: 10 * 60, endMinuteOfDay: 18 * 60,
      uplift: { kind: 'learn', fallbackFactor: 1.5, pastStartsMs: [] }, workloads: [],
    };
    const occurrences: EventOccurrence[] = [];
    for (let day = 0; day <= days; day++) {
      occurrences.push({ eventId: 'in-store', kind: 'offline-retail', label: 'in-store', startMs: MONDAY_MS + day * DAY_MS + 10 * HOUR_MS, endMs: MONDAY_MS + day * DAY_MS + 18 * HOUR_MS, event });
    }
    const plain = forecastAt({ history });
    const withRetail = forecastAt({ history, occurrences });
    const retail = withRetail.components.find((component) => component.kind === 'offline-retail') as { values: Float64Array };
    expect(retail.values[14]).toBeGreaterThan(5);
    expect(retail.values[2]).toBe(0);
    // Learned from the history, so the total stays what the history says.
    medianOf(withRetail).forEach((value, i) => expect(value).toBeCloseTo(medianOf(plain)[i] as number, 6));
  });
});

describe('forecastDemand: pulse reserve', () => {
  it('reserves upper-band room for spikes seen in the history, and none without spikes', () => {
    const calm = syntheticSeries({ days: 28, noise: 0.05, seed: 2 });
    const spiky = withValues(calm, (values) => {
      for (let i = 37; i < values.length; i += 23) values[i] = (values[i] as number) * 6;
    });
    const reserveAt99 = (forecast: Forecast): number => {
      const reserve = forecast.reserves?.find((candidate) => candidate.quantile === 0.99);
      return (reserve?.values.reduce((sum, value) => sum + value, 0) ?? 0) / 24;
    };
    expect(reserveAt99(forecastAt({ history: spiky }))).toBeGreaterThan(20);
    expect(reserveAt99(forecastAt({ history: calm }))).toBeLessThan(3);
    expect(reserveAt99(forecastAt({ history: spiky, params: { pulseReserve: false } }))).toBe(0);
  });
});
