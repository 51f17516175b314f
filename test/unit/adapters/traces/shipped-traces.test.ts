/**
 * What each real trace in sim/traces/ needed, as stated in sim/traces/README.md. If a trace file or
 * the cleaning rules change, these figures (and the README) must change with them.
 */
import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SHIPPED_TRACES, findShippedTrace, readShippedTrace } from '../../../../src/adapters/traces/catalog.ts';
import { InputError } from '../../../../src/domain/errors.ts';

const nanCount = (values: Float64Array): number => values.filter((value) => Number.isNaN(value)).length;

describe('shipped traces read with their catalogue options', () => {
  it.each([
    { id: 'nyc-taxi', format: 'value-per-bucket', rows: 10_320, buckets: 10_322, stepMs: 1_800_000, gapBuckets: 0, outageBuckets: 0, dstAdjustments: 2, duplicates: 0, startIso: '2014-07-01T04:00:00.000Z' },
    { id: 'twitter-aapl', format: 'value-per-bucket', rows: 15_902, buckets: 15_902, stepMs: 300_000, gapBuckets: 0, outageBuckets: 26, dstAdjustments: 0, duplicates: 0, startIso: '2015-02-26T21:42:53.000Z' },
    { id: 'nasa-http-1995', format: 'count-per-bucket', rows: 84_333, buckets: 89_280, stepMs: 60_000, gapBuckets: 4_947, outageBuckets: 2_913, dstAdjustments: 0, duplicates: 0, startIso: '1995-07-01T04:00:00.000Z' },
    { id: 'azure-code-per-second', format: 'count-per-bucket', rows: 3_437, buckets: 3_437, stepMs: 1_000, gapBuckets: 0, outageBuckets: 0, dstAdjustments: 0, duplicates: 0, startIso: '2023-11-16T18:17:03.000Z' },
    { id: 'azure-conv-per-second', format: 'count-per-bucket', rows: 3_503, buckets: 3_503, stepMs: 1_000, gapBuckets: 0, outageBuckets: 0, dstAdjustments: 0, duplicates: 0, startIso: '2023-11-16T18:15:46.000Z' },
    { id: 'azure-code-arrivals', format: 'per-request-arrivals', rows: 8_819, buckets: 3_437, stepMs: 1_000, gapBuckets: 0, outageBuckets: 0, dstAdjustments: 0, duplicates: 0, startIso: '2023-11-16T18:17:03.000Z' },
  ])('$id', async ({ id, format, rows, buckets, stepMs, gapBuckets, outageBuckets, dstAdjustments, duplicates, startIso }) => {
    const { series, report } = await readShippedTrace(id);
    expect(report).toMatchObject({ format, rows, nativeStepMs: stepMs, bucketMs: stepMs, gapBuckets, outageBuckets, dstAdjustments, duplicateTimestamps: duplicates });
    expect(new Date(series.startMs).toISOString()).toBe(startIso);
    expect(series.values.length).toBe(buckets);
    expect(nanCount(series.values)).toBe(gapBuckets + outageBuckets);
  });

  it('nyc_taxi: the folded fall-back hour of 2014-11-02 is split over both real hours', async () => {
    const { series } = await readShippedTrace('nyc-taxi');
    const rateAt = (iso: string): number => series.values[(Date.parse(iso) - series.startMs) / series.stepMs] as number;
    // The file's 01:00 row holds 39,197 passengers for two real half-hours (01:00 EDT and 01:00 EST).
    expect(rateAt('2014-11-02T05:00:00Z') * 1800).toBeCloseTo(39_197 / 2, 6);
    expect(rateAt('2014-11-02T06:00:00Z') * 1800).toBeCloseTo(39_197 / 2, 6);
    expect(rateAt('2014-11-02T05:30:00Z') * 1800).toBeCloseTo(35_212 / 2, 6);
    expect(rateAt('2014-11-02T07:00:00Z') * 1800).toBe(13_259);
  });

  it('NASA: the July log hole and the hurricane outage are NaN, the launch-morning surge is kept', async () => {
    const { series } = await readShippedTrace('nasa-http-1995');
    const at = (isoLocal: string): number => series.values[(Date.parse(`${isoLocal}-04:00`) - series.startMs) / series.stepMs] as number;
    expect(at('1995-07-28T13:32:00') * 60).toBe(41);
    expect(at('1995-07-28T13:33:00')).toBeNaN();
    expect(at('1995-07-31T23:59:00')).toBeNaN();
    expect(at('1995-08-01T14:39:00') * 60).toBe(36);
    expect(at('1995-08-02T12:00:00')).toBeNaN();
    expect(at('1995-08-03T11:27:00')).toBeNaN();
    expect(at('1995-08-03T11:29:00') * 60).toBe(100);
    expect(at('1995-07-13T09:49:00') * 60).toBe(405);
  });

  it('Azure: counting the raw code arrivals per second gives exactly the shipped per-second file', async () => {
    const fromArrivals = await readShippedTrace('azure-code-arrivals');
    const perSecond = await readShippedTrace('azure-code-per-second');
    expect(fromArrivals.series.startMs).toBe(perSecond.series.startMs);
    expect(Array.from(fromArrivals.series.values)).toEqual(Array.from(perSecond.series.values));
  });

  it('every catalogue entry points at a file with a SOURCE.md beside it', async () => {
    for (const trace of SHIPPED_TRACES) {
      await expect(access(new URL(`../../../../${trace.path}`, import.meta.url))).resolves.toBeUndefined();
      await expect(access(new URL(`../../../../${trace.path.replace(/[^/]+$/, 'SOURCE.md')}`, import.meta.url))).resolves.toBeUndefined();
    }
  });

  it('an unknown trace id is an InputError listing the known ones', () => {
    expect(() => findShippedTrace('nasa')).toThrow(InputError);
    expect(() => findShippedTrace('nasa')).toThrow(/unknown trace "nasa"; shipped traces: nyc-taxi, twitter-aapl, nasa-http-1995/);
  });
});
