/**
 * The spread forecast refresh's parts on a real redis-server, in one process (the two-process run
 * with the real controller is bullmq-forecast-refresh.test.ts): batches shared by two workers, a
 * batch that fails after its attempts and one nobody runs before the deadline are named per workload,
 * the same refresh enqueued twice runs once, and a late batch never overwrites a newer forecast.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ForecastRefreshCoordinator, ForecastWorkers } from '../../src/adapters/bullmq/forecast-workers.ts';
import type { ForecastBatchResult } from '../../src/adapters/bullmq/planning-cycles.ts';
import { closeRedis, createRedis, redisOptionsFromUrl, type Redis } from '../../src/adapters/bullmq/redis-connection.ts';
import { redisKeys, type RedisKeys } from '../../src/adapters/bullmq/redis-keys.ts';
import { RedisStateStore } from '../../src/adapters/bullmq/redis-state.ts';
import type { Forecast } from '../../src/domain/forecast.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

let server: RedisServer;
let redis: Redis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await closeRedis(redis);
  await server?.stop();
});

function forecastOf(workload: string, issuedAtMs: number, level = 100): Forecast {
  const band = Float64Array.from({ length: 4 }, () => level);
  return { workload, issuedAtMs, startMs: issuedAtMs, stepMs: 60_000, unit: 'requests/s', quantiles: [0.5], bands: [band], components: [{ kind: 'baseline', name: 'baseline', values: band }], model: 'test' };
}

function setup(keys: RedisKeys) {
  const state = new RedisStateStore(redis, keys);
  const coordinator = new ForecastRefreshCoordinator({ connection: redisOptionsFromUrl(server.url), prefix: keys.bullmqPrefix, redis, keys, clock: systemClock, batchSize: 2, pollMs: 50 });
  closers.push(() => coordinator.close());
  const startWorkers = (holder: string, forecastBatch: (nowMs: number, workloads: readonly string[]) => Promise<ForecastBatchResult>): ForecastWorkers => {
    const workers = new ForecastWorkers({ connection: redisOptionsFromUrl(server.url), prefix: keys.bullmqPrefix, redis, keys, state, forecastBatch, holder, concurrency: 1, lockDurationMs: 2_000 });
    workers.start();
    closers.unshift(() => workers.close());
    return workers;
  };
  return { state, coordinator, startWorkers };
}

const slowly = async (nowMs: number, workloads: readonly string[]): Promise<ForecastBatchResult> => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { forecasts: workloads.map((workload) => forecastOf(workload, nowMs)), eventsDigests: Object.fromEntries(workloads.map((workload) => [workload, 'd'])) };
};

describe('spread forecast refresh on a real redis-server', () => {
  it('shares batches between two workers and stores every forecast', async () => {
    const keys = redisKeys(`t-${randomUUID().slice(0, 8)}`);
    const { state, coordinator, startWorkers } = setup(keys);
    await Promise.all([startWorkers('a', slowly).waitUntilReady(), startWorkers('b', slowly).waitUntilReady()]);
    const names = Array.from({ length: 12 }, (_, index) => `w${index}`);
    const outcome = await coordinator.refresh(1_000_000, names, 30_000);
    expect(outcome.forecasts).toBe(12);
    expect(outcome.batches).toBe(6);
    expect(Object.keys(outcome.byHolder).sort()).toEqual(['a', 'b']);
    expect([...outcome.failed, ...outcome.late, ...outcome.unavailable]).toEqual([]);
    expect(Object.keys(outcome.eventsDigests).sort()).toEqual([...names].sort());
    expect([...(await state.loadForecasts()).keys()].sort()).toEqual([...names].sort());
  });

  it('names the workloads of a batch that failed after its attempts, and of batches not done by the deadline', async () => {
    const keys = redisKeys(`t-${randomUUID().slice(0, 8)}`);
    const { coordinator, startWorkers } = setup(keys);
    const failing = async (nowMs: number, workloads: readonly string[]): Promise<ForecastBatchResult> => {
      if (workloads.includes('bad')) throw new Error('prometheus unreachable');
      return slowly(nowMs, workloads);
    };
    await startWorkers('a', failing).waitUntilReady();
    const outcome = await coordinator.refresh(2_000_000, ['ok1', 'ok2', 'bad', 'ok3'], 30_000);
    expect([...outcome.failed].sort()).toEqual(['bad', 'ok3']);
    expect(outcome.failures[0]).toMatch(/prometheus unreachable/);
    expect(outcome.forecasts).toBe(2);

    // No worker on this prefix: nothing is done by the deadline, every workload is late.
    const idle = setup(redisKeys(`t-${randomUUID().slice(0, 8)}`));
    const late = await idle.coordinator.refresh(3_000_000, ['x', 'y', 'z'], 300);
    expect([...late.late].sort()).toEqual(['x', 'y', 'z']);
    expect(late.forecasts).toBe(0);
  }, 30_000);

  it('runs a refresh enqueued twice once, and a late batch never replaces a newer forecast', async () => {
    const keys = redisKeys(`t-${randomUUID().slice(0, 8)}`);
    const { state, coordinator, startWorkers } = setup(keys);
    let batchesRun = 0;
    await startWorkers('a', async (nowMs, workloads) => {
      batchesRun += 1;
      return slowly(nowMs, workloads);
    }).waitUntilReady();
    await coordinator.refresh(5_000_000, ['w1', 'w2'], 30_000);
    await coordinator.refresh(5_000_000, ['w1', 'w2'], 30_000);
    expect(batchesRun).toBe(1);

    await state.saveForecastsIfNewer([forecastOf('w1', 9_000_000, 300)]);
    expect(await state.saveForecastsIfNewer([forecastOf('w1', 6_000_000, 200), forecastOf('w2', 6_000_000, 200)])).toBe(1);
    const stored = await state.loadForecasts();
    expect(stored.get('w1')?.issuedAtMs).toBe(9_000_000);
    expect(stored.get('w2')?.issuedAtMs).toBe(6_000_000);
  }, 30_000);
});
