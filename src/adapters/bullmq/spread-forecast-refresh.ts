/**
 * The controller service's side of the forecast refresh spread over every replica (forecast-workers.ts):
 * this replica's workers, the leader's coordinator, and what a refresh's outcome is told as (logs,
 * `chuanliu_forecast_unavailable_total`, `chuanliu_forecast_batches_total`).
 */
import type { ControllerServiceOptions, ServiceLog } from './controller-service-options.ts';
import { ForecastRefreshCoordinator, ForecastWorkers, type RefreshOutcome } from './forecast-workers.ts';
import type { PlanningCycles } from './planning-cycles.ts';
import { redisOptionsFromUrl, type Redis } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { RedisStateStore } from './redis-state.ts';

/** Defaults of ControllerServiceOptions.forecastWorkers. */
const WORKER_CONCURRENCY = 2;
const BATCH_SIZE = 50;
const DEADLINE_MS = 5 * 60_000;

export class SpreadForecastRefresh {
  private constructor(
    private readonly workers: ForecastWorkers,
    private readonly coordinator: ForecastRefreshCoordinator,
    private readonly options: ControllerServiceOptions,
    private readonly log: ServiceLog,
  ) {}

  /** Undefined when the refresh is not spread: `forecastWorkers: false`, or cycles that cannot forecast in batches. */
  static for(options: ControllerServiceOptions, parts: { redis: Redis; keys: RedisKeys; state: RedisStateStore; log: ServiceLog }): SpreadForecastRefresh | undefined {
    const source = options.planSource;
    if (source.kind !== 'cycles' || options.forecastWorkers === false) return undefined;
    const { cycles } = source;
    if (cycles.forecastBatch === undefined || cycles.forecastTargets === undefined) return undefined;
    const { redis, keys, state, log } = parts;
    const connection = redisOptionsFromUrl(options.redisUrl);
    const holder = options.holder ?? 'controller';
    const onError = (error: Error): void => log('warn', `bullmq forecasts: ${error.message}`);
    const forecastBatch = cycles.forecastBatch.bind(cycles);
    const workers = new ForecastWorkers({
      connection, prefix: keys.bullmqPrefix, redis, keys, state, holder, forecastBatch,
      concurrency: options.forecastWorkers?.concurrency ?? WORKER_CONCURRENCY,
      lockDurationMs: options.jobLockMs ?? 30_000,
      onBatch: (outcome) => {
        options.metrics?.onForecastBatch(outcome.failed === undefined ? 'done' : 'failed', outcome.forecasts);
        log(outcome.failed === undefined ? 'debug' : 'error', `forecast batch on ${holder}: ${outcome.forecasts}/${outcome.workloads} forecasts in ${outcome.computeMs} ms${outcome.failed !== undefined ? `; failed: ${outcome.failed}` : ''}`);
      },
      onError,
    });
    const coordinator = new ForecastRefreshCoordinator({
      connection, prefix: keys.bullmqPrefix, redis, keys, clock: options.clock, batchSize: options.forecastWorkers?.batchSize ?? BATCH_SIZE, onError,
    });
    return new SpreadForecastRefresh(workers, coordinator, options, log);
  }

  /** Takes batches on this replica (every replica, leader or standby). */
  start(): void {
    this.workers.start();
  }

  /**
   * The leader's refresh: enqueue, wait (until done, the deadline, or `keepWaiting` says no), tell
   * the leader's cycles which events the forecasts include, and say what is missing. Throws when
   * not one forecast was made.
   */
  async refresh(cycles: PlanningCycles, nowMs: number, keepWaiting: () => boolean): Promise<RefreshOutcome> {
    const { metrics } = this.options;
    const targets = await (cycles.forecastTargets as NonNullable<PlanningCycles['forecastTargets']>).call(cycles);
    const outcome = await this.coordinator.refresh(nowMs, targets, (this.options.forecastWorkers || undefined)?.deadlineMs ?? DEADLINE_MS, keepWaiting);
    cycles.noteForecastsMadeElsewhere?.(outcome.eventsDigests);
    // Workloads with no new forecast keep their last good one, and it is said: per workload, like an unavailable forecast.
    for (const workload of outcome.failed) metrics?.observeForecastUnavailable(workload, 'refresh-failed');
    for (const workload of outcome.late) metrics?.observeForecastUnavailable(workload, 'refresh-deadline');
    if (outcome.failed.length + outcome.late.length > 0) {
      this.log('error', `forecast refresh ${outcome.refreshId}: ${outcome.failed.length} workloads in failed batches, ${outcome.late.length} not done within the deadline; they keep their last good forecast`,
        { alert: 'forecast-unavailable', failures: outcome.failures.slice(0, 5), late: outcome.late.slice(0, 20) });
    }
    const shares = Object.entries(outcome.byHolder).map(([holder, share]) => `${holder}: ${share.forecasts} in ${share.batches} batches`).join(', ');
    this.log('info', `forecasts refreshed for ${outcome.forecasts} of ${outcome.workloads} workloads in ${(outcome.elapsedMs / 1000).toFixed(1)} s over ${Object.keys(outcome.byHolder).length} replicas (${shares}); ${outcome.fitsReused} on a kept fit, ${outcome.forecasts - outcome.fitsReused} fit afresh`,
      { refreshId: outcome.refreshId, byHolder: outcome.byHolder, fitsReused: outcome.fitsReused });
    if (outcome.forecasts === 0 && outcome.workloads > 0) {
      throw new Error(`no forecast made in refresh ${outcome.refreshId}: ${outcome.failures[0] ?? 'no batch done within the deadline'}`);
    }
    return outcome;
  }

  /** A batch running here finishes (or, past the close timeout, is retried elsewhere as stalled). */
  async close(): Promise<void> {
    await this.workers.close();
    await this.coordinator.close();
  }
}
