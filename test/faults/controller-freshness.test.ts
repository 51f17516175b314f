/**
 * Fault: the demand metrics of the running controller go stale, come back, then Prometheus itself
 * goes away. The real `chuanliu controller` process (real redis-server, kube-api over HTTP) follows
 * plans that scale `pay` in, while a real `prometheus` scrapes a live exporter served by this test
 * every second. Missing or stale metrics never cause a scale-down:
 *
 * 1. exporter down (Prometheus answers, but its newest sample ages): the scale-in is held, offline
 *    is capped, the plan still raises `refund`; the alert is on /metrics and in the log;
 * 2. exporter back: the controller sees fresh data within a check and carries out the held scale-in;
 * 3. Prometheus stopped, a new controller process with a plan for a further scale-in: it holds from
 *    its first tick (the freshness check comes before the first reconcile).
 *
 * Numbers are synthetic (a test fixture); the config's freshness settings are shortened to seconds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePlan } from '../../src/adapters/plan-file.ts';
import { parseConfigText } from '../../src/config/load-config.ts';
import type { CapacityPlan, PlanStep } from '../../src/domain/plan.ts';
import type { Inventory } from '../../src/domain/workload.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { exitCodeAfterTerm, waitFor } from '../integration/controller-harness.ts';
import { freePort } from '../integration/helpers/free-port.ts';
import { startProcess, type RunningProcess } from '../integration/helpers/process.ts';
import { startPrometheus, type PrometheusServer } from '../integration/helpers/prometheus.ts';
import { startRedis, type RedisServer } from '../integration/helpers/redis.ts';

const SLOT_MS = 1_000;

const CONFIG_YAML = `# Synthetic fixture for the freshness fault test (numbers are made up).
planning:
  slot: 1s
  applyLatency: 500ms
forecast:
  bucket: 1s
controller:
  namespaces: [shop, batch]
  dataFreshness:
    maxSampleAge: 3s
    checkEvery: 1s
nodePools:
  - name: shared
    perNode: { cpu: "8", memory: 16Gi }
    baseNodes: 4
  - name: batch
    perNode: { cpu: "8", memory: 16Gi }
    baseNodes: 2
online:
${['pay', 'refund'].map((name) => `  - name: ${name}
    ref: { kind: Deployment, namespace: shop }
    nodePool: shared
    rpsPerReplica: 100
    perReplica: { cpu: 500m, memory: 256Mi }
    startup: { p50: 300ms, p95: 500ms }
    minReplicas: 2
    maxReplicas: 20
    demand: { kind: prometheus, query: shop_${name}_rps }
`).join('')}offline:
  - name: etl
    ref: { kind: Deployment, namespace: batch }
    nodePool: batch
    perReplica: { cpu: "1", memory: 512Mi }
    maxReplicas: 8
    drain: 1s
`;

type Levels = Readonly<Record<'pay' | 'refund' | 'etl', number>>;

/** A plan at `before` until `changeAtMs`, at `after` from then on (10 minutes of 1 s slots). */
function planOf(id: string, startMs: number, changeAtMs: number, before: Levels, after: Levels): CapacityPlan {
  const slotCount = 600;
  const changeSlot = Math.ceil((changeAtMs - startMs) / SLOT_MS);
  const series = (name: keyof Levels): Int32Array => Int32Array.from({ length: slotCount }, (_, slot) => (slot < changeSlot ? before[name] : after[name]));
  const effectiveAtMs = startMs + changeSlot * SLOT_MS;
  const steps: PlanStep[] = (Object.keys(before) as Array<keyof Levels>)
    .filter((name) => before[name] !== after[name])
    .map((name) => ({
      id: `${name}@${changeSlot}`, workload: name, effectiveAtMs, readyByMs: effectiveAtMs, fromReplicas: before[name], toReplicas: after[name],
      direction: after[name] < before[name] ? 'release' : 'acquire',
      reason: after[name] < before[name] ? (name === 'etl' ? 'offline-release' : 'scale-in-after-peak') : (name === 'etl' ? 'offline-restore' : 'forecast-increase'),
      message: `${name} ${before[name]}→${after[name]}`,
    }));
  return {
    id, createdAtMs: startMs, startMs, slotMs: SLOT_MS, slotCount, replicas: { pay: series('pay'), refund: series('refund'), etl: series('etl') },
    nodes: {}, steps, shortfalls: [], brownoutOrder: [],
  };
}

