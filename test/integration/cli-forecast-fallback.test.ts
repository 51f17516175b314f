/**
 * The real CLI on the forecasts that used to go blank: 17 h of one-minute history with a promotion
 * that started an hour before --now (every band a number, the fallback named on stdout's JSON and
 * on stderr), learn events with one or no past occurrence (the fitted uplift and the count, or the
 * fallback said out loud), and histories no forecast can be made from (`forecast` and `plan` exit 2
 * naming why). All data here is SYNTHETIC, written by the test.
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

const START_MS = Date.UTC(2026, 5, 18, 0, 0);
const NOW_ISO = '2026-06-18T17:00:00Z';

/** SYNTHETIC requests per one-minute bucket: a smooth daily swing, ×`factor` inside [fromH, toH) hours. */
function minuteCsv(hours: number, uplifted: readonly { fromH: number; toH: number; factor: number }[]): string {
  const lines = ['timestamp,requests'];
  for (let minute = 0; minute < hours * 60; minute++) {
    const hour = minute / 60;
    const factor = uplifted.find((window) => hour >= window.fromH && hour < window.toH)?.factor ?? 1;
    const count = (200 + 80 * Math.sin((2 * Math.PI * (hour - 8)) / 24) + 10 * Math.sin(minute * 1.7)) * factor;
    lines.push(`${new Date(START_MS + minute * 60_000).toISOString()},${count.toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

function calendarYaml(promotion: string): string {
  return `# SYNTHETIC calendar for a test\nname: test\nsynthetic: true\ntimeZone: UTC\npromotions:\n${promotion}`;
}

let directory: string;
const file = (name: string): string => join(directory, name);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-cli-fallback-'));
  await writeFile(file('17h.csv'), minuteCsv(17, [{ fromH: 16, toH: 19, factor: 2 }]));
  await writeFile(file('in-progress.yaml'), calendarYaml('  - { id: flash, platform: shop, start: 2026-06-18T16:00, duration: 3h, ramp: 5m, uplift: 2 }\n'));
  await writeFile(file('30h.csv'), minuteCsv(30, [{ fromH: 6, toH: 8, factor: 2.5 }]));
  await writeFile(file('learn-one.yaml'), calendarYaml('  - { id: flash, platform: shop, start: 2026-06-19T07:00, duration: 2h, ramp: 5m, learn: true, pastStarts: [2026-06-18T06:00], fallbackUplift: 1.3 }\n'));
  await writeFile(file('learn-none.yaml'), calendarYaml('  - { id: flash, platform: shop, start: 2026-06-19T07:00, duration: 2h, ramp: 5m, learn: true, pastStarts: [2026-05-01T06:00], fallbackUplift: 1.3 }\n'));
  await writeFile(file('short.csv'), minuteCsv(17, []).split('\n').slice(0, 9).join('\n'));
  await writeFile(file('config.yaml'), `planning: { slot: 5m, horizon: 2h, applyLatency: 15s }
forecast: { bucket: 1m, history: 7d }
nodePools:
  - { name: general, perNode: { cpu: "16", memory: 64Gi }, baseNodes: 4 }
online:
  - name: checkout
    ref: { namespace: shop }
    rpsPerReplica: 50
    perReplica: { cpu: "1", memory: 1Gi }
    startup: { p50: 20s, p95: 45s }
    minReplicas: 2
    maxReplicas: 40
    demand: { kind: csv, path: ${JSON.stringify(file('short.csv'))} }
offline: []
`);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('chuanliu forecast never goes blank', () => {
  it('17 h of history, a promotion in progress for an hour: every band value a number, the fallback named (exit 0)', async () => {
    const run = await chuanliu(['forecast', '--history', file('17h.csv'), '--calendar', file('in-progress.yaml'), '--now', NOW_ISO, '--horizon', '2h', '-o', 'json']);
    expect(run.code).toBe(0);
    const forecast = JSON.parse(run.stdout) as { method: string; model: string; warnings: string[]; bands: Record<string, (number | null)[]> };
    for (const [, values] of Object.entries(forecast.bands)) {
      expect(values).toHaveLength(120);
      expect(values.every((value) => typeof value === 'number' && Number.isFinite(value))).toBe(true);
    }
    expect(forecast.method).toBe('recent-level');
    expect(forecast.model).toMatch(/^fallback\(recent-level\): /);
    expect(forecast.warnings[0]).toMatch(/^forecast fell back to recent-level \(step 3 of 4\)/);
    expect(run.stderr).toMatch(/^warning: forecast fell back to recent-level/m);
    // The promotion runs until 19:00: the median stays near the observed doubled rate, about 2 × 280
    // a minute (the file's values read as counts per one-minute bucket, so ÷ 60 for requests/s).
    const p50 = forecast.bands['p50'] as number[];
    expect(p50[10]).toBeGreaterThan(450 / 60);
    expect(p50[10]).toBeLessThan(650 / 60);
  });

  it('a learn event with one past occurrence: the fitted uplift and the count, in JSON and in the terminal', async () => {
    const args = ['forecast', '--history', file('30h.csv'), '--calendar', file('learn-one.yaml'), '--horizon', '4h'];
    const json = await chuanliu([...args, '-o', 'json']);
    expect(json.code).toBe(0);
    const forecast = JSON.parse(json.stdout) as { warnings: string[]; components: { name: string; uplift?: { factor: number; source: string; occurrences: number } }[] };
    const uplift = forecast.components.find((component) => component.name === 'promotion:flash')?.uplift;
    expect(uplift?.source).toBe('learned');
    expect(uplift?.occurrences).toBe(1);
    expect(Math.abs((uplift?.factor ?? 0) - 2.5)).toBeLessThan(0.2);
    expect(forecast.warnings).toEqual([]);
    const table = await chuanliu(args);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^uplift promotion:flash: ×2\.\d\d, learned from 1 past occurrence in the history$/m);
  });

  it('a learn event with no past occurrence in the history: the fallback uplift said out loud', async () => {
    const args = ['forecast', '--history', file('30h.csv'), '--calendar', file('learn-none.yaml'), '--horizon', '4h'];
    const json = await chuanliu([...args, '-o', 'json']);
    expect(json.code).toBe(0);
    const forecast = JSON.parse(json.stdout) as { warnings: string[]; components: { name: string; uplift?: unknown }[] };
    expect(forecast.components.find((component) => component.name === 'promotion:flash')?.uplift).toEqual({ factor: 1.3, source: 'fallback', occurrences: 0 });
    expect(forecast.warnings).toEqual(["promotion:flash: no past occurrence in the history to learn the uplift from; using the calendar's fallback uplift ×1.30"]);
    const table = await chuanliu(args);
    expect(table.stdout).toMatch(/^warning: promotion:flash: no past occurrence in the history to learn the uplift from; using the calendar's fallback uplift ×1\.30$/m);
  });

  it.each([
    { name: 'forecast', args: () => ['forecast', '--history', file('short.csv'), '--horizon', '2h', '-o', 'json'] },
    { name: 'plan', args: () => ['plan', '--config', file('config.yaml'), '-o', 'json'] },
  ])('$name on a history no forecast can be made from exits 2 naming why, with nothing on stdout', async ({ args }) => {
    const run = await chuanliu(args());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/short\.csv: .*cannot forecast from this history: .*history too short: 8 observed buckets of 1m before now, need at least 12/);
  });
});
