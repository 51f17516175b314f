/**
 * CoalescingQueue on the in-process queue and a manual clock: a finished tick covers the jobs of
 * its plan due at or before it; held/failed ticks and other plans cover nothing.
 */
import { describe, expect, it } from 'vitest';
import { CoalescingQueue } from '../../../../src/adapters/bullmq/coalescing-queue.ts';
import { advanceQueueClock, InProcessQueue } from '../../../../src/adapters/memory/in-process-queue.ts';
import { ManualClock } from '../../../../src/adapters/memory/manual-clock.ts';
import type { ControllerJob } from '../../../../src/controller/controller.ts';
import type { ReconcileResult } from '../../../../src/controller/reconcile.ts';

function tick(planId: string, atMs: number, status: ReconcileResult['status']): ReconcileResult {
  return { status, atMs, planId, records: [], stepsMarkedApplied: [], message: '' };
}

function step(planId: string, stepId: string): ControllerJob {
  return { kind: 'step', planId, stepId };
}

describe('CoalescingQueue', () => {
  it.each([
    { name: 'a done tick covers the steps due with it', firstStatus: 'done' as const, ran: ['a/s1', 'a/s4'] },
    // The held/failed first tick covers nothing, so s2 runs; its done tick then covers s3.
    { name: 'a held tick covers nothing', firstStatus: 'held' as const, ran: ['a/s1', 'a/s2', 'a/s4'] },
    { name: 'a tick with write failures covers nothing', firstStatus: 'write-failures' as const, ran: ['a/s1', 'a/s2', 'a/s4'] },
  ])('$name', async ({ firstStatus, ran }) => {
    const clock = new ManualClock(0);
    const inner = new InProcessQueue<ControllerJob>({ clock });
    const queue = new CoalescingQueue(inner);
    const handled: string[] = [];
    queue.process(async (job) => {
      handled.push(`${job.payload.planId}/${job.payload.kind === 'step' ? job.payload.stepId : job.payload.why}`);
      // The first job's tick; later ones in this test report done ticks too.
      queue.noteReconcile(tick(job.payload.planId, clock.nowMs(), handled.length === 1 ? firstStatus : 'done'));
    });
    for (const [id, runAtMs] of [['s1', 10], ['s2', 10], ['s3', 10], ['s4', 20]] as const) {
      await queue.schedule({ id, runAtMs, payload: step('a', id) });
    }
    await advanceQueueClock({ clock, queue: inner, toMs: 30 });
    expect(handled).toEqual(ran);
    await queue.close();
  });

  it('a tick of one plan does not cover another plan\'s jobs', async () => {
    const clock = new ManualClock(0);
    const inner = new InProcessQueue<ControllerJob>({ clock });
    const queue = new CoalescingQueue(inner);
    const handled: string[] = [];
    queue.process(async (job) => {
      handled.push(job.id);
      queue.noteReconcile(tick(job.payload.planId, clock.nowMs(), 'done'));
    });
    await queue.schedule({ id: 'a1', runAtMs: 5, payload: step('plan-a', 'x') });
    await queue.schedule({ id: 'b1', runAtMs: 5, payload: step('plan-b', 'x') });
    await queue.schedule({ id: 'b2', runAtMs: 5, payload: { kind: 'reconcile', planId: 'plan-b', why: 'drain over' } });
    await advanceQueueClock({ clock, queue: inner, toMs: 10 });
    expect(handled).toEqual(['a1', 'b1']);
    expect(queue.skippedJobs()).toBe(1);
    await queue.close();
  });
});
