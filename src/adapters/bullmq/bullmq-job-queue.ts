/**
 * The JobQueue port on BullMQ (Redis): what the controller uses in the cluster. Same contract as
 * the in-process queue (ports/job-queue.ts), plus what Redis gives: jobs survive a restart of the
 * controller, and several processes share one queue.
 *
 * - A job is a BullMQ delayed job whose id is the job's id (deterministic, e.g. `controllerJobId`),
 *   so scheduling an existing id is a no-op. Finished jobs are kept for `keepFinishedMs` for that
 *   reason: a removed id could be added again.
 * - Retries: a handler that throws is retried after `backoffMs(retry, attempt)` (exponential, capped),
 *   up to `retry.maxAttempts`, through BullMQ's attempts and a custom backoff strategy.
 * - One job at a time per queue instance (`concurrency: 1`); BullMQ's job lock keeps two workers
 *   from running the same job, and a job whose worker died (kill -9) is moved back to waiting after
 *   `lockDurationMs` by the stalled-job check of any live worker.
 * - `close` waits for the running job to finish (graceful shutdown), then closes the connections —
 *   for at most `closeTimeoutMs`: BullMQ's `Worker.close()` never resolves when it is called while
 *   Redis is unreachable, even after Redis is back (taskforcesh/bullmq#4656), and a controller
 *   stepping down because Redis went away must not hang there for ever.
 */
import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { Clock } from '../../ports/clock.ts';
import type { JobQueue, QueuedJob } from '../../ports/job-queue.ts';
import { backoffMs, DEFAULT_RETRY_POLICY, type QueueEvent, type RetryPolicy } from '../memory/in-process-queue.ts';
import { closeSafely } from './close-safely.ts';

/** Job name in BullMQ (one kind of job per queue; the payload says what to do). */
const JOB_NAME = 'chuanliu';
const BACKOFF_TYPE = 'chuanliu-exponential';

interface StoredJob<Payload> {
  readonly runAtMs: number;
  readonly payload: Payload;
}

export interface BullmqJobQueueOptions<Payload> {
  /** ioredis connection options (with `maxRetriesPerRequest: null`) or an ioredis instance. */
  readonly connection: ConnectionOptions;
  /** Queue name; tests use a fresh one each. */
  readonly queueName: string;
  /** BullMQ key prefix. @defaultValue `chuanliu-bull` */
  readonly prefix?: string;
  readonly clock: Clock;
  readonly retry?: Partial<RetryPolicy>;
  /** How long finished jobs (and so their ids) are kept. @defaultValue 24 h */
  readonly keepFinishedMs?: number;
  /** A job not renewed for this long is taken as stalled (its worker died). @defaultValue 30 s */
  readonly lockDurationMs?: number;
  /** How often a worker looks for stalled jobs. @defaultValue 30 s */
  readonly stalledIntervalMs?: number;
  /** Observability hook; an exception thrown here never changes what the queue does. */
  readonly onEvent?: (event: QueueEvent<Payload>) => void;
  /** BullMQ worker errors (Redis connection lost…); the worker keeps retrying. */
  readonly onError?: (error: Error) => void;
  /**
   * Longest wait for the worker and the queue to close; then they are left behind. Past the job
   * lock a running job counts as stalled and is retried elsewhere anyway. @defaultValue lockDurationMs
   */
  readonly closeTimeoutMs?: number;
}

export class BullmqJobQueue<Payload> implements JobQueue<Payload> {
  readonly queue: Queue<StoredJob<Payload>>;
  private readonly options: BullmqJobQueueOptions<Payload>;
  private readonly retry: RetryPolicy;
  private worker: Worker<StoredJob<Payload>> | undefined;
  private closed = false;

