/**
 * `chuanliu controller`: the long-running controller for the cluster. Follows a plan on BullMQ
 * (Redis): a fixed, approved `--plan`, or plans it makes itself on cron job schedulers from the
 * config's demand sources. Serves /metrics, /healthz and /readyz; pino JSON logs on stderr; stops
 * cleanly on SIGTERM (finishes the running tick, releases the leader lease).
 *
 * Also exports the flag handling the other cluster commands (reconcile, apply, status) share.
 */
import type { Command } from 'commander';
import { ControllerService, type PlanSource } from '../adapters/bullmq/controller-service.ts';
import type { CycleTiming } from '../adapters/bullmq/cycle-schedulers.ts';
import { PrometheusLiveRates } from '../adapters/bullmq/live-rates.ts';
import { checkRedisUrl, redactRedisUrl } from '../adapters/bullmq/redis-connection.ts';
import { loadKubeConfig, type KubeconfigSource } from '../adapters/kubernetes/kubeconfig.ts';
import { KubernetesCluster } from '../adapters/kubernetes/kubernetes-cluster.ts';
import { KubernetesPeakEvents } from '../adapters/kubernetes/peak-events.ts';
import { placeholderRefs } from '../adapters/kubernetes/placeholder-manifests.ts';
import { controllerEventsFor, reloadEvents } from './controller-events.ts';
import { createLogger, type Logger } from '../adapters/logger.ts';
import { ControllerMetrics } from '../adapters/metrics/controller-metrics.ts';
import { startMetricsServer } from '../adapters/metrics/metrics-server.ts';
import { readPlanFile } from '../adapters/plan-file.ts';
import { PrometheusSource } from '../adapters/prometheus/prometheus-source.ts';
import { loadConfigFile, type ChuanliuConfig } from '../config/load-config.ts';
import type { LogLevel } from '../controller/controller.ts';
import { DemandFreshnessMonitor } from '../controller/freshness-monitor.ts';
import type { SafetyPolicy } from '../controller/safety.ts';
import { InputError } from '../domain/errors.ts';
import type { CapacityPlan } from '../domain/plan.ts';
import { parseDurationMs } from '../domain/units.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import { PeakEventStatusWriter } from '../runtime/planning-source/peak-event-status.ts';
import { PlanningSource, type ReloadReport } from '../runtime/planning-source/planning-source.ts';

/** Flags every cluster command takes. */
export interface ClusterFlags {
  config: string;
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
}

export function addClusterOptions(command: Command): Command {
  return command
    .requiredOption('--config <yaml>', 'chuanliu config (inventory, planning, controller settings)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--in-cluster', 'use the pod\'s service account');
}

export function kubeconfigSource(flags: ClusterFlags): KubeconfigSource {
  if (flags.inCluster === true) {
    if (flags.kubeconfig !== undefined || flags.context !== undefined) throw new InputError('--in-cluster cannot be combined with --kubeconfig or --context', { source: '--in-cluster' });
    return { kind: 'in-cluster' };
  }
  if (flags.kubeconfig !== undefined) return { kind: 'file', path: flags.kubeconfig, ...(flags.context !== undefined ? { context: flags.context } : {}) };
  return { kind: 'default', ...(flags.context !== undefined ? { context: flags.context } : {}) };
}

/** The Kubernetes adapter for the config's workloads (only those are read and written). */
export function clusterFor(config: ChuanliuConfig, flags: ClusterFlags, log?: Logger): KubernetesCluster {
  return new KubernetesCluster({
    kubeConfig: loadKubeConfig(kubeconfigSource(flags)),
    clock: systemClock,
    // The placeholder Deployments too: without them in the snapshot the plan's placeholders are never written.
    workloads: [...[...config.inventory.online, ...config.inventory.offline].map((workload) => workload.ref), ...placeholderRefs(config.inventory.nodePools)],
    managedSelector: false,
    namespaces: config.controller.namespaces,
    ...(log !== undefined ? { onWarning: (message: string) => log.warn(message) } : {}),
  });
}

