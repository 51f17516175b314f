/**
 * ioredis connections for chuanliu's Redis state and BullMQ. BullMQ's workers block on Redis and
 * need `maxRetriesPerRequest: null` (ioredis would otherwise fail their commands after 20
 * retries); the state store uses the same settings so a Redis restart is waited out, not fatal.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InputError } from '../../domain/errors.ts';

export type { Redis, RedisOptions };

/** Parses and checks a `redis://` or `rediss://` URL (a typo is bad input, exit 2). */
export function checkRedisUrl(url: string, source = '--redis'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`"${redactRedisUrl(url)}" is not a URL; expected redis://host:port[/db]`, { source });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError(`expected a redis:// or rediss:// URL, got ${parsed.protocol}`, { source });
  }
  return parsed;
}

/** The URL without its password, for logs and messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:[redacted]@');
}

/** ioredis options for a URL (BullMQ builds its own connections from these). */
export function redisOptionsFromUrl(url: string, options: { name?: string } = {}): RedisOptions {
  const parsed = checkRedisUrl(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new InputError(`"${parsed.pathname.slice(1)}" is not a Redis database number`, { source: '--redis' });
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(options.name !== undefined ? { connectionName: options.name } : {}),
    maxRetriesPerRequest: null,
  };
}

export function createRedis(url: string, options: { name?: string } = {}): Redis {
  return new Redis(redisOptionsFromUrl(url, options));
}

/** Closes a connection, quitting politely when it is up and dropping it otherwise. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
