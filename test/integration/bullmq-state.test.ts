/**
 * The Redis side of the controller against a real redis-server (a fresh key prefix per test): the
 * applied-steps store (first record wins, also under concurrent writers), the leader lease
 * (exclusive, renewable, taken over after expiry, released only by its holder), and the plan and
 * forecast state a restarted controller reads back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAppliedStepStore } from '../../src/adapters/bullmq/redis-applied-steps.ts';
import { closeRedis, createRedis, type Redis } from '../../src/adapters/bullmq/redis-connection.ts';
import { redisKeys, type RedisKeys } from '../../src/adapters/bullmq/redis-keys.ts';
import { RedisLease } from '../../src/adapters/bullmq/redis-lease.ts';
import { RedisStateStore } from '../../src/adapters/bullmq/redis-state.ts';
import { RuntimeFailure } from '../../src/domain/errors.ts';
import type { AppliedStepRecord } from '../../src/ports/applied-steps.ts';
import { syntheticShift } from '../unit/adapters/bullmq/synthetic-shift.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

let server: RedisServer;
const connections: Redis[] = [];

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await Promise.all(connections.map(closeRedis));
  await server?.stop();
});

function connect(): Redis {
  const redis = createRedis(server.url);
  connections.push(redis);
  return redis;
}

function freshKeys(): RedisKeys {
  return redisKeys(`t-${randomUUID().slice(0, 8)}`);
}

function record(stepId: string, appliedAtMs: number, overrides: Partial<AppliedStepRecord> = {}): AppliedStepRecord {
  return { planId: 'plan-1', stepId, target: 'etl', toReplicas: 0, direction: 'release', appliedAtMs, ...overrides };
}

describe('RedisAppliedStepStore', () => {
  it('keeps the first record of a step (a replayed tick does not move the drain clock) in first-marked order', async () => {
    const store = new RedisAppliedStepStore({ redis: connect(), keys: freshKeys() });
    await store.markApplied(record('release-etl', 1_000));
    await store.markApplied(record('acquire-pay', 2_000, { target: 'pay', direction: 'acquire', toReplicas: 9 }));
    await store.markApplied(record('release-etl', 5_000, { toReplicas: 3 }));
    expect(await store.list('plan-1')).toEqual([
      record('release-etl', 1_000),
      record('acquire-pay', 2_000, { target: 'pay', direction: 'acquire', toReplicas: 9 }),
    ]);
    expect(await store.list('plan-2')).toEqual([]);
  });

  it('records a step once when two controllers mark it at the same time', async () => {
    const keys = freshKeys();
    const stores = [new RedisAppliedStepStore({ redis: connect(), keys }), new RedisAppliedStepStore({ redis: connect(), keys })];
    await Promise.all(Array.from({ length: 50 }, (_, index) => stores[index % 2]!.markApplied(record(`step-${index % 10}`, index))));
    const listed = await stores[0]!.list('plan-1');
    expect(listed.map((entry) => entry.stepId).sort()).toEqual(Array.from({ length: 10 }, (_, index) => `step-${index}`).sort());
  });

  it('expires a plan\'s records after the retention time', async () => {
    const redis = connect();
    const keys = freshKeys();
    const store = new RedisAppliedStepStore({ redis, keys, retentionMs: 60_000 });
    await store.markApplied(record('release-etl', 1_000));
    const ttlMs = await redis.pttl(keys.appliedList('plan-1'));
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
  });

  it('throws RuntimeFailure when Redis is gone, so the controller holds capacity', async () => {
    const redis = createRedis(server.url);
    await redis.quit();
    const store = new RedisAppliedStepStore({ redis, keys: freshKeys() });
    await expect(store.list('plan-1')).rejects.toBeInstanceOf(RuntimeFailure);
    await expect(store.markApplied(record('x', 1))).rejects.toBeInstanceOf(RuntimeFailure);
  });
});

describe('RedisLease', () => {
  it('is held by one replica at a time, renewed by its holder only, and released only by its holder', async () => {
    const key = freshKeys().leader;
    const a = new RedisLease({ redis: connect(), key, ttlMs: 5_000, holder: 'a' });
    const b = new RedisLease({ redis: connect(), key, ttlMs: 5_000, holder: 'b' });
    const [gotA, gotB] = await Promise.all([a.tryAcquire(), b.tryAcquire()]);
    expect([gotA, gotB].filter(Boolean)).toHaveLength(1);
    const [holder, other] = gotA ? [a, b] : [b, a];
    expect(await holder.renew()).toBe(true);
    expect(await holder.tryAcquire()).toBe(true);
    expect(await other.renew()).toBe(false);
    await other.release();
    expect(await other.holder()).toBe(holder.token);
    await holder.release();
    expect(await other.tryAcquire()).toBe(true);
  });

  it('is taken over once its holder stops renewing it', async () => {
    const key = freshKeys().leader;
    const dead = new RedisLease({ redis: connect(), key, ttlMs: 300, holder: 'dead' });
    const standby = new RedisLease({ redis: connect(), key, ttlMs: 300, holder: 'standby' });
    expect(await dead.tryAcquire()).toBe(true);
    expect(await standby.tryAcquire()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await standby.tryAcquire()).toBe(true);
    // The old holder, back from a pause, can neither renew nor delete the new holder's lease.
    expect(await dead.renew()).toBe(false);
    await dead.release();
    expect(await standby.holder()).toBe(standby.token);
  });
});

describe('RedisStateStore', () => {
  const nowMs = Date.UTC(2024, 10, 11, 11, 50);
  const shift = syntheticShift({ onlineCount: 3, offlineCount: 2, nowMs, peakAtMs: nowMs + 60_000 });

  it('gives a restarted controller the plan and forecasts it stored, typed arrays and NaN intact', async () => {
    const keys = freshKeys();
    const before = new RedisStateStore(connect(), keys);
    expect(await before.loadPlan()).toBeUndefined();
    const forecast = shift.forecasts.get('pay-0000')!;
    const withGap = { ...forecast, bands: forecast.bands.map((band) => Float64Array.from(band, (value, index) => (index === 2 ? Number.NaN : value))) };
    await before.savePlan(shift.plan);
    await before.saveForecasts([withGap, shift.forecasts.get('pay-0001')!]);
    await before.markCycle('plan', nowMs);

    const after = new RedisStateStore(connect(), keys);
    const plan = await after.loadPlan();
    expect(plan?.id).toBe(shift.plan.id);
    expect(plan?.replicas['pay-0000']).toEqual(shift.plan.replicas['pay-0000']);
    expect(plan?.replicas['pay-0000']).toBeInstanceOf(Int32Array);
    expect(plan?.steps).toEqual(shift.plan.steps);
    const forecasts = await after.loadForecasts();
    expect([...forecasts.keys()].sort()).toEqual(['pay-0000', 'pay-0001']);
    expect(forecasts.get('pay-0000')?.bands[0]).toBeInstanceOf(Float64Array);
    expect(Number.isNaN(forecasts.get('pay-0000')?.bands[1]?.[2])).toBe(true);
    expect(forecasts.get('pay-0000')?.bands[1]?.[3]).toBe(withGap.bands[1]?.[3]);
    expect(await after.lastCycle('plan')).toBe(nowMs);
    expect(await after.lastCycle('forecast')).toBeUndefined();
  });

  it('refuses a corrupt stored plan with RuntimeFailure instead of following it', async () => {
    const redis = connect();
    const keys = freshKeys();
    await redis.set(keys.plan, '{"apiVersion":"chuanliu.io/v1","kind":"CapacityPlan","id":""}');
    await expect(new RedisStateStore(redis, keys).loadPlan()).rejects.toThrow(/plan stored in Redis is malformed/);
  });
});
