/**
 * `chuanliu reconcile --once`: the controller for a Kubernetes CronJob (one run a minute). Takes
 * the leader lease (so it never runs beside a controller Deployment or the previous run), reads
 * the plan from Redis (or adopts `--plan`), refreshes forecasts and the plan when their period has
 * passed, reconciles once and exits: 0 when the tick completed, 1 when it held, was refused or
 * some writes failed (the next run retries; the tick is idempotent).
 *
 * With `--prometheus-url`, the freshness gate runs first: workloads whose demand metrics are
 * missing or stale are held (no scale-down, offline capped) while the rest of the plan is applied,
 * and the run exits 1 so the CronJob's failed runs show the outage. A forecast refresh that cannot
 * read Prometheus keeps the stored forecasts rather than stopping the run: a Prometheus outage
 * before a peak must not stop the capacity the plan raises for it.
 */
import type { Command } from 'commander';
import { RedisAppliedStepStore } from '../adapters/bullmq/redis-applied-steps.ts';
import { checkRedisUrl, closeRedis, createRedis } from '../adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../adapters/bullmq/redis-keys.ts';
import { RedisStateStore } from '../adapters/bullmq/redis-state.ts';
import { loadKubeConfig } from '../adapters/kubernetes/kubeconfig.ts';
import { createLogger } from '../adapters/logger.ts';
import { tickEvents } from '../controller/tick-events.ts';
import { describePause } from '../ports/operator-controls.ts';
import { controllerEventsFor } from './controller-events.ts';
import { PrometheusSource } from '../adapters/prometheus/prometheus-source.ts';
import { loadConfigFile } from '../config/load-config.ts';
import { reconcile, type ReconcileResult } from '../controller/reconcile.ts';
import { InputError, RuntimeFailure } from '../domain/errors.ts';
import type { CapacityPlan } from '../domain/plan.ts';
import { parseDurationMs } from '../domain/units.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import { PlanningSource } from '../runtime/planning-source/planning-source.ts';
import { shouldUseColor } from '../report/ansi.ts';
import { failOnTick, renderTick, tickJson, withLease } from './apply.ts';
import {
  addClusterOptions, clusterFor, freshnessMonitorFor, kubeconfigSource, parseLogLevel, parseOutput, peakEventStoreFor, readPlanFor, reportReload, safetyFor, type ClusterFlags,
} from './controller.ts';

interface ReconcileFlags extends ClusterFlags {
  once?: boolean;
  redis: string;
  redisPrefix: string;
  plan?: string;
  forecastEvery: string;
  planEvery: string;
  prometheusUrl?: string;
  dryRun?: boolean;
  output: string;
  logLevel: string;
  controllerNamespace?: string;
}

