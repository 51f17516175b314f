/**
 * Skips controller jobs a reconcile tick has already covered. Ticks are level-triggered: a tick that
 * started at time t and finished `done` acted on every plan step due at or before t (or scheduled a
 * follow-up for what waits on a drain). So a step or follow-up job of the same plan whose due time
 * is ≤ t needs no tick of its own. Without this, 1,000 steps due together (a grand shift) waiting on
 * one drain would run 1,000 full ticks, each reading the whole cluster, one after the other.
 *
 * Only ticks that finished `done` count: a held, refused or failed tick covers nothing (its own job
 * is retried with backoff).
 */
import type { ControllerJob } from '../../controller/controller.ts';
import type { ReconcileResult } from '../../controller/reconcile.ts';
import type { JobQueue, QueuedJob } from '../../ports/job-queue.ts';

export class CoalescingQueue implements JobQueue<ControllerJob> {
  private readonly coveredUntilMs = new Map<string, number>();
  private skipped = 0;

  constructor(private readonly inner: JobQueue<ControllerJob>) {}

  /** Call with every tick's result (the controller's `onReconcile` hook). */
  noteReconcile(result: ReconcileResult): void {
    if (result.status !== 'done' || result.planId === undefined) return;
    this.coveredUntilMs.set(result.planId, Math.max(this.coveredUntilMs.get(result.planId) ?? -Infinity, result.atMs));
  }

  /** Jobs skipped because a tick had covered them. */
  skippedJobs(): number {
    return this.skipped;
  }

  schedule(job: QueuedJob<ControllerJob>): Promise<void> {
    return this.inner.schedule(job);
  }

  cancel(id: string): Promise<boolean> {
    return this.inner.cancel(id);
  }

  process(handler: (job: QueuedJob<ControllerJob>) => Promise<void>): void {
    this.inner.process(async (job) => {
      const coveredUntilMs = this.coveredUntilMs.get(job.payload.planId);
      if (coveredUntilMs !== undefined && job.runAtMs <= coveredUntilMs) {
        this.skipped += 1;
        return;
      }
      await handler(job);
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
