/**
 * What the controller's plan is made from, and the cycles that make it: the config (re-read from
 * its file), the peak calendar (re-read from its file — in a cluster a mounted ConfigMap, which the
 * kubelet refreshes), the PeakEvents (listed from the API) and the demand histories. One object owns
 * all of it, so every cycle plans from what is there *now*: nothing is cached past a reload.
 *
 * A reload that fails keeps the last good material running and says so (`ReloadReport.failures`;
 * the caller logs an error, counts `chuanliu_config_reload_failures_total`, records an Event and a
 * condition). Only the first load may fail outright (bad input, exit 2): there is nothing to keep.
 *
 * Forecasts are made with the events they must include. A plan whose stored forecast of a workload
 * was made under other events (an event was added, changed or cancelled since) re-forecasts that
 * workload first, so a new PeakEvent is in the very next plan, not the next hourly forecast.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { ForecastBatchResult, PlanningCycles } from '../../adapters/bullmq/planning-cycles.ts';
import { parseCalendarText } from '../../calendar/load-calendar.ts';
import { mergePeakEvents, parsePeakEvent, peakEventWorkloads, type EventClash, type PeakEvent } from '../../calendar/peak-event.ts';
import { parseConfigText, readInputFile, type ChuanliuConfig } from '../../config/load-config.ts';
import type { PeakCalendar } from '../../domain/calendar.ts';
import { eventsForWorkload } from '../../domain/calendar-occurrences.ts';
import { InputError, type ForecastUnavailableError } from '../../domain/errors.ts';
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import type { DemandFit } from '../../forecaster/demand-fit.ts';
import { planCapacity, type ObservedState } from '../../planner/index.ts';
import type { ClusterSnapshot } from '../../ports/cluster.ts';
import type { MetricsSource } from '../../ports/metrics-source.ts';
import type { PeakEventStore } from '../../ports/peak-events.ts';
import { forecastWorkloads, planningInputFor, preparePlanningInputs } from './planning-inputs.ts';

export type MaterialPart = 'config' | 'calendar' | 'peakEvents';

export interface ReloadFailure {
  readonly part: MaterialPart;
  /** Says what was wrong and that the last good one is kept. */
  readonly message: string;
}

/** A PeakEvent the API holds but chuanliu refuses (the API's CEL rules cannot check everything). */
export interface RefusedPeakEvent {
  readonly namespace: string;
  readonly name: string;
  readonly message: string;
}

export interface ReloadReport {
  /** Parts whose content changed (and was taken). */
  readonly changed: readonly MaterialPart[];
  readonly failures: readonly ReloadFailure[];
  readonly clashes: readonly EventClash[];
  readonly refusedEvents: readonly RefusedPeakEvent[];
  /** True when the refused events differ from the last reload's (report them once, not every poll). */
  readonly refusedChanged: boolean;
  /** Online workloads whose events changed: their forecasts are re-made before the next plan. */
  readonly affectedWorkloads: readonly string[];
}

export interface PlanningSourceOptions {
  /** Re-read on every reload. Give this or `config`. */
  readonly configPath?: string;
  /** A config that never changes (tests, `reconcile --once` with a config already read). */
  readonly config?: ChuanliuConfig;
  /** Needed when a workload's demand comes from Prometheus. */
  readonly metricsSource?: MetricsSource;
  readonly peakEvents?: PeakEventStore;
  /** Told every reload's outcome: the caller logs failures (error), counts them and records Events. */
  readonly onReload?: (report: ReloadReport) => void;
  /**
   * Told about each workload no forecast could be made for in a refresh (ForecastUnavailableError);
   * that workload is left out of the refreshed forecasts, so the stored last good one stays in use.
   * The caller alerts (log at error level, metric). @defaultValue the refresh fails as a whole
   */
  readonly onForecastUnavailable?: (workload: string, error: ForecastUnavailableError) => void;
}

interface Material {
  readonly config: ChuanliuConfig;
  readonly configDigest: string;
  /** The calendar file alone, as last read well. */
  readonly fileCalendar: PeakCalendar | undefined;
  readonly calendarDigest: string;
  readonly peakEvents: readonly PeakEvent[];
  readonly peakEventsDigest: string;
  /** Calendar and PeakEvents together: what forecasts and plans use. */
  readonly calendar: PeakCalendar | undefined;
  readonly clashes: readonly EventClash[];
  readonly refusedEvents: readonly RefusedPeakEvent[];
}

