import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InProcessQueue, advanceQueueClock, backoffMs, DEFAULT_RETRY_POLICY, type QueueEvent } from '../../../../src/adapters/memory/in-process-queue.ts';
import { ManualClock } from '../../../../src/adapters/memory/manual-clock.ts';
import type { QueuedJob } from '../../../../src/ports/job-queue.ts';

const T0 = Date.UTC(2024, 10, 11, 11, 0, 0);

interface Run { id: string; payload: string; atMs: number }

function harness(options: { retry?: ConstructorParameters<typeof InProcessQueue<string>>[0]['retry']; failures?: Record<string, number> } = {}) {
  const clock = new ManualClock(T0);
  const events: Array<QueueEvent<string>> = [];
  const queue = new InProcessQueue<string>({ clock, retry: options.retry, onEvent: (event) => events.push(event) });
  const runs: Run[] = [];
  const failuresLeft = new Map(Object.entries(options.failures ?? {}));
  queue.process(async (job: QueuedJob<string>) => {
    runs.push({ id: job.id, payload: job.payload, atMs: clock.nowMs() });
    const left = failuresLeft.get(job.id) ?? 0;
    if (left > 0) {
      failuresLeft.set(job.id, left - 1);
      throw new Error(`boom ${job.id}`);
    }
  });
  return { clock, queue, runs, events };
}

const open: Array<InProcessQueue<string>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((queue) => queue.close()));
});

async function advance(clock: ManualClock, queue: InProcessQueue<string>, durationMs: number): Promise<void> {
  await advanceQueueClock({ clock, queue, toMs: clock.nowMs() + durationMs });
}

describe('InProcessQueue ordering', () => {
  it.each([
    { name: 'by runAt', jobs: [['b', 20], ['a', 10], ['c', 30]] as const, expected: ['a', 'b', 'c'] },
    { name: 'equal runAt by id', jobs: [['z', 10], ['m', 10], ['a', 10]] as const, expected: ['a', 'm', 'z'] },
    { name: 'runAt before id', jobs: [['a', 30], ['b', 10], ['c', 20]] as const, expected: ['b', 'c', 'a'] },
    { name: 'past-due jobs run first, in order', jobs: [['late', -5], ['later', -1], ['future', 5]] as const, expected: ['late', 'later', 'future'] },
  ])('runs $name', async ({ jobs, expected }) => {
    const { clock, queue, runs } = harness();
    open.push(queue);
    for (const [id, offsetMs] of jobs) await queue.schedule({ id, runAtMs: T0 + offsetMs, payload: id });
    await advance(clock, queue, 100);
    expect(runs.map((run) => run.id)).toEqual(expected);
  });

  it('runs nothing before its time and each job at its due time when the clock steps through', async () => {
    const { clock, queue, runs } = harness();
    open.push(queue);
    await queue.schedule({ id: 'step-1', runAtMs: T0 + 60_000, payload: 'x' });
    await queue.schedule({ id: 'step-2', runAtMs: T0 + 90_000, payload: 'y' });
    await advance(clock, queue, 59_999);
    expect(runs).toEqual([]);
    await advance(clock, queue, 60_000);
    expect(runs).toEqual([
      { id: 'step-1', payload: 'x', atMs: T0 + 60_000 },
      { id: 'step-2', payload: 'y', atMs: T0 + 90_000 },
    ]);
  });

  it('runs a job that a handler schedules for now within the same idle', async () => {
    const clock = new ManualClock(T0);
    const queue = new InProcessQueue<string>({ clock });
    open.push(queue);
    const seen: string[] = [];
    queue.process(async (job) => {
      seen.push(job.id);
      if (job.id === 'first') await queue.schedule({ id: 'follow-up', runAtMs: clock.nowMs(), payload: '' });
    });
    await queue.schedule({ id: 'first', runAtMs: T0, payload: '' });
    await queue.idle();
    expect(seen).toEqual(['first', 'follow-up']);
  });
});

describe('InProcessQueue idempotent ids', () => {
  it.each([
    { name: 'while pending', completeFirst: false },
    { name: 'after completion', completeFirst: true },
  ])('ignores a second schedule of the same id $name', async ({ completeFirst }) => {
    const { clock, queue, runs } = harness();
    open.push(queue);
    await queue.schedule({ id: 'plan-1.step-7', runAtMs: T0 + 10, payload: 'first' });
    if (completeFirst) await advance(clock, queue, 10);
    await queue.schedule({ id: 'plan-1.step-7', runAtMs: T0 + 5, payload: 'second' });
    await advance(clock, queue, 100);
    expect(runs.map((run) => [run.id, run.payload])).toEqual([['plan-1.step-7', 'first']]);
    expect(queue.status('plan-1.step-7')).toBe('completed');
  });

  it('cancels a pending job, reports false for an unknown one, and lets a cancelled id be scheduled again', async () => {
    const { clock, queue, runs } = harness();
    open.push(queue);
    await queue.schedule({ id: 'superseded', runAtMs: T0 + 10, payload: 'old' });
    expect(await queue.cancel('superseded')).toBe(true);
    expect(await queue.cancel('superseded')).toBe(false);
    expect(await queue.cancel('never-scheduled')).toBe(false);
    await advance(clock, queue, 20);
    expect(runs).toEqual([]);
    await queue.schedule({ id: 'superseded', runAtMs: T0 + 30, payload: 'new' });
    await advance(clock, queue, 20);
    expect(runs.map((run) => run.payload)).toEqual(['new']);
  });

  it('refuses an empty id and a non-finite time', async () => {
    const { queue } = harness();
    open.push(queue);
    await expect(queue.schedule({ id: '', runAtMs: T0, payload: '' })).rejects.toThrow(/non-empty/);
    await expect(queue.schedule({ id: 'x', runAtMs: Number.NaN, payload: '' })).rejects.toThrow(/runAtMs must be finite/);
  });
});

