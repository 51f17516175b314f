import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTraceText, type TraceReadOptions } from '../../../../src/adapters/traces/read-trace.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const utc = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);
/** Values with NaN as null, so `toEqual` compares them plainly. */
const plain = (values: Float64Array): (number | null)[] => Array.from(values, (value) => (Number.isNaN(value) ? null : value));

function csv(header: string, rows: string[]): string {
  return `${header}\n${rows.join('\n')}\n`;
}

interface GoodCase {
  name: string;
  text: string;
  options?: TraceReadOptions;
  format: string;
  startMs: number;
  stepMs: number;
  values: (number | null)[];
  report?: Partial<{ gapBuckets: number; duplicateTimestamps: number; outageBuckets: number; dstAdjustments: number; rows: number; nativeStepMs: number }>;
  note?: RegExp;
}

describe('parseTraceText turns each trace format into requests/s', () => {
  it.each<GoodCase>([
    {
      name: 'NAB timestamp,value: amount per 5-minute bucket → per second',
      text: csv('timestamp,value', ['2015-02-26 21:42:53,300', '2015-02-26 21:47:53,600', '2015-02-26 21:52:53,0']),
      format: 'value-per-bucket', startMs: utc('2015-02-26 21:42:53'), stepMs: 5 * MINUTE_MS, values: [1, 2, 0],
      note: /divided by 300 s/,
    },
    {
      name: 'NASA timestamp,requests per minute',
      text: csv('timestamp,requests', ['1995-07-01 00:00:00,42', '1995-07-01 00:01:00,60']),
      format: 'count-per-bucket', startMs: utc('1995-07-01 00:00:00'), stepMs: MINUTE_MS, values: [0.7, 1],
    },
    {
      name: 'Azure per-second with token columns reads the requests column',
      text: csv('timestamp,requests,context_tokens,generated_tokens', ['2023-11-16 18:17:03,1,4808,10', '2023-11-16 18:17:04,7,18150,107']),
      format: 'count-per-bucket', startMs: utc('2023-11-16 18:17:03'), stepMs: 1000, values: [1, 7],
    },
    {
      name: 'Azure per-request arrivals become a per-second rate',
      text: csv('TIMESTAMP,ContextTokens,GeneratedTokens', [
        '2023-11-16 18:17:03.9799600,4808,10', '2023-11-16 18:17:04.0319600,3180,8', '2023-11-16 18:17:04.0781490,110,27',
        '2023-11-16 18:17:06.5,1,1',
      ]),
      format: 'per-request-arrivals', startMs: utc('2023-11-16 18:17:03'), stepMs: 1000, values: [1, 2, 0, 1],
      report: { rows: 4, nativeStepMs: 1000 },
    },
    {
      name: 'arrivals counted into a 2-second bucket',
      text: csv('TIMESTAMP,ContextTokens,GeneratedTokens', ['2023-11-16 18:17:03.9,1,1', '2023-11-16 18:17:04.0,1,1', '2023-11-16 18:17:05.9,1,1']),
      options: { bucketMs: 2000 },
      format: 'per-request-arrivals', startMs: utc('2023-11-16 18:17:02'), stepMs: 2000, values: [0.5, 1],
    },
    {
      name: 'a lone timestamp column is per-request arrivals',
      text: csv('timestamp', ['2020-01-01 00:00:00.1', '2020-01-01 00:00:00.2', '2020-01-01 00:00:01.0']),
      format: 'per-request-arrivals', startMs: utc('2020-01-01 00:00:00'), stepMs: 1000, values: [2, 1],
    },
    {
      // Two numeric columns and no name to go by is an error now (csv-layout.test.ts): the caller chooses.
      name: 'the only numeric column besides the time when nothing is named value or requests',
      text: csv('time,host,load', ['2020-01-01 00:00:00,web-1,120', '2020-01-01 00:01:00,web-1,60']),
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [2, 1],
    },
    {
      name: 'value column chosen by the caller',
      text: csv('timestamp,requests,errors', ['2020-01-01 00:00:00,120,6', '2020-01-01 00:01:00,60,12']),
      options: { valueColumn: 'errors' },
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [0.1, 0.2],
    },
    {
      name: 'values already rates are not divided',
      text: csv('timestamp,value', ['2020-01-01 00:00:00,3.5', '2020-01-01 00:01:00,4']),
      options: { valuesAreRates: true },
      format: 'value-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [3.5, 4],
    },
    {
      name: 'CRLF endings, a byte-order mark and quoted fields',
      text: '\uFEFF"timestamp","value"\r\n"2020-01-01 00:00:00","60"\r\n"2020-01-01 00:01:00","120"\r\n',
      format: 'value-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 2],
    },
    {
      name: 'missing rows are NaN gaps, never zeros',
      text: csv('timestamp,requests', ['2020-01-01 00:00:00,60', '2020-01-01 00:03:00,60', '2020-01-01 00:04:00,120']),
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, null, null, 1, 2],
      report: { gapBuckets: 2 }, note: /2 bucket\(s\) of 1m have no row/,
    },
    {
      name: 'identical duplicate rows are dropped',
      text: csv('timestamp,requests', ['2020-01-01 00:00:00,60', '2020-01-01 00:01:00,60', '2020-01-01 00:01:00,60', '2020-01-01 00:02:00,0']),
      options: { detectOutages: false },
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 1, 0],
      report: { duplicateTimestamps: 1 }, note: /1 identical \(dropped\)/,
    },
    {
      name: 'conflicting duplicates summed on request',
      text: csv('timestamp,requests', ['2020-01-01 00:00:00,60', '2020-01-01 00:01:00,60', '2020-01-01 00:01:00,120']),
      options: { onConflictingDuplicate: 'sum' },
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 3],
      report: { duplicateTimestamps: 1 }, note: /1 different \(summed\)/,
    },
    {
      name: 'conflicting duplicates: last kept on request',
      text: csv('timestamp,requests', ['2020-01-01 00:00:00,60', '2020-01-01 00:01:00,60', '2020-01-01 00:01:00,120']),
      options: { onConflictingDuplicate: 'keep-last' },
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 2],
    },
    {
      name: 'timestamps with their own offset ignore the time zone',
      text: csv('timestamp,requests', ['2020-01-01T08:00:00+08:00,60', '2020-01-01T00:01:00Z,60']),
      options: { timeZone: 'America/New_York' },
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 1],
      note: /carry their own zone/,
    },
    {
      name: 'epoch seconds',
      text: csv('timestamp,requests', ['1577836800,60', '1577836860,30']),
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 0.5],
    },
    {
      name: 'rows a few seconds off the grid snap to the nearest bucket',
      text: csv('timestamp,requests', ['2020-01-01 00:00:00,60', '2020-01-01 00:01:00,60', '2020-01-01 00:01:58,60', '2020-01-01 00:03:00,60']),
      format: 'count-per-bucket', startMs: utc('2020-01-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 1, 1, 1],
      note: /1 row\(s\) off the 1m grid/,
    },
  ])('$name', ({ text, options, format, startMs, stepMs, values, report, note }) => {
    const result = parseTraceText(text, 'trace.csv', options);
    expect(result.report.format).toBe(format);
    expect(result.series.startMs).toBe(startMs);
    expect(result.series.stepMs).toBe(stepMs);
    expect(result.series.unit).toBe('requests/s');
    expect(plain(result.series.values)).toEqual(values.map((value) => (value === null ? null : expect.closeTo(value, 9))));
    if (report) expect(result.report).toMatchObject(report);
    if (note) expect(result.report.notes.join('\n')).toMatch(note);
  });
});

