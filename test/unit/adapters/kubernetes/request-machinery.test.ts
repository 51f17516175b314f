import { ApiException } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/memory/manual-clock.ts';
import { classify } from '../../../../src/adapters/kubernetes/api-errors.ts';
import { Annotations, chuanliuAnnotations, provenanceAnnotations } from '../../../../src/adapters/kubernetes/annotations.ts';
import { KeyedMutex, Semaphore } from '../../../../src/adapters/kubernetes/concurrency.ts';
import { TokenBucket } from '../../../../src/adapters/kubernetes/token-bucket.ts';

async function flush(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('token bucket', () => {
  it('lets a burst through at once, then paces at qps', async () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket({ qps: 10, burst: 3 }, clock);
    const granted: number[] = [];
    const takes = Array.from({ length: 6 }, (_, index) => bucket.take().then(() => granted.push(index)));
    await flush();
    expect(granted).toEqual([0, 1, 2]);
    await clock.advance(100);
    await flush();
    expect(granted).toEqual([0, 1, 2, 3]);
    await clock.advance(200);
    await Promise.all(takes);
    expect(granted).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('property: over any schedule, grants never outrun burst + qps × elapsed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 10 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 15 }), async (qps, burst, steps) => {
        const clock = new ManualClock(0);
        const bucket = new TokenBucket({ qps, burst }, clock);
        let granted = 0;
        for (let index = 0; index < 40; index += 1) void bucket.take().then(() => (granted += 1));
        for (const stepMs of steps) {
          await clock.advance(stepMs);
          await flush();
          expect(granted).toBeLessThanOrEqual(burst + Math.floor((qps * clock.nowMs()) / 1000) + 1);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('rejects a limit that would never grant', () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 }, new ManualClock(0))).toThrow(RangeError);
  });
});

describe('bounded concurrency', () => {
  it('a semaphore never runs more than its capacity at once', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const work = Array.from({ length: 10 }, () =>
      semaphore.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
      }),
    );
    for (let round = 0; round < 10; round += 1) {
      await flush();
      releases.shift()?.();
    }
    await Promise.all(work);
    expect(peak).toBe(3);
  });

  it('a keyed mutex serialises work on one key, in call order, and keeps going after a failure', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const step = (label: string, fail = false) => async (): Promise<void> => {
      order.push(`start ${label}`);
      await flush();
      order.push(`end ${label}`);
      if (fail) throw new Error(label);
    };
    await Promise.allSettled([mutex.run('a', step('a1', true)), mutex.run('a', step('a2')), mutex.run('b', step('b1'))]);
    expect(order.indexOf('end a1')).toBeLessThan(order.indexOf('start a2'));
    expect(order.indexOf('start b1')).toBeLessThan(order.indexOf('end a1'));
  });
});

describe('API failure classes', () => {
  it.each([
    { name: '409', error: new ApiException(409, 'x', '{"message":"modified"}', {}), kind: 'conflict' },
    { name: '404', error: new ApiException(404, 'x', '', {}), kind: 'not-found' },
    { name: '429 with Retry-After', error: new ApiException(429, 'x', '', { 'retry-after': '2' }), kind: 'throttled', retryAfterMs: 2000 },
    { name: '503', error: new ApiException(503, 'x', '', {}), kind: 'transient' },
    { name: '422', error: new ApiException(422, 'x', { message: 'spec.minReplicas: Invalid' }, {}), kind: 'rejected' },
    { name: 'connection reset', error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), kind: 'transient' },
  ])('$name → $kind', ({ name: _name, error, kind, ...rest }) => {
    expect(classify(error)).toMatchObject({ kind, ...rest });
  });

  it('keeps the API server\'s message', () => {
    expect(classify(new ApiException(422, 'x', '{"message":"spec.minReplicas: must be ≤ maxReplicas"}', {})).message).toBe('HTTP 422: spec.minReplicas: must be ≤ maxReplicas');
  });
});

describe('provenance annotations', () => {
  it('say when, which plan and step, and why; long messages are cut', () => {
    const annotations = provenanceAnnotations({ planId: 'p1', stepId: 'p1/s3', reason: 'offline-release', message: 'x'.repeat(5000), atMs: Date.UTC(2025, 10, 11, 11, 45) });
    expect(annotations).toMatchObject({ [Annotations.planId]: 'p1', [Annotations.stepId]: 'p1/s3', [Annotations.reason]: 'offline-release', [Annotations.lastWriteAt]: '2025-11-11T11:45:00.000Z' });
    expect(annotations[Annotations.message]).toHaveLength(1024);
    expect(chuanliuAnnotations({ ...annotations, 'deployment.kubernetes.io/revision': '3' })).toEqual(annotations);
  });
});