/** An exporter Prometheus scrapes; `stop` makes every scrape fail (staleness markers follow). */
class Exporter {
  private server: Server | undefined;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end('# TYPE shop_pay_rps gauge\nshop_pay_rps 420\n# TYPE shop_refund_rps gauge\nshop_refund_rps 35\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let directory: string;
let redis: RedisServer;
let kube: RunningKubeApi;
let prometheus: PrometheusServer | undefined;
let prometheusUrl: string;
let exporter: Exporter;
let configPath: string;
let kubeconfigPath: string;
const controllers: RunningProcess[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-freshness-'));
  exporter = new Exporter(await freePort());
  await exporter.start();
  [redis, prometheus] = await Promise.all([startRedis(), startPrometheus({ scrapeTargets: [`127.0.0.1:${exporter.port}`] })]);
  prometheusUrl = prometheus.baseUrl;
  configPath = join(directory, 'config.yaml');
  await writeFile(configPath, CONFIG_YAML);
  const { inventory } = parseConfigText(CONFIG_YAML, configPath);
  // Objects start where the first plan starts: pay at 10, refund at its minimum, etl stopped.
  const initial: Inventory = {
    ...inventory,
    online: inventory.online.map((workload) => (workload.name === 'pay' ? { ...workload, minReplicas: 10 } : workload)),
    offline: inventory.offline.map((workload) => ({ ...workload, maxReplicas: 0 })),
  };
  kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(initial) });
  kubeconfigPath = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
}, 60_000);

afterAll(async () => {
  await Promise.all(controllers.map((child) => child.stop()));
  await Promise.all([kube?.close(), redis?.stop(), prometheus?.stop(), exporter?.stop()]);
  await rm(directory, { recursive: true, force: true });
});

function levels(): Levels {
  const replicas = (namespace: string, name: string): number =>
    (kube.store.get(Types.deployment, namespace, name)?.['spec'] as { replicas?: number } | undefined)?.replicas ?? Number.NaN;
  return { pay: replicas('shop', 'pay'), refund: replicas('shop', 'refund'), etl: replicas('batch', 'etl') };
}

async function startController(plan: CapacityPlan, holder: string): Promise<{ child: RunningProcess; metricsUrl: string }> {
  const planPath = join(directory, `${plan.id}.json`);
  await writeFile(planPath, encodePlan(plan, 2));
  const port = await freePort();
  const child = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller', '--config', configPath, '--plan', planPath, '--redis', redis.url, '--kubeconfig', kubeconfigPath,
    '--prometheus-url', prometheusUrl, '--metrics-port', String(port), '--metrics-host', '127.0.0.1',
    '--lease-ttl', '2s', '--job-lock', '3s', '--holder', holder,
  ]);
  controllers.push(child);
  return { child, metricsUrl: `http://127.0.0.1:${port}/metrics` };
}

/** The value of one sample on /metrics, NaN when absent or unreachable. */
async function metricValue(metricsUrl: string, sample: string): Promise<number> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
    return line === undefined ? Number.NaN : Number(line.slice(sample.length + 1));
  } catch {
    return Number.NaN;
  }
}

/** Runs the CLI as a shell would; never rejects. */
function chuanliu(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/chuanliu.js', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? null, stdout, stderr });
    });
  });
}

async function prometheusHasData(): Promise<boolean> {
  const answer = await (await fetch(`${prometheusUrl}/api/v1/query?query=shop_pay_rps`)).json() as { data?: { result?: unknown[] } };
  return (answer.data?.result?.length ?? 0) > 0;
}

