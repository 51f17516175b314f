import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.ts';
import type { RegularSeries } from '../../../src/domain/series.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../src/domain/units.ts';
import { decodeDemandFit, encodeDemandFit, fitToReuse, refitDueMs, type DemandFit } from '../../../src/forecaster/demand-fit.ts';
import { forecastDemandWithFit, type ForecastDemandInput, type ForecastWithFit } from '../../../src/forecaster/forecast-demand.ts';
import { syntheticSeries, withValues } from './synthetic.ts';

const STEP_MS = 30 * MINUTE_MS;
const history = syntheticSeries({ days: 28, stepMs: STEP_MS, weekendDip: 0.3, seed: 11 });
const endMs = history.startMs + history.values.length * STEP_MS;

/** The history as seen `hoursBeforeEnd` before its end, forecast 6 h ahead. */
function forecastAt(hoursBeforeEnd: number, overrides: Partial<ForecastDemandInput> = {}): ForecastWithFit {
  const buckets = history.values.length - (hoursBeforeEnd * HOUR_MS) / STEP_MS;
  const seen: RegularSeries = { ...history, values: history.values.subarray(0, buckets) };
  return forecastDemandWithFit({
    workload: 'payment', history: seen, nowMs: history.startMs + buckets * STEP_MS, horizonMs: 6 * HOUR_MS,
    quantiles: [0.5, 0.9, 0.99], params: { timeZone: 'Asia/Shanghai' }, ...overrides,
  });
}

function maxRelativeDifference(a: ForecastWithFit, b: ForecastWithFit): number {
  let worst = 0;
  a.forecast.bands.forEach((band, k) => band.forEach((value, i) => {
    const other = (b.forecast.bands[k] as Float64Array)[i] as number;
    worst = Math.max(worst, Math.abs(value - other) / Math.max(1, Math.abs(value)));
  }));
  return worst;
}