export class PlanningSource implements PlanningCycles {
  private material: Material | undefined;
  /** Workload → digest of the events its last forecast (made here) included. */
  private readonly forecastEvents = new Map<string, string>();
  /** The last plan made here and the PeakEvents it was made with (their status says Planned). */
  private lastPlanned: { planId: string; eventIds: ReadonlySet<string> } | undefined;
  /** The refresh (its `nowMs`) whose batches already reloaded the material. */
  private batchesReloadedFor: number | undefined;
  /**
   * Workload → its last forecast fit, reused by later refreshes until due (`forecast.refitEvery`).
   * In memory: a refresh spread over replicas keeps fits in Redis instead (forecast-workers.ts).
   */
  private readonly fits = new Map<string, DemandFit>();
  /** Serializes reloads: a watch poll and a cycle never read at once. */
  private reloading: Promise<ReloadReport> | undefined;

  constructor(private readonly options: PlanningSourceOptions) {
    if ((options.configPath === undefined) === (options.config === undefined)) throw new RangeError('PlanningSource needs exactly one of configPath or config');
    if (options.config !== undefined) checkPrometheus(options.config, options.metricsSource);
  }

  /** The material last loaded well; throws before the first load. */
  get current(): Material {
    if (this.material === undefined) throw new Error('PlanningSource: load() first');
    return this.material;
  }

  /**
   * First load: the config and the calendar must be good (InputError otherwise: nothing to fall
   * back on). PeakEvents that cannot be listed yet (the API busy, a CRD still being established)
   * do not stop the start: it plans without them, the failure is reported, the next poll retries.
   */
  async load(): Promise<Material> {
    const report = await this.reload();
    const failure = report.failures.find((item) => item.part !== 'peakEvents');
    if (this.material === undefined || failure !== undefined) {
      this.material = undefined;
      throw failure !== undefined ? new InputError(failure.message, { source: failure.part }) : new Error('PlanningSource: nothing loaded');
    }
    return this.material;
  }

  /** Re-reads config, calendar and PeakEvents; keeps the last good part wherever a part fails. */
  reload(): Promise<ReloadReport> {
    const next = (this.reloading ?? Promise.resolve()).then(() => this.reloadNow(), () => this.reloadNow()).then((report) => {
      this.options.onReload?.(report);
      return report;
    });
    this.reloading = next;
    return next;
  }

  /** Reloads; names what changed in a way that needs a new forecast and plan, else undefined. */
  async pollChanges(): Promise<string | undefined> {
    if (this.material === undefined) {
      await this.load();
      return 'planning inputs loaded';
    }
    const report = await this.reload();
    const reasons: string[] = [];
    if (report.changed.includes('config')) reasons.push('the config changed');
    if (report.affectedWorkloads.length > 0) reasons.push(`the events of ${report.affectedWorkloads.join(', ')} changed (${report.changed.filter((part) => part !== 'config').join(', ')})`);
    return reasons.length === 0 ? undefined : reasons.join('; ');
  }

  private async reloadNow(): Promise<ReloadReport> {
    const previous = this.material;
    const failures: ReloadFailure[] = [];
    const changed: MaterialPart[] = [];

    let config = previous?.config;
    let configDigest = previous?.configDigest ?? '';
    try {
      const loaded = await this.readConfig();
      if (loaded.digest !== configDigest) {
        if (previous !== undefined) checkReloadable(previous.config, loaded.config);
        checkPrometheus(loaded.config, this.options.metricsSource);
        config = loaded.config;
        configDigest = loaded.digest;
        changed.push('config');
      }
    } catch (error) {
      failures.push({ part: 'config', message: `${messageOf(error)}; ${previous === undefined ? 'nothing loaded' : 'keeping the last good config'}` });
      if (!(error instanceof InputError) && previous === undefined) throw error;
    }
    if (config === undefined) {
      return { changed, failures, clashes: [], refusedEvents: [], refusedChanged: false, affectedWorkloads: [] };
    }
    const online = config.inventory.online.map((workload) => workload.name);

    let fileCalendar = previous?.fileCalendar;
    let calendarDigest = previous?.calendarDigest ?? '';
    try {
      const path = config.calendarPath;
      const text = path === undefined ? '' : await readInputFile(path, 'calendar');
      const digest = `${path ?? ''}\n${digestOf(text)}\n${configDigest}`;
      if (digest !== calendarDigest) {
        fileCalendar = path === undefined ? undefined : parseCalendarText(text, path, { workloads: online });
        calendarDigest = digest;
        changed.push('calendar');
      }
    } catch (error) {
      failures.push({ part: 'calendar', message: `${messageOf(error)}; ${previous === undefined ? 'nothing loaded' : 'keeping the last good calendar'}` });
    }

    let peakEvents = previous?.peakEvents ?? [];
    let peakEventsDigest = previous?.peakEventsDigest ?? '';
    let refusedEvents = previous?.refusedEvents ?? [];
    if (this.options.peakEvents !== undefined) {
      try {
        const objects = await this.options.peakEvents.list();
        const parsed: PeakEvent[] = [];
        const refused: RefusedPeakEvent[] = [];
        for (const object of objects) {
          try {
            parsed.push(parsePeakEvent(object, { workloads: online }));
          } catch (error) {
            if (!(error instanceof InputError)) throw error;
            refused.push({ namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '', message: error.message });
          }
        }
        parsed.sort((a, b) => a.id.localeCompare(b.id));
        const digest = digestOf(JSON.stringify(parsed.map(({ resourceVersion: _ignored, ...rest }) => rest)) + configDigest);
        refusedEvents = refused;
        if (digest !== peakEventsDigest) {
          peakEvents = parsed;
          peakEventsDigest = digest;
          changed.push('peakEvents');
        }
      } catch (error) {
        failures.push({ part: 'peakEvents', message: `PeakEvents could not be listed: ${messageOf(error)}; keeping the ${peakEvents.length} last listed` });
      }
    }

    const refusedChanged = JSON.stringify(refusedEvents) !== JSON.stringify(previous?.refusedEvents ?? []);
    if (previous !== undefined && changed.length === 0) {
      if (refusedChanged) this.material = { ...previous, refusedEvents };
      return { changed, failures, clashes: previous.clashes, refusedEvents, refusedChanged, affectedWorkloads: [] };
    }
    const { calendar, clashes } = mergePeakEvents(fileCalendar, peakEvents, online);
    const affectedWorkloads = online.filter((workload) => eventsDigest(previous?.calendar, workload) !== eventsDigest(calendar, workload));
    this.material = { config, configDigest, fileCalendar, calendarDigest, peakEvents, peakEventsDigest, calendar, clashes, refusedEvents };
    return { changed, failures, clashes, refusedEvents, refusedChanged, affectedWorkloads };
  }

