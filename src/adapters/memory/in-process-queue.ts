/**
 * The embedded default's job queue: delayed, idempotent jobs on a Clock, in process memory.
 * Same contract as the BullMQ adapter (see ports/job-queue.ts), so the controller cannot tell them
 * apart; on a ManualClock it is fully deterministic, which is what the simulator and tests need.
 *
 * - Order: jobs run one at a time, by due time, then id (a stable order for equal times).
 * - Idempotent ids: scheduling an id that is pending, running, done or failed is a no-op, so
 *   re-planning never double-schedules; `cancel` forgets a pending id so it can be scheduled again.
 * - Retries: a handler that throws is retried after an exponential backoff, up to `maxAttempts`.
 * - Nothing survives the process: a restarted embedded controller re-plans and re-schedules.
 */
import type { Clock } from '../../ports/clock.ts';
import type { JobQueue, QueuedJob } from '../../ports/job-queue.ts';
import type { ManualClock } from './manual-clock.ts';

export interface RetryPolicy {
  /** Attempts in total, the first included. @defaultValue 5 */
  readonly maxAttempts: number;
  /** Wait before the second attempt. @defaultValue 1 s */
  readonly initialBackoffMs: number;
  /** Each further wait is this many times the previous one. @defaultValue 2 */
  readonly backoffFactor: number;
  /** Longest wait between two attempts. @defaultValue 5 min */
  readonly maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 1_000,
  backoffFactor: 2,
  maxBackoffMs: 300_000,
};

/** Wait before attempt `attempt + 1` after `attempt` failed (attempt counts from 1). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.backoffFactor ** (attempt - 1));
}

export type QueueEvent<Payload> =
  | { readonly kind: 'started'; readonly job: QueuedJob<Payload>; readonly attempt: number; readonly atMs: number }
  | { readonly kind: 'completed'; readonly job: QueuedJob<Payload>; readonly attempt: number; readonly atMs: number }
  | { readonly kind: 'retrying'; readonly job: QueuedJob<Payload>; readonly attempt: number; readonly error: string; readonly retryAtMs: number }
  | { readonly kind: 'failed'; readonly job: QueuedJob<Payload>; readonly attempts: number; readonly error: string; readonly atMs: number };

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface InProcessQueueOptions<Payload> {
  readonly clock: Clock;
  readonly retry?: Partial<RetryPolicy>;
  /** Observability hook (logs, metrics); an exception thrown here is ignored, never fails a job. */
  readonly onEvent?: (event: QueueEvent<Payload>) => void;
}

interface Entry<Payload> {
  readonly job: QueuedJob<Payload>;
  /** When the next attempt is due: `job.runAtMs` at first, later the retry time. */
  readonly dueAtMs: number;
  /** Attempts already made. */
  readonly attemptsMade: number;
}