describe('daylight-saving time in local-time files', () => {
  const NEW_YORK: TraceReadOptions = { timeZone: 'America/New_York', detectOutages: false };

  it.each<GoodCase>([
    {
      name: 'spring forward: a row at 02:00, which never happened, is dropped and the hours join up',
      text: csv('timestamp,value', ['2015-03-08 00:00:00,3600', '2015-03-08 01:00:00,3600', '2015-03-08 02:00:00,999', '2015-03-08 03:00:00,7200']),
      options: NEW_YORK,
      format: 'value-per-bucket', startMs: utc('2015-03-08 05:00:00'), stepMs: HOUR_MS, values: [1, 1, 2],
      report: { dstAdjustments: 1, gapBuckets: 0, rows: 4 }, note: /never happened .* line 4 \(2015-03-08 02:00:00, value 999\)/,
    },
    {
      name: 'spring forward written without the missing hour needs no adjustment',
      text: csv('timestamp,value', ['2015-03-08 01:00:00,3600', '2015-03-08 03:00:00,3600']),
      options: NEW_YORK,
      format: 'value-per-bucket', startMs: utc('2015-03-08 06:00:00'), stepMs: HOUR_MS, values: [1, 1],
      report: { dstAdjustments: 0 },
    },
    {
      name: 'fall back written twice: the repeat is the second (standard-time) hour',
      text: csv('timestamp,value', [
        '2014-11-02 00:30:00,1800', '2014-11-02 01:00:00,1800', '2014-11-02 01:30:00,3600',
        '2014-11-02 01:00:00,5400', '2014-11-02 01:30:00,7200', '2014-11-02 02:00:00,1800',
      ]),
      options: NEW_YORK,
      format: 'value-per-bucket', startMs: utc('2014-11-02 04:30:00'), stepMs: 30 * MINUTE_MS, values: [1, 1, 2, 3, 4, 1],
      report: { dstAdjustments: 2, duplicateTimestamps: 0 }, note: /2 row\(s\) in a repeated fall-back hour/,
    },
    {
      name: 'fall back written as consecutive equal hours (hourly file)',
      text: csv('timestamp,value', ['2014-11-02 00:00:00,3600', '2014-11-02 01:00:00,7200', '2014-11-02 01:00:00,10800', '2014-11-02 02:00:00,3600']),
      options: NEW_YORK,
      format: 'value-per-bucket', startMs: utc('2014-11-02 04:00:00'), stepMs: HOUR_MS, values: [1, 2, 3, 1],
      report: { dstAdjustments: 1, duplicateTimestamps: 0 },
    },
    {
      name: 'fall back folded into one wall-clock hour (NAB nyc_taxi): each count split over both real hours',
      text: csv('timestamp,value', ['2014-11-02 00:30:00,1800', '2014-11-02 01:00:00,7200', '2014-11-02 01:30:00,3600', '2014-11-02 02:00:00,1800']),
      options: NEW_YORK,
      format: 'value-per-bucket', startMs: utc('2014-11-02 04:30:00'), stepMs: 30 * MINUTE_MS, values: [1, 2, 1, 2, 1, 1],
      report: { dstAdjustments: 2, gapBuckets: 0 }, note: /count split evenly over both \(line 3; line 4\)/,
    },
    {
      name: 'a file ending inside the overlap is not a fold',
      text: csv('timestamp,value', ['2014-11-02 00:30:00,1800', '2014-11-02 01:00:00,1800']),
      options: NEW_YORK,
      format: 'value-per-bucket', startMs: utc('2014-11-02 04:30:00'), stepMs: 30 * MINUTE_MS, values: [1, 1],
      report: { dstAdjustments: 0 },
    },
    {
      name: 'the same local file read as UTC keeps wall-clock times unchanged',
      text: csv('timestamp,value', ['2014-11-02 00:30:00,1800', '2014-11-02 01:00:00,7200', '2014-11-02 01:30:00,3600', '2014-11-02 02:00:00,1800']),
      format: 'value-per-bucket', startMs: utc('2014-11-02 00:30:00'), stepMs: 30 * MINUTE_MS, values: [1, 4, 2, 1],
      report: { dstAdjustments: 0 },
    },
    {
      name: 'Lord Howe Island moves its clocks by 30 minutes',
      text: csv('timestamp,value', ['2015-10-04 01:30:00,1800', '2015-10-04 02:00:00,1800', '2015-10-04 02:30:00,1800']),
      options: { timeZone: 'Australia/Lord_Howe', detectOutages: false },
      // 02:00–02:30 does not exist there: 02:00 is dropped, 01:30 (+10:30) and 02:30 (+11:00) are 30 minutes apart.
      format: 'value-per-bucket', startMs: utc('2015-10-03 15:00:00'), stepMs: 30 * MINUTE_MS, values: [1, 1],
      report: { dstAdjustments: 1 },
    },
  ])('$name', ({ text, options, format, startMs, stepMs, values, report, note }) => {
    const result = parseTraceText(text, 'local.csv', options);
    expect(result.report.format).toBe(format);
    expect(new Date(result.series.startMs).toISOString()).toBe(new Date(startMs).toISOString());
    expect(result.series.stepMs).toBe(stepMs);
    expect(plain(result.series.values)).toEqual(values);
    if (report) expect(result.report).toMatchObject(report);
    if (note) expect(result.report.notes.join('\n')).toMatch(note);
  });

  it('reads arrivals across a fall-back repeat in time order', () => {
    const text = csv('timestamp', ['2014-11-02 01:59:59.5', '2014-11-02 01:00:00.5', '2014-11-02 01:00:00.7']);
    const result = parseTraceText(text, 'arrivals.csv', { timeZone: 'America/New_York', bucketMs: HOUR_MS });
    expect(result.series.startMs).toBe(utc('2014-11-02 05:00:00'));
    expect(plain(result.series.values)).toEqual([1 / 3600, 2 / 3600]);
    expect(result.report.dstAdjustments).toBe(2);
  });
});

