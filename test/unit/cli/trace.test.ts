/** `chuanliu trace inspect` run as a real process: stdout, stderr and exit codes as a user sees them. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let directory: string;

function chuanliu(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-trace-cli-'));
  await writeFile(join(directory, 'local.csv'), 'timestamp,value\n2014-11-02 00:30:00,1800\n2014-11-02 01:00:00,7200\n2014-11-02 01:30:00,3600\n2014-11-02 02:00:00,1800\n');
  await writeFile(join(directory, 'bad.csv'), 'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:01:00,-4\n');
  // SYNTHETIC: tab-separated, no header, epoch milliseconds, two numeric columns (needs --value-column).
  await writeFile(join(directory, 'two.tsv'), '1704067200000\t60\t5\n1704067260000\t120\t5\n1704067320000\t180\t6\n');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('chuanliu trace inspect', () => {
  it('prints the cleaning report of a local-time file as JSON', async () => {
    const { code, stdout } = await chuanliu(['trace', 'inspect', join(directory, 'local.csv'), '--tz', 'America/New_York', '-o', 'json', '--values']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { report: { dstAdjustments: number; format: string }; series: { start: string; values: (number | null)[]; stats: { maxRps: number } } };
    expect(parsed.report).toMatchObject({ format: 'value-per-bucket', dstAdjustments: 2 });
    expect(parsed.series.start).toBe('2014-11-02T04:30:00.000Z');
    expect(parsed.series.values).toEqual([1, 2, 1, 2, 1, 1]);
    expect(parsed.series.stats.maxRps).toBe(2);
  });

  it('prints a table and what was done in a terminal', async () => {
    const { code, stdout } = await chuanliu(['trace', 'inspect', join(directory, 'local.csv'), '--bucket', '1h']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^source\s+.*local\.csv$/m);
    expect(stdout).toMatch(/^bucket\s+1h$/m);
    expect(stdout).toMatch(/what was done:\n {2}- format value-per-bucket/);
  });

  it('prints what it detected next to what cleaning did', async () => {
    const { code, stdout } = await chuanliu(['trace', 'inspect', join(directory, 'local.csv'), '--tz', 'America/New_York']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^delimiter\s+comma \(detected/m);
    expect(stdout).toMatch(/^header\s+yes: line 1 names the columns \("timestamp", "value"\)$/m);
    expect(stdout).toMatch(/^time column\s+#1 "timestamp" \(detected: the only column of dates\)$/m);
    expect(stdout).toMatch(/^time format\s+YYYY-MM-DD HH:MM:SS without offset, e\.g\. 2014-11-02 00:30:00 \(detected\)$/m);
    expect(stdout).toMatch(/^time zone\s+naive times \(no offset\) read as wall-clock time in America\/New_York$/m);
    expect(stdout).toMatch(/^value column\s+#2 "value" \(detected by its name\)$/m);
  });

  it('an undecidable file exits 2 listing the columns; the flags settle it, and -o json carries the layout', async () => {
    const refused = await chuanliu(['trace', 'inspect', join(directory, 'two.tsv')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/two\.tsv, line 1, field valueColumn: cannot tell which column holds the value: #2, #3 .*columns seen: #1 e\.g\. "1704067200000", #2 e\.g\. "60", #3 e\.g\. "5"; choose one with --value-column/);
    const { code, stdout } = await chuanliu(['trace', 'inspect', join(directory, 'two.tsv'), '--value-column', '2', '--delimiter', 'tab', '--time-column', '1', '--time-format', 'epoch-ms', '-o', 'json', '--values']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { report: { layout: Record<string, string> }; series: { start: string; values: number[] } };
    expect(parsed.series).toMatchObject({ start: '2024-01-01T00:00:00.000Z', values: [1, 2, 3] });
    expect(parsed.report.layout).toMatchObject({ delimiter: 'tab (given)', header: expect.stringMatching(/^no/), timeColumn: '#1 (given)', valueColumn: '#2 (given)' });
    expect(parsed.report.layout.timeFormat).toMatch(/^epoch milliseconds \(UTC\), e\.g\. 1704067200000 \(given\)$/);
  });

  it.each([
    { name: 'an unknown delimiter names the flag', args: ['local.csv', '--delimiter', '|'], stderr: /--delimiter: "\|" is not a delimiter/ },
    { name: 'an unknown time format names the flag', args: ['local.csv', '--time-format', 'unix'], stderr: /--time-format: "unix" is not one of iso, epoch-s, epoch-ms/ },
    { name: 'an empty column names the flag', args: ['local.csv', '--time-column', ''], stderr: /--time-column: expected a header name or a column number from 1/ },
    { name: 'a column missing from the header', args: ['local.csv', '--value-column', 'bytes'], stderr: /local\.csv, line 1, field valueColumn: value column "bytes" is not in the header/ },
    { name: 'a negative value names file, line and field', args: ['bad.csv'], stderr: /bad\.csv, line 3, field value: value "-4" must be a finite number ≥ 0/ },
    { name: 'an unknown time zone names the flag', args: ['local.csv', '--tz', 'Mars/Olympus'], stderr: /--tz: unknown time zone "Mars\/Olympus"/ },
    { name: 'a bad bucket names the flag', args: ['local.csv', '--bucket', 'soon'], stderr: /--bucket: "soon" is not a duration/ },
    { name: 'an unknown output format names the flag', args: ['local.csv', '-o', 'yaml'], stderr: /--output: "yaml" is not one of table, json/ },
    { name: 'an unknown duplicate policy names the flag', args: ['local.csv', '--duplicates', 'max'], stderr: /--duplicates: "max" is not one of error, sum, keep-last/ },
    { name: 'a missing file', args: ['missing.csv'], stderr: /missing\.csv: cannot read trace file: ENOENT/ },
  ])('exit 2 on bad input: $name', async ({ args, stderr }) => {
    const [file, ...flags] = args as [string, ...string[]];
    const result = await chuanliu(['trace', 'inspect', join(directory, file), ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(stderr);
    expect(result.stdout).toBe('');
  });
});
