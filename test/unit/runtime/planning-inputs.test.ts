/**
 * From config + history to PlanningInput: which source each workload's history comes from, which
 * `now` is used, what the forecaster and the planner are given, and bad input naming the flag,
 * file or field. Histories are SYNTHETIC (a daily sine wave), written to a temporary folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText, type ChuanliuConfig } from '../../../src/config/load-config.ts';
import { InputError } from '../../../src/domain/errors.ts';
import type { RegularSeries } from '../../../src/domain/series.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../src/domain/units.ts';
import type { MetricsSource } from '../../../src/ports/metrics-source.ts';
import { parseHistoryFlags, parseInstantFlag, planningRequestFromFlags } from '../../../src/cli/planning-flags.ts';
import {
  planIdFor, preparePlanningInputs, recentRateRps, type PlanningInputsRequest,
} from '../../../src/runtime/planning-source/planning-inputs.ts';

const CALENDAR = resolve('forecasts/double11.yaml');
/** End of the synthetic history: 2026-11-11 17:00 in Shanghai. */
const HISTORY_END_MS = Date.parse('2026-11-11T09:00:00Z');
const HISTORY_DAYS = 3;
const HISTORY_START_MS = HISTORY_END_MS - HISTORY_DAYS * DAY_MS;

/** SYNTHETIC demand: a daily sine around `meanRps`, topping out at 12:00 UTC (20:00 in Shanghai). */
function syntheticRps(timeMs: number, meanRps: number): number {
  return meanRps * (1 + 0.5 * Math.cos((2 * Math.PI * (timeMs - Date.parse('2026-11-01T12:00:00Z'))) / DAY_MS));
}

function syntheticSeries(startMs: number, endMs: number, stepMs: number, meanRps: number): RegularSeries {
  const count = Math.round((endMs - startMs) / stepMs);
  return { startMs, stepMs, unit: 'requests/s', values: Float64Array.from({ length: count }, (_, i) => syntheticRps(startMs + i * stepMs, meanRps)) };
}

/** `timestamp,requests` with requests counted per minute, as the trace reader expects. */
function historyCsv(meanRps: number, startMs = HISTORY_START_MS): string {
  const series = syntheticSeries(startMs, HISTORY_END_MS, MINUTE_MS, meanRps);
  const rows = Array.from(series.values, (rps, i) => `${new Date(startMs + i * MINUTE_MS).toISOString()},${Math.round(rps * 60)}`);
  return `timestamp,requests\n${rows.join('\n')}\n`;
}

/** A MetricsSource fake for the port: answers every query with the synthetic wave and records the calls. */
class SyntheticMetrics implements MetricsSource {
  readonly calls: { query: string; startMs: number; endMs: number; stepMs: number }[] = [];
  async range(query: string, options: { startMs: number; endMs: number; stepMs: number }): Promise<RegularSeries> {
    this.calls.push({ query, ...options });
    return syntheticSeries(options.startMs, options.endMs, options.stepMs, 2000);
  }
  async instant(): Promise<number> {
    return Number.NaN;
  }
}

let directory: string;