describe('outages: zeros that are not demand', () => {
  const minuteRows = (counts: number[]): string =>
    csv('timestamp,requests', counts.map((count, index) => `${new Date(utc('2020-01-01 00:00:00') + index * MINUTE_MS).toISOString()},${count}`));
  const busy = (length: number): number[] => Array.from({ length }, (_, index) => 40 + (index % 7));

  it.each([
    {
      name: 'a long zero run in busy traffic becomes NaN',
      counts: [...busy(40), ...Array(10).fill(0), ...busy(40)],
      options: {}, outageBuckets: 10, nanAt: [40, 49],
    },
    {
      name: 'the same run kept as zeros when detection is off',
      counts: [...busy(40), ...Array(10).fill(0), ...busy(40)],
      options: { detectOutages: false }, outageBuckets: 0, nanAt: undefined,
    },
    {
      name: 'two zero minutes are a lull, not an outage',
      counts: [...busy(40), 0, 0, ...busy(40)],
      options: {}, outageBuckets: 0, nanAt: undefined,
    },
    {
      name: 'zeros in quiet traffic are plausible demand',
      counts: [...Array(40).fill(1), ...Array(5).fill(0), ...Array(40).fill(1)],
      options: {}, outageBuckets: 0, nanAt: undefined,
    },
    {
      name: 'no detection where zeros are common (bursty traffic)',
      counts: Array.from({ length: 100 }, (_, index) => (index % 3 === 0 ? 90 : 0)).map((count, index) => (index >= 50 && index < 70 ? 0 : count)),
      options: {}, outageBuckets: 0, nanAt: undefined,
    },
    {
      name: 'explicit outage windows become NaN whatever the values',
      counts: busy(30),
      options: { outageWindows: [{ startMs: utc('2020-01-01 00:10:30'), endMs: utc('2020-01-01 00:12:00') }] },
      outageBuckets: 2, nanAt: [10, 11],
    },
  ])('$name', ({ counts, options, outageBuckets, nanAt }) => {
    const result = parseTraceText(minuteRows(counts), 'outage.csv', options);
    expect(result.report.outageBuckets).toBe(outageBuckets);
    const nanIndexes = plain(result.series.values).flatMap((value, index) => (value === null ? [index] : []));
    if (nanAt === undefined) expect(nanIndexes).toEqual([]);
    else expect(nanIndexes).toEqual(Array.from({ length: nanAt[1]! - nanAt[0]! + 1 }, (_, offset) => nanAt[0]! + offset));
  });
});

