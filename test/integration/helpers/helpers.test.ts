/** The shared process helpers themselves: a real redis-server comes up, answers, and goes away. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.ts';
import { MissingBinaryError, requireBinary } from './process.ts';
import { ping, startRedis } from './redis.ts';

describe('integration helpers', () => {
  it('startRedis runs a real redis-server that answers PING until stopped', async () => {
    const redis = await startRedis();
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await ping(redis.host, redis.port)).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await ping(redis.host, redis.port)).toBe(false);
  });

  it('freePort gives a port one can listen on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    expect(port).toBeGreaterThan(1024);
    await new Promise((resolve) => server.close(resolve));
  });

  it('a missing binary fails loudly with the install hint instead of skipping', () => {
    expect(() => requireBinary('chuanliu-no-such-binary', 'apt-get install -y nothing')).toThrow(MissingBinaryError);
    expect(() => requireBinary('chuanliu-no-such-binary', 'apt-get install -y nothing')).toThrow(/not installed .*apt-get install -y nothing/);
  });
});