  private async readConfig(): Promise<{ config: ChuanliuConfig; digest: string }> {
    if (this.options.config !== undefined) return { config: this.options.config, digest: 'fixed' };
    const path = this.options.configPath as string;
    const text = await readInputFile(path, 'config');
    return { config: parseConfigText(text, path, { baseDir: dirname(resolve(path)) }), digest: digestOf(text) };
  }

  async refreshForecasts(nowMs: number): Promise<Forecast[]> {
    await this.ensureLoaded();
    return this.forecast(nowMs, undefined);
  }

  async forecastTargets(): Promise<readonly string[]> {
    await this.ensureLoaded();
    return this.current.config.inventory.online.filter((workload) => workload.demand !== undefined).map((workload) => workload.name);
  }

  /**
   * One batch of a refresh spread over the replicas. The material is re-read first (as every cycle
   * does), so a replica forecasts with the calendar and PeakEvents it sees now; the digests tell the
   * leader which events each forecast includes.
   */
  async forecastBatch(nowMs: number, workloads: readonly string[], fits: Map<string, DemandFit> = this.fits): Promise<ForecastBatchResult> {
    // Once per refresh, not per batch: a 10,000-workload config is not re-parsed a hundred times.
    if (this.material === undefined || this.batchesReloadedFor !== nowMs) {
      this.batchesReloadedFor = nowMs;
      await this.ensureLoaded();
    }
    const { config, calendar } = this.current;
    const { metricsSource, onForecastUnavailable } = this.options;
    const { forecasts } = await forecastWorkloads(config, {
      nowMs, calendar: calendar ?? null, fits, ...(metricsSource !== undefined ? { metrics: metricsSource } : {}), ...(onForecastUnavailable !== undefined ? { onForecastUnavailable } : {}),
    }, new Set(workloads));
    const eventsDigests: Record<string, string> = {};
    for (const forecast of forecasts) {
      eventsDigests[forecast.workload] = eventsDigest(calendar, forecast.workload);
      this.forecastEvents.set(forecast.workload, eventsDigests[forecast.workload] as string);
    }
    return { forecasts, eventsDigests };
  }

  noteForecastsMadeElsewhere(eventsDigests: Readonly<Record<string, string>>): void {
    for (const [workload, digest] of Object.entries(eventsDigests)) this.forecastEvents.set(workload, digest);
  }