/** PeakEvents of the config's namespaces, read (and their status written) with the same credentials. */
export function peakEventStoreFor(config: ChuanliuConfig, flags: ClusterFlags): KubernetesPeakEvents {
  return new KubernetesPeakEvents({ kubeConfig: loadKubeConfig(kubeconfigSource(flags)), namespaces: config.controller.namespaces });
}

export function safetyFor(config: ChuanliuConfig): SafetyPolicy {
  return { namespaceAllowlist: config.controller.namespaces, maxStepReplicas: config.controller.maxStepReplicas ?? 1000 };
}

/** `--watch-every`: a duration of at least 1 s, or `off` (0: the service starts no watch). */
function parseWatchEvery(text: string, flag = '--watch-every'): number {
  if (text.trim() === 'off') return 0;
  const everyMs = parseDurationMs(text, { source: flag });
  if (everyMs < 1_000) throw new InputError(`"${text}" is too often; expected at least 1s, or off`, { source: flag });
  return everyMs;
}

/**
 * Every reload's outcome, out loud: a failure is an error in the log and counts in
 * chuanliu_config_reload_failures_total (the last good input stays in force); a PeakEvent chuanliu
 * refuses is an error too (its status says why); a clash with the calendar is a warning.
 */
export function reportReload(report: ReloadReport, logger: Logger, metrics?: ControllerMetrics): void {
  for (const failure of report.failures) {
    logger.error({ part: failure.part }, `reload failed: ${failure.message}`);
    metrics?.onReloadFailure(failure.part);
  }
  // Refusals and clashes are said when they appear, not on every 5 s poll.
  if (report.refusedChanged) for (const refused of report.refusedEvents) logger.error({ peakEvent: `${refused.namespace}/${refused.name}` }, `PeakEvent refused: ${refused.message}`);
  if (report.changed.length > 0) for (const clash of report.clashes) logger.warn({ peakEvent: clash.peakEvent, calendarEvent: clash.calendarEvent }, `event clash: ${clash.message}`);
  if (report.changed.length > 0) logger.info({ changed: report.changed, affectedWorkloads: report.affectedWorkloads }, `planning inputs reloaded: ${report.changed.join(', ')} changed`);
}

/** InputsLoaded: True while every planning input loads; False (with the failures) while a last good one stands in. */
export function inputsCondition(report: ReloadReport): { type: string; status: 'True' | 'False'; reason: string; message: string } {
  if (report.failures.length === 0) return { type: 'InputsLoaded', status: 'True', reason: 'Loaded', message: 'config, calendar and PeakEvents loaded' };
  return { type: 'InputsLoaded', status: 'False', reason: 'ReloadFailed', message: report.failures.map((failure) => `${failure.part}: ${failure.message}`).join('; ') };
}

/** A freshness probe waits at most this long for Prometheus: an answer later than that is missing data. */
const FRESHNESS_PROBE_TIMEOUT_MS = 10_000;

/**
 * The freshness gate's monitor for the config's Prometheus-fed workloads, or undefined when none
 * reads Prometheus. Without `--prometheus-url` such workloads cannot be checked: that is said once
 * (warn), since the controller then follows a fixed plan on trust.
 */
export function freshnessMonitorFor(config: ChuanliuConfig, prometheusUrl: string | undefined, logger?: Logger): DemandFreshnessMonitor | undefined {
  const measured = config.inventory.online.filter((workload) => workload.demand?.kind === 'prometheus');
  if (measured.length === 0) return undefined;
  if (prometheusUrl === undefined) {
    logger?.warn({ workloads: measured.map((workload) => workload.name) }, 'demand of these workloads comes from Prometheus but no --prometheus-url was given: their data freshness is not checked');
    return undefined;
  }
  const { maxSampleAgeMs, checkEveryMs } = config.controller.dataFreshness;
  const timeoutMs = Math.min(FRESHNESS_PROBE_TIMEOUT_MS, checkEveryMs);
  return new DemandFreshnessMonitor({
    source: new PrometheusSource({ baseUrl: prometheusUrl, timeoutMs }),
    inventory: config.inventory,
    clock: systemClock,
    maxSampleAgeMs,
    // Two missed checks (plus a probe's timeout) and the last result is no longer trusted.
    maxResultAgeMs: 3 * checkEveryMs + timeoutMs,
  });
}