describe('InProcessQueue retries', () => {
  it.each([
    { name: 'first attempt 1 s', attempt: 1, expectedMs: 1_000 },
    { name: 'doubles', attempt: 3, expectedMs: 4_000 },
    { name: 'capped at maxBackoffMs', attempt: 30, expectedMs: 300_000 },
  ])('backoff: $name', ({ attempt, expectedMs }) => {
    expect(backoffMs(DEFAULT_RETRY_POLICY, attempt)).toBe(expectedMs);
  });

  it('retries a failing handler with exponential backoff until it succeeds', async () => {
    const { clock, queue, runs, events } = harness({ failures: { flaky: 2 }, retry: { initialBackoffMs: 1_000, backoffFactor: 2 } });
    open.push(queue);
    await queue.schedule({ id: 'flaky', runAtMs: T0, payload: 'p' });
    await advance(clock, queue, 10_000);
    expect(runs.map((run) => run.atMs - T0)).toEqual([0, 1_000, 3_000]);
    expect(events.filter((event) => event.kind === 'retrying').map((event) => event.kind === 'retrying' && event.retryAtMs - T0)).toEqual([1_000, 3_000]);
    expect(queue.status('flaky')).toBe('completed');
  });

  it('gives up after maxAttempts and reports the failure', async () => {
    const { clock, queue, runs, events } = harness({ failures: { doomed: 99 }, retry: { maxAttempts: 3, initialBackoffMs: 500 } });
    open.push(queue);
    await queue.schedule({ id: 'doomed', runAtMs: T0, payload: 'p' });
    await advance(clock, queue, 60_000);
    expect(runs).toHaveLength(3);
    expect(queue.status('doomed')).toBe('failed');
    expect(events.at(-1)).toMatchObject({ kind: 'failed', attempts: 3, error: 'boom doomed' });
    // A failed id stays taken: a re-plan does not resurrect it behind the operator's back.
    await queue.schedule({ id: 'doomed', runAtMs: T0 + 60_000, payload: 'p' });
    await advance(clock, queue, 1_000);
    expect(runs).toHaveLength(3);
  });

  it('does not let a failing job hold back the others', async () => {
    const { clock, queue, runs } = harness({ failures: { bad: 1 }, retry: { initialBackoffMs: 5_000 } });
    open.push(queue);
    await queue.schedule({ id: 'bad', runAtMs: T0, payload: '' });
    await queue.schedule({ id: 'good', runAtMs: T0 + 1_000, payload: '' });
    await advance(clock, queue, 10_000);
    expect(runs.map((run) => [run.id, run.atMs - T0])).toEqual([['bad', 0], ['good', 1_000], ['bad', 5_000]]);
  });
});

describe('InProcessQueue close', () => {
  it('waits for the running job, then refuses new work', async () => {
    const clock = new ManualClock(T0);
    const queue = new InProcessQueue<string>({ clock });
    let finished = false;
    let release: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      queue.process(async () => {
        resolve();
        await new Promise<void>((done) => { release = done; });
        finished = true;
      });
    });
    await queue.schedule({ id: 'long', runAtMs: T0, payload: '' });
    await started;
    const closing = queue.close();
    release();
    await closing;
    expect(finished).toBe(true);
    await expect(queue.schedule({ id: 'late', runAtMs: T0, payload: '' })).rejects.toThrow(/closed/);
  });

  it('refuses a second handler', () => {
    const { queue } = harness();
    open.push(queue);
    expect(() => queue.process(async () => {})).toThrow(/already has a handler/);
  });
});

describe('InProcessQueue properties', () => {
  const scheduleArb = fc.array(
    fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
      // Due after T0: nothing may run while the schedule is still being built.
      offsetMs: fc.integer({ min: 1, max: 120_000 }),
      payload: fc.string({ maxLength: 3 }),
    }),
    { maxLength: 30 },
  );
  const advancesArb = fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 1, maxLength: 8 });

  it('runs each id exactly once, never early, in (runAt, id) order, with the first schedule winning', async () => {
    await fc.assert(
      fc.asyncProperty(scheduleArb, advancesArb, async (schedules, advances) => {
        const { clock, queue, runs } = harness();
        try {
          const firstById = new Map<string, { runAtMs: number; payload: string }>();
          for (const { id, offsetMs, payload } of schedules) {
            await queue.schedule({ id, runAtMs: T0 + offsetMs, payload });
            if (!firstById.has(id)) firstById.set(id, { runAtMs: T0 + offsetMs, payload });
          }
          for (const stepMs of advances) await advance(clock, queue, stepMs);
          await advance(clock, queue, 200_000);

          expect(runs.map((run) => run.id).sort()).toEqual([...firstById.keys()].sort());
          for (const run of runs) {
            const first = firstById.get(run.id);
            expect(run.payload).toBe(first?.payload);
            expect(run.atMs).toBeGreaterThanOrEqual(first?.runAtMs ?? Infinity);
          }
          const expectedOrder = [...firstById.entries()]
            .sort(([idA, a], [idB, b]) => a.runAtMs - b.runAtMs || (idA < idB ? -1 : 1))
            .map(([id]) => id);
          expect(runs.map((run) => run.id)).toEqual(expectedOrder);
        } finally {
          await queue.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
