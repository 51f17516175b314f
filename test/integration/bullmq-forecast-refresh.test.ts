/**
 * The forecast refresh spread over every replica, with real processes: a real redis-server, kube-api
 * over HTTP, and two `chuanliu controller` processes planning from real demand histories (the NAB NYC
 * taxi trace, time-shifted to end now, one per SYNTHETIC workload). Shown from Redis, not from the
 * controllers' logs: a refresh whose batches were forecast by both replicas (their outcomes name the
 * replica), every workload's stored forecast issued by that refresh, each replica's own metrics
 * counting the forecasts it made, and the plan made after it forecast-driven for every workload.
 * Then the replica that is not leading is killed (kill -9): the next refreshes still complete on the other.
 * No timing assertion: the bench part `forecast-refresh` measures speed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeForecast } from '../../src/adapters/bullmq/forecast-codec.ts';
import { decodePlan } from '../../src/adapters/plan-file.ts';
import { readTraceFile } from '../../src/adapters/traces/read-trace.ts';
import { parseConfigText } from '../../src/config/load-config.ts';
import { seriesEndMs } from '../../src/domain/series.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { freePort } from './helpers/free-port.ts';
import { startProcess, waitUntil, type RunningProcess } from './helpers/process.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

const TRACE = resolve('sim/traces/nab-nyc-taxi/nyc_taxi.csv');
const BUCKET_MS = 30 * 60_000;
const WORKLOADS = 12;
const names = Array.from({ length: WORKLOADS }, (_, index) => `svc-${String(index).padStart(2, '0')}`);

/** SYNTHETIC inventory (sizes made up) around a real demand history, scaled differently per workload. */
function configYaml(timeShiftMs: number): string {
  return [
    'planning: { slot: 30m, horizon: 6h, applyLatency: 1s, scaleInStabilization: 1m }',
    'forecast: { bucket: 30m, history: 21d }',
    'controller: { namespaces: [shop, batch] }',
    'nodePools:',
    '  - { name: general, perNode: { cpu: "64", memory: 256Gi }, baseNodes: 8 }',
    'online:',
    ...names.map((name, index) => `  - { name: ${name}, ref: { kind: Deployment, namespace: shop }, rpsPerReplica: 100, perReplica: { cpu: 100m, memory: 128Mi }, startup: { p50: 1s, p95: 2s }, minReplicas: 1, maxReplicas: 500, demand: { kind: csv, path: ${JSON.stringify(TRACE)}, timeShift: ${timeShiftMs}ms, scale: ${1 + index / 10} } }`),
    'offline:',
    '  - { name: etl, ref: { kind: Deployment, namespace: batch }, maxReplicas: 10, perReplica: { cpu: 500m, memory: 512Mi }, drain: 1s }',
    '',
  ].join('\n');
}

let directory: string;
let redisServer: RedisServer;
let redis: Redis;
let kube: RunningKubeApi;
const replicas = new Map<string, { process: RunningProcess; metricsUrl: string }>();

