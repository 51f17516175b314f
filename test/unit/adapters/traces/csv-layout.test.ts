/**
 * Layout detection of trace CSVs (delimiter, header, time column and format, value column) and the
 * hints that override it. Every file here is SYNTHETIC: small texts written for the case at hand,
 * shaped like public dumps (a `;` file without a header, an EIA-style `period` column, …).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/domain/errors.ts';
import { parseTraceText, type TraceReadOptions } from '../../../../src/adapters/traces/read-trace.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const utc = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);
const plain = (values: Float64Array): (number | null)[] => Array.from(values, (value) => (Number.isNaN(value) ? null : value));
const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function read(text: string, options: TraceReadOptions = {}): ReturnType<typeof parseTraceText> {
  return parseTraceText(text, 'synthetic.csv', options);
}

function refusal(text: string, options: TraceReadOptions = {}): InputError {
  try {
    read(text, options);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, but the trace was accepted');
}

describe('time column found by its content, in every format', () => {
  it.each([
    {
      name: 'YYYY-MM-DD HH:MM:SS without offset (naive, read in the given zone)',
      text: lines('2024-03-01 00:00:00,60', '2024-03-01 00:01:00,120'),
      options: { timeZone: 'Asia/Shanghai' }, startMs: utc('2024-02-29 16:00:00'), stepMs: MINUTE_MS, values: [1, 2],
      format: /^YYYY-MM-DD HH:MM:SS without offset/, zone: /naive times \(no offset\) read as wall-clock time in Asia\/Shanghai/,
    },
    {
      name: 'ISO 8601 without offset',
      text: lines('2024-03-01T00:00:00,60', '2024-03-01T00:01:00,120'),
      startMs: utc('2024-03-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 2],
      format: /^ISO 8601 without offset/, zone: /read as UTC \(the default/,
    },
    {
      name: 'ISO 8601 with offset (the zone setting is not used)',
      text: lines('2024-03-01T08:00:00+08:00,60', '2024-03-01T08:01:00+08:00,120'),
      options: { timeZone: 'America/New_York' }, startMs: utc('2024-03-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 2],
      format: /^ISO 8601 with offset/, zone: /none needed: the times carry their own zone \(Z or an offset\)/,
    },
    {
      name: 'ISO 8601 with Z',
      text: lines('2024-03-01T00:00:00Z,60', '2024-03-01T00:01:00Z,120'),
      startMs: utc('2024-03-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 2], format: /^ISO 8601 with offset/, zone: /none needed/,
    },
    {
      name: 'epoch seconds',
      text: lines('1709251200,60', '1709251260,120'),
      startMs: utc('2024-03-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 2], format: /^epoch seconds/, zone: /epoch numbers are UTC/,
    },
    {
      name: 'epoch milliseconds',
      text: lines('1709251200000,60', '1709251260000,120'),
      startMs: utc('2024-03-01 00:00:00'), stepMs: MINUTE_MS, values: [1, 2], format: /^epoch milliseconds/, zone: /epoch numbers are UTC/,
    },
    {
      name: 'hourly periods without minutes (EIA style)',
      text: lines('2024-03-01T00,3600', '2024-03-01T01,7200'),
      startMs: utc('2024-03-01 00:00:00'), stepMs: HOUR_MS, values: [1, 2], format: /^ISO 8601 without offset, e\.g\. 2024-03-01T00/, zone: /read as UTC/,
    },
    {
      name: 'hourly periods with a whole-hour offset (EIA local-hourly)',
      text: lines('2024-03-01T00-05,3600', '2024-03-01T01-05,7200'),
      startMs: utc('2024-03-01 05:00:00'), stepMs: HOUR_MS, values: [1, 2], format: /^ISO 8601 with offset/, zone: /none needed/,
    },
  ])('$name', ({ text, options, startMs, stepMs, values, format, zone }) => {
    const { series, report } = read(text, options);
    expect(series.startMs).toBe(startMs);
    expect(series.stepMs).toBe(stepMs);
    expect(plain(series.values)).toEqual(values);
    expect(report.layout.timeColumn).toMatch(/^#1 \(detected/);
    expect(report.layout.timeFormat).toMatch(format);
    expect(report.layout.timeZone).toMatch(zone);
  });

  it('finds the time column wherever it is, whatever its name', () => {
    const { series, report } = read(lines('host,when_observed,load', 'web,2024-03-01 00:00:00,60', 'web,2024-03-01 00:01:00,120'));
    expect(report.layout.timeColumn).toBe('#2 "when_observed" (detected: the only column of dates)');
    expect(report.layout.valueColumn).toBe('#3 "load" (detected: the only numeric column)');
    expect(plain(series.values)).toEqual([1, 2]);
  });

  it('prefers written dates to an increasing number (a row counter is not a clock)', () => {
    const { report } = read(lines('id,ts,value', '1709251200,2024-03-01 00:00:00,60', '1709251201,2024-03-01 00:01:00,60'));
    expect(report.layout.timeColumn).toMatch(/^#2 "ts"/);
  });
});

describe('delimiter and header', () => {
  const rows = ['2024-03-01 00:00:00', '2024-03-01 00:01:00', '2024-03-01 00:02:00'];
  it.each([
    { name: 'comma with header', delimiter: ',', header: 'timestamp,requests', word: /^comma \(detected/ },
    { name: 'comma without header', delimiter: ',', header: undefined, word: /^comma \(detected/ },
    { name: 'semicolon with header', delimiter: ';', header: 'timestamp;requests', word: /^semicolon \(detected/ },
    { name: 'semicolon without header', delimiter: ';', header: undefined, word: /^semicolon \(detected/ },
    { name: 'tab with header', delimiter: '\t', header: 'timestamp\trequests', word: /^tab \(detected/ },
    { name: 'tab without header', delimiter: '\t', header: undefined, word: /^tab \(detected/ },
  ])('$name', ({ delimiter, header, word }) => {
    const data = rows.map((time, i) => `${time}${delimiter}${60 * (i + 1)}`);
    const { series, report } = read(lines(...(header !== undefined ? [header] : []), ...data));
    expect(plain(series.values)).toEqual([1, 2, 3]);
    expect(report.rows).toBe(3);
    expect(report.layout.delimiter).toMatch(word);
    expect(report.layout.header).toMatch(header !== undefined ? /^yes: line 1 names the columns \("timestamp", "requests"\)/ : /^no: the first line is data/);
  });

  it('reads decimal commas in a semicolon file', () => {
    const { series, report } = read(lines('2024-03-01 00:00:00;1,5', '2024-03-01 00:01:00;3'), { valuesAreRates: true });
    expect(plain(series.values)).toEqual([1.5, 3]);
    expect(report.layout.valueColumn).toMatch(/decimal commas read as points/);
  });

  it('reads a file written newest first in reverse', () => {
    const { series, report } = read(lines('period,value', '2024-03-01T02,3600', '2024-03-01T01,7200', '2024-03-01T00,10800'));
    expect(series.startMs).toBe(utc('2024-03-01 00:00:00'));
    expect(plain(series.values)).toEqual([3, 2, 1]);
    expect(report.notes).toContain('rows run newest first: read in reverse');
  });

  it('still refuses two rows out of order (a mistake, not a newest-first file)', () => {
    expect(refusal(lines('timestamp,value', '2024-03-01 00:01:00,1', '2024-03-01 00:00:00,1')).message).toMatch(/goes back before the previous row's/);
  });
});

describe('public-dump shapes forecast without any hint (SYNTHETIC files)', () => {
  it('a ";"-separated file with no header, day-first European habits aside', () => {
    const text = lines(...Array.from({ length: 48 }, (_, hour) => `${new Date(Date.UTC(2024, 0, 1, hour)).toISOString().slice(0, 19).replace('T', ' ')};${3600 * (10 + (hour % 24))}`));
    const { series, report } = read(text);
    expect(series.values.length).toBe(48);
    expect(series.values[5]).toBe(15);
    expect(report.layout.header).toMatch(/^no/);
  });

  it('an EIA-style CSV whose time column is called period, among text columns', () => {
    const text = lines(
      'period,respondent,respondent-name,type,type-name,value,value-units',
      '2024-01-01T02,PJM,PJM Interconnection,D,Demand,7200,megawatthours',
      '2024-01-01T01,PJM,PJM Interconnection,D,Demand,3600,megawatthours',
      '2024-01-01T00,PJM,PJM Interconnection,D,Demand,3600,megawatthours',
    );
    const { series, report } = read(text);
    expect(plain(series.values)).toEqual([1, 1, 2]);
    expect(report.layout.timeColumn).toMatch(/^#1 "period"/);
    expect(report.layout.valueColumn).toMatch(/^#6 "value" \(detected by its name\)/);
  });
});

describe('undecidable layouts: the error lists the columns seen and names the flag', () => {
  it.each([
    {
      name: 'two numeric value candidates and no name to go by',
      text: lines('time,a,b', '2024-03-01 00:00:00,1,2', '2024-03-01 00:01:00,3,4'),
      message: /cannot tell which column holds the value: #2 "a", #3 "b" are all numeric.*columns seen: #1 "time" e\.g\. "2024-03-01 00:00:00", #2 "a" e\.g\. "1", #3 "b" e\.g\. "2"; choose one with --value-column/,
      field: 'valueColumn',
    },
    {
      name: 'two numeric columns without a header',
      text: lines('1709251200;1;2', '1709251260;3;4'),
      message: /cannot tell which column holds the value: #2, #3 .*columns seen: #1 e\.g\. "1709251200"/, field: 'valueColumn',
    },
    {
      name: 'two date columns',
      text: lines('start,end,value', '2024-03-01 00:00:00,2024-03-01 00:01:00,1', '2024-03-01 00:01:00,2024-03-01 00:02:00,1'),
      message: /cannot tell which column holds the time: #1 "start" and #2 "end" all hold times; .*choose one with --time-column/, field: 'timeColumn',
    },
    {
      name: 'no parsable time column',
      text: lines('day;value', '01/03/2024;1', '02/03/2024;2'),
      message: /no column holds times this reader knows .*columns seen: #1 "day" e\.g\. "01\/03\/2024", #2 "value" e\.g\. "1"; choose one with --time-column/, field: 'timeColumn',
    },
  ])('$name', ({ text, message, field }) => {
    const error = refusal(text);
    expect(error.message).toMatch(/^synthetic\.csv, line 1/);
    expect(error.message).toMatch(message);
    expect(error.location.field).toBe(field);
  });
});

describe('hints override detection', () => {
  const twoValues = lines('time,a,b', '2024-03-01 00:00:00,60,120', '2024-03-01 00:01:00,120,240');

  it.each([
    { name: 'value column by name', options: { valueColumn: 'b' }, values: [2, 4] },
    { name: 'value column by number from 1', options: { valueColumn: '2' }, values: [1, 2] },
    { name: 'value column name, any case', options: { valueColumn: 'B' }, values: [2, 4] },
  ])('$name', ({ options, values }) => {
    const { series, report } = read(twoValues, options);
    expect(plain(series.values)).toEqual(values);
    expect(report.layout.valueColumn).toMatch(/\(given\)$/);
  });

  it('time column by number, with a time format that content alone would not choose', () => {
    // Small numbers in an unnamed column are not taken for epoch seconds by content.
    const text = lines('0;60;5', '60;120;5', '120;180;5');
    expect(refusal(text).message).toMatch(/no column holds times/);
    const { series, report } = read(text, { timeColumn: '1', timeFormat: 'epoch-s', valueColumn: '2' });
    expect(series.startMs).toBe(0);
    expect(plain(series.values)).toEqual([1, 2, 3]);
    expect(report.layout.timeColumn).toBe('#1 (given)');
    expect(report.layout.timeFormat).toMatch(/^epoch seconds.*\(given\)/);
  });

  it('epoch-ms forced on numbers that would read as seconds', () => {
    const { series } = read(lines('ts,value', '1000000,1', '1060000,1'), { timeFormat: 'epoch-ms' });
    expect(series.startMs).toBe(1_000_000);
    expect(series.stepMs).toBe(60_000);
  });

  it('a delimiter given: a comma file split on ";" is one column of text', () => {
    const text = lines('timestamp,value', '2024-03-01 00:00:00,60', '2024-03-01 00:01:00,120');
    expect(read(text, { delimiter: 'comma' }).report.layout.delimiter).toBe('comma (given)');
    expect(refusal(text, { delimiter: ';' }).message).toMatch(/no column holds times/);
  });

  it('a tab delimiter by name', () => {
    const { series } = read(lines('2024-03-01 00:00:00\t60', '2024-03-01 00:01:00\t120'), { delimiter: 'tab' });
    expect(plain(series.values)).toEqual([1, 2]);
  });

  it.each([
    { name: 'an unknown delimiter', options: { delimiter: '|' }, message: /delimiter "\|" is not one of/, field: 'delimiter' },
    { name: 'an unknown time format', options: { timeFormat: 'unix' }, message: /time format "unix" is not one of iso, epoch-s, epoch-ms/, field: 'timeFormat' },
    { name: 'a column name absent from the header', options: { valueColumn: 'bytes' }, message: /value column "bytes" is not in the header/, field: 'valueColumn' },
    { name: 'a column number out of range', options: { valueColumn: '9' }, message: /value column 9 is out of range: the file has 3 column\(s\)/, field: 'valueColumn' },
    { name: 'column 0 (numbers count from 1)', options: { timeColumn: '0' }, message: /time column 0 is out of range/, field: 'timeColumn' },
    { name: 'the time column as value', options: { valueColumn: 'time' }, message: /value column #1 "time" is the time column/, field: 'valueColumn' },
    { name: 'a time format that leaves two numeric columns', options: { timeFormat: 'epoch-s' }, message: /cannot tell which column holds the time: #2 "a" and #3 "b"/, field: 'timeColumn' },
    { name: 'a time format the chosen column does not fit', options: { timeColumn: 'time', timeFormat: 'epoch-ms' }, message: /time column #1 "time" holds no epoch-ms values/, field: 'timeColumn' },
  ])('refuses $name', ({ options, message, field }) => {
    const error = refusal(twoValues, options);
    expect(error.message).toMatch(message);
    expect(error.location).toMatchObject({ source: 'synthetic.csv', field });
  });

  it('a time column holding text is refused with an example of its content', () => {
    const error = refusal(lines('host,time,value', 'web,2024-03-01 00:00:00,1', 'web,2024-03-01 00:01:00,1'), { timeColumn: 'host' });
    expect(error.message).toMatch(/time column #1 "host" holds no time values this reader knows .*e\.g\. "web"/);
  });

  it('a column name on a file without a header asks for a number', () => {
    const error = refusal(lines('2024-03-01 00:00:00;1;2', '2024-03-01 00:01:00;3;4'), { valueColumn: 'value' });
    expect(error.message).toMatch(/value column "value" is a name, but the file has no header: give a column number from 1/);
  });
});