function config(lines: { checkoutDemand?: string; calendar?: boolean; extra?: string } = {}): ChuanliuConfig {
  const text = [
    ...(lines.calendar === false ? [] : [`calendar: ${CALENDAR}`]),
    'forecast: { history: 2d }',
    'nodePools:',
    '  - name: shared',
    '    perNode: { cpu: "32", memory: 128Gi }',
    '    baseNodes: 20',
    'online:',
    '  - name: payment',
    '    ref: { namespace: payments }',
    '    rpsPerReplica: 250',
    '    perReplica: { cpu: "2", memory: 4Gi }',
    '    startup: { p50: 20s, p95: 45s }',
    '    minReplicas: 2',
    '    maxReplicas: 200',
    '    demand: { kind: csv, path: payment.csv }',
    '  - name: checkout',
    '    ref: { namespace: payments }',
    '    rpsPerReplica: 200',
    '    perReplica: { cpu: "2", memory: 3Gi }',
    '    startup: { p50: 30s, p95: 75s }',
    '    minReplicas: 2',
    '    maxReplicas: 200',
    `    demand: ${lines.checkoutDemand ?? '{ kind: prometheus, query: "sum(rate(http_requests_total{app=\\"checkout\\"}[1m]))" }'}`,
    '  - name: balance-payment',
    '    ref: { namespace: payments }',
    '    rpsPerReplica: 300',
    '    perReplica: { cpu: "2", memory: 4Gi }',
    '    startup: { p50: 25s, p95: 50s }',
    '    minReplicas: 3',
    '    maxReplicas: 100',
    'offline:',
    '  - name: analytics',
    '    ref: { namespace: batch }',
    '    maxReplicas: 50',
    '    perReplica: { cpu: "4", memory: 8Gi }',
    ...(lines.extra !== undefined ? [lines.extra] : []),
  ].join('\n');
  return parseConfigText(text, join(directory, 'chuanliu.yaml'), { baseDir: directory });
}

async function errorOf(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-planning-inputs-'));
  await writeFile(join(directory, 'payment.csv'), historyCsv(12_000));
  await writeFile(join(directory, 'checkout.csv'), historyCsv(8_000));
  await writeFile(join(directory, 'late.csv'), historyCsv(100, HISTORY_END_MS - HOUR_MS));
  await writeFile(join(directory, 'checkout-local.tsv'), localTsv(8_000));
});

/**
 * The same SYNTHETIC checkout history as checkout.csv, written as a local export might be: tab
 * separated, no header, naive Shanghai wall-clock times, an error count before the request count.
 */
function localTsv(meanRps: number): string {
  const series = syntheticSeries(HISTORY_START_MS, HISTORY_END_MS, MINUTE_MS, meanRps);
  const shanghaiMs = 8 * HOUR_MS;
  return `${Array.from(series.values, (rps, i) => {
    const wall = new Date(HISTORY_START_MS + i * MINUTE_MS + shanghaiMs).toISOString().slice(0, 19).replace('T', ' ');
    return `${wall}\t${i % 7}\t${Math.round(rps * 60)}`;
  }).join('\n')}\n`;
}


afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('preparePlanningInputs', () => {
  it('without --now plans from the end of the history files, and forecasts each workload with a history', async () => {
    const inputs = await preparePlanningInputs(config(), { historyFiles: new Map([['checkout', join(directory, 'checkout.csv')]]) });
    expect(inputs.now).toEqual({ ms: HISTORY_END_MS, source: 'history-end' });
    expect(inputs.forecasts.map((forecast) => forecast.workload)).toEqual(['payment', 'checkout']);
    expect(inputs.unforecast).toEqual(['balance-payment']);
    expect(inputs.histories.map((history) => history.origin)).toEqual([join(directory, 'payment.csv'), join(directory, 'checkout.csv')]);
    // forecast.history is 2d: the 3-day files are cut to the 2 days before now.
    expect(inputs.histories[0]?.series.startMs).toBe(HISTORY_END_MS - 2 * DAY_MS);
    expect(inputs.histories[0]?.series.values.length).toBe(2 * 24 * 60);
    for (const forecast of inputs.forecasts) {
      expect(forecast.issuedAtMs).toBe(HISTORY_END_MS);
      expect(forecast.startMs).toBe(HISTORY_END_MS);
      expect(forecast.stepMs).toBe(MINUTE_MS);
      expect(forecast.bands[0]?.length).toBe(6 * 60);
    }
    const { input } = inputs;
    expect(input.nowMs).toBe(HISTORY_END_MS);
    expect(input.forecasts.size).toBe(2);
    expect(input.settings).toMatchObject({
      slotMs: MINUTE_MS, horizonMs: 6 * HOUR_MS, applyLatencyMs: 15_000, scaleInStabilizationMs: 5 * MINUTE_MS, displayTimeZone: 'Asia/Shanghai',
    });
    expect(input.settings.planId).toMatch(/^plan-20261111T090000Z-[0-9a-f]{8}$/);
    // The recent rate is the last minute of the history (requests counted per minute ÷ 60).
    expect(input.observed.demandRps.payment).toBeCloseTo(Math.round(syntheticRps(HISTORY_END_MS - MINUTE_MS, 12_000) * 60) / 60, 6);
    expect(input.observed.demandRps['balance-payment']).toBeUndefined();
    expect(inputs.occurrences.every((occurrence) => occurrence.endMs > HISTORY_END_MS && occurrence.startMs < HISTORY_END_MS + 6 * HOUR_MS)).toBe(true);
    expect(inputs.occurrences.map((occurrence) => occurrence.eventId)).toContain('platform-a-2000');
    expect(inputs.synthetic).toBe(true);
  });

  it('gives the same inputs and plan id for the same files and now', async () => {
    const request: PlanningInputsRequest = { historyFiles: new Map([['checkout', join(directory, 'checkout.csv')]]) };
    const [first, second] = [await preparePlanningInputs(config(), request), await preparePlanningInputs(config(), request)];
    expect(second.input.settings.planId).toBe(first.input.settings.planId);
    expect(second.forecasts).toEqual(first.forecasts);
  });

  it('reads a Prometheus source over forecast.history before now, on bucket boundaries', async () => {
    const metrics = new SyntheticMetrics();
    const nowMs = HISTORY_END_MS + 30_000;
    const inputs = await preparePlanningInputs(config(), { metrics, nowMs });
    expect(inputs.now).toEqual({ ms: nowMs, source: 'flag' });
    expect(metrics.calls).toEqual([{
      query: 'sum(rate(http_requests_total{app="checkout"}[1m]))', startMs: HISTORY_END_MS - 2 * DAY_MS, endMs: HISTORY_END_MS, stepMs: MINUTE_MS,
    }]);
    expect(inputs.histories[1]?.origin).toBe('prometheus: sum(rate(http_requests_total{app="checkout"}[1m]))');
    // Slots sit on whole minutes: the plan starts at the minute containing now.
    expect(inputs.forecasts[1]?.startMs).toBe(HISTORY_END_MS);
  });

  it('with live history and no --now takes the wall clock it is given, and says so', async () => {
    const wallMs = HISTORY_END_MS + 5 * MINUTE_MS;
    const inputs = await preparePlanningInputs(config(), { metrics: new SyntheticMetrics(), wallClockMs: () => wallMs });
    expect(inputs.now).toEqual({ ms: wallMs, source: 'wall-clock' });
  });

  it('--slot and --horizon replace the config\'s, and --tz the calendar\'s zone', async () => {
    const inputs = await preparePlanningInputs(config({ checkoutDemand: '{ kind: csv, path: checkout.csv, scale: 2, timeShift: 1m }' }), {
      slotMs: 5 * MINUTE_MS, horizonMs: 2 * HOUR_MS, displayTimeZone: 'Europe/Berlin',
    });
    expect(inputs.input.settings).toMatchObject({ slotMs: 5 * MINUTE_MS, horizonMs: 2 * HOUR_MS, displayTimeZone: 'Europe/Berlin' });
    // scale 2 doubles the rate; the 1m shift moves the end of the checkout file past the payment file's.
    expect(inputs.now.ms).toBe(HISTORY_END_MS + MINUTE_MS);
    const checkout = inputs.histories[1]?.series;
    expect(checkout?.values.at(-1)).toBeCloseTo(2 * Math.round(syntheticRps(HISTORY_END_MS - MINUTE_MS, 8_000) * 60) / 60, 6);
    expect(inputs.histories[1]?.notes).toEqual(expect.arrayContaining(['scaled ×2', 'shifted by 1m']));
  });

  it.each([
    {
      name: 'a Prometheus source without --prometheus-url names the workload and the field',
      run: () => preparePlanningInputs(config(), {}),
      source: /chuanliu\.yaml$/, field: 'online[1].demand', message: /checkout's demand history is the Prometheus query in the config; pass --prometheus-url <url>, or --history checkout=<csv>/,
    },
    {
      name: '--history for a workload the config does not have',
      run: () => preparePlanningInputs(config(), { historyFiles: new Map([['refund', 'x.csv']]) }),
      source: /^--history$/, message: /"refund" is not a workload of .*chuanliu\.yaml; online workloads: payment, checkout, balance-payment/,
    },
    {
      name: '--history for an offline workload',
      run: () => preparePlanningInputs(config(), { historyFiles: new Map([['analytics', 'x.csv']]) }),
      source: /^--history$/, message: /"analytics" is an offline workload/,
    },
    {
      name: 'a history file that does not exist',
      run: () => preparePlanningInputs(config(), { historyFiles: new Map([['checkout', join(directory, 'missing.csv')]]) }),
      source: /missing\.csv$/, message: /cannot read trace file/,
    },
    {
      name: 'a now before the history starts',
      run: () => preparePlanningInputs(config(), { metrics: new SyntheticMetrics(), nowMs: HISTORY_START_MS - DAY_MS }),
      source: /payment\.csv$/, message: /payment: no demand before now \(2026-11-07T09:00:00\.000Z\) within forecast\.history; the history covers 2026-11-08T09:00:00\.000Z to 2026-11-11T09:00:00\.000Z/,
    },
    {
      name: 'a history that starts after now',
      run: () => preparePlanningInputs(config(), { historyFiles: new Map([['payment', join(directory, 'late.csv')]]), metrics: new SyntheticMetrics(), nowMs: HISTORY_END_MS - 2 * HOUR_MS }),
      source: /late\.csv$/, message: /no demand before now/,
    },
    {
      name: 'a slot that is not a whole number of forecast buckets',
      run: () => preparePlanningInputs(config(), { slotMs: 90_000 }),
      source: /^--slot$/, message: /slot 1m30s is not a whole number of forecast buckets \(forecast\.bucket 1m\)/,
    },
    {
      name: 'a horizon shorter than a slot',
      run: () => preparePlanningInputs(config(), { horizonMs: 30_000 }),
      source: /^--horizon$/, message: /horizon 30s is shorter than one slot \(1m\)/,
    },
    {
      name: 'an unknown display zone',
      run: () => preparePlanningInputs(config(), { displayTimeZone: 'Mars/Olympus' }),
      source: /^--tz$/, message: /unknown time zone "Mars\/Olympus"/,
    },
    {
      name: 'no --now and nothing to derive it from',
      run: () => preparePlanningInputs(config({ checkoutDemand: '{ kind: prometheus, query: up }' }), { historyFiles: new Map(), metrics: new SyntheticMetrics() }),
      source: /^--now$/, message: /live \(Prometheus\) history has no end of its own/,
    },
  ])('bad input: $name', async ({ run, source, field, message }) => {
    const error = await errorOf(run());
    expect(error.location.source).toMatch(source);
    if (field !== undefined) expect(error.location.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('parseHistoryFlags', () => {
  it.each([
    { name: 'one pair', values: ['payment=a.csv'], expected: [['payment', 'a.csv']] },
    { name: 'several, paths with = kept', values: ['payment=a.csv', 'refund=dir/b=c.csv'], expected: [['payment', 'a.csv'], ['refund', 'dir/b=c.csv']] },
    { name: 'none', values: [], expected: [] },
  ])('$name', ({ values, expected }) => {
    expect([...parseHistoryFlags(values)]).toEqual(expected);
  });

  it.each([
    { name: 'no =', values: ['payment.csv'], message: /"payment\.csv" is not <workload>=<csv>/ },
    { name: 'no workload', values: ['=a.csv'], message: /"=a\.csv" is not <workload>=<csv>/ },
    { name: 'no path', values: ['payment='], message: /"payment=" is not <workload>=<csv>/ },
    { name: 'a workload twice', values: ['payment=a.csv', 'payment=b.csv'], message: /"payment" is given twice/ },
  ])('bad: $name', ({ values, message }) => {
    expect(() => parseHistoryFlags(values)).toThrow(message);
    expect(() => parseHistoryFlags(values)).toThrow(expect.objectContaining({ location: { source: '--history' } }));
  });
});

describe('parseInstantFlag', () => {
  it.each([
    { name: 'an offset', text: '2026-11-11T17:00:00+08:00', zone: undefined, expected: '2026-11-11T09:00:00.000Z' },
    { name: 'Z without seconds', text: '2026-11-11T09:00Z', zone: undefined, expected: '2026-11-11T09:00:00.000Z' },
    { name: 'milliseconds', text: '2026-11-11T09:00:00.250Z', zone: undefined, expected: '2026-11-11T09:00:00.250Z' },
    { name: 'a local time in the given zone', text: '2026-11-11T17:00', zone: 'Asia/Shanghai', expected: '2026-11-11T09:00:00.000Z' },
    { name: 'a local time with a space', text: '2026-03-29 03:30', zone: 'Europe/Berlin', expected: '2026-03-29T01:30:00.000Z' },
    { name: 'a local time in a spring-forward gap moves forward', text: '2026-03-29T02:30', zone: 'Europe/Berlin', expected: '2026-03-29T01:30:00.000Z' },
  ])('$name', ({ text, zone, expected }) => {
    expect(new Date(parseInstantFlag(text, '--now', zone)).toISOString()).toBe(expected);
  });

  it.each([
    { name: 'words', text: 'yesterday', zone: undefined, message: /"yesterday" is not an instant; expected ISO 8601 with an offset/ },
    { name: 'a local time without a zone', text: '2026-11-11T17:00', zone: undefined, message: /a time without an offset needs --tz/ },
    { name: 'a day that does not exist', text: '2026-02-30T10:00:00Z', zone: undefined, message: /"2026-02-30T10:00:00Z" is not an instant/ },
    { name: 'hour 24', text: '2026-11-11T24:00:00Z', zone: undefined, message: /is not an instant/ },
    { name: 'an epoch number', text: '1794387600', zone: undefined, message: /is not an instant/ },
  ])('bad: $name', ({ text, zone, message }) => {
    expect(() => parseInstantFlag(text, '--now', zone)).toThrow(message);
    expect(() => parseInstantFlag(text, '--now', zone)).toThrow(expect.objectContaining({ location: { source: '--now' } }));
  });
});

describe('recentRateRps', () => {
  const series: RegularSeries = { startMs: 0, stepMs: 60_000, unit: 'requests/s', values: Float64Array.from([10, 20, Number.NaN, 40]) };
  it.each([
    { name: 'the last bucket ending at now', nowMs: 240_000, windowMs: 60_000, expected: 40 },
    { name: 'buckets ending in the window, NaN skipped', nowMs: 240_000, windowMs: 180_000, expected: 30 },
    { name: 'a now inside a bucket uses the buckets that have ended', nowMs: 150_000, windowMs: 120_000, expected: 15 },
    { name: 'only missing buckets', nowMs: 180_000, windowMs: 60_000, expected: undefined },
    { name: 'a now long after the history', nowMs: 3_600_000, windowMs: 60_000, expected: undefined },
    { name: 'a now before the history', nowMs: -60_000, windowMs: 60_000, expected: undefined },
  ])('$name', ({ nowMs, windowMs, expected }) => {
    expect(recentRateRps(series, nowMs, windowMs)).toBe(expected);
  });
});

describe('planIdFor', () => {
  const forecast = (value: number) => ({
    workload: 'payment', issuedAtMs: 0, startMs: 0, stepMs: 60_000, unit: 'requests/s', quantiles: [0.5], bands: [Float64Array.of(value, value)], components: [], model: 'test',
  });
  const parts = (value: number) => ({ settings: { slotMs: 60_000 }, inventory: { online: [] }, forecasts: [forecast(value)], occurrences: [] });

  it('is stable for the same inputs and names the time', () => {
    expect(planIdFor(HISTORY_END_MS, parts(1))).toBe(planIdFor(HISTORY_END_MS, parts(1)));
    expect(planIdFor(HISTORY_END_MS, parts(1))).toMatch(/^plan-20261111T090000Z-[0-9a-f]{8}$/);
  });

  it('differs when a forecast or the settings differ', () => {
    expect(planIdFor(HISTORY_END_MS, parts(2))).not.toBe(planIdFor(HISTORY_END_MS, parts(1)));
    expect(planIdFor(HISTORY_END_MS, { ...parts(1), settings: { slotMs: 120_000 } })).not.toBe(planIdFor(HISTORY_END_MS, parts(1)));
  });
});

describe('trace layout hints for CSV histories', () => {
  const hinted = '{ kind: csv, path: checkout-local.tsv, timeColumn: 1, column: 3, delimiter: tab, timeFormat: iso, timeZone: Asia/Shanghai }';

  it('the config\'s csv demand takes the layout and the zone of naive times as fields', async () => {
    const fromCsv = await preparePlanningInputs(config(), { historyFiles: new Map([['checkout', join(directory, 'checkout.csv')]]) });
    const fromTsv = await preparePlanningInputs(config({ checkoutDemand: hinted }));
    expect(fromTsv.now.ms).toBe(HISTORY_END_MS);
    const checkout = (inputs: typeof fromCsv): RegularSeries | undefined => inputs.histories.find((history) => history.workload === 'checkout')?.series;
    expect(checkout(fromTsv)?.startMs).toBe(checkout(fromCsv)?.startMs);
    expect(Array.from(checkout(fromTsv)?.values ?? [])).toEqual(Array.from(checkout(fromCsv)?.values ?? []));
  });

  it('--history files take the flags: without them the file is undecidable, with them it reads', async () => {
    const historyFiles = new Map([['checkout', join(directory, 'checkout-local.tsv')]]);
    const refused = await errorOf(preparePlanningInputs(config(), { historyFiles }));
    expect(refused.message).toMatch(/checkout-local\.tsv, line 1, field valueColumn: cannot tell which column holds the value: #2, #3/);
    const request = planningRequestFromFlags({ history: [`checkout=${join(directory, 'checkout-local.tsv')}`], valueColumn: '3', historyTz: 'Asia/Shanghai' }, () => 0);
    const inputs = await preparePlanningInputs(config(), request);
    expect(inputs.now.ms).toBe(HISTORY_END_MS);
  });

  it.each([
    { name: 'a layout flag without --history', flags: { delimiter: ';' }, source: '--delimiter', message: /--delimiter says how to read --history files, but none is given/ },
    { name: 'an unknown delimiter', flags: { history: ['checkout=x.csv'], delimiter: '|' }, source: '--delimiter', message: /"\|" is not a delimiter/ },
    { name: 'an unknown time format', flags: { history: ['checkout=x.csv'], timeFormat: 'unix' }, source: '--time-format', message: /"unix" is not one of iso, epoch-s, epoch-ms/ },
    { name: 'an unknown --history-tz', flags: { history: ['checkout=x.csv'], historyTz: 'Mars/Olympus' }, source: '--history-tz', message: /unknown time zone "Mars\/Olympus"/ },
  ])('refuses $name, naming the flag', ({ flags, source, message }) => {
    try {
      planningRequestFromFlags(flags, () => 0);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).location.source).toBe(source);
      expect((error as InputError).message).toMatch(message);
      return;
    }
    throw new Error('expected an InputError');
  });

  it.each([
    { field: 'delimiter', value: '"|"', message: /expected ",", ";" or tab/ },
    { field: 'timeFormat', value: 'unix', message: /timeFormat/ },
    { field: 'timeZone', value: 'Mars/Olympus', message: /timeZone/ },
    { field: 'column', value: '0', message: /column numbers count from 1/ },
  ])('a bad $field in the config\'s csv demand is refused when the config loads', ({ field, value, message }) => {
    expect(() => config({ checkoutDemand: `{ kind: csv, path: checkout.csv, ${field}: ${value} }` })).toThrow(message);
  });
});
