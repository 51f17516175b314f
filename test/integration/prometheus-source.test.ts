/**
 * PrometheusSource against a real `prometheus` process whose TSDB was backfilled from a slice of
 * the shipped NASA trace with `promtool tsdb create-blocks-from openmetrics`. Fails (does not
 * skip) when prometheus/promtool are not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFailure, EXIT_BAD_INPUT, EXIT_RUNTIME_FAILURE } from '../../src/cli/exit.ts';
import { InputError, RuntimeFailure } from '../../src/domain/errors.ts';
import type { RegularSeries } from '../../src/domain/series.ts';
import { PrometheusSource } from '../../src/adapters/prometheus/prometheus-source.ts';
import { shippedTracePath } from '../../src/adapters/traces/catalog.ts';
import { readTraceFile } from '../../src/adapters/traces/read-trace.ts';
import { freePort } from './helpers/free-port.ts';
import { startPrometheus, toOpenMetrics, type OpenMetricsFamily, type PrometheusServer } from './helpers/prometheus.ts';

const MINUTE_MS = 60_000;
// 8.5 days around the end of the July log: 12,240 one-minute buckets (more than Prometheus'
// 11,000 points per query, so the source has to split the range) including the 3.5-day hole
// 07-28 13:33 → 07-31 23:59, and ending before the hurricane outage of 08-01.
const SLICE_START_MS = Date.parse('1995-07-24T00:00:00-04:00');
const SLICE_END_MS = Date.parse('1995-08-01T12:00:00-04:00');

let server: PrometheusServer;
let slice: RegularSeries;

function sliceOf(series: RegularSeries, startMs: number, endMs: number): RegularSeries {
  const from = (startMs - series.startMs) / series.stepMs;
  const to = (endMs - series.startMs) / series.stepMs;
  return { ...series, startMs, values: series.values.slice(from, to) };
}

/**
 * Two renderings of the same minutes: a recorded rate (a gauge sampled at each bucket's end, as a
 * recording rule would write it) and the raw request counter, whose rate() Prometheus computes.
 * The counter gets a sample at the start of a bucket that follows a gap, so its first minute
 * after the hole has two samples to take a rate from.
 */
function backfillFamilies(series: RegularSeries): OpenMetricsFamily[] {
  const rate: OpenMetricsFamily = { name: 'nasa_http_request_rate', type: 'gauge', help: 'NASA KSC requests per second (recorded)', samples: [] };
  const counter: OpenMetricsFamily = { name: 'nasa_http_requests', type: 'counter', help: 'NASA KSC requests', samples: [] };
  const byHost: OpenMetricsFamily = { name: 'nasa_http_request_rate_by_host', type: 'gauge', samples: [] };
  let total = 0;
  series.values.forEach((requestsPerSecond, bucket) => {
    if (Number.isNaN(requestsPerSecond)) return;
    const bucketStartMs = series.startMs + bucket * series.stepMs;
    const bucketEndMs = bucketStartMs + series.stepMs;
    rate.samples.push({ timeMs: bucketEndMs, value: requestsPerSecond });
    if (bucket === 0 || Number.isNaN(series.values[bucket - 1] as number)) counter.samples.push({ timeMs: bucketStartMs, value: total });
    total += Math.round(requestsPerSecond * (series.stepMs / 1000));
    counter.samples.push({ timeMs: bucketEndMs, value: total });
  });
  for (const host of ['a', 'b']) {
    byHost.samples.push(...rate.samples.slice(0, 10).map((sample) => ({ ...sample, labels: { host } })));
  }
  return [rate, counter, byHost];
}

function expectSameSeries(actual: RegularSeries, expected: RegularSeries, relativeTolerance = 1e-12): void {
  expect(actual.startMs).toBe(expected.startMs);
  expect(actual.stepMs).toBe(expected.stepMs);
  expect(actual.values.length).toBe(expected.values.length);
  const mismatches: string[] = [];
  expected.values.forEach((want, bucket) => {
    const got = actual.values[bucket] as number;
    const same = Number.isNaN(want) ? Number.isNaN(got) : Math.abs(got - want) <= relativeTolerance * Math.max(1, Math.abs(want));
    if (!same && mismatches.length < 5) mismatches.push(`bucket ${bucket} (${new Date(expected.startMs + bucket * expected.stepMs).toISOString()}): got ${got}, want ${want}`);
  });
  expect(mismatches).toEqual([]);
}

beforeAll(async () => {
  const nasa = await readTraceFile(shippedTracePath('nasa-http-1995'), { timeZone: 'America/New_York', detectOutages: false });
  slice = sliceOf(nasa.series, SLICE_START_MS, SLICE_END_MS);
  server = await startPrometheus({ openMetrics: toOpenMetrics(backfillFamilies(slice)), lookbackDelta: '30s' });
});

afterAll(async () => {
  await server?.stop();
});