describe('the running controller holds capacity on missing or stale demand metrics', () => {
  it('stale → held (the plan still raises), fresh again → the held scale-in runs, Prometheus gone → a new controller holds from its first tick', async () => {
    const testStartMs = performance.now();
    const phases: string[] = [];
    const phase = (name: string): void => {
      phases.push(`${name} ${((performance.now() - testStartMs) / 1000).toFixed(1)} s`);
    };
    await waitFor('prometheus to scrape the exporter', prometheusHasData, { timeoutMs: 30_000 });
    phase('prometheus has data');

    // 1. The exporter goes away: Prometheus still answers, but its newest sample ages past 3 s.
    await exporter.stop();
    // Prometheus marks the series stale at its next failed scrape; then let it age past the 3 s allowed.
    await waitFor('the series to go stale in Prometheus', async () => !(await prometheusHasData()), { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    phase('series stale');
    const firstStartMs = systemClock.nowMs();
    const scaleInAtMs = firstStartMs + 4 * SLOT_MS;
    const first = await startController(planOf('plan-scale-in', firstStartMs, scaleInAtMs, { pay: 10, refund: 2, etl: 0 }, { pay: 6, refund: 5, etl: 4 }), 'first');
    await waitFor('the step to be 3 s overdue', () => systemClock.nowMs() > scaleInAtMs + 3_000, { timeoutMs: 30_000, process: first.child });
    expect(levels().pay, first.child.output()).toBe(10);
    await waitFor('refund raised to 5 (the plan still raises capacity)', () => levels().refund === 5, { timeoutMs: 30_000, process: first.child });
    expect(levels()).toEqual({ pay: 10, refund: 5, etl: 0 });
    phase('1 stale: held');
    expect(await metricValue(first.metricsUrl, 'chuanliu_demand_data_fresh{workload="pay"}')).toBe(0);
    expect(await metricValue(first.metricsUrl, 'chuanliu_data_holds_total{workload="pay",code="metrics-stale"}')).toBeGreaterThanOrEqual(1);
    expect(first.child.output()).toMatch(/pay: demand metrics stale \(newest sample is \d+ s old/);
    // What an SRE sees meanwhile: `chuanliu status --prometheus-url` shows the holds.
    const statusArgs = ['status', '--config', configPath, '--kubeconfig', kubeconfigPath, '--plan', join(directory, 'plan-scale-in.json'), '--prometheus-url', prometheusUrl];
    const status = JSON.parse((await chuanliu(...statusArgs, '-o', 'json')).stdout) as { heldOnData: number; workloads: Array<{ workload: string; drift?: number; data?: { status: string; held: boolean } }> };
    expect(status.heldOnData).toBe(2);
    expect(status.workloads.find((workload) => workload.workload === 'pay')).toMatchObject({ drift: 4, data: { status: 'stale', held: true } });
    expect(status.workloads.find((workload) => workload.workload === 'etl')?.data).toBeUndefined();
    const table = await chuanliu(...statusArgs);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/2 workload\(s\) held on missing or stale demand metrics: no scale-down until fresh data returns/);
    expect(table.stdout).toMatch(/pay\s+online\s+6\s+10\s+10\s+\+4\s+stale \d+s, held/);

    // 2. The exporter is back: fresh within a check or two, and the held scale-in is carried out.
    await exporter.start();
    await waitFor('pay scaled in to 6 and etl given its room once the data is fresh', () => levels().pay === 6 && levels().etl === 4, { timeoutMs: 30_000, process: first.child });
    expect(levels()).toEqual({ pay: 6, refund: 5, etl: 4 });
    expect(await metricValue(first.metricsUrl, 'chuanliu_demand_data_fresh{workload="pay"}')).toBe(1);
    expect(first.child.output()).toMatch(/pay: demand metrics fresh again; following the plan/);
    phase('2 fresh: scale-in done');
    expect(await exitCodeAfterTerm(first.child)).toBe(0);
    phase('first controller stopped');

    // 3. Prometheus stops; a new controller process follows a new plan asking for a further scale-in.
    await prometheus?.stop();
    prometheus = undefined;
    phase('prometheus stopped');
    const secondStartMs = systemClock.nowMs();
    const furtherInAtMs = secondStartMs + 2 * SLOT_MS;
    const second = await startController(planOf('plan-further-in', secondStartMs, furtherInAtMs, { pay: 6, refund: 5, etl: 4 }, { pay: 3, refund: 5, etl: 4 }), 'second');
    await waitFor('the second controller to hold pay on missing metrics', async () =>
      await metricValue(second.metricsUrl, 'chuanliu_data_holds_total{workload="pay",code="metrics-missing"}') >= 1, { timeoutMs: 30_000, process: second.child });
    await waitFor('the further scale-in to be 3 s overdue', () => systemClock.nowMs() > furtherInAtMs + 3_000);
    expect(levels()).toEqual({ pay: 6, refund: 5, etl: 4 });
    phase('3 missing: held');
    expect(await metricValue(second.metricsUrl, 'chuanliu_demand_data_fresh{workload="pay"}')).toBe(0);
    expect(second.child.output()).toMatch(/pay: metrics unavailable \(Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query_range is unreachable/);
    // No write ever took pay below the level it was held at.
    const payWrites = kube.requestLog.list({ verb: 'patch', subresource: 'scale' })
      .filter((entry) => entry.status >= 200 && entry.status < 300 && entry.namespace === 'shop' && entry.name === 'pay');
    expect(payWrites.length).toBe(1);
    expect(await exitCodeAfterTerm(second.child)).toBe(0);
    console.log(`controller freshness phases: ${phases.join(' · ')}`);
  }, 150_000);

  // After the test above: Prometheus is gone and the last plan (pay 6 → 3) is in Redis.
  it('reconcile --once (the CronJob variant): a failed forecast refresh does not stop the run; missing data holds, exit 1 naming the holds', async () => {
    const run = await chuanliu('reconcile', '--once', '--config', configPath, '--kubeconfig', kubeconfigPath, '--redis', redis.url, '--prometheus-url', prometheusUrl, '-o', 'json');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/forecast refresh failed, keeping the 0 stored forecasts: Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query_range is unreachable/);
    expect(run.stderr).toMatch(/held 2 workload\(s\) on missing or stale demand metrics \(the rest of the plan was applied\): pay metrics-missing, refund metrics-missing/);
    const tick = JSON.parse(run.stdout) as { status: string; planId: string; dataAlerts: Array<{ workload: string; code: string }> };
    // A new plan was made (from the live replicas, no forecasts) and the tick itself completed.
    expect(tick.status).toBe('done');
    expect(tick.planId).toMatch(/^plan-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(tick.dataAlerts.map((alert) => `${alert.workload} ${alert.code}`)).toEqual(['pay metrics-missing', 'refund metrics-missing']);
    expect(levels()).toEqual({ pay: 6, refund: 5, etl: 4 });
  }, 90_000);
});
