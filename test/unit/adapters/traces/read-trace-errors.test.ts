import { describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/domain/errors.ts';
import { parseTraceText, type TraceReadOptions } from '../../../../src/adapters/traces/read-trace.ts';

const SOURCE = 'bad.csv';

interface BadCase {
  name: string;
  text: string;
  options?: TraceReadOptions;
  message: RegExp;
  line?: number;
  field?: string;
}

function thrownBy(text: string, options: TraceReadOptions = {}): InputError {
  try {
    parseTraceText(text, SOURCE, options);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, but the trace was accepted');
}

describe('parseTraceText rejects bad input with file, line and field', () => {
  it.each<BadCase>([
    { name: 'empty file', text: '', message: /empty file/, line: 1 },
    { name: 'only blank lines', text: '\n  \n\r\n', message: /empty file/, line: 1 },
    { name: 'header only', text: 'timestamp,value\n', message: /header only/, line: 1 },
    { name: 'header only after blank lines', text: '\n\ntimestamp,value\n\n', message: /header only/, line: 3 },
    {
      name: 'malformed line: a missing field',
      text: 'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:01:00\n',
      message: /malformed line: expected 2 comma-separated fields .* got 1/, line: 3, field: 'row',
    },
    {
      name: 'malformed line: an extra field',
      text: 'timestamp,value\n2020-01-01 00:00:00,1,7\n',
      message: /malformed line/, line: 2, field: 'row',
    },
    {
      name: 'timestamp that is not a date (month 13)',
      text: 'timestamp,value\n2020-13-01 00:00:00,1\n',
      message: /"2020-13-01 00:00:00" is not a timestamp/, line: 2, field: 'timestamp',
    },
    {
      name: 'timestamp on 30 February',
      text: 'timestamp,value\n2020-02-30 00:00:00,1\n',
      message: /is not a timestamp/, line: 2, field: 'timestamp',
    },
    {
      name: 'timestamp with trailing garbage',
      text: 'timestamp,value\n2020-01-01 00:00:00abc,1\n',
      message: /is not a timestamp/, line: 2, field: 'timestamp',
    },
    {
      name: 'non-monotonic timestamps',
      text: 'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:02:00,1\n2020-01-01 00:01:00,1\n',
      message: /goes back before the previous row's \(line 3\)/, line: 4, field: 'timestamp',
    },
    {
      name: 'a naive UTC file going back one hour hints at the time zone',
      text: 'timestamp,value\n2014-11-02 01:00:00,1\n2014-11-02 01:30:00,1\n2014-11-02 01:00:00,1\n',
      message: /give its time zone/, line: 4,
    },
    {
      name: 'going back beyond a DST repeat in a zoned file',
      text: 'timestamp,value\n2014-11-02 00:30:00,1\n2014-11-02 01:30:00,1\n2014-11-02 00:30:00,1\n',
      options: { timeZone: 'America/New_York' },
      message: /goes back/, line: 4, field: 'timestamp',
    },
    {
      name: 'non-monotonic per-request arrivals',
      text: 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:04.5,1,1\n2023-11-16 18:17:04.1,1,1\n',
      message: /goes back/, line: 3, field: 'TIMESTAMP',
    },
    { name: 'NaN value', text: 'timestamp,value\n2020-01-01 00:00:00,NaN\n', message: /value "NaN" must be a finite number ≥ 0/, line: 2, field: 'value' },
    { name: 'negative value', text: 'timestamp,requests\n2020-01-01 00:00:00,-3\n', message: /value "-3"/, line: 2, field: 'requests' },
    { name: 'empty value', text: 'timestamp,value\n2020-01-01 00:00:00,\n', message: /value ""/, line: 2, field: 'value' },
    { name: 'infinite value', text: 'timestamp,value\n2020-01-01 00:00:00,Infinity\n', message: /value "Infinity"/, line: 2, field: 'value' },
    { name: 'word as value', text: 'timestamp,value\n2020-01-01 00:00:00,many\n', message: /value "many"/, line: 2, field: 'value' },
    {
      name: 'no column holds times: the columns seen are listed with a sample and the flag to use',
      text: 'when,value\nyesterday,1\ntoday,2\n',
      message: /no column holds times .* columns seen: #1 "when" e\.g\. "yesterday", #2 "value" e\.g\. "1"; choose one with --time-column/, line: 1, field: 'timeColumn',
    },
    {
      name: 'no numeric value column',
      text: 'timestamp,host\n2020-01-01 00:00:00,web-1\n',
      message: /no numeric value column: .*columns seen: #1 "timestamp" e\.g\. "2020-01-01 00:00:00", #2 "host" e\.g\. "web-1"; choose one with --value-column/, line: 1, field: 'valueColumn',
    },
    { name: 'a column named twice', text: 'timestamp,value,Value\n2020-01-01 00:00:00,1,2\n', message: /names column "value" twice/, line: 1, field: 'header' },
    { name: 'an empty column name', text: 'timestamp,,value\n2020-01-01 00:00:00,1,2\n', message: /empty column name/, line: 1, field: 'header' },
    {
      name: 'value column asked for but absent',
      text: 'timestamp,requests\n2020-01-01 00:00:00,1\n',
      options: { valueColumn: 'bytes' },
      message: /value column "bytes" is not in the header/, line: 1, field: 'valueColumn',
    },
    {
      name: 'conflicting duplicate timestamps',
      text: 'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:01:00,5\n2020-01-01 00:01:00,6\n',
      message: /duplicate timestamp: line 3 and this line .* \(5 vs 6\)/, line: 4, field: 'timestamp',
    },
    {
      name: 'mixed naive and zoned timestamps',
      text: 'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01T00:01:00Z,1\n',
      message: /mix zone-less and zoned/, line: 3, field: 'timestamp',
    },
    {
      name: 'a single row gives no step',
      text: 'timestamp,value\n2020-01-01 00:00:00,1\n',
      message: /cannot infer the step from a single timestamp/, line: 2,
    },
    { name: 'unknown time zone', text: 'timestamp,value\n2020-01-01 00:00:00,1\n', options: { timeZone: 'Mars/Olympus' }, message: /unknown time zone "Mars\/Olympus"/, field: 'timeZone' },
    {
      name: 'bucket finer than the file step',
      text: 'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,1\n',
      options: { bucketMs: 60_000 },
      message: /bucket 1m is finer than the file's step 5m/, field: 'bucketMs',
    },
    { name: 'zero bucket', text: 'timestamp,value\n2020-01-01 00:00:00,1\n', options: { bucketMs: 0 }, message: /positive whole number/, field: 'bucketMs' },
    { name: 'fractional bucket', text: 'timestamp,value\n2020-01-01 00:00:00,1\n', options: { bucketMs: 1.5 }, message: /positive whole number/, field: 'bucketMs' },
    {
      name: 'outage window ending before it starts',
      text: 'timestamp,value\n2020-01-01 00:00:00,1\n',
      options: { outageWindows: [{ startMs: 10, endMs: 5 }] },
      message: /finite startMs < endMs/, field: 'outageWindows[0]',
    },
    {
      name: 'timestamps spanning absurdly many buckets',
      text: 'timestamp,requests\n1970-01-01 00:00:00,1\n1970-01-01 00:00:01,1\n2020-01-01 00:00:00,1\n',
      message: /more than 20000000/,
    },
  ])('$name', ({ text, options, message, line, field }) => {
    const error = thrownBy(text, options);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${SOURCE}`)).toBe(true);
    expect(error.location.source).toBe(SOURCE);
    if (line !== undefined) expect(error.location.line).toBe(line);
    if (field !== undefined) expect(error.location.field).toBe(field);
  });

  it('lists every bad row, not only the first, so the file can be fixed in one go', () => {
    const error = thrownBy('timestamp,value\n2020-01-01 00:00:00,x\n2020-01-01 00:01:00,1\n2020-01-01 00:02:00,-1\nnot-a-time,1\n');
    expect(error.location.line).toBe(2);
    expect(error.details).toEqual([
      expect.stringMatching(/^line 4, field value: value "-1"/),
      expect.stringMatching(/^line 5, field timestamp: "not-a-time" is not a timestamp/),
    ]);
  });
});