export function registerReconcileCommand(program: Command): void {
  addClusterOptions(program.command('reconcile'))
    .description('Reconcile once and exit (the CronJob variant of the controller): refresh forecast/plan if due, apply what is due')
    .option('--once', 'run one tick and exit (required: the long-running form is `chuanliu controller`)')
    .requiredOption('--redis <url>', 'Redis holding the plan, forecasts and applied steps')
    .option('--redis-prefix <prefix>', 'prefix of every Redis key', 'chuanliu')
    .option('--plan <json>', 'follow this plan file instead of planning')
    .option('--forecast-every <duration>', 'refresh forecasts when the last refresh is older than this', '1h')
    .option('--plan-every <duration>', 're-plan when the last plan is older than this', '5m')
    .option('--prometheus-url <url>', 'Prometheus for demand sources of kind prometheus')
    .option('--dry-run', 'print the writes; change nothing (no lease, no state written)')
    .option('-o, --output <format>', 'stdout format: table | json', 'table')
    .option('--log-level <level>', 'log level: debug, info, warn, error', 'info')
    .option('--controller-namespace <ns>', 'where the pause switch (configmap/chuanliu-controls) and the controller\'s own Events live (default: POD_NAMESPACE, else chuanliu-system)')
    .action(async (flags: ReconcileFlags) => {
      if (flags.once !== true) throw new InputError('only `--once` is supported here; run `chuanliu controller` for the long-running controller', { source: '--once' });
      const output = parseOutput(flags.output);
      const logger = createLogger({ level: parseLogLevel(flags.logLevel), name: 'chuanliu-reconcile' });
      checkRedisUrl(flags.redis);
      const forecastEveryMs = parseDurationMs(flags.forecastEvery, { source: '--forecast-every' });
      const planEveryMs = parseDurationMs(flags.planEvery, { source: '--plan-every' });
      const config = await loadConfigFile(flags.config);
      const fixedPlan = flags.plan !== undefined ? await readPlanFor(flags.plan, config) : undefined;
      const cluster = clusterFor(config, flags, logger);
      const redis = createRedis(flags.redis, { name: 'chuanliu-reconcile' });
      const keys = redisKeys(flags.redisPrefix);
      const state = new RedisStateStore(redis, keys);
      const freshnessMonitor = freshnessMonitorFor(config, flags.prometheusUrl, logger);
      const peakEvents = peakEventStoreFor(config, flags);
      const operator = controllerEventsFor({
        kubeConfig: loadKubeConfig(kubeconfigSource(flags)), holder: process.env['HOSTNAME'] ?? 'reconcile-once', logger,
        ...(flags.controllerNamespace !== undefined ? { namespace: flags.controllerNamespace } : {}),
      });
      try {
        const tick = async (): Promise<ReconcileResult> => {
          const nowMs = systemClock.nowMs();
          let plan: CapacityPlan | undefined = fixedPlan ?? await state.loadPlan();
          if (fixedPlan !== undefined) {
            if (flags.dryRun !== true && (await state.loadPlan())?.id !== fixedPlan.id) await state.savePlan(fixedPlan);
          } else {
            const cycles = new PlanningSource({ config, peakEvents, onReload: (report) => reportReload(report, logger), ...(flags.prometheusUrl !== undefined ? { metricsSource: new PrometheusSource({ baseUrl: flags.prometheusUrl }) } : {}) });
            const due = async (cycle: 'forecast' | 'plan', everyMs: number): Promise<boolean> => nowMs - ((await state.lastCycle(cycle)) ?? -Infinity) >= everyMs;
            let forecasts = await state.loadForecasts();
            if (await due('forecast', forecastEveryMs)) {
              try {
                forecasts = new Map((await cycles.refreshForecasts(nowMs)).map((forecast) => [forecast.workload, forecast] as const));
                if (flags.dryRun !== true) {
                  await state.saveForecasts(forecasts.values());
                  await state.markCycle('forecast', nowMs);
                }
                logger.info(`forecasts refreshed for ${forecasts.size} workloads`);
              } catch (error) {
                if (!(error instanceof RuntimeFailure)) throw error;
                // Not marked as refreshed: the next run tries again. The freshness gate holds what the outage leaves unknown.
                logger.error(`forecast refresh failed, keeping the ${forecasts.size} stored forecasts: ${error.message}`);
              }
            }
            if (plan === undefined || await due('plan', planEveryMs)) {
              plan = await cycles.plan({ nowMs, forecasts, snapshot: await cluster.snapshot(), ...(plan !== undefined ? { previousPlan: plan } : {}) });
              if (flags.dryRun !== true) {
                await state.savePlan(plan);
                await state.markCycle('plan', nowMs);
              }
              logger.info({ planId: plan.id, steps: plan.steps.length }, `planned ${plan.id}`);
            }
          }
          // Measured right before the tick it gates (a long forecast refresh must not age the result).
          await freshnessMonitor?.refresh();
          // The operators' pause holds this run as it holds the controller; unreadable: hold.
          let paused: string | undefined;
          try {
            const pause = await operator.controls.read();
            if (pause.paused) paused = `chuanliu ${describePause(pause)}`;
          } catch (error) {
            if (!(error instanceof RuntimeFailure)) throw error;
            return { status: 'held', atMs: systemClock.nowMs(), planId: plan?.id, records: [], stepsMarkedApplied: [], message: `holding capacity, nothing written: cannot read the pause switch: ${error.message}` };
          }
          return reconcile({
            ...(paused !== undefined ? { paused } : {}),
            cluster, plan, inventory: config.inventory, appliedSteps: new RedisAppliedStepStore({ redis, keys }), clock: systemClock,
            safety: safetyFor(config), dryRun: flags.dryRun === true, maxConcurrentWrites: 32,
            ...(freshnessMonitor !== undefined ? { dataFreshness: freshnessMonitor.current() } : {}),
          });
        };
        const result = flags.dryRun === true ? await tick() : await withLease(redis, keys.leader, 'reconcile-once', tick, flags.redis);
        if (flags.dryRun !== true) for (const event of tickEvents(result, config.inventory)) operator.recorder.record(event);
        const alerts = result.dataAlerts ?? [];
        for (const alert of alerts) logger.warn({ workload: alert.workload, alert: alert.code }, alert.message);
        logger.info({ planId: result.planId, status: result.status }, `reconcile ${result.status}: ${result.message}`);
        process.stdout.write(output === 'json'
          ? `${JSON.stringify({ ...tickJson(result), dataAlerts: alerts }, undefined, 2)}\n`
          : `${renderTick(result, shouldUseColor(process.stdout))}\n${alerts.map((alert) => `hold: ${alert.message}\n`).join('')}`);
        failOnTick(result);
        if (alerts.length > 0) {
          throw new RuntimeFailure(`held ${alerts.length} workload(s) on missing or stale demand metrics (the rest of the plan was applied): ${alerts.map((alert) => `${alert.workload} ${alert.code}`).join(', ')}`);
        }
      } finally {
        await closeRedis(redis);
        cluster.close();
        peakEvents.close();
        await operator.close();
      }
    });
}
