/**
 * `chuanliu plan` and `chuanliu explain` run as real processes on the shipped Double-11 config
 * (sim/config.double11.yaml), as a user runs them: stdout, stderr and exit codes.
 *
 * The shipped config reads each online workload's demand from Prometheus. These tests give it a
 * week of SYNTHETIC history before 2026-11-11 17:00 (Shanghai), made by the stacked-peak generator
 * from the synthetic calendar forecasts/double11.yaml with the baselines of sim/double11.yaml — once
 * as `--history <workload>=<csv>` files, once backfilled into a real `prometheus` (fails, does not
 * skip, when prometheus/promtool are missing).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePlan } from '../../src/adapters/plan-file.ts';
import { loadCalendarFile } from '../../src/calendar/load-calendar.ts';
import type { CapacityPlan } from '../../src/domain/plan.ts';
import { DAY_MS, MINUTE_MS } from '../../src/domain/units.ts';
import { generateStackedPeakTraffic } from '../../src/simulator/synthetic-traffic.ts';
import { startPrometheus, toOpenMetrics, type OpenMetricsFamily, type PrometheusServer } from './helpers/prometheus.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = 'sim/config.double11.yaml';
const NOW_ISO = '2026-11-11T17:00:00+08:00';
const NOW_MS = Date.parse(NOW_ISO);
const HISTORY_DAYS = 7;

/** The baselines of sim/double11.yaml and the Prometheus `app` label of each workload in the config. */
const WORKLOADS = [
  { name: 'payment', app: 'payment-api', meanRps: 12_000, dailyAmplitude: 0.5, peakHour: 20 },
  { name: 'balance-payment', app: 'balance-payment', meanRps: 5_000, dailyAmplitude: 0.5, peakHour: 20 },
  { name: 'refund', app: 'refund-api', meanRps: 1_500, dailyAmplitude: 0.4, peakHour: 21 },
  { name: 'checkout', app: 'checkout-web', meanRps: 10_000, dailyAmplitude: 0.5, peakHour: 20 },
] as const;

interface Run { code: number; stdout: string; stderr: string }

function chuanliu(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let directory: string;
let historyFlags: string[];
/** Requests per minute of each workload, one value per minute of the week before now (SYNTHETIC). */
const countsPerMinute = new Map<string, number[]>();

async function writeSyntheticHistories(): Promise<void> {
  const calendar = await loadCalendarFile(join(root, 'forecasts/double11.yaml'));
  const startMs = NOW_MS - HISTORY_DAYS * DAY_MS;
  historyFlags = [];
  for (const workload of WORKLOADS) {
    const { series } = generateStackedPeakTraffic({
      calendar, workload: workload.name, startMs, endMs: NOW_MS, stepMs: MINUTE_MS,
      baseline: { meanRps: workload.meanRps, dailyAmplitude: workload.dailyAmplitude, peakHourLocal: workload.peakHour, timeZone: 'Asia/Shanghai' },
      noiseCv: 0.03, seed: 1111,
    });
    const counts = Array.from(series.values, (rps) => Math.round(rps * 60));
    countsPerMinute.set(workload.name, counts);
    const rows = counts.map((count, i) => `${new Date(startMs + i * MINUTE_MS).toISOString()},${count}`);
    const path = join(directory, `${workload.name}.csv`);
    await writeFile(path, `timestamp,requests\n${rows.join('\n')}\n`);
    historyFlags.push('--history', `${workload.name}=${path}`);
  }
}

/** The same minutes as `http_requests_total` counters scraped every 30 s, as the config's queries expect. */
function requestCounters(): OpenMetricsFamily[] {
  const startMs = NOW_MS - HISTORY_DAYS * DAY_MS;
  const family: OpenMetricsFamily = { name: 'http_requests', type: 'counter', help: 'SYNTHETIC requests', samples: [] };
  for (const workload of WORKLOADS) {
    const labels = { namespace: 'payments', app: workload.app };
    let total = 0;
    family.samples.push({ timeMs: startMs, value: 0, labels });
    (countsPerMinute.get(workload.name) ?? []).forEach((count, minute) => {
      for (const half of [1, 2]) {
        total += count / 2;
        family.samples.push({ timeMs: startMs + minute * MINUTE_MS + half * 30_000, value: total, labels });
      }
    });
  }
  return [family];
}

/** The plan every explain and bad-input row reads: made once, by the CLI, from the history files. */
let planRun: Run;
let planJson: string;
let plan: CapacityPlan;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-cli-plan-'));
  await writeSyntheticHistories();
  await writeFile(join(directory, 'broken-plan.json'), '{ "apiVersion": "chuanliu.io/v1", "kind": "CapacityPlan", "id": "p" }\n');
  planRun = await chuanliu(planArgs('-o', 'json', '--report', join(directory, 'plan.html')));
  planJson = planRun.stdout;
  await writeFile(join(directory, 'plan.json'), planJson);
  if (planRun.code === 0) plan = decodePlan(planJson, 'stdout');
}, 60_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function planArgs(...extra: string[]): string[] {
  return ['plan', '--config', CONFIG, ...historyFlags, ...extra];
}