describe('PrometheusSource against a real prometheus backfilled from the NASA trace', () => {
  it('the slice really has the July hole and more buckets than one query may return', () => {
    const gaps = slice.values.filter((value) => Number.isNaN(value)).length;
    expect(gaps).toBeGreaterThan(4_000);
    expect(slice.values.length).toBeGreaterThan(11_000);
  });

  it.each([
    { name: 'default chunks (10,000 points)', maxPointsPerRequest: undefined },
    { name: 'odd chunk boundaries (997 points)', maxPointsPerRequest: 997 },
  ])('reads the recorded rate back bucket for bucket, gaps as NaN: $name', async ({ maxPointsPerRequest }) => {
    const source = new PrometheusSource({ baseUrl: server.baseUrl, ...(maxPointsPerRequest ? { maxPointsPerRequest } : {}) });
    const series = await source.range('nasa_http_request_rate', { startMs: SLICE_START_MS, endMs: SLICE_END_MS, stepMs: MINUTE_MS });
    expectSameSeries(series, slice);
    expect(series.unit).toBe('requests/s');
  });

  it('reads rate() of the request counter back as the trace rate (Prometheus does the per-second conversion)', async () => {
    const source = new PrometheusSource({ baseUrl: server.baseUrl });
    // Prometheus 3 range windows are left-open, so a window of exactly one step would hold one sample.
    const window = server.majorVersion >= 3 ? '60001ms' : '1m';
    const series = await source.range(`rate(nasa_http_requests_total[${window}])`, { startMs: SLICE_START_MS, endMs: SLICE_END_MS, stepMs: MINUTE_MS });
    expectSameSeries(series, slice, server.majorVersion >= 3 ? 1e-4 : 1e-9);
  });

  it('evaluates at bucket starts when asked (a gauge sampled at the start of each bucket)', async () => {
    const source = new PrometheusSource({ baseUrl: server.baseUrl, evaluateAt: 'bucket-start' });
    const startMs = SLICE_START_MS + MINUTE_MS;
    const series = await source.range('nasa_http_request_rate', { startMs, endMs: startMs + 30 * MINUTE_MS, stepMs: MINUTE_MS });
    // The recorded sample at the end of slice bucket i is the start of bucket i+1 here.
    expectSameSeries(series, { ...slice, startMs, values: slice.values.slice(0, 30) });
  });

  it('instant values: the sample at a bucket end, NaN inside the gap', async () => {
    const source = new PrometheusSource({ baseUrl: server.baseUrl });
    expect(await source.instant('nasa_http_request_rate', SLICE_START_MS + MINUTE_MS)).toBe(slice.values[0]);
    expect(await source.instant('nasa_http_request_rate', Date.parse('1995-07-30T12:00:00-04:00'))).toBeNaN();
    expect(await source.instant('scalar(vector(2.5))', SLICE_START_MS)).toBe(2.5);
  });

  it.each([
    { name: 'a syntax error', query: 'rate(nasa_http_requests_total[1m]', message: /rejected the query "rate\(nasa_http_requests_total\[1m\]": bad_data: .*parse error/ },
    { name: 'a range vector where a series is needed', query: 'nasa_http_request_rate[5m]', message: /rejected the query "nasa_http_request_rate\[5m\]"/ },
    { name: 'several series', query: 'nasa_http_request_rate_by_host', message: /returns 2 series; chuanliu needs one \(aggregate it/ },
  ])('a bad query is an InputError naming it (exit 2): $name', async ({ query, message }) => {
    const source = new PrometheusSource({ baseUrl: server.baseUrl });
    const error = await source.range(query, { startMs: SLICE_START_MS, endMs: SLICE_START_MS + 10 * MINUTE_MS, stepMs: MINUTE_MS }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(message);
    expect((error as InputError).location.field).toBe('query');
    expect(describeFailure(error).exitCode).toBe(EXIT_BAD_INPUT);
  });

  it('a bad instant query is an InputError too', async () => {
    const source = new PrometheusSource({ baseUrl: server.baseUrl });
    await expect(source.instant('sum(', SLICE_START_MS)).rejects.toThrow(/rejected the query "sum\("/);
    await expect(source.instant('nasa_http_request_rate[5m]', SLICE_START_MS + MINUTE_MS)).rejects.toThrow(/returns a matrix/);
  });

  it('an unreachable server is a RuntimeFailure with the URL (exit 1)', async () => {
    const port = await freePort();
    const source = new PrometheusSource({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const error = await source.range('up', { startMs: 0, endMs: MINUTE_MS, stepMs: MINUTE_MS }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect((error as Error).message).toMatch(new RegExp(`Prometheus at http://127\\.0\\.0\\.1:${port}/api/v1/query_range is unreachable: .*ECONNREFUSED`));
    expect(describeFailure(error).exitCode).toBe(EXIT_RUNTIME_FAILURE);
  });

  it('a wrong path prefix is a RuntimeFailure that says so', async () => {
    const source = new PrometheusSource({ baseUrl: `${server.baseUrl}/not-prometheus` });
    await expect(source.instant('up')).rejects.toThrow(/answered HTTP 404 \(is the base URL right\?\)/);
  });
});
