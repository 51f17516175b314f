/**
 * `chuanliu backtest` says how many rolling origins it scored: in the table and in `-o json`; it
 * warns on stderr below 3 (noise, not a measurement) and exits 2 with none, naming how much history
 * the trace has and how much it needs. The trace is SYNTHETIC, written by the test.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

function chuanliu(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/chuanliu.js', ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

let directory: string;
let trace: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-cli-backtest-'));
  trace = join(directory, 'hourly.csv');
  // SYNTHETIC: 10 days of hourly requests with a daily cycle.
  const lines = ['timestamp,value'];
  for (let hour = 0; hour < 10 * 24; hour++) {
    lines.push(`${new Date(Date.UTC(2024, 0, 1) + hour * 3_600_000).toISOString()},${Math.round(3600 * (100 + 50 * Math.sin((2 * Math.PI * hour) / 24) + 5 * Math.sin(hour * 1.3)))}`);
  }
  await writeFile(trace, `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const common = ['--horizon', '3h', '--baselines', 'naive', '--min-history', '5d'];

describe('chuanliu backtest: origins, said', () => {
  it('with enough origins: the count in the table and in JSON, no warning', async () => {
    const json = await chuanliu(['backtest', '--trace', trace, ...common, '--origins', '5', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const result = JSON.parse(json.stdout) as { originsUsed: number; originsRequested: number; originsMs: number[]; warnings: string[] };
    expect(result).toMatchObject({ originsUsed: 5, originsRequested: 5, warnings: [] });
    expect(result.originsMs).toHaveLength(5);
    const table = await chuanliu(['backtest', '--trace', trace, ...common, '--origins', '5']);
    expect(table.stdout).toMatch(/hourly\.csv: 5 rolling origins used \(of 5 asked for\)/);
  });

  it('with fewer than 3 origins: warns on stderr and in JSON, still scores them (exit 0)', async () => {
    const run = await chuanliu(['backtest', '--trace', trace, ...common, '--origins', '40', '--span', '1h', '-o', 'json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { originsUsed: number; warnings: string[] };
    expect(result.originsUsed).toBe(2);
    expect(result.warnings).toEqual([expect.stringMatching(/^only 2 rolling origins \(of 40 asked for\) fit in the trace: scores from so few windows are noise/)]);
    expect(run.stderr).toMatch(/^warning: only 2 rolling origins \(of 40 asked for\)/m);
  });

  it('with no origin: exit 2 naming the history it had and needs', async () => {
    const run = await chuanliu(['backtest', '--trace', trace, '--horizon', '1d', '--baselines', 'naive', '--min-history', '9d12h']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/hourly\.csv: the trace covers 10d: too short for 9d12h of history plus the longest horizon \(1d\), so no rolling origin fits; it needs at least 10d12h \(12h more\)/);
  });
});