export class InProcessQueue<Payload> implements JobQueue<Payload> {
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly onEvent: ((event: QueueEvent<Payload>) => void) | undefined;
  private readonly pendingById = new Map<string, Entry<Payload>>();
  private readonly heap = new EntryHeap<Payload>();
  private readonly finished = new Map<string, 'completed' | 'failed'>();
  private running: Entry<Payload> | undefined;
  private loopDone: Promise<void> | undefined;
  private closed = false;
  private wake: () => void = () => {};
  /** True while the loop waits with its sleep registered on the clock (so advancing the clock wakes it). */
  private parked = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: InProcessQueueOptions<Payload>) {
    this.clock = options.clock;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!(this.retry.maxAttempts >= 1) || !Number.isInteger(this.retry.maxAttempts)) {
      throw new RangeError(`retry.maxAttempts must be a whole number ≥ 1, got ${this.retry.maxAttempts}`);
    }
    if (!(this.retry.initialBackoffMs >= 0) || !(this.retry.backoffFactor >= 1) || !(this.retry.maxBackoffMs >= 0)) {
      throw new RangeError('retry backoff must be ≥ 0 ms with a factor ≥ 1');
    }
    this.onEvent = options.onEvent;
  }

  async schedule(job: QueuedJob<Payload>): Promise<void> {
    if (this.closed) throw new Error(`queue is closed; cannot schedule job ${job.id}`);
    if (typeof job.id !== 'string' || job.id.length === 0) throw new RangeError('job id must be a non-empty string');
    if (!Number.isFinite(job.runAtMs)) throw new RangeError(`job ${job.id}: runAtMs must be finite, got ${job.runAtMs}`);
    if (this.status(job.id) !== undefined) return;
    const entry: Entry<Payload> = { job, dueAtMs: job.runAtMs, attemptsMade: 0 };
    this.pendingById.set(job.id, entry);
    this.heap.push(entry);
    this.wake();
  }

  async cancel(id: string): Promise<boolean> {
    // Lazy deletion: the heap entry stays and is skipped when popped (it no longer matches pendingById).
    const removed = this.pendingById.delete(id);
    if (removed) this.wake();
    return removed;
  }

  process(handler: (job: QueuedJob<Payload>) => Promise<void>): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.loopDone !== undefined) throw new Error('queue already has a handler');
    this.loopDone = this.loop(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    await this.loopDone;
    this.settleIdleWaiters();
  }

  /**
   * Resolves once no job is running and none is due at the clock's current time (on a ManualClock:
   * after `advance`, everything due has run, including retries that fell due within it).
   */
  idle(): Promise<void> {
    if (this.closed || this.loopDone === undefined) return Promise.resolve();
    // Only a parked loop has its next wake-up registered on the clock; a loop that was just woken
    // (by a schedule, say) must park again first, or an `advance` right now would skip past it.
    if (this.parked && this.isIdleNow()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      // Parked on a sleep the clock has already passed (advanced while the loop was busy): look again.
      if (this.parked) this.wake();
    });
  }

  status(id: string): JobStatus | undefined {
    if (this.running?.job.id === id) return 'running';
    if (this.pendingById.has(id)) return 'pending';
    return this.finished.get(id);
  }

  /** Pending jobs in the order they would run. */
  pending(): Array<QueuedJob<Payload>> {
    return [...this.pendingById.values()].sort(compareEntries).map((entry) => entry.job);
  }

  private isIdleNow(): boolean {
    if (this.running !== undefined) return false;
    const next = this.peekPending();
    return next === undefined || next.dueAtMs > this.clock.nowMs();
  }

  private peekPending(): Entry<Payload> | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      if (this.pendingById.get(top.job.id) === top) return top;
      this.heap.pop();
    }
  }

  private async loop(handler: (job: QueuedJob<Payload>) => Promise<void>): Promise<void> {
    while (!this.closed) {
      const next = this.peekPending();
      const nowMs = this.clock.nowMs();
      if (next === undefined || next.dueAtMs > nowMs) {
        const parking = this.parkUntil(next === undefined ? undefined : next.dueAtMs - nowMs);
        // Waiters resume after this synchronous part, when the sleep is already registered.
        this.settleIdleWaiters();
        await parking;
        continue;
      }
      this.heap.pop();
      this.pendingById.delete(next.job.id);
      this.running = next;
      try {
        await this.attempt(handler, next);
      } finally {
        this.running = undefined;
      }
    }
  }

  private async attempt(handler: (job: QueuedJob<Payload>) => Promise<void>, entry: Entry<Payload>): Promise<void> {
    const attempt = entry.attemptsMade + 1;
    this.emit({ kind: 'started', job: entry.job, attempt, atMs: this.clock.nowMs() });
    try {
      await handler(entry.job);
      this.finished.set(entry.job.id, 'completed');
      this.emit({ kind: 'completed', job: entry.job, attempt, atMs: this.clock.nowMs() });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const atMs = this.clock.nowMs();
      if (attempt >= this.retry.maxAttempts) {
        this.finished.set(entry.job.id, 'failed');
        this.emit({ kind: 'failed', job: entry.job, attempts: attempt, error: message, atMs });
        return;
      }
      const retryAtMs = atMs + backoffMs(this.retry, attempt);
      const retry: Entry<Payload> = { job: entry.job, dueAtMs: retryAtMs, attemptsMade: attempt };
      this.pendingById.set(entry.job.id, retry);
      this.heap.push(retry);
      this.emit({ kind: 'retrying', job: entry.job, attempt, error: message, retryAtMs });
    }
  }

  /** Waits for the clock to reach the next due time (if any), a schedule/cancel/idle poke, or close. */
  private parkUntil(delayMs: number | undefined): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let settled = false;
      // Ends this park's sleep however the park ends (woken by a schedule, idle or close — close
      // wakes the park too), so the clock frees its timer (on a manual clock: forgets the sleeper)
      // instead of keeping one per superseded park.
      const park = new AbortController();
      const done = (): void => {
        if (settled) return;
        settled = true;
        this.parked = false;
        this.wake = () => {};
        park.abort(PARK_OVER);
        resolve();
      };
      this.wake = done;
      if (delayMs !== undefined) {
        this.clock.sleep(delayMs, { signal: park.signal }).then(done, done);
      }
      if (!settled) this.parked = true;
    });
  }

  private settleIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private emit(event: QueueEvent<Payload>): void {
    try {
      this.onEvent?.(event);
    } catch {
      // Observability must never change what the queue does.
    }
  }
}

/**
 * Moves a ManualClock to `toMs` so that every job runs at its own due time (not at `toMs`): first
 * waits until the queue is parked on its next due time, then advances (the clock wakes the queue at
 * each due time in between), then waits until everything due at `toMs` has run.
 */
export async function advanceQueueClock<Payload>(options: { clock: ManualClock; queue: InProcessQueue<Payload>; toMs: number }): Promise<void> {
  await options.queue.idle();
  await options.clock.advanceTo(options.toMs);
  await options.queue.idle();
}

/** Abort reason of a park that ended (a constant: no DOMException built per park). */
const PARK_OVER = new Error('queue park over');

function compareEntries<Payload>(a: Entry<Payload>, b: Entry<Payload>): number {
  return a.dueAtMs - b.dueAtMs || (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0);
}

/** Binary min-heap on (dueAtMs, id): popping the next job is O(log n) even with 100k plan steps. */
class EntryHeap<Payload> {
  private readonly items: Array<Entry<Payload>> = [];

  push(entry: Entry<Payload>): void {
    const items = this.items;
    items.push(entry);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (compareEntries(items[parent] as Entry<Payload>, entry) <= 0) break;
      items[index] = items[parent] as Entry<Payload>;
      index = parent;
    }
    items[index] = entry;
  }

  peek(): Entry<Payload> | undefined {
    return this.items[0];
  }

  pop(): Entry<Payload> | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && compareEntries(items[right] as Entry<Payload>, items[left] as Entry<Payload>) < 0 ? right : left;
      if (compareEntries(last, items[child] as Entry<Payload>) <= 0) break;
      items[index] = items[child] as Entry<Payload>;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
