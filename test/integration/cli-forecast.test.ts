/**
 * The real CLI (`node bin/chuanliu.js`) on good and bad input: exit 0 with pure JSON on stdout,
 * exit 2 with a message naming the file, line, field or flag for every kind of bad input.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function chuanliu(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/chuanliu.js', ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** SYNTHETIC: 10 days of hourly requests with a daily cycle, NAB-style `timestamp,value`. */
function syntheticCsv(days: number): string {
  const lines = ['timestamp,value'];
  for (let hour = 0; hour < days * 24; hour++) {
    const time = new Date(Date.UTC(2024, 0, 1) + hour * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(`${time},${Math.round(3600 * (100 + 50 * Math.sin((2 * Math.PI * hour) / 24)))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** SYNTHETIC: the same hourly wave as a `;`-separated dump with no header and decimal commas. */
function semicolonCsv(days: number): string {
  return syntheticCsv(days).trim().split('\n').slice(1).map((line) => {
    const [time, value] = line.split(',') as [string, string];
    return `${time};${Number(value).toFixed(1).replace('.', ',')}`;
  }).join('\n');
}

/** SYNTHETIC: an EIA-style export, newest first, time in a column called `period` among text columns. */
function periodCsv(days: number): string {
  const rows = syntheticCsv(days).trim().split('\n').slice(1).map((line) => {
    const [time, value] = line.split(',') as [string, string];
    return `${time.slice(0, 13).replace(' ', 'T')},PJM,PJM Interconnection,D,Demand,${value},megawatthours`;
  }).reverse();
  return `period,respondent,respondent-name,type,type-name,value,value-units\n${rows.join('\n')}\n`;
}

/** SYNTHETIC: tab-separated, epoch seconds in the second column, two numeric columns after it. */
function twoValueTsv(days: number): string {
  return `host\tts\tcpu\tload\n${syntheticCsv(days).trim().split('\n').slice(1).map((line) => {
    const [time, value] = line.split(',') as [string, string];
    return `web\t${Date.parse(`${time.replace(' ', 'T')}Z`) / 1000}\t0.5\t${value}`;
  }).join('\n')}\n`;
}

let directory: string;
const file = (name: string): string => join(directory, name);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-cli-forecast-'));
  await writeFile(file('good.csv'), syntheticCsv(10));
  await writeFile(file('semicolon.csv'), semicolonCsv(10));
  await writeFile(file('period.csv'), periodCsv(10));
  await writeFile(file('two-values.tsv'), twoValueTsv(10));
  await writeFile(file('malformed.csv'), 'timestamp,value\n2024-01-01 00:00:00,10\n2024-01-01 01:00:00;11\n');
  await writeFile(file('backwards.csv'), 'timestamp,value\n2024-01-01 02:00:00,10\n2024-01-01 01:00:00,11\n2024-01-01 03:00:00,12\n');
  await writeFile(file('negative.csv'), 'timestamp,value\n2024-01-01 00:00:00,10\n2024-01-01 01:00:00,-4\n');
  await writeFile(file('nan.csv'), 'timestamp,value\n2024-01-01 00:00:00,10\n2024-01-01 01:00:00,NaN\n');
  await writeFile(file('empty.csv'), '');
  await writeFile(file('bad-zone.yaml'), 'name: bad\nsynthetic: true\ntimeZone: Mars/Olympus_Mons\n');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('chuanliu forecast', () => {
  it('prints a forecast as pure JSON with -o json (exit 0)', async () => {
    const run = await chuanliu(['forecast', '--history', file('good.csv'), '--horizon', '6h', '-o', 'json', '--calendar', 'forecasts/double11.yaml', '--workload', 'payment']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const forecast = JSON.parse(run.stdout) as { start: string; stepMs: number; bands: Record<string, number[]>; components: { kind: string }[] };
    expect(forecast.start).toBe('2024-01-11T00:00:00.000Z');
    expect(forecast.stepMs).toBe(3_600_000);
    expect(forecast.bands.p50).toHaveLength(6);
    forecast.bands.p50?.forEach((median, i) => {
      expect(median).toBeLessThanOrEqual(forecast.bands.p90?.[i] as number);
      expect(forecast.bands.p90?.[i]).toBeLessThanOrEqual(forecast.bands.p99?.[i] as number);
    });
    expect(forecast.components[0]?.kind).toBe('baseline');
  });

  it('draws the band and a peak table in the terminal format', async () => {
    const run = await chuanliu(['forecast', '--history', file('good.csv'), '--horizon', '1d', '--now', '2024-01-10T12:00:00Z']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('p99');
    expect(run.stdout).toMatch(/peak .*p50/);
  });

  it.each([
    { name: 'unknown bucket', args: ['--horizon', '6h', '--bucket', '5x'], message: /--bucket: "5x" is not a duration/ },
    { name: 'negative horizon', args: ['--horizon=-1h'], message: /--horizon: "-1h" is not a duration/ },
    { name: 'zero horizon', args: ['--horizon', '0s'], message: /--horizon: "0s" must be a positive duration/ },
    { name: 'quantile out of range', args: ['--horizon', '6h', '--quantiles', '0.5,1.5'], message: /--quantiles: "1.5" is not a quantile in \(0, 1\)/ },
    { name: 'unknown time zone', args: ['--horizon', '6h', '--tz', 'Mars/Olympus_Mons'], message: /--tz: unknown time zone "Mars\/Olympus_Mons"/ },
    { name: 'unknown output format', args: ['--horizon', '6h', '-o', 'xml'], message: /--output: "xml" is not one of table, json/ },
    { name: 'bad --now', args: ['--horizon', '6h', '--now', 'yesterday'], message: /--now: "yesterday" is not an instant/ },
    { name: 'prometheus without a URL', args: ['--horizon', '6h', '--history', 'prometheus:sum(rate(http_requests_total[1m]))'], message: /--history: a prometheus: history needs --prometheus-url/ },
  ])('bad flag: $name → exit 2 naming the flag', async ({ args, message }) => {
    const history = args.includes('--history') ? [] : ['--history', file('good.csv')];
    const run = await chuanliu(['forecast', ...history, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it.each([
    { name: 'missing file', csv: 'missing.csv', message: /missing\.csv: cannot read trace file/ },
    { name: 'malformed CSV line', csv: 'malformed.csv', message: /malformed\.csv, line 3/ },
    { name: 'non-monotonic timestamps', csv: 'backwards.csv', message: /backwards\.csv, line 3/ },
    { name: 'negative value', csv: 'negative.csv', message: /negative\.csv, line 3/ },
    { name: 'NaN value', csv: 'nan.csv', message: /nan\.csv, line 3/ },
    { name: 'empty file', csv: 'empty.csv', message: /empty\.csv.*empty file/ },
  ])('bad history: $name → exit 2 naming the file and line', async ({ csv, message }) => {
    const run = await chuanliu(['forecast', '--history', file(csv), '--horizon', '6h']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('an unreachable Prometheus is a runtime failure → exit 1', async () => {
    const run = await chuanliu(['forecast', '--history', 'prometheus:sum(rate(http_requests_total[1m]))', '--prometheus-url', 'http://127.0.0.1:1', '--horizon', '1h', '--now', '2024-01-10T00:00:00Z']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/127\.0\.0\.1:1/);
  });

  it('bad calendar: unknown time zone → exit 2 naming the calendar file and field', async () => {
    const run = await chuanliu(['forecast', '--history', file('good.csv'), '--horizon', '6h', '--calendar', file('bad-zone.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad-zone\.yaml.*timeZone/);
  });
});

describe('trace files as they come (SYNTHETIC dumps)', () => {
  it.each([
    { name: 'a ";"-separated file with no header (decimal commas)', csv: 'semicolon.csv', args: ['--tz', 'UTC'] },
    { name: 'an EIA-style CSV whose time column is called period, newest first', csv: 'period.csv', args: [] },
  ])('forecast reads $name without any flag, as the NAB-style file', async ({ csv, args }) => {
    const reference = JSON.parse((await chuanliu(['forecast', '--history', file('good.csv'), '--horizon', '6h', '-o', 'json'])).stdout) as { start: string; bands: Record<string, number[]> };
    const run = await chuanliu(['forecast', '--history', file(csv), '--horizon', '6h', '-o', 'json', ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const forecast = JSON.parse(run.stdout) as { start: string; bands: Record<string, number[]> };
    expect(forecast.start).toBe(reference.start);
    // The same data, so the same forecast.
    expect(forecast.bands).toEqual(reference.bands);
  });

  it('two numeric columns: exit 2 listing the columns and the flag; --value-column settles it for forecast and backtest', async () => {
    const refused = await chuanliu(['forecast', '--history', file('two-values.tsv'), '--horizon', '6h']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/two-values\.tsv, line 1, field valueColumn: cannot tell which column holds the value: #3 "cpu", #4 "load" .*columns seen: #1 "host" e\.g\. "web", #2 "ts" e\.g\. "1704067200", #3 "cpu" e\.g\. "0\.5", #4 "load" e\.g\. "[\d]+"; choose one with --value-column/);
    const forecast = await chuanliu(['forecast', '--history', file('two-values.tsv'), '--horizon', '6h', '--value-column', 'load', '-o', 'json']);
    expect(forecast.code).toBe(0);
    expect((JSON.parse(forecast.stdout) as { start: string }).start).toBe('2024-01-11T00:00:00.000Z');
    const backtest = await chuanliu(['backtest', '--trace', file('two-values.tsv'), '--value-column', '4', '--time-column', 'ts', '--time-format', 'epoch-s', '--delimiter', 'tab', '--horizon', '3h', '--origins', '2', '--baselines', 'naive', '--min-history', '5d', '-o', 'json']);
    expect(backtest.code).toBe(0);
    expect((JSON.parse(backtest.stdout) as { originsMs: number[] }).originsMs).toHaveLength(2);
  });

  it.each([
    { command: 'forecast', args: ['forecast', '--history', 'good.csv', '--horizon', '6h', '--delimiter', 'pipe'], message: /--delimiter: "pipe" is not a delimiter/ },
    { command: 'backtest', args: ['backtest', '--trace', 'good.csv', '--time-format', 'unix'], message: /--time-format: "unix" is not one of iso, epoch-s, epoch-ms/ },
    { command: 'forecast', args: ['forecast', '--history', 'good.csv', '--horizon', '6h', '--time-column', '5'], message: /good\.csv, line 1, field timeColumn: time column 5 is out of range: the file has 2 column\(s\)/ },
  ])('$command: a bad layout flag exits 2 naming it', async ({ args, message }) => {
    const run = await chuanliu(args.map((arg) => (arg.endsWith('.csv') ? file(arg) : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('chuanliu backtest', () => {
  it('prints scores for chuanliu and the baselines as JSON (exit 0)', async () => {
    const run = await chuanliu(['backtest', '--trace', file('good.csv'), '--horizon', '3h,12h', '--origins', '4', '--baselines', 'naive,snaive-daily', '--min-history', '5d', '-o', 'json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { originsMs: number[]; horizons: { horizonBuckets: number; models: { model: string; score: { mase: number } }[] }[] };
    expect(result.originsMs).toHaveLength(4);
    expect(result.horizons.map((horizon) => horizon.horizonBuckets)).toEqual([3, 12]);
    expect(result.horizons[0]?.models.map((model) => model.model)).toEqual(['chuanliu', 'naive', 'snaive-daily']);
    expect(result.horizons[1]?.models.every((model) => Number.isFinite(model.score.mase))).toBe(true);
  });

  it.each([
    { name: 'zero origins', args: ['--origins', '0'], message: /--origins: "0" is not a whole number of origins/ },
    { name: 'unknown baseline', args: ['--baselines', 'naive,prophet'], message: /--baselines: unknown baseline "prophet"/ },
    { name: 'bad horizon list', args: ['--horizon', '1h,soon'], message: /--horizon: "soon" is not a duration/ },
    { name: 'trace too short for the history asked', args: ['--min-history', '30d'], message: /good\.csv: the trace covers 10d/ },
  ])('bad flag: $name → exit 2', async ({ args, message }) => {
    const run = await chuanliu(['backtest', '--trace', file('good.csv'), ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
