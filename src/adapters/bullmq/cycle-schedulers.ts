/**
 * Cron-driven cycles on BullMQ job schedulers: `forecast` (refresh forecasts) and `plan` (re-plan),
 * each an `upsertJobScheduler` on one queue, so every replica may declare them at start-up and there
 * is still one scheduler of each (upsert is idempotent). Their jobs are processed only by the worker
 * `process` starts (the leader's).
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { closeSafely } from './close-safely.ts';
import type { CycleName } from './redis-state.ts';

/** Longest wait for a running cycle and the queue to close (a stuck close is left behind, reported). */
const CLOSE_TIMEOUT_MS = 30_000;

/** A cron pattern (`*\/5 * * * *`) or a fixed period in ms. */
export type CycleTiming = { readonly pattern: string } | { readonly everyMs: number };

export interface CycleSchedulersOptions {
  readonly connection: ConnectionOptions;
  readonly queueName: string;
  readonly prefix: string;
  readonly timings: Readonly<Partial<Record<CycleName, CycleTiming>>>;
  readonly onError?: (error: Error) => void;
}

export class CycleSchedulers {
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(private readonly options: CycleSchedulersOptions) {
    this.queue = new Queue(options.queueName, { connection: options.connection, prefix: options.prefix });
    this.queue.on('error', (error) => options.onError?.(error));
  }

  /** Declares (or updates) a job scheduler per configured cycle and removes the others. */
  async declare(): Promise<void> {
    for (const cycle of ['forecast', 'plan'] as const) {
      const timing = this.options.timings[cycle];
      if (timing === undefined) {
        await this.queue.removeJobScheduler(cycle);
        continue;
      }
      const repeat = 'pattern' in timing ? { pattern: timing.pattern } : { every: timing.everyMs };
      await this.queue.upsertJobScheduler(cycle, repeat, {
        name: cycle,
        data: { cycle },
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      });
    }
  }

  /** Runs due cycle jobs through `handler`, one at a time, until `stop`. */
  process(handler: (cycle: CycleName) => Promise<void>): void {
    if (this.worker !== undefined) return;
    this.worker = new Worker(this.options.queueName, async (job) => handler((job.data as { cycle: CycleName }).cycle), {
      connection: this.options.connection, prefix: this.options.prefix, concurrency: 1,
    });
    this.worker.on('error', (error) => this.options.onError?.(error));
  }

  /** Stops processing (waits for a running cycle); the schedulers stay declared in Redis. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await closeSafely(worker, CLOSE_TIMEOUT_MS, this.reportError);
  }

  async close(): Promise<void> {
    await this.stop();
    await closeSafely(this.queue, CLOSE_TIMEOUT_MS, this.reportError);
  }

  private readonly reportError = (error: Error): void => this.options.onError?.(error);
}
