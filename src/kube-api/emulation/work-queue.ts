/**
 * A coalescing work queue, the way Kubernetes controllers queue keys: adding a key already queued
 * is a no-op, and work runs on the next turn of the event loop, so a burst of store events for one
 * object costs one reconcile.
 */
export class WorkQueue {
  private readonly pending = new Map<string, () => void>();
  private scheduled = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  add(key: string, work: () => void): void {
    if (this.stopped || this.pending.has(key)) return;
    this.pending.set(key, work);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    this.releaseIdle();
  }

  /** Resolves once the queue has drained (including work queued by work). */
  idle(): Promise<void> {
    if (this.pending.size === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    // Bounded rounds per turn so a storm of work never starves the HTTP server.
    for (let round = 0; round < 20 && this.pending.size > 0 && !this.stopped; round += 1) {
      const batch = [...this.pending.values()];
      this.pending.clear();
      for (const work of batch) work();
    }
    if (this.pending.size > 0 && !this.stopped) this.schedule();
    else this.releaseIdle();
  }

  private releaseIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