function slotOf(plan: CapacityPlan, iso: string): number {
  return (Date.parse(iso) - plan.startMs) / plan.slotMs;
}

describe('chuanliu plan', () => {
  it('-o json is a plan file over the horizon from the end of the history, with lead time before the 20:00 peak', () => {
    expect(planRun.stderr).toMatch(/^now 2026-11-11 17:00 Asia\/Shanghai \(2026-11-11T09:00:00\.000Z\): the end of the history files/m);
    expect(planRun.code).toBe(0);
    expect(plan.id).toMatch(/^plan-20261111T090000Z-[0-9a-f]{8}$/);
    expect(plan.startMs).toBe(NOW_MS);
    expect(plan.slotCount).toBe(360);
    expect(Object.keys(plan.replicas).sort()).toEqual(['analytics', 'balance-payment', 'checkout', 'payment', 'refund', 'reports', 'settlement', 'training']);
    const payment = plan.replicas.payment as Int32Array;
    const at2000 = slotOf(plan, '2026-11-11T20:00:00+08:00');
    // Platform A and the in-store peak at 20:00: far more payment replicas than at 17:00, in place at 20:00.
    expect(payment[at2000]).toBeGreaterThan(2 * (payment[0] as number));
    const raise = plan.steps.find((step) => step.workload === 'payment' && step.readyByMs === Date.parse('2026-11-11T20:00:00+08:00'));
    expect(raise).toMatchObject({ direction: 'acquire', reason: 'event-start' });
    expect(raise?.effectiveAtMs).toBe((raise?.readyByMs ?? 0) - (raise?.leadMs ?? 0));
    expect(raise?.message).toMatch(/^payment \d+→\d+ at 19:59:00: ready by 20:00:00 for p99 [\d.]+k rps .*platform-a/);
    // Offline gives room back before the peak: some release is written before 20:00.
    expect(plan.steps.some((step) => step.direction === 'release' && step.reason === 'offline-release' && step.effectiveAtMs < Date.parse('2026-11-11T20:00:00+08:00'))).toBe(true);
    expect(plan.shortfalls).toEqual([]);
  });

  it('prints a table with sparklines, the steps with reasons, and a summary paragraph', async () => {
    const run = await chuanliu(planArgs());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^plan plan-20261111T090000Z-[0-9a-f]{8} {2}2026-11-11 17:00 Asia\/Shanghai → 11-11 23:00, 360 slots of 1m$/m);
    expect(run.stdout).toMatch(/^payment +replicas +\d+ +\d+ +[▁▂▃▄▅▆▇█ ]+$/m);
    expect(run.stdout).toMatch(/^pool shared +nodes +60 +60 /m);
    expect(run.stdout).toMatch(/^steps \(\d+\)$/m);
    // The step table lists the first 60 steps: platform A's 18:00 start in the region two hours ahead is among them.
    expect(run.stdout).toMatch(/^11-11 17:59:00 +18:00:00 +payment +\d+→\d+ ↑ +event-start +payment \d+→\d+ at 17:59:00: ready by 18:00:00 for p99 .*promotion:platform-a-2000@utc-plus-10/m);
    expect(run.stdout).toMatch(/^summary\nPlan plan-\S+ covers 2026-11-11 17:00 Asia\/Shanghai → 11-11 23:00 in 360 slots of 1m, for 4 online and 4 offline workloads\. It takes \d+ steps \(\d+ event-start, \d+ forecast-increase, \d+ offline-release/m);
    expect(run.stdout).toMatch(/Every online workload gets what its demand quantile needs in every slot\./);
    expect(run.stdout).toMatch(/^offline work\n {2}- analytics: /m);
    expect(run.stdout).toMatch(/^SYNTHETIC: the calendar is invented/m);
    expect(run.stderr).toMatch(/^history payment: 10080 of 10080 buckets of 1m known, 11-04 17:00 → 11-11 17:00, from .*payment\.csv$/m);
  }, 60_000);

  it('makes the same plan file from the same inputs', async () => {
    const again = await chuanliu(planArgs('-o', 'json', '--now', NOW_ISO));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(planJson);
  }, 60_000);

  it('--report writes a self-contained HTML page with the forecast against planned capacity', async () => {
    const html = await readFile(join(directory, 'plan.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(plan.id);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('reads the shipped config\'s Prometheus queries from a real prometheus and plans the same peaks', async () => {
    let server: PrometheusServer | undefined;
    try {
      server = await startPrometheus({ openMetrics: toOpenMetrics(requestCounters()), lookbackDelta: '1m' });
      const run = await chuanliu(['plan', '--config', CONFIG, '--prometheus-url', server.baseUrl, '--now', NOW_ISO, '-o', 'json']);
      expect(run.stderr).toMatch(/^history payment: 10080 of 40320 buckets of 1m known, .* from prometheus: sum\(rate\(http_requests_total\{namespace="payments",app="payment-api"\}\[1m\]\)\)$/m);
      expect(run.code).toBe(0);
      const live = decodePlan(run.stdout, 'stdout');
      expect(live.startMs).toBe(plan.startMs);
      // rate() over the 30 s counter gives the per-minute rates of the files back, so the peaks agree.
      for (const workload of WORKLOADS) {
        const fromFiles = Math.max(...(plan.replicas[workload.name] as Int32Array));
        const fromPrometheus = Math.max(...(live.replicas[workload.name] as Int32Array));
        expect(Math.abs(fromPrometheus - fromFiles)).toBeLessThanOrEqual(Math.ceil(0.05 * fromFiles));
      }
    } finally {
      await server?.stop();
    }
  }, 120_000);
});

describe('chuanliu explain', () => {
  let fromConfig: Run;

  it('explains a slot of a plan made from the config: target, the step, the reason and the forecast components', async () => {
    fromConfig = await chuanliu(['explain', 'payment', '--at', '20:00', '--config', CONFIG, ...historyFlags]);
    expect(fromConfig.code).toBe(0);
    const [headline, ...rest] = fromConfig.stdout.trimEnd().split('\n');
    expect(headline).toMatch(/^payment: \d+ replicas at 11-11 20:00 \(step written \d\d:\d\d:\d\d, Ready by \d\d:\d\d:\d\d\): /);
    const body = rest.join('\n');
    expect(body).toMatch(/^ {2}set by: written \d\d:\d\d:\d\d, ready by \d\d:\d\d:\d\d, \d+→\d+ \((event-start|forecast-increase)\) — payment /m);
    expect(body).toMatch(/^ {2}forecast at 11-11 20:00 \(.*\):\n {4}p50 [\d.]+k rps, p90 [\d.]+k rps, p99 [\d.]+k rps\n {4}median made of .*promotion:platform-a-2000 [\d.]+k rps \([\d.]+%\)/m);
  }, 60_000);

  it('--plan explains the stored plan the same way (without the forecast lines)', async () => {
    const stored = await chuanliu(['explain', 'payment', '--at', '2026-11-11T20:00:00+08:00', '--plan', join(directory, 'plan.json')]);
    expect(stored.code).toBe(0);
    expect(stored.stdout).not.toMatch(/forecast at/);
    expect(fromConfig.stdout.startsWith(stored.stdout.trimEnd())).toBe(true);
  }, 60_000);

  it.each([
    { name: 'an offline workload by local date-time', args: ['analytics', '--at', '2026-11-11T20:30'], headline: /^analytics: \d+ replicas at 11-11 20:30 .*: (what online leaves in pool shared|online needs all of pool shared)/ },
    { name: 'a node pool by instant', args: ['shared', '--at', '2026-11-11T12:30:00Z'], headline: /^shared: 60 nodes at 11-11 20:30: pool shared at 20:30:00: 60 nodes \(bounds 60–60; online holds [\d.]+ cores, offline [\d.]+\)/ },
  ])('--plan: $name', async ({ args, headline }) => {
    const run = await chuanliu(['explain', ...args, '--plan', join(directory, 'plan.json')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(headline);
  }, 60_000);

  it('-o json gives the slot, its cause and steps', async () => {
    const run = await chuanliu(['explain', 'checkout', '--at', '21:15', '--plan', join(directory, 'plan.json'), '-o', 'json']);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as { at: string; workload: string; kind: string; targetReplicas: number; cause: string; steps: { workload: string }[] };
    expect(parsed).toMatchObject({ at: '2026-11-11T13:15:00.000Z', workload: 'checkout', kind: 'online' });
    expect(parsed.targetReplicas).toBe(plan.replicas.checkout?.[slotOf(plan, '2026-11-11T21:15:00+08:00')]);
    expect(parsed.steps.length).toBeGreaterThan(0);
    expect(parsed.steps.every((step) => step.workload === 'checkout')).toBe(true);
  }, 60_000);
});

describe('bad input exits 2 with a message naming the flag, file or field', () => {
  const planPath = (): string => join(directory, 'plan.json');
  it.each([
    { name: 'unknown workload', args: () => ['explain', 'nope', '--at', '20:00', '--plan', planPath()], stderr: /^error: <workload>: "nope" is not in plan plan-\S+; it has: analytics, balance-payment, checkout, payment, refund, reports, settlement, training, burst \(node pool\), shared \(node pool\)$/m },
    { name: '--at outside the plan', args: () => ['explain', 'payment', '--at', '2026-11-12T09:00:00+08:00', '--plan', planPath()], stderr: /^error: --at: 2026-11-12 09:00 Asia\/Shanghai is outside plan plan-\S+, which covers 2026-11-11 17:00 Asia\/Shanghai → 11-11 23:00$/m },
    { name: 'malformed --at', args: () => ['explain', 'payment', '--at', 'soon', '--plan', planPath()], stderr: /^error: --at: "soon" is not an instant; expected ISO 8601 with an offset/m },
    { name: 'malformed --now', args: () => planArgs('--now', 'yesterday'), stderr: /^error: --now: "yesterday" is not an instant/m },
    { name: 'missing config file', args: () => ['plan', '--config', join(directory, 'missing.yaml')], stderr: /^error: .*missing\.yaml: cannot read the config file: no such file$/m },
    { name: 'missing history file', args: () => ['plan', '--config', CONFIG, '--history', `payment=${join(directory, 'missing.csv')}`], stderr: /^error: .*missing\.csv: cannot read trace file/m },
    { name: 'the config\'s Prometheus source without --prometheus-url', args: () => ['plan', '--config', CONFIG], stderr: /^error: sim\/config\.double11\.yaml, field online\[0\]\.demand: payment's demand history is the Prometheus query in the config; pass --prometheus-url <url>, or --history payment=<csv> for a trace file \(the same holds for balance-payment, refund, checkout\)$/m },
    { name: '--history of an unknown workload', args: () => planArgs('--history', 'nope=x.csv'), stderr: /^error: --history: "nope" is not a workload of sim\/config\.double11\.yaml; online workloads: payment, balance-payment, refund, checkout$/m },
    { name: 'unknown --output', args: () => ['plan', '--config', CONFIG, '-o', 'yaml'], stderr: /^error: --output: "yaml" is not one of table, json$/m },
    { name: 'bad --prometheus-url', args: () => ['plan', '--config', CONFIG, '--prometheus-url', 'ftp://x'], stderr: /^error: --prometheus-url: "ftp:\/\/x" is not an http\(s\) URL/m },
    { name: 'unknown flag', args: () => ['plan', '--config', CONFIG, '--bogus'], stderr: /error: unknown option '--bogus'/ },
    { name: 'missing --at', args: () => ['explain', 'payment', '--plan', planPath()], stderr: /error: required option '--at <time>' not specified/ },
    { name: 'explain with --plan and --config', args: () => ['explain', 'payment', '--at', '20:00', '--plan', planPath(), '--config', CONFIG], stderr: /^error: --config: --config makes a new plan; it cannot be combined with --plan/m },
    { name: 'explain without a plan or config', args: () => ['explain', 'payment', '--at', '20:00'], stderr: /^error: --config: expected --config <yaml> .* or --plan <json>/m },
    { name: 'a plan file that is not a plan', args: () => ['explain', 'payment', '--at', '20:00', '--plan', join(directory, 'broken-plan.json')], stderr: /^error: .*broken-plan\.json, line 1, field createdAtMs: /m },
    { name: '--report into a missing folder', args: () => planArgs('--report', join(directory, 'no', 'such', 'plan.html')), stderr: /^error: --report: cannot write the report: .*\/no\/such is not an existing folder$/m },
  ])('$name', async ({ args, stderr }) => {
    const run = await chuanliu(args());
    expect(run.stderr).toMatch(stderr);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  }, 60_000);
});
