/**
 * Delayed, idempotent jobs (BullMQ on Redis in the cluster; an in-process queue in the demo).
 *
 * Contract: `schedule` with an id that already exists is a no-op (plan steps have deterministic
 * ids, so re-planning never double-schedules). A job runs at or after `runAtMs`, at least once;
 * handlers must therefore be idempotent. A failed handler is retried with backoff.
 */
export interface QueuedJob<Payload> {
  readonly id: string;
  readonly runAtMs: number;
  readonly payload: Payload;
}

export interface JobQueue<Payload> {
  schedule(job: QueuedJob<Payload>): Promise<void>;
  /** Removes a job not yet started (a superseded plan step); returns false if none was pending. */
  cancel(id: string): Promise<boolean>;
  /** Starts running due jobs through `handler` until `close`. */
  process(handler: (job: QueuedJob<Payload>) => Promise<void>): void;
  close(): Promise<void>;
}