async function startReplica(holder: string, configPath: string, kubeconfigPath: string): Promise<void> {
  const port = await freePort();
  const process_ = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller', '--config', configPath, '--redis', redisServer.url, '--kubeconfig', kubeconfigPath,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--lease-ttl', '2s', '--job-lock', '3s', '--holder', holder,
    '--forecast-every', '4s', '--plan-every', '4s', '--watch-every', 'off', '--forecast-batch', '1', '--forecast-workers', '1', '--log-level', 'warn',
  ]);
  replicas.set(holder, { process: process_, metricsUrl: `http://127.0.0.1:${port}` });
  await waitUntil(`${holder} ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, { process: process_, timeoutMs: 60_000, intervalMs: 200 });
}

interface Outcome { holder: string; forecasts: number; failed?: string }

/** Refreshes in Redis: id → batch outcomes. */
async function refreshes(): Promise<Map<string, Outcome[]>> {
  const keys = await redis.keys('chuanliu:forecast-refresh:*');
  const result = new Map<string, Outcome[]>();
  for (const key of keys) result.set(key.slice('chuanliu:forecast-refresh:'.length), Object.values(await redis.hgetall(key)).map((text) => JSON.parse(text) as Outcome));
  return result;
}

async function forecastsComputed(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return Number(/^chuanliu_forecasts_computed_total (\d+)/m.exec(text)?.[1] ?? 'NaN');
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-forecast-refresh-'));
  const { series } = await readTraceFile(TRACE);
  const timeShiftMs = Math.floor((Date.now() - seriesEndMs(series)) / BUCKET_MS) * BUCKET_MS;
  const configPath = join(directory, 'config.yaml');
  const text = configYaml(timeShiftMs);
  await writeFile(configPath, text);
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  kube = await startKubeApi({ clock: systemClock, podStartupMs: 1_000, objects: inventoryObjects(parseConfigText(text, configPath).inventory) });
  const kubeconfigPath = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
  await Promise.all([startReplica('replica-a', configPath, kubeconfigPath), startReplica('replica-b', configPath, kubeconfigPath)]);
}, 120_000);

afterAll(async () => {
  for (const replica of replicas.values()) await replica.process.stop();
  redis?.disconnect();
  await kube?.close();
  await redisServer?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('forecast refresh spread over two controller replicas', () => {
  it('both replicas forecast batches of one refresh, every forecast is stored, and the next plan is made from them', async () => {
    let shared: { id: string; outcomes: Outcome[] } | undefined;
    await waitUntil('a refresh whose batches both replicas forecast', async () => {
      for (const [id, outcomes] of await refreshes()) {
        const holders = new Set(outcomes.map((outcome) => outcome.holder));
        if (outcomes.length === WORKLOADS && holders.has('replica-a') && holders.has('replica-b')) shared = { id, outcomes };
      }
      return shared !== undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    const refreshNowMs = Number(shared!.id.slice(1));
    expect(shared!.outcomes.every((outcome) => outcome.failed === undefined && outcome.forecasts === 1)).toBe(true);
    for (const replica of replicas.values()) expect(await forecastsComputed(replica.metricsUrl)).toBeGreaterThan(0);

    // Stored forecasts come from a spread refresh (the same or a later one), made for every workload.
    const stored = await redis.hgetall('chuanliu:state:forecasts');
    expect(Object.keys(stored).sort()).toEqual(names);
    for (const name of names) expect(decodeForecast(stored[name]!, name).issuedAtMs).toBeGreaterThanOrEqual(refreshNowMs);

    // The plan made after that refresh is forecast-driven for every workload: demand known in its first slot.
    await waitUntil('a plan made after the shared refresh', async () => {
      const text = await redis.get('chuanliu:state:plan');
      return text !== null && decodePlan(text, 'redis').createdAtMs >= refreshNowMs;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const plan = decodePlan((await redis.get('chuanliu:state:plan'))!, 'redis');
    for (const name of names) {
      const detail = plan.explanation?.workloads[name];
      expect(Number.isFinite(detail?.demandRps?.[0])).toBe(true);
    }
    // Different demand scales give different forecasts, so the plan is not the same for all.
    const demands = new Set(names.map((name) => Math.round(plan.explanation!.workloads[name]!.demandRps![0]!)));
    expect(demands.size).toBeGreaterThan(1);
  }, 180_000);

  it('a replica killed (kill -9) while refreshes run loses nothing: the next refreshes complete on the other', async () => {
    const leaderHolder = ((await redis.get('chuanliu:leader')) ?? '').includes('replica-a') ? 'replica-a' : 'replica-b';
    const standbyHolder = leaderHolder === 'replica-a' ? 'replica-b' : 'replica-a';
    const before = new Set((await refreshes()).keys());
    replicas.get(standbyHolder)!.process.child.kill('SIGKILL');
    // Its running batch's lock lapses (3 s) and the stalled check hands it back; the refresh completes.
    await waitUntil('a complete refresh after the kill', async () => {
      for (const [id, outcomes] of await refreshes()) {
        if (!before.has(id) && outcomes.length === WORKLOADS && outcomes.every((outcome) => outcome.failed === undefined)) return true;
      }
      return false;
    }, { timeoutMs: 90_000, intervalMs: 500, process: replicas.get(leaderHolder)!.process });
  }, 120_000);
});
