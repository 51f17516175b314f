/**
 * A forecast refresh spread over every controller replica, on a BullMQ queue (`forecasts`).
 *
 * - The leader (`ForecastRefreshCoordinator`) splits the workloads that have a demand source into
 *   batches and adds one job per batch. Job ids are `r<nowMs>-<batch>`: a leader that runs the same
 *   refresh again (it restarted, or took over) adds nothing twice, and a finished batch is not redone.
 * - Every replica, leader or standby, runs `ForecastWorkers`: it takes batches (bounded by its
 *   `concurrency`), forecasts them with its own planning source, stores each forecast in the Redis
 *   state unless a newer one is there (a late retry never rolls a forecast back), and records the
 *   batch's outcome in the refresh's hash: which replica, how many forecasts, which workloads got none.
 * - A replica that dies mid-batch (kill -9) stops renewing the job's lock; BullMQ's stalled-job check
 *   on any live worker puts the batch back, another replica takes it. A batch that throws is retried
 *   (attempts, backoff); its last failure is recorded as the outcome, so the leader need not wait for it.
 * - The leader polls the outcomes until every batch has one or the deadline passes, then plans with
 *   what is stored. Workloads whose batch failed or missed the deadline keep their last good forecast,
 *   and it is said out loud: an error log and `chuanliu_forecast_unavailable_total` per workload
 *   (reason `refresh-failed` / `refresh-deadline`), as for a workload no forecast can be made for.
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Clock } from '../../ports/clock.ts';
import { closeSafely } from './close-safely.ts';
import type { PlanningCycles } from './planning-cycles.ts';
import type { Redis } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { RedisStateStore } from './redis-state.ts';

export const FORECAST_QUEUE = 'forecasts';
/** Outcomes of a refresh are kept this long (a leader taking over mid-refresh reads them). */
const OUTCOME_TTL_SECONDS = 24 * 3_600;
const CLOSE_TIMEOUT_MS = 30_000;

export interface ForecastJobData {
  readonly refreshId: string;
  readonly nowMs: number;
  readonly workloads: readonly string[];
}

/** What one batch came to, as recorded by the replica that ran it. */
export interface BatchOutcome {
  readonly holder: string;
  readonly workloads: number;
  /** Forecasts made (stored, or skipped because a newer one was stored). */
  readonly forecasts: number;
  /** Workloads of the batch with no new forecast (ForecastUnavailableError, or the batch failed). */
  readonly unavailable: readonly string[];
  /** The last attempt's error when the whole batch failed. */
  readonly failed?: string;
  readonly eventsDigests: Readonly<Record<string, string>>;
  readonly computeMs: number;
  /** Forecasts made on a kept fit (the rest were fit afresh: first refresh, fit due, settings changed, drift). */
  readonly fitsReused?: number;
}

export interface ForecastWorkersOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly state: RedisStateStore;
  readonly forecastBatch: NonNullable<PlanningCycles['forecastBatch']>;
  /** This replica's name, recorded in every outcome. */
  readonly holder: string;
  /** Batches this replica forecasts at once. */
  readonly concurrency: number;
  /** A batch whose worker stopped renewing its lock this long ago is taken as stalled (its replica died). */
  readonly lockDurationMs: number;
  readonly onBatch?: (outcome: BatchOutcome) => void;
  readonly onError?: (error: Error) => void;
}

/** The worker side: runs on every replica. */
export class ForecastWorkers {
  private worker: Worker<ForecastJobData> | undefined;

  constructor(private readonly options: ForecastWorkersOptions) {}

  start(): void {
    if (this.worker !== undefined) return;
    const { options } = this;
    this.worker = new Worker<ForecastJobData>(FORECAST_QUEUE, (job) => this.run(job), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: Math.max(500, Math.floor(options.lockDurationMs / 2)),
    });
    this.worker.on('error', (error) => options.onError?.(error));
  }

  async waitUntilReady(): Promise<void> {
    await this.worker?.waitUntilReady();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await closeSafely(worker, CLOSE_TIMEOUT_MS, (error) => this.options.onError?.(error));
  }

  private async run(job: Job<ForecastJobData>): Promise<void> {
    const { options } = this;
    const { refreshId, nowMs, workloads } = job.data;
    const startedMs = Date.now();
    let outcome: BatchOutcome;
    try {
      // Fits are kept in Redis, not in the replica: the next refresh's batch may run anywhere.
      const { fits, unreadable } = await options.state.loadDemandFits(workloads);
      if (unreadable.length > 0) options.onError?.(new Error(`stored forecast fits could not be read, refitting: ${unreadable.join('; ')}`));
      const result = await options.forecastBatch(nowMs, workloads, fits);
      await options.state.saveForecastsIfNewer(result.forecasts);
      const made = new Set(result.forecasts.map((forecast) => forecast.workload));
      const keptFits = result.forecasts.flatMap((forecast) => fits.get(forecast.workload) ?? []);
      await options.state.saveDemandFits(keptFits.filter((fit) => fit.fittedAtMs === nowMs));
      outcome = {
        holder: options.holder, workloads: workloads.length, forecasts: made.size,
        unavailable: workloads.filter((workload) => !made.has(workload)), eventsDigests: result.eventsDigests, computeMs: Date.now() - startedMs,
        fitsReused: keptFits.filter((fit) => fit.fittedAtMs < nowMs).length,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Only the last attempt's failure is the batch's outcome; earlier ones are retried.
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.record(refreshId, job.id ?? '', {
          holder: options.holder, workloads: workloads.length, forecasts: 0, unavailable: workloads, failed: message, eventsDigests: {}, computeMs: Date.now() - startedMs,
        }).catch(() => undefined);
      }
      throw error;
    }
    await this.record(refreshId, job.id ?? '', outcome);
  }

  private async record(refreshId: string, batchId: string, outcome: BatchOutcome): Promise<void> {
    const key = this.options.keys.forecastRefresh(refreshId);
    await this.options.redis.multi().hset(key, batchId, JSON.stringify(outcome)).expire(key, OUTCOME_TTL_SECONDS).exec();
    try {
      this.options.onBatch?.(outcome);
    } catch {
      // Observability never changes what the worker does.
    }
  }
}

