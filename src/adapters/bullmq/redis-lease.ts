/**
 * A lease in Redis (SET NX PX with a random token), so only one controller replica applies plan
 * steps at a time. The holder renews it every `ttlMs / 3`; a holder that dies (kill -9) loses it
 * after `ttlMs` and a standby takes over. Renew and release compare the token in a Lua script, so
 * a replica that lost the lease (paused past its TTL) can never extend or delete the new holder's.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from './redis-connection.ts';

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface RedisLeaseOptions {
  readonly redis: Redis;
  readonly key: string;
  /** How long the lease lasts without renewal. @defaultValue 10 s */
  readonly ttlMs?: number;
  /** Written as the lease's value prefix, so `GET` shows who holds it. @defaultValue a random id */
  readonly holder?: string;
}

export class RedisLease {
  readonly ttlMs: number;
  readonly token: string;
  private readonly redis: Redis;
  private readonly key: string;

  constructor(options: RedisLeaseOptions) {
    this.redis = options.redis;
    this.key = options.key;
    this.ttlMs = options.ttlMs ?? 10_000;
    if (!(this.ttlMs >= 100)) throw new RangeError(`lease ttlMs must be ≥ 100, got ${this.ttlMs}`);
    this.token = `${options.holder ?? 'controller'}/${randomUUID()}`;
  }

  /** Takes the lease if nobody holds it; true when this instance holds it now. */
  async tryAcquire(): Promise<boolean> {
    const answer = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    if (answer === 'OK') return true;
    // Already ours (a retry after a lost reply): renew instead.
    return this.renew();
  }

  /** Extends the lease; false when it is no longer ours (expired and taken, or released). */
  async renew(): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }

  /** Who holds the lease now (its token), or undefined. */
  async holder(): Promise<string | undefined> {
    return (await this.redis.get(this.key)) ?? undefined;
  }
}
