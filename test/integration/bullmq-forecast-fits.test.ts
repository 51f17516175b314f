/**
 * Kept forecast fits across a spread refresh, on a real redis-server with the real forecaster: two
 * "replicas" (two PlanningSources, nothing shared but Redis) refresh four workloads with SYNTHETIC
 * 14-day CSV histories. The first refresh fits every workload and stores the fits in Redis; an hour
 * later every forecast is made on a kept fit, whichever replica runs its batch; a fit damaged in
 * Redis is said out loud and refit; `forecast.refitEvery: 0s` refits every time.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ForecastRefreshCoordinator, ForecastWorkers } from '../../src/adapters/bullmq/forecast-workers.ts';
import { closeRedis, createRedis, redisOptionsFromUrl, type Redis } from '../../src/adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../../src/adapters/bullmq/redis-keys.ts';
import { RedisStateStore } from '../../src/adapters/bullmq/redis-state.ts';
import { parseConfigText } from '../../src/config/load-config.ts';
import { createRng } from '../../src/domain/random.ts';
import { HOUR_MS } from '../../src/domain/units.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { PlanningSource } from '../../src/runtime/planning-source/planning-source.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

const BUCKET_MS = 30 * 60_000;
const NOW_MS = Date.UTC(2026, 10, 30, 12);
const WORKLOADS = ['pay-0', 'pay-1', 'pay-2', 'pay-3'];

let server: RedisServer;
let redis: Redis;
let directory: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-fits-'));
  const rng = createRng(5);
  for (const [index, workload] of WORKLOADS.entries()) {
    const rows = ['timestamp,value'];
    // SYNTHETIC: a daily sine with noise, 14 days before NOW_MS and 3 hours after it.
    for (let bucket = -14 * 48; bucket < 6; bucket++) {
      const atMs = NOW_MS + bucket * BUCKET_MS;
      const hour = (atMs / HOUR_MS + index * 3) % 24;
      rows.push(`${new Date(atMs).toISOString()},${(500 * (1 + 0.5 * Math.sin((2 * Math.PI * hour) / 24)) * (0.95 + 0.1 * rng())).toFixed(1)}`);
    }
    await writeFile(join(directory, `${workload}.csv`), `${rows.join('\n')}\n`);
  }
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await closeRedis(redis);
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
});

function configText(refitEvery: string): string {
  return [
    'planning: { slot: 30m, horizon: 6h }', `forecast: { bucket: 30m, history: 14d, refitEvery: ${refitEvery} }`,
    'nodePools:', '  - { name: general, perNode: { cpu: "64", memory: 256Gi }, baseNodes: 10 }', 'online:',
    ...WORKLOADS.map((workload) => `  - { name: ${workload}, ref: { kind: Deployment, namespace: shop }, rpsPerReplica: 100, perReplica: { cpu: 100m, memory: 128Mi }, startup: { p50: 10s, p95: 30s }, minReplicas: 1, maxReplicas: 100, demand: { kind: csv, path: ${workload}.csv } }`),
  ].join('\n');
}

function setup(refitEvery: string) {
  const keys = redisKeys(`t-${randomUUID().slice(0, 8)}`);
  const state = new RedisStateStore(redis, keys);
  const coordinator = new ForecastRefreshCoordinator({ connection: redisOptionsFromUrl(server.url), prefix: keys.bullmqPrefix, redis, keys, clock: systemClock, batchSize: 1, pollMs: 50 });
  closers.push(() => coordinator.close());
  const errors: string[] = [];
  for (const holder of ['a', 'b']) {
    // Each replica its own PlanningSource: nothing shared in memory, only Redis.
    const source = new PlanningSource({ config: parseConfigText(configText(refitEvery), join(directory, 'config.yaml'), { baseDir: directory }) });
    const workers = new ForecastWorkers({
      connection: redisOptionsFromUrl(server.url), prefix: keys.bullmqPrefix, redis, keys, state, holder, concurrency: 1, lockDurationMs: 5_000,
      forecastBatch: source.forecastBatch.bind(source), onError: (error) => errors.push(error.message),
    });
    workers.start();
    closers.unshift(() => workers.close());
  }
  return { keys, state, coordinator, errors };
}

describe('kept forecast fits in a spread refresh (real redis-server, real forecaster)', () => {
  it('fits on the first refresh, reuses the fits from Redis an hour later on any replica, refits a damaged one', async () => {
    const { keys, state, coordinator, errors } = setup('24h');
    const first = await coordinator.refresh(NOW_MS, WORKLOADS, 60_000);
    expect(first.forecasts).toBe(4);
    expect(first.fitsReused).toBe(0);
    const stored = await state.loadDemandFits(WORKLOADS);
    expect([...stored.fits.keys()].sort()).toEqual(WORKLOADS);
    for (const fit of stored.fits.values()) expect(fit.fittedAtMs).toBe(NOW_MS);

    const second = await coordinator.refresh(NOW_MS + HOUR_MS, WORKLOADS, 60_000);
    expect(second.forecasts).toBe(4);
    expect(second.fitsReused).toBe(4);
    const forecasts = await state.loadForecasts();
    for (const workload of WORKLOADS) {
      expect(forecasts.get(workload)?.issuedAtMs).toBe(NOW_MS + HOUR_MS);
      expect(forecasts.get(workload)?.model).toContain('(fit of 1h ago reused)');
    }
    expect(errors).toEqual([]);

    await redis.hset(keys.demandFits, 'pay-2', '{"version": 1, "workload": "pay-2"}');
    const third = await coordinator.refresh(NOW_MS + 2 * HOUR_MS, WORKLOADS, 60_000);
    expect(third.fitsReused).toBe(3);
    expect(errors).toEqual([expect.stringMatching(/^stored forecast fits could not be read, refitting: pay-2: stored fit: fit\.statistical is not an object/)]);
    expect((await state.loadDemandFits(['pay-2'])).fits.get('pay-2')?.fittedAtMs).toBe(NOW_MS + 2 * HOUR_MS);
  }, 120_000);

  it('refits every time with forecast.refitEvery: 0s', async () => {
    const { coordinator } = setup('0s');
    expect((await coordinator.refresh(NOW_MS, WORKLOADS, 60_000)).fitsReused).toBe(0);
    const again = await coordinator.refresh(NOW_MS + HOUR_MS, WORKLOADS, 60_000);
    expect(again.forecasts).toBe(4);
    expect(again.fitsReused).toBe(0);
  }, 120_000);
});