export interface RefreshOutcome {
  readonly refreshId: string;
  readonly batches: number;
  readonly workloads: number;
  /** Forecasts made in this refresh, over every replica. */
  readonly forecasts: number;
  /** Replica → batches and forecasts it made. */
  readonly byHolder: Readonly<Record<string, { batches: number; forecasts: number }>>;
  /** Workloads with no forecast although their batch ran (ForecastUnavailableError, told where it ran). */
  readonly unavailable: readonly string[];
  /** Workloads of batches that failed after every attempt. */
  readonly failed: readonly string[];
  /** Workloads of batches with no outcome at the deadline. */
  readonly late: readonly string[];
  readonly failures: readonly string[];
  readonly eventsDigests: Readonly<Record<string, string>>;
  readonly elapsedMs: number;
  /** Forecasts of this refresh made on a kept fit (demand-fit.ts). */
  readonly fitsReused: number;
}

export interface ForecastRefreshCoordinatorOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly clock: Clock;
  /** Workloads per job. @defaultValue 50 */
  readonly batchSize?: number;
  /** Attempts per batch before its failure is final. @defaultValue 3 */
  readonly attempts?: number;
  /** How often the outcomes are read while waiting. @defaultValue 250 ms */
  readonly pollMs?: number;
  readonly onError?: (error: Error) => void;
}

/** The leader's side: splits, enqueues, waits. */
export class ForecastRefreshCoordinator {
  private readonly queue: Queue<ForecastJobData>;

  constructor(private readonly options: ForecastRefreshCoordinatorOptions) {
    this.queue = new Queue<ForecastJobData>(FORECAST_QUEUE, { connection: options.connection, prefix: options.prefix });
    this.queue.on('error', (error) => options.onError?.(error));
  }

  /**
   * Refreshes the forecasts of `workloads` as of `nowMs` on every replica's workers; waits at most
   * `deadlineMs`, and no longer once `keepWaiting` says no (the leader stepped down: the batches still
   * run on the workers, the next leader's refresh finds what they stored).
   */
  async refresh(nowMs: number, workloads: readonly string[], deadlineMs: number, keepWaiting: () => boolean = () => true): Promise<RefreshOutcome> {
    const { options } = this;
    const startedMs = options.clock.nowMs();
    const refreshId = `r${nowMs}`;
    const batchSize = options.batchSize ?? 50;
    const batches: { id: string; workloads: readonly string[] }[] = [];
    for (let from = 0; from < workloads.length; from += batchSize) batches.push({ id: `${refreshId}-${batches.length}`, workloads: workloads.slice(from, from + batchSize) });
    const keepSeconds = OUTCOME_TTL_SECONDS;
    for (let from = 0; from < batches.length; from += 500) {
      await this.queue.addBulk(batches.slice(from, from + 500).map((batch) => ({
        name: 'forecast',
        data: { refreshId, nowMs, workloads: batch.workloads },
        opts: {
          jobId: batch.id, attempts: options.attempts ?? 3, backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: { age: keepSeconds }, removeOnFail: { age: keepSeconds },
        },
      })));
    }
    const key = options.keys.forecastRefresh(refreshId);
    let recorded: Record<string, string> = {};
    for (;;) {
      recorded = await options.redis.hgetall(key);
      if (Object.keys(recorded).length >= batches.length) break;
      if (options.clock.nowMs() - startedMs >= deadlineMs || !keepWaiting()) break;
      await options.clock.sleep(options.pollMs ?? 250);
    }
    const byHolder: Record<string, { batches: number; forecasts: number }> = {};
    const unavailable: string[] = [];
    const failed: string[] = [];
    const late: string[] = [];
    const failures: string[] = [];
    const eventsDigests: Record<string, string> = {};
    let forecasts = 0;
    let fitsReused = 0;
    for (const batch of batches) {
      const text = recorded[batch.id];
      if (text === undefined) {
        late.push(...batch.workloads);
        // Not started yet: taken back, so it does not compete with the next refresh. A running one finishes.
        await this.queue.remove(batch.id).catch(() => 0);
        continue;
      }
      const outcome = JSON.parse(text) as BatchOutcome;
      if (outcome.failed !== undefined) {
        failed.push(...batch.workloads);
        failures.push(`batch ${batch.id} on ${outcome.holder}: ${outcome.failed}`);
        continue;
      }
      const holder = byHolder[outcome.holder] ?? { batches: 0, forecasts: 0 };
      byHolder[outcome.holder] = { batches: holder.batches + 1, forecasts: holder.forecasts + outcome.forecasts };
      forecasts += outcome.forecasts;
      fitsReused += outcome.fitsReused ?? 0;
      unavailable.push(...outcome.unavailable);
      Object.assign(eventsDigests, outcome.eventsDigests);
    }
    return {
      refreshId, batches: batches.length, workloads: workloads.length, forecasts, fitsReused, byHolder, unavailable, failed, late, failures, eventsDigests,
      elapsedMs: options.clock.nowMs() - startedMs,
    };
  }

  async close(): Promise<void> {
    await closeSafely(this.queue, CLOSE_TIMEOUT_MS, (error) => this.options.onError?.(error));
  }
}