  constructor(options: BullmqJobQueueOptions<Payload>) {
    this.options = options;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!(this.retry.maxAttempts >= 1) || !Number.isInteger(this.retry.maxAttempts)) {
      throw new RangeError(`retry.maxAttempts must be a whole number ≥ 1, got ${this.retry.maxAttempts}`);
    }
    this.queue = new Queue<StoredJob<Payload>>(options.queueName, { connection: options.connection, prefix: this.prefix });
    this.queue.on('error', (error) => options.onError?.(error));
  }

  private get prefix(): string {
    return this.options.prefix ?? 'chuanliu-bull';
  }

  async schedule(job: QueuedJob<Payload>): Promise<void> {
    if (this.closed) throw new Error(`queue is closed; cannot schedule job ${job.id}`);
    if (typeof job.id !== 'string' || job.id.length === 0) throw new RangeError('job id must be a non-empty string');
    if (!Number.isFinite(job.runAtMs)) throw new RangeError(`job ${job.id}: runAtMs must be finite, got ${job.runAtMs}`);
    await this.queue.add(JOB_NAME, { runAtMs: job.runAtMs, payload: job.payload }, this.jobOptions(job));
  }

  /** Schedules many jobs in one round trip per batch (a plan of 10,000 steps). */
  async scheduleAll(jobs: readonly QueuedJob<Payload>[], batchSize = 500): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    for (let from = 0; from < jobs.length; from += batchSize) {
      await this.queue.addBulk(jobs.slice(from, from + batchSize).map((job) => ({
        name: JOB_NAME, data: { runAtMs: job.runAtMs, payload: job.payload }, opts: this.jobOptions(job),
      })));
    }
  }

  async cancel(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (job === undefined) return false;
    const state = await job.getState();
    if (state !== 'delayed' && state !== 'waiting' && state !== 'prioritized') return false;
    try {
      await job.remove();
      return true;
    } catch {
      // Taken by a worker between the state read and the removal: it runs, as a started job would.
      return false;
    }
  }

  process(handler: (job: QueuedJob<Payload>) => Promise<void>): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.worker !== undefined) throw new Error('queue already has a handler');
    const { options } = this;
    this.worker = new Worker<StoredJob<Payload>>(options.queueName, async (job) => {
      const queued = this.toQueued(job);
      this.emit({ kind: 'started', job: queued, attempt: job.attemptsMade + 1, atMs: options.clock.nowMs() });
      await handler(queued);
    }, {
      connection: options.connection,
      prefix: this.prefix,
      concurrency: 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      settings: { backoffStrategy: (attemptsMade: number) => backoffMs(this.retry, Math.max(1, attemptsMade)) },
    });
    this.worker.on('completed', (job) => {
      this.emit({ kind: 'completed', job: this.toQueued(job), attempt: job.attemptsMade, atMs: options.clock.nowMs() });
    });
    this.worker.on('failed', (job, error) => {
      if (job === undefined) return;
      const atMs = options.clock.nowMs();
      if (job.attemptsMade >= this.retry.maxAttempts) {
        this.emit({ kind: 'failed', job: this.toQueued(job), attempts: job.attemptsMade, error: error.message, atMs });
      } else {
        this.emit({ kind: 'retrying', job: this.toQueued(job), attempt: job.attemptsMade, error: error.message, retryAtMs: atMs + backoffMs(this.retry, job.attemptsMade) });
      }
    });
    this.worker.on('error', (error) => options.onError?.(error));
  }

  /** Resolves once the worker is connected and taking jobs (tests, readiness). */
  async waitUntilReady(): Promise<void> {
    await this.queue.waitUntilReady();
    await this.worker?.waitUntilReady();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const timeoutMs = this.options.closeTimeoutMs ?? this.options.lockDurationMs ?? 30_000;
    // Once close() is called the worker takes no new job, so leaving a stuck close behind is safe.
    const onError = (error: Error): void => this.options.onError?.(error);
    const gaveUp = (this.worker !== undefined && await closeSafely(this.worker, timeoutMs, onError) === false)
      || await closeSafely(this.queue, timeoutMs, onError) === false;
    if (gaveUp) this.options.onError?.(new Error(`closing the BullMQ worker and queue took longer than ${timeoutMs} ms (Redis unreachable?); left behind`));
  }

  private jobOptions(job: QueuedJob<Payload>): JobsOptions {
    const keepSeconds = Math.ceil((this.options.keepFinishedMs ?? 24 * 3_600_000) / 1000);
    return {
      jobId: job.id,
      delay: Math.max(0, job.runAtMs - this.options.clock.nowMs()),
      attempts: this.retry.maxAttempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds },
    };
  }

  private toQueued(job: Job<StoredJob<Payload>>): QueuedJob<Payload> {
    return { id: job.id ?? '', runAtMs: job.data.runAtMs, payload: job.data.payload };
  }

  private emit(event: QueueEvent<Payload>): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // Observability must never change what the queue does.
    }
  }
}
