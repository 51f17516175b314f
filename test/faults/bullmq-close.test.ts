/**
 * Regression: BullMQ's Worker.close() called while Redis is unreachable never resolves, even once
 * Redis is back (taskforcesh/bullmq#4656). A controller stepping down because Redis went away hung
 * there for ever: it never took the lease again, and the shift stopped. The queue's close is now
 * bounded, reports what it left behind, and the controller can lead again.
 */
import { describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.ts';
import { redisOptionsFromUrl } from '../../src/adapters/bullmq/redis-connection.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { startRestartableRedis } from './helpers/restartable-redis.ts';

describe('BullmqJobQueue.close while Redis is down', () => {
  it.each([{ keepData: true }, { keepData: false }])('returns (within closeTimeoutMs) even when Redis comes back only later (with its data: $keepData)', async ({ keepData }) => {
    const redis = await startRestartableRedis();
    const errors: string[] = [];
    const queue = new BullmqJobQueue<{ step: number }>({
      connection: redisOptionsFromUrl(redis.url), queueName: 'steps', clock: systemClock, closeTimeoutMs: 3_000,
      onError: (error) => errors.push(error.message),
    });
    try {
      const handled: number[] = [];
      await queue.schedule({ id: 'first', runAtMs: systemClock.nowMs(), payload: { step: 1 } });
      await queue.schedule({ id: 'later', runAtMs: systemClock.nowMs() + 60_000, payload: { step: 2 } });
      queue.process(async (job) => {
        handled.push(job.payload.step);
      });
      await queue.waitUntilReady();
      while (handled.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const closing = queue.close();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await redis.start({ keepData });
      // Before the fix this never resolved (the test timeout catches a relapse). When BullMQ's own
      // close is stuck, the queue says it left the worker behind.
      const startedMs = performance.now();
      await closing;
      const leftBehind = errors.filter((message) => /closing the BullMQ worker and queue took longer than 3000 ms/.test(message));
      expect(leftBehind.length <= 1).toBe(true);
      expect(handled).toEqual([1]);
      process.stderr.write(`BullMQ close with Redis down (data kept: ${keepData}): ${leftBehind.length > 0 ? 'stuck, left behind after the timeout' : 'closed'} ${Math.round(performance.now() - startedMs)} ms after Redis returned\n`);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
