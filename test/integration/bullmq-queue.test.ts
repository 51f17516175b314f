/**
 * The BullMQ JobQueue adapter against a real redis-server (a fresh queue name per test): the port's
 * contract (idempotent ids, due order, retries with backoff, cancel) plus what Redis adds (jobs
 * survive the process, several workers share a queue without running a job twice, a job whose
 * worker died is taken over).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.ts';
import { redisOptionsFromUrl } from '../../src/adapters/bullmq/redis-connection.ts';
import type { QueueEvent } from '../../src/adapters/memory/in-process-queue.ts';
import type { QueuedJob } from '../../src/ports/job-queue.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

const systemClock = { nowMs: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

type Payload = { readonly label: string };

function makeQueue(queueName: string, options: Partial<ConstructorParameters<typeof BullmqJobQueue<Payload>>[0]> = {}): BullmqJobQueue<Payload> {
  return new BullmqJobQueue<Payload>({
    connection: redisOptionsFromUrl(redis.url),
    queueName,
    clock: systemClock,
    retry: { maxAttempts: 3, initialBackoffMs: 100, backoffFactor: 2, maxBackoffMs: 1_000 },
    ...options,
  });
}

function freshName(): string {
  return `test-${randomUUID()}`;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function job(id: string, runAtMs: number, label = id): QueuedJob<Payload> {
  return { id, runAtMs, payload: { label } };
}

describe('BullmqJobQueue on a real redis-server', () => {
  it('runs a job scheduled twice under one id once, also when the second schedule comes after it ran', async () => {
    const queue = makeQueue(freshName());
    const ran: string[] = [];
    try {
      queue.process(async (queued) => {
        ran.push(queued.payload.label);
      });
      await queue.schedule(job('cl.plan-1.step.a', Date.now(), 'first'));
      await queue.schedule(job('cl.plan-1.step.a', Date.now(), 'second'));
      await waitFor('the job', () => ran.length >= 1);
      await queue.schedule(job('cl.plan-1.step.a', Date.now(), 'third'));
      await queue.schedule(job('cl.plan-1.step.b', Date.now(), 'other'));
      await waitFor('the other job', () => ran.includes('other'));
      expect(ran).toEqual(['first', 'other']);
    } finally {
      await queue.close();
    }
  });

  it('runs delayed jobs in due order, none before its time, with the payload and runAtMs it was given', async () => {
    const queue = makeQueue(freshName());
    const ran: Array<{ id: string; runAtMs: number; startedAtMs: number }> = [];
    try {
      const baseMs = Date.now() + 300;
      // Scheduled out of order on purpose.
      for (const [id, offsetMs] of [['c', 600], ['a', 0], ['d', 900], ['b', 300]] as const) await queue.schedule(job(id, baseMs + offsetMs));
      queue.process(async (queued) => {
        ran.push({ id: queued.id, runAtMs: queued.runAtMs, startedAtMs: Date.now() });
      });
      await waitFor('four jobs', () => ran.length === 4);
      expect(ran.map((entry) => entry.id)).toEqual(['a', 'b', 'c', 'd']);
      for (const entry of ran) expect(entry.startedAtMs).toBeGreaterThanOrEqual(entry.runAtMs);
      expect(ran.map((entry) => entry.runAtMs)).toEqual([baseMs, baseMs + 300, baseMs + 600, baseMs + 900]);
    } finally {
      await queue.close();
    }
  });

  it('retries a failing handler with exponential backoff and reports retrying, then completed', async () => {
    const events: Array<QueueEvent<Payload>> = [];
    const queue = makeQueue(freshName(), { onEvent: (event) => events.push(event) });
    const attemptsAtMs: number[] = [];
    try {
      queue.process(async () => {
        attemptsAtMs.push(Date.now());
        if (attemptsAtMs.length < 3) throw new Error(`API answered 503 (attempt ${attemptsAtMs.length})`);
      });
      await queue.schedule(job('flaky', Date.now()));
      await waitFor('completion', () => events.some((event) => event.kind === 'completed'));
      expect(events.map((event) => event.kind)).toEqual(['started', 'retrying', 'started', 'retrying', 'started', 'completed']);
      const retrying = events.filter((event): event is Extract<QueueEvent<Payload>, { kind: 'retrying' }> => event.kind === 'retrying');
      expect(retrying.map((event) => event.attempt)).toEqual([1, 2]);
      expect(retrying[0]?.error).toMatch(/503 \(attempt 1\)/);
      // Backoff 100 ms, then 200 ms: each attempt waits at least its backoff after the previous one.
      expect((attemptsAtMs[1] as number) - (attemptsAtMs[0] as number)).toBeGreaterThanOrEqual(100);
      expect((attemptsAtMs[2] as number) - (attemptsAtMs[1] as number)).toBeGreaterThanOrEqual(200);
    } finally {
      await queue.close();
    }
  });

  it('gives up after maxAttempts and reports failed', async () => {
    const events: Array<QueueEvent<Payload>> = [];
    const queue = makeQueue(freshName(), { onEvent: (event) => events.push(event), retry: { maxAttempts: 2, initialBackoffMs: 50, backoffFactor: 2, maxBackoffMs: 50 } });
    try {
      queue.process(async () => {
        throw new Error('admission webhook denied the request');
      });
      await queue.schedule(job('doomed', Date.now()));
      await waitFor('failure', () => events.some((event) => event.kind === 'failed'));
      const failed = events.find((event) => event.kind === 'failed');
      expect(failed).toMatchObject({ kind: 'failed', attempts: 2, error: 'admission webhook denied the request' });
    } finally {
      await queue.close();
    }
  });

  it('cancels a pending job (it never runs) and answers false for unknown or finished ids', async () => {
    const queue = makeQueue(freshName());
    const ran: string[] = [];
    try {
      await queue.schedule(job('superseded', Date.now() + 400));
      await queue.schedule(job('kept', Date.now() + 600));
      expect(await queue.cancel('superseded')).toBe(true);
      expect(await queue.cancel('superseded')).toBe(false);
      expect(await queue.cancel('never-scheduled')).toBe(false);
      queue.process(async (queued) => {
        ran.push(queued.id);
      });
      await waitFor('the kept job', () => ran.length === 1);
      expect(await queue.cancel('kept')).toBe(false);
      // A cancelled id can be scheduled again (a re-plan that brings the step back).
      await queue.schedule(job('superseded', Date.now()));
      await waitFor('the re-scheduled job', () => ran.length === 2);
      expect(ran).toEqual(['kept', 'superseded']);
    } finally {
      await queue.close();
    }
  });

  it('keeps delayed jobs across a restart: a new process on the same queue runs them', async () => {
    const queueName = freshName();
    const first = makeQueue(queueName);
    const dueMs = Date.now() + 500;
    await first.schedule(job('after-restart-1', dueMs));
    await first.schedule(job('after-restart-2', dueMs + 100));
    await first.close();

    const second = makeQueue(queueName);
    const ran: string[] = [];
    try {
      second.process(async (queued) => {
        ran.push(queued.id);
      });
      await waitFor('both jobs', () => ran.length === 2);
      expect(ran).toEqual(['after-restart-1', 'after-restart-2']);
    } finally {
      await second.close();
    }
  });

  it('two workers on one queue never run the same job twice', async () => {
    const queueName = freshName();
    const workers = [makeQueue(queueName), makeQueue(queueName)];
    const runs = new Map<string, string[]>();
    try {
      workers.forEach((worker, index) => worker.process(async (queued) => {
        runs.set(queued.id, [...(runs.get(queued.id) ?? []), `worker-${index}`]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }));
      const nowMs = Date.now();
      const jobs = Array.from({ length: 40 }, (_, index) => job(`job-${index}`, nowMs + (index % 4) * 50));
      // Both processes schedule the same plan (two replicas adopting it).
      await Promise.all(workers.map((worker) => worker.scheduleAll(jobs)));
      await waitFor('every job', () => runs.size === 40);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([...runs.values()].filter((who) => who.length !== 1)).toEqual([]);
      const byWorker = [...runs.values()].flat();
      expect(new Set(byWorker).size).toBe(2);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
    }
  });

  it('a job whose worker died mid-run is taken over by another worker once its lock expires', async () => {
    const queueName = freshName();
    const lock = { lockDurationMs: 1_000, stalledIntervalMs: 300 };
    const dying = makeQueue(queueName, lock);
    const started: string[] = [];
    dying.process(async () => {
      started.push('dying');
      await new Promise(() => {}); // the process is gone: never finishes
    });
    await dying.schedule(job('mid-shift', Date.now()));
    await waitFor('the first attempt', () => started.length === 1);
    // Forced close: like kill -9, the lock is neither released nor renewed.
    const worker = (dying as unknown as { worker: { close(force: boolean): Promise<void> } }).worker;
    await worker.close(true);

    const survivor = makeQueue(queueName, lock);
    const finished: string[] = [];
    try {
      survivor.process(async (queued) => {
        finished.push(queued.id);
      });
      await waitFor('the take-over', () => finished.length === 1, 15_000);
      expect(finished).toEqual(['mid-shift']);
    } finally {
      await survivor.close();
      await dying.queue.close();
    }
  });
});
