/**
 * End to end on SYNTHETIC data: the simulator's stacked-peak generator draws four weeks of payment
 * traffic before the synthetic Double-11 evening of forecasts/double11.yaml, with known components;
 * the forecaster, given the same calendar, must attribute the evening to the same components.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCalendarFile } from '../../../src/calendar/load-calendar.ts';
import { eventOccurrences } from '../../../src/domain/calendar-occurrences.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../src/domain/units.ts';
import { forecastDemand } from '../../../src/forecaster/forecast-demand.ts';
import { generateStackedPeakTraffic } from '../../../src/simulator/synthetic-traffic.ts';

const calendarPath = fileURLToPath(new URL('../../../forecasts/double11.yaml', import.meta.url));

describe('stacked peaks of a synthetic Double-11 evening', () => {
  it.each([
    { at: '2026-11-11T20:45:00+08:00' },
    { at: '2026-11-11T21:30:00+08:00' },
  ])('recovers each component at $at within 10% of the generated truth', async ({ at }) => {
    const calendar = await loadCalendarFile(calendarPath);
    const nowMs = Date.parse('2026-11-11T18:00:00+08:00');
    const startMs = nowMs - 28 * DAY_MS;
    const stepMs = 5 * MINUTE_MS;
    const traffic = generateStackedPeakTraffic({
      calendar, workload: 'payment', startMs, endMs: nowMs + 8 * HOUR_MS, stepMs, noiseCv: 0.05, seed: 1,
      baseline: { meanRps: 2000, dailyAmplitude: 0.5, peakHourLocal: 20, timeZone: 'Asia/Shanghai', weeklyAmplitude: 0.1 },
    });
    const forecast = forecastDemand({
      workload: 'payment', history: traffic.series, nowMs, horizonMs: 8 * HOUR_MS, quantiles: [0.5, 0.9, 0.99],
      occurrences: eventOccurrences(calendar, startMs, nowMs + 8 * HOUR_MS), params: { timeZone: 'Asia/Shanghai' },
    });
    const forecastIndex = (Date.parse(at) - forecast.startMs) / stepMs;
    const truthIndex = (Date.parse(at) - traffic.series.startMs) / stepMs;
    const total = traffic.components.reduce((sum, component) => sum + (component.values[truthIndex] as number), 0);
    for (const truth of traffic.components) {
      const expected = truth.values[truthIndex] as number;
      if (expected < 0.05 * total) continue;
      const found = forecast.components.find((component) => component.name === truth.name);
      expect(found, truth.name).toBeDefined();
      expect(Math.abs((found?.values[forecastIndex] as number) - expected) / expected, truth.name).toBeLessThan(0.1);
    }
  });
});