export function logTo(logger: Logger): (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void {
  return (level, message, fields) => logger[level](fields ?? {}, message);
}

/** A plan file for this config: every workload it names must be in the inventory. */
export async function readPlanFor(path: string, config: ChuanliuConfig): Promise<CapacityPlan> {
  const plan = await readPlanFile(path);
  const known = new Set([...config.inventory.online, ...config.inventory.offline].map((workload) => workload.name));
  const pools = new Set(config.inventory.nodePools.map((pool) => pool.name));
  const unknown = Object.keys(plan.replicas).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new InputError(`the plan names workloads the config does not have: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`, { source: path, field: `replicas.${unknown[0]}` });
  }
  const unknownPools = Object.keys(plan.nodes).filter((name) => !pools.has(name));
  if (unknownPools.length > 0) throw new InputError(`the plan names node pools the config does not have: ${unknownPools.join(', ')}`, { source: path, field: `nodes.${unknownPools[0]}` });
  return plan;
}

export function parsePositiveInt(text: string, flag: string, max = 1_000_000): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw new InputError(`"${text}" is not a whole number in 1…${max}`, { source: flag });
  return value;
}

export function parsePort(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) throw new InputError(`"${text}" is not a port; expected 0…65535`, { source: flag });
  return value;
}

/** `5m` (every five minutes) or a cron pattern (`*\/5 * * * *`). */
export function parseTiming(text: string, flag: string): CycleTiming {
  if (/^\d/.test(text.trim()) && !/\s/.test(text.trim())) {
    const everyMs = parseDurationMs(text, { source: flag });
    if (everyMs < 1_000) throw new InputError(`"${text}" is too often; expected at least 1s`, { source: flag });
    return { everyMs };
  }
  const fields = text.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) throw new InputError(`"${text}" is neither a duration (5m) nor a cron pattern of 5 or 6 fields`, { source: flag });
  return { pattern: text.trim() };
}

const OUTPUT_FORMATS = ['table', 'json'] as const;