describe('resampling to a bucket size', () => {
  it.each([
    {
      name: 'one-minute counts to five-minute mean rates',
      rows: ['2020-01-01 00:00:00,60', '2020-01-01 00:01:00,120', '2020-01-01 00:02:00,180', '2020-01-01 00:03:00,240', '2020-01-01 00:04:00,300', '2020-01-01 00:05:00,60'],
      bucketMs: 5 * MINUTE_MS, startMs: utc('2020-01-01 00:00:00'), values: [3, null],
    },
    {
      name: 'a bucket half covered keeps the mean of what was seen; less is NaN',
      rows: ['2020-01-01 00:00:00,60', '2020-01-01 00:01:00,120', '2020-01-01 00:02:00,180', '2020-01-01 00:05:00,60', '2020-01-01 00:09:00,120'],
      bucketMs: 5 * MINUTE_MS, startMs: utc('2020-01-01 00:00:00'), values: [2, null],
    },
    {
      name: 'source buckets straddling target buckets are split by overlap (NAB Twitter starts at :42:53)',
      rows: ['2015-02-26 21:45:00,300', '2015-02-26 21:50:00,600', '2015-02-26 21:55:00,900', '2015-02-26 22:00:00,1200'],
      bucketMs: 10 * MINUTE_MS, startMs: utc('2015-02-26 21:40:00'), values: [1, 2.5, 4],
    },
  ])('$name', ({ rows, bucketMs, startMs, values }) => {
    const result = parseTraceText(csv('timestamp,requests', rows), 'r.csv', { bucketMs, detectOutages: false });
    expect(result.series.startMs).toBe(startMs);
    expect(result.series.stepMs).toBe(bucketMs);
    expect(plain(result.series.values)).toEqual(values.map((value) => (value === null ? null : expect.closeTo(value, 9))));
    expect(result.report.bucketMs).toBe(bucketMs);
  });
});

