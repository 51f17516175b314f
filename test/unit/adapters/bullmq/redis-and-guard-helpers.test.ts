/**
 * Small pure pieces of the Redis/BullMQ adapter: Redis URLs (parsed, checked, never logged with
 * their password), key prefixes, the forecast codec, and guard samples against the forecast band.
 */
import { describe, expect, it } from 'vitest';
import { decodeForecast, encodeForecast } from '../../../../src/adapters/bullmq/forecast-codec.ts';
import { guardSamples } from '../../../../src/adapters/bullmq/live-rates.ts';
import { checkRedisUrl, redactRedisUrl, redisOptionsFromUrl } from '../../../../src/adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../../../../src/adapters/bullmq/redis-keys.ts';
import { InputError, RuntimeFailure } from '../../../../src/domain/errors.ts';
import { syntheticShift } from './synthetic-shift.ts';

const NOW_MS = Date.UTC(2024, 10, 11, 11, 50);
const shift = syntheticShift({ onlineCount: 1, offlineCount: 1, nowMs: NOW_MS, peakAtMs: NOW_MS + 10_000 });

describe('Redis URLs', () => {
  it.each([
    { url: 'redis://127.0.0.1:6380', options: { host: '127.0.0.1', port: 6380, db: 0 } },
    { url: 'redis://redis.chuanliu-system', options: { host: 'redis.chuanliu-system', port: 6379, db: 0 } },
    { url: 'redis://:s3cret@redis:6379/2', options: { host: 'redis', port: 6379, db: 2, password: 's3cret' } },
    { url: 'rediss://ops:p%40ss@cache.example:6380/1', options: { host: 'cache.example', port: 6380, db: 1, username: 'ops', password: 'p@ss', tls: {} } },
  ])('reads $url', ({ url, options }) => {
    expect(redisOptionsFromUrl(url)).toEqual({ ...options, maxRetriesPerRequest: null });
  });

  it.each([
    { url: 'localhost:6379', message: /expected a redis:\/\/ or rediss:\/\/ URL/ },
    { url: 'http://localhost:6379', message: /expected a redis:\/\/ or rediss:\/\/ URL, got http:/ },
    { url: 'not a url', message: /is not a URL/ },
    { url: 'redis://localhost/x', message: /"x" is not a Redis database number/ },
  ])('refuses $url as bad input naming --redis', ({ url, message }) => {
    expect(() => redisOptionsFromUrl(url)).toThrow(InputError);
    expect(() => redisOptionsFromUrl(url)).toThrow(message);
    try {
      checkRedisUrl(url);
      redisOptionsFromUrl(url);
    } catch (error) {
      expect((error as InputError).location.source).toBe('--redis');
    }
  });

  it('never shows a password', () => {
    expect(redactRedisUrl('redis://ops:s3cret@redis:6379/0')).toBe('redis://ops:[redacted]@redis:6379/0');
    expect(redactRedisUrl('redis://:s3cret@redis')).toBe('redis://:[redacted]@redis');
    expect(redactRedisUrl('redis://redis:6379')).toBe('redis://redis:6379');
    expect(() => checkRedisUrl('http://ops:s3cret@redis')).not.toThrow(/s3cret/);
  });
});

describe('redis keys', () => {
  it('puts every key under the prefix, BullMQ under its own', () => {
    const keys = redisKeys('cluster-a');
    expect([keys.plan, keys.forecasts, keys.cycles, keys.leader, keys.appliedSet('p1'), keys.appliedList('p1')].every((key) => key.startsWith('cluster-a:'))).toBe(true);
    expect(keys.bullmqPrefix).toBe('cluster-a-bull');
  });

  it.each(['', 'a:b', 'with space', '-leading'])('refuses the prefix %j as bad input naming --redis-prefix', (prefix) => {
    expect(() => redisKeys(prefix)).toThrow(InputError);
    expect(() => redisKeys(prefix)).toThrow(/^--redis-prefix: /);
  });
});

describe('forecast codec', () => {
  it('round-trips a forecast with NaN buckets and reserves', () => {
    const forecast = shift.forecasts.get('pay-0000')!;
    const withGaps = {
      ...forecast,
      bands: forecast.bands.map((band) => Float64Array.from(band, (value, index) => (index === 1 ? Number.NaN : value))),
      reserves: [{ kind: 'pulse-reserve' as const, name: 'pulse-reserve', quantile: 0.99, values: Float64Array.of(1, 2, Number.NaN) }],
    };
    const decoded = decodeForecast(encodeForecast(withGaps), 'redis:test');
    expect(decoded).toEqual(withGaps);
    expect(decoded.bands[0]).toBeInstanceOf(Float64Array);
  });

  it.each([
    { name: 'not JSON', text: '{', message: /redis:x: stored forecast is not JSON/ },
    { name: 'bands without quantiles', text: JSON.stringify({ ...JSON.parse(encodeForecast(shift.forecasts.get('pay-0000')!)), quantiles: [0.5] }), message: /one band per quantile/ },
    { name: 'a missing field', text: JSON.stringify({ workload: 'pay' }), message: /malformed at issuedAtMs/ },
  ])('refuses $name with RuntimeFailure', ({ text, message }) => {
    expect(() => decodeForecast(text, 'redis:x')).toThrow(RuntimeFailure);
    expect(() => decodeForecast(text, 'redis:x')).toThrow(message);
  });
});

describe('guard samples', () => {
  it.each([
    { name: 'a forecast workload gets its p99 band now', workload: 'pay-0000', quantile: 0.99, atMs: NOW_MS + 2_500, band: 100 },
    { name: 'during the peak the band is higher', workload: 'pay-0000', quantile: 0.99, atMs: NOW_MS + 10_000, band: 300 },
    { name: 'a quantile the forecast lacks gives no band', workload: 'pay-0000', quantile: 0.9, atMs: NOW_MS, band: Number.NaN },
    { name: 'a workload without forecast gives no band', workload: 'unknown', quantile: 0.99, atMs: NOW_MS, band: Number.NaN },
    { name: 'a time past the forecast gives no band', workload: 'pay-0000', quantile: 0.99, atMs: NOW_MS + 86_400_000, band: Number.NaN },
  ])('$name', ({ workload, quantile, atMs, band }) => {
    const [sample] = guardSamples({ rates: new Map([[workload, 250]]), forecasts: shift.forecasts, bandQuantile: quantile, nowMs: atMs });
    expect(sample).toEqual({ workload, timeMs: atMs, observedRps: 250, bandRps: band });
  });
});