export function parseOutput(text: string): (typeof OUTPUT_FORMATS)[number] {
  if ((OUTPUT_FORMATS as readonly string[]).includes(text)) return text as (typeof OUTPUT_FORMATS)[number];
  throw new InputError(`"${text}" is not one of ${OUTPUT_FORMATS.join(', ')}`, { source: '--output' });
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function parseLogLevel(text: string): string {
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text;
  throw new InputError(`"${text}" is not one of ${LOG_LEVELS.join(', ')}`, { source: '--log-level' });
}

interface ControllerFlags extends ClusterFlags {
  redis: string;
  redisPrefix: string;
  plan?: string;
  forecastEvery: string;
  planEvery: string;
  watchEvery: string;
  prometheusUrl?: string;
  metricsPort: string;
  metricsHost: string;
  leaseTtl: string;
  jobLock: string;
  maxConcurrentWrites: string;
  forecastWorkers: string;
  forecastBatch: string;
  forecastDeadline: string;
  logLevel: string;
  holder?: string;
  controllerNamespace?: string;
  resyncEvery: string;
}

export function registerControllerCommand(program: Command): void {
  addClusterOptions(program.command('controller'))
    .description('Run the controller: follow the plan on BullMQ/Redis, apply steps in order, serve /metrics')
    .requiredOption('--redis <url>', 'Redis for jobs and state, e.g. redis://redis:6379/0')
    .option('--redis-prefix <prefix>', 'prefix of every Redis key (one per cluster)', 'chuanliu')
    .option('--plan <json>', 'follow this plan file (from `chuanliu plan -o json`) instead of planning')
    .option('--forecast-every <when>', 'forecast refresh: a duration (1h) or a cron pattern', '1h')
    .option('--plan-every <when>', 'planning: a duration (5m) or a cron pattern', '5m')
    .option('--watch-every <duration>', 'look for new PeakEvents, calendar and config this often; a change re-plans at once (off: only the --plan-every schedule)', '5s')
    .option('--prometheus-url <url>', 'Prometheus for demand sources of kind prometheus; also turns on the reactive guard (live rate vs forecast band)')
    .option('--metrics-port <n>', 'port of /metrics, /healthz and /readyz (0 = any free port)', '9464')
    .option('--metrics-host <host>', 'address the metrics server listens on', '0.0.0.0')
    .option('--lease-ttl <duration>', 'leader lease: a standby takes over this long after the leader died', '10s')
    .option('--job-lock <duration>', 'a job of a dead leader is retried after this', '30s')
    .option('--max-concurrent-writes <n>', 'writes in flight at once within one phase', '32')
    .option('--forecast-workers <n>', 'forecast batches this replica runs at once for the refresh spread over every replica (0: the leader forecasts alone)', '2')
    .option('--forecast-batch <n>', 'workloads per batch of the spread forecast refresh', '50')
    .option('--forecast-deadline <duration>', 'the leader plans after this even if some batches are not done (they keep their last good forecast, reported)', '5m')
    .option('--holder <name>', 'name of this replica in the lease and logs (default: the host name)')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .option('--resync-every <duration>', 'reconcile this often even with no step due, so pause, resume, overrides and their expiry take effect within it (off: only on jobs)', '10s')
    .option('--controller-namespace <ns>', 'where the pause switch (configmap/chuanliu-controls) and the controller\'s own Events live (default: POD_NAMESPACE, the pod\'s namespace, else chuanliu-system)')
    .action(async (flags: ControllerFlags) => {
      const logger = createLogger({ level: parseLogLevel(flags.logLevel), name: 'chuanliu-controller' });
      checkRedisUrl(flags.redis);
      const metricsPort = parsePort(flags.metricsPort, '--metrics-port');
      const leaseTtlMs = parseDurationMs(flags.leaseTtl, { source: '--lease-ttl' });
      const jobLockMs = parseDurationMs(flags.jobLock, { source: '--job-lock' });
      const maxConcurrentWrites = parsePositiveInt(flags.maxConcurrentWrites, '--max-concurrent-writes', 1024);
      const forecastWorkers = flags.forecastWorkers.trim() === '0' ? false as const : {
        concurrency: parsePositiveInt(flags.forecastWorkers, '--forecast-workers', 64),
        batchSize: parsePositiveInt(flags.forecastBatch, '--forecast-batch', 10_000),
        deadlineMs: parseDurationMs(flags.forecastDeadline, { source: '--forecast-deadline' }),
      };
      const timings = { forecast: parseTiming(flags.forecastEvery, '--forecast-every'), plan: parseTiming(flags.planEvery, '--plan-every') };
      const config = await loadConfigFile(flags.config);
      const metrics = new ControllerMetrics({ inventory: config.inventory });
      const holder = flags.holder ?? process.env['HOSTNAME'] ?? 'controller';
      const operator = controllerEventsFor({ kubeConfig: loadKubeConfig(kubeconfigSource(flags)), holder, metrics, logger, ...(flags.controllerNamespace !== undefined ? { namespace: flags.controllerNamespace } : {}) });
      // Set below; reloads before it exists (the first load) fail the start instead.
      const started: { service?: ControllerService } = {};
      const peakEvents = flags.plan === undefined ? peakEventStoreFor(config, flags) : undefined;
      const planningSource = peakEvents !== undefined
        ? new PlanningSource({
            configPath: flags.config, peakEvents,
            onReload: (report) => {
              reportReload(report, logger, metrics);
              for (const event of reloadEvents(report, operator.controls.object)) operator.recorder.record(event);
              void started.service?.recordCondition(inputsCondition(report), systemClock.nowMs());
            },
            ...(flags.prometheusUrl !== undefined ? { metricsSource: new PrometheusSource({ baseUrl: flags.prometheusUrl }) } : {}),
            // Never a blank forecast: the workload keeps its last good one, and someone is told.
            onForecastUnavailable: (workload, error) => {
              metrics.observeForecastUnavailable(workload, error.reason);
              logger.error({ workload, alert: 'forecast-unavailable', reason: error.reason }, `${workload}: no forecast could be made (${error.message}); keeping its last good forecast`);
            },
          })
        : undefined;
      // Bad config, calendar or PeakEvent access at start-up is said now (exit 2), not at the first cycle.
      await planningSource?.load();
      const planSource: PlanSource = planningSource === undefined
        ? { kind: 'fixed', plan: await readPlanFor(flags.plan as string, config) }
        : { kind: 'cycles', timings, cycles: planningSource, watchEveryMs: parseWatchEvery(flags.watchEvery) };
      const statusWriter = peakEvents !== undefined ? new PeakEventStatusWriter(peakEvents, (message) => logger.error(message)) : undefined;
      const cluster = clusterFor(config, flags, logger);
      const prometheus = flags.prometheusUrl !== undefined ? new PrometheusSource({ baseUrl: flags.prometheusUrl }) : undefined;
      const sampled = config.inventory.online.filter((workload) => workload.demand?.kind === 'prometheus');
      const guard = prometheus !== undefined && sampled.length > 0
        ? {
            liveRates: new PrometheusLiveRates(prometheus, sampled),
            sampleIntervalMs: config.guard.sampleIntervalMs,
            bandQuantile: config.guard.bandQuantile,
            config: {
              consecutiveSamples: config.guard.consecutiveSamples, headroomFactor: config.guard.headroomFactor, toleranceFraction: config.guard.toleranceFraction,
              coolDownMs: config.guard.coolDownMs, stabilizationMs: config.guard.stabilizationMs, trendHorizonMs: config.guard.trendHorizonMs,
            },
          }
        : undefined;
      const freshnessMonitor = freshnessMonitorFor(config, flags.prometheusUrl, logger);
      const service = new ControllerService({
        redisUrl: flags.redis,
        redisPrefix: flags.redisPrefix,
        cluster,
        inventory: config.inventory,
        clock: systemClock,
        planSource,
        safety: safetyFor(config),
        metrics,
        log: logTo(logger),
        holder,
        events: operator.recorder,
        controls: operator.controls,
        resyncEveryMs: parseWatchEvery(flags.resyncEvery, '--resync-every'),
        leaseTtlMs,
        jobLockMs,
        maxConcurrentWrites,
        forecastWorkers,
        ...(guard !== undefined ? { guard } : {}),
        ...(freshnessMonitor !== undefined ? { freshness: { monitor: freshnessMonitor, checkEveryMs: config.controller.dataFreshness.checkEveryMs } } : {}),
        ...(planningSource !== undefined && statusWriter !== undefined
          ? {
              afterWatch: async ({ plan, snapshot, nowMs }) => {
                const material = planningSource.current;
                const cancelled = material.peakEvents.filter((event) => event.cancelled).length;
                metrics.observePeakEvents({ active: material.peakEvents.length - cancelled, cancelled, refused: material.refusedEvents.length });
                if (material.peakEvents.length === 0 && material.refusedEvents.length === 0) return;
                await statusWriter.write({
                  events: material.peakEvents, refused: material.refusedEvents, plan, plannedEventIds: planningSource.plannedEventIds(plan?.id),
                  snapshot: statusWriter.needsSnapshot(material.peakEvents, nowMs) ? await snapshot() : undefined, inventory: config.inventory, nowMs,
                });
              },
            }
          : {}),
      });
      started.service = service;
      // Listen for SIGTERM before starting: Kubernetes may stop a pod while it is still starting, and
      // a signal with no listener would kill the process without releasing what it took.
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      const server = await startMetricsServer({ registry: metrics.registry, port: metricsPort, host: flags.metricsHost, readiness: () => service.readiness() });
      logger.info({ redis: redactRedisUrl(flags.redis), metrics: server.url, plan: flags.plan ?? 'planning cycles', guardedWorkloads: guard !== undefined ? sampled.length : 0, freshnessCheckedWorkloads: freshnessMonitor?.measuredWorkloads.length ?? 0 }, `controller starting; metrics on ${server.url}/metrics`);
      await service.start();
      logger.info({ role: service.currentRole }, `controller running as ${service.currentRole}`);
      await stopRequested;
      logger.info('stopping: finishing the running tick, releasing the lease');
      await service.stop();
      await server.close();
      cluster.close();
      peakEvents?.close();
      await operator.close();
      logger.info('controller stopped');
    });
}