describe('properties', () => {
  const countsArbitrary = fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 2, maxLength: 200 });
  const writeMinutes = (counts: readonly (number | undefined)[]): string =>
    csv('timestamp,requests', counts.flatMap((count, index) =>
      count === undefined ? [] : [`${new Date(utc('2021-06-01 00:00:00') + index * MINUTE_MS).toISOString().slice(0, 19).replace('T', ' ')},${count}`]));

  it('rate × bucket seconds gives back every count, and NaN only where a row is missing', () => {
    fc.assert(fc.property(
      countsArbitrary,
      fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
      (counts, dropped) => {
        // Keep the first and last rows so the span (and the step) is defined by the data.
        const written = counts.map((count, index) => (index > 0 && index < counts.length - 1 && dropped[index] ? undefined : count));
        if (written.filter((count) => count !== undefined).length < 2) return;
        const { series, report } = parseTraceText(writeMinutes(written), 'p.csv', { detectOutages: false });
        if (series.stepMs !== MINUTE_MS) return; // every other row dropped: the step really is 2 minutes
        expect(series.values.length).toBe(counts.length);
        written.forEach((count, index) => {
          if (count === undefined) expect(series.values[index]).toBeNaN();
          else expect((series.values[index] as number) * 60).toBeCloseTo(count, 6);
        });
        expect(report.gapBuckets).toBe(written.filter((count) => count === undefined).length);
      },
    ));
  });

  it('aligned resampling keeps the total number of requests', () => {
    fc.assert(fc.property(countsArbitrary, fc.constantFrom(2, 3, 5, 10, 15), (counts, factor) => {
      const whole = counts.slice(0, Math.max(factor, counts.length - (counts.length % factor)));
      while (whole.length % factor !== 0) whole.push(1);
      const { series } = parseTraceText(writeMinutes(whole), 'p.csv', { detectOutages: false, bucketMs: factor * MINUTE_MS });
      const total = series.values.reduce((sum, rate) => sum + rate * factor * 60, 0);
      expect(total).toBeCloseTo(whole.reduce((sum, count) => sum + count, 0), 4);
    }));
  });

  it('every NaN bucket is accounted for as a gap or an outage', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.constant(undefined), fc.constant(0), fc.integer({ min: 30, max: 60 })), { minLength: 3, maxLength: 150 }),
      fc.constantFrom(1, 2, 5),
      (written, factor) => {
        const text = writeMinutes([40, ...written, 40]);
        const nativeStepMs = parseTraceText(text, 'p.csv').series.stepMs;
        const { series, report } = parseTraceText(text, 'p.csv', { bucketMs: factor * nativeStepMs });
        const nanCount = series.values.filter((value) => Number.isNaN(value)).length;
        expect(report.gapBuckets + report.outageBuckets).toBe(nanCount);
      },
    ));
  });
});