describe('forecast refresh with a kept fit (demand-fit.ts)', () => {
  const cold = forecastAt(3);
  const fit = cold.fit as DemandFit;

  it('a fresh fit is returned with the forecast, made at its now, and says why it was made', () => {
    expect(cold.fitReused).toBe('no earlier fit');
    expect(fit).toMatchObject({ workload: 'payment', fittedAtMs: endMs - 3 * HOUR_MS });
    expect(fit.statistical.corrections).toHaveLength(2);
    expect(fit.statistical.periods.length).toBeGreaterThan(0);
  });

  it('reused at the same now, it gives the forecast the fit was made with (up to rounding)', () => {
    const again = forecastAt(3, { priorFit: fit });
    expect(again.fitReused).toBe(true);
    expect(maxRelativeDifference(again, cold)).toBeLessThan(1e-9);
    expect(again.fit).toBe(fit);
  });

  it('an hour later it follows the new history, close to a fresh fit, and says the fit was reused', () => {
    const reused = forecastAt(2, { priorFit: fit });
    const fresh = forecastAt(2);
    expect(reused.fitReused).toBe(true);
    expect(reused.forecast.model).toContain('fit of 1h ago reused');
    expect(reused.forecast.startMs).toBe(endMs - 2 * HOUR_MS);
    expect(maxRelativeDifference(reused, fresh)).toBeLessThan(0.02);
    expect(maxRelativeDifference(reused, cold)).toBeGreaterThan(0); // it is not the old forecast
  });

  it('is dropped for a fresh fit when the traffic moved away from it (a level shift after the fit)', () => {
    // A kept fit learned near-zero persistence from stationary residuals; a fresh fit learns that
    // the shift persists. The drift check sees the last buckets outside the kept fit's band and refits.
    const shifted = withValues(history, (values) => {
      for (let i = values.length - (3 * HOUR_MS) / STEP_MS - 2 * 48; i < values.length; i++) values[i] = (values[i] as number) * 1.5;
    });
    const input = (series: RegularSeries, priorFit?: DemandFit): ForecastWithFit => forecastDemandWithFit({
      workload: 'payment', history: series, nowMs: endMs, horizonMs: 6 * HOUR_MS, quantiles: [0.5, 0.9, 0.99],
      params: { timeZone: 'Asia/Shanghai' }, ...(priorFit !== undefined ? { priorFit } : {}),
    });
    const total = (result: ForecastWithFit): number => (result.forecast.bands[0] as Float64Array).reduce((sum, value) => sum + value, 0);
    const kept = input(shifted, fit);
    expect(kept.fitReused).toMatch(/^the kept fit no longer describes the traffic: [4-8] of the last 8 buckets outside its p1–p99 band$/);
    expect(kept.fit?.fittedAtMs).toBe(endMs);
    expect(total(kept) / total(input(history, fit))).toBeGreaterThan(1.3);
    expect(maxRelativeDifference(kept, input(shifted))).toBe(0);
    // Unshifted, the same fit passes the check.
    expect(input(history, fit).fitReused).toBe(true);
  });

  it('refits once the fit is due, when settings change, when the forecast reaches further, and with refitAfter 0', () => {
    const due = refitDueMs('payment', fit.fittedAtMs, DAY_MS);
    expect(due).toBeGreaterThanOrEqual(fit.fittedAtMs + DAY_MS / 2);
    expect(due).toBeLessThanOrEqual(fit.fittedAtMs + DAY_MS);
    const request = { workload: 'payment', settings: fit.settings, horizon: fit.statistical.horizon, refitAfterMs: DAY_MS };
    expect('reuse' in fitToReuse(fit, { ...request, nowMs: due - 1 })).toBe(true);
    expect(fitToReuse(fit, { ...request, nowMs: due })).toEqual({ refitBecause: 'the fit is due' });
    expect(fitToReuse(fit, { ...request, nowMs: fit.fittedAtMs - 1 })).toEqual({ refitBecause: 'the stored fit is from after now' });
    expect(fitToReuse(fit, { ...request, nowMs: fit.fittedAtMs, horizon: fit.statistical.horizon + 1 }))
      .toEqual({ refitBecause: `the forecast reaches ${fit.statistical.horizon + 1} buckets, the fit ${fit.statistical.horizon}` });
    expect(forecastAt(2, { priorFit: fit, quantiles: [0.5, 0.95] }).fitReused).toBe('the bucket, quantiles or forecaster settings changed');
    expect(forecastAt(2, { priorFit: fit, params: { timeZone: 'Asia/Shanghai', ridge: 0.01 } }).fitReused).toBe('the bucket, quantiles or forecaster settings changed');
    expect(forecastAt(2, { priorFit: fit, params: { timeZone: 'Asia/Shanghai', refitAfterMs: 0 } }).fitReused).toBe('refitting every refresh (refitAfter 0)');
    expect(forecastAt(2, { priorFit: fit, workload: 'refund' }).fitReused).toBe('the stored fit is of payment');
  });

  it('spreads the refits of many workloads over ½–1 × refitAfter', () => {
    const offsets = Array.from({ length: 1000 }, (_, index) => (refitDueMs(`svc-${index}`, 0, DAY_MS) - DAY_MS / 2) / (DAY_MS / 2));
    const quarters = [0, 0, 0, 0];
    for (const offset of offsets) quarters[Math.min(3, Math.floor(offset * 4))]! += 1;
    for (const count of quarters) expect(count).toBeGreaterThan(150);
  });

  it('survives its JSON form: the decoded fit gives the same forecast as the fit itself', () => {
    const text = encodeDemandFit(fit);
    const decoded = decodeDemandFit(text);
    const fromObject = forecastAt(1, { priorFit: fit });
    const fromText = forecastAt(1, { priorFit: decoded });
    expect(fromText.fitReused).toBe(true);
    expect(maxRelativeDifference(fromText, fromObject)).toBe(0);
    expect(encodeDemandFit(decoded)).toBe(text);
  });

  it('refuses a damaged stored fit, naming the field', () => {
    const parsed = JSON.parse(encodeDemandFit(fit)) as { statistical: { corrections: { coefficients: unknown[][] }[] } };
    (parsed.statistical.corrections[0] as { coefficients: unknown[][] }).coefficients[0] = ['x'];
    expect(() => decodeDemandFit(JSON.stringify(parsed))).toThrow(InputError);
    expect(() => decodeDemandFit(JSON.stringify(parsed))).toThrow(/fit\.statistical\.corrections\[0\]\.coefficients\[0\]\[0\]/);
    expect(() => decodeDemandFit('{"version": 2}')).toThrow(/version 2/);
    expect(() => decodeDemandFit('not json')).toThrow(/not JSON/);
  });

  it('a history the kept fit no longer fits is refit, not left blank', () => {
    // Only the last four days are left: the kept weekly structure has nothing to read a week back.
    const short: RegularSeries = { ...history, startMs: endMs - 4 * DAY_MS, values: history.values.subarray(history.values.length - (4 * DAY_MS) / STEP_MS) };
    const weekly = forecastDemandWithFit({
      workload: 'payment', history: history, nowMs: endMs, horizonMs: 6 * HOUR_MS, quantiles: [0.5, 0.9, 0.99], params: { periodsBuckets: [48, 336] },
    });
    const result = forecastDemandWithFit({
      workload: 'payment', history: short, nowMs: endMs, horizonMs: 6 * HOUR_MS, quantiles: [0.5, 0.9, 0.99],
      params: { periodsBuckets: [48, 336] }, ...(weekly.fit !== undefined ? { priorFit: weekly.fit } : {}),
    });
    expect(result.forecast.bands.every((band) => band.every(Number.isFinite))).toBe(true);
    expect(result.fitReused).not.toBe(true);
  });

  it('keeps no fit from a forecast that fell back (a fallback is never reused)', () => {
    // 17 h of one-minute history, the last hour inside a promotion: the full model has nothing recent
    // to level on and the forecast falls back to the recent level (fallback-order.test.ts).
    const minutes = syntheticSeries({ days: 17 / 24, stepMs: MINUTE_MS, seed: 7 });
    const nowMs = minutes.startMs + minutes.values.length * MINUTE_MS;
    const event = { kind: 'promotion' as const, id: 'flash', platform: 'flash', startMs: nowMs - HOUR_MS, durationMs: 2 * HOUR_MS, timeZone: 'UTC', rampMs: 5 * MINUTE_MS, uplift: { kind: 'expected' as const, factor: 2 }, workloads: [] };
    const result = forecastDemandWithFit({
      workload: 'payment', history: minutes, nowMs, horizonMs: 2 * HOUR_MS, quantiles: [0.5, 0.9, 0.99],
      occurrences: [{ eventId: 'flash', kind: 'promotion', label: 'flash', startMs: event.startMs, endMs: event.startMs + event.durationMs, event }],
    });
    expect(result.forecast.method).toBe('recent-level');
    expect(result.fit).toBeUndefined();
  });
});