  async plan(input: { nowMs: number; forecasts: ReadonlyMap<string, Forecast>; previousPlan?: CapacityPlan; snapshot: ClusterSnapshot }): Promise<CapacityPlan> {
    await this.ensureLoaded();
    const { config, calendar } = this.current;
    const forecasts = new Map(input.forecasts);
    // A forecast made under other events than today's is re-made (only for those workloads).
    // Forecasts read back from Redis (made before this process) are trusted unless a PeakEvent
    // touches the workload: it may have been created while no controller ran.
    const online = config.inventory.online.map((workload) => workload.name);
    const stale = [...forecasts.keys()].filter((workload) => {
      const made = this.forecastEvents.get(workload);
      if (made === undefined) return this.current.peakEvents.some((event) => !event.cancelled && peakEventWorkloads(event, online).includes(workload));
      return made !== eventsDigest(calendar, workload);
    });
    if (stale.length > 0) for (const forecast of await this.forecast(input.nowMs, stale)) forecasts.set(forecast.workload, forecast);
    const { input: planningInput } = planningInputFor({
      config, ...(calendar !== undefined ? { calendar } : {}), nowMs: input.nowMs, forecasts: [...forecasts.values()],
      observed: observedFrom(config, input.snapshot), ...(input.previousPlan !== undefined ? { previousPlan: input.previousPlan } : {}),
    });
    const plan = planCapacity(planningInput);
    this.lastPlanned = { planId: plan.id, eventIds: new Set(this.current.peakEvents.filter((event) => !event.cancelled).map((event) => event.id)) };
    return plan;
  }

  /** PeakEvents the plan `planId` was made with (empty when it was not made here). */
  plannedEventIds(planId: string | undefined): ReadonlySet<string> {
    return planId !== undefined && this.lastPlanned?.planId === planId ? this.lastPlanned.eventIds : new Set();
  }

  private async forecast(nowMs: number, only: readonly string[] | undefined): Promise<Forecast[]> {
    const { config, calendar } = this.current;
    const { metricsSource } = this.options;
    const { onForecastUnavailable } = this.options;
    const inputs = await preparePlanningInputs(config, {
      nowMs, calendar: calendar ?? null, fits: this.fits, ...(metricsSource !== undefined ? { metrics: metricsSource } : {}), ...(onForecastUnavailable !== undefined ? { onForecastUnavailable } : {}),
    });
    const forecasts = inputs.forecasts.filter((forecast) => only === undefined || only.includes(forecast.workload));
    for (const forecast of forecasts) this.forecastEvents.set(forecast.workload, eventsDigest(calendar, forecast.workload));
    return [...forecasts];
  }

  private async ensureLoaded(): Promise<void> {
    // Every cycle plans from what is there now: a calendar or PeakEvent changed since the last
    // reload is taken here at the latest (the watch usually took it already).
    if (this.material === undefined) await this.load();
    else await this.reload();
  }
}

/** Which config changes a running controller can take: planning and forecast settings, the calendar and demand sources. */
function checkReloadable(running: ChuanliuConfig, next: ChuanliuConfig): void {
  const shape = (config: ChuanliuConfig): string => JSON.stringify({
    online: config.inventory.online.map((workload) => ({ ...workload, demand: undefined })),
    offline: config.inventory.offline,
    nodePools: config.inventory.nodePools,
    controller: config.controller,
  });
  if (shape(running) !== shape(next)) {
    throw new InputError(`${next.source}: the inventory (workloads, node pools) or the controller section changed; a running controller takes only planning, forecast, calendar and demand changes: restart it to take this one`, { source: next.source });
  }
}

function checkPrometheus(config: ChuanliuConfig, metricsSource: MetricsSource | undefined): void {
  const needsPrometheus = config.inventory.online.find((workload) => workload.demand?.kind === 'prometheus');
  if (needsPrometheus !== undefined && metricsSource === undefined) {
    throw new InputError(`${needsPrometheus.name}: demand comes from Prometheus but no --prometheus-url was given`, { source: '--prometheus-url' });
  }
}

function eventsDigest(calendar: PeakCalendar | undefined, workload: string): string {
  return calendar === undefined ? '' : digestOf(JSON.stringify(eventsForWorkload(calendar, workload)));
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function observedFrom(config: ChuanliuConfig, snapshot: ClusterSnapshot): ObservedState {
  const byRef = new Map(snapshot.workloads.map((state) => [`${state.ref.apiKind}/${state.ref.namespace}/${state.ref.name}`, state] as const));
  const workloads: Record<string, { desiredReplicas: number; readyReplicas: number }> = {};
  for (const workload of [...config.inventory.online, ...config.inventory.offline]) {
    const state = byRef.get(`${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`);
    if (state !== undefined) workloads[workload.name] = { desiredReplicas: state.desiredReplicas, readyReplicas: state.readyReplicas };
  }
  const nodePools = Object.fromEntries(snapshot.nodePools.map((pool) => [pool.pool, { readyNodes: pool.readyNodes, provisioningNodes: pool.provisioningNodes }] as const));
  return { workloads, nodePools, demandRps: {}, offlineRemainingCoreHours: {} };
}
