/**
 * From what the plan is made of to the planner's `PlanningInput`: config → calendar →
 * demand history per online workload → forecasts → settings. Shared by `chuanliu plan`,
 * `chuanliu explain` and the controller's cycles (planning-source.ts), so every path
 * forecasts and plans the same way.
 *
 * History of an online workload, first match wins:
 *   1. `--history <workload>=<csv>` (a trace file read as `chuanliu trace inspect` reads it);
 *   2. the config's `demand: { kind: csv, path, column, scale, timeShift }`;
 *   3. the config's `demand: { kind: prometheus, query }`, read with `query_range` from the
 *      Prometheus given (`--prometheus-url`); without one this is bad input naming the workload;
 *   4. no demand source at all: no forecast; the planner plans the workload from its minReplicas
 *      and says so in the plan's notes.
 *
 * `now` is never taken silently from the wall clock: it is the `--now` given, else the end of the
 * CSV histories (the newest bucket end; the plan of a history file is reproducible), else — only
 * when a workload's history is live Prometheus data — the caller's clock, and the caller prints it.
 */
import { loadCalendarFile } from '../../calendar/load-calendar.ts';
import { loadConfigFile, type ChuanliuConfig } from '../../config/load-config.ts';
import type { EventOccurrence, PeakCalendar } from '../../domain/calendar.ts';
import { calendarTimeZone, eventOccurrences } from '../../domain/calendar-occurrences.ts';
import { ForecastUnavailableError, InputError } from '../../domain/errors.ts';
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import { seriesEndMs, type RegularSeries } from '../../domain/series.ts';
import { isValidTimeZone } from '../../domain/time-zones.ts';
import { formatDurationMs } from '../../domain/units.ts';
import type { DemandFit } from '../../forecaster/demand-fit.ts';
import { forecastDemandWithFit } from '../../forecaster/forecast-demand.ts';
import { emptyObservedState, type ObservedState, type PlanningInput } from '../../planner/index.ts';
import type { MetricsSource } from '../../ports/metrics-source.ts';
import { readTraceFile, type TraceReadOptions } from '../../adapters/traces/read-trace.ts';

/** What the caller asks for; every field but the config is optional. */
export interface PlanningInputsRequest {
  /** Instant the plan starts from (epoch ms). @defaultValue see the module comment */
  readonly nowMs?: number;
  /** @defaultValue the config's `planning.horizon` */
  readonly horizonMs?: number;
  /** @defaultValue the config's `planning.slot` */
  readonly slotMs?: number;
  /** Workload name → CSV trace path; replaces the config's demand source of that workload. */
  readonly historyFiles?: ReadonlyMap<string, string>;
  /** How to read the `historyFiles` (layout and zone of naive timestamps). @defaultValue detected, UTC */
  readonly historyRead?: Pick<TraceReadOptions, 'timeColumn' | 'valueColumn' | 'delimiter' | 'timeFormat' | 'timeZone'>;
  /** Where `kind: prometheus` demand sources are read; undefined = such a source is bad input. */
  readonly metrics?: MetricsSource;
  /** IANA zone of times in messages. @defaultValue the calendar's first zone, else UTC */
  readonly displayTimeZone?: string;
  /** Read only when `now` is not given and some history is live (Prometheus). */
  readonly wallClockMs?: () => number;
  /** The cluster as last seen. @defaultValue nothing known, except the recent rate from the history */
  readonly observed?: ObservedState;
  readonly previousPlan?: CapacityPlan;
  /**
   * When given, a workload no forecast can be made for (ForecastUnavailableError: too little or no
   * recent history) is reported here and left out of `forecasts` instead of failing the whole call
   * (the controller keeps that workload's last good forecast). Without it, the error is thrown.
   */
  readonly onForecastUnavailable?: (workload: string, error: ForecastUnavailableError) => void;
  /**
   * The calendar to plan with (the controller's planning source passes the one it reloaded and
   * merged with PeakEvents); null = none. @defaultValue the config's calendar file, read now
   */
  readonly calendar?: PeakCalendar | null;
  /**
   * Workload → its last fit (demand-fit.ts): read to reuse a fit young enough (`forecast.refitEvery`),
   * and updated with every fit made or kept. The controller keeps it between refreshes. @defaultValue every forecast fits afresh
   */
  readonly fits?: Map<string, DemandFit>;
}

export interface LoadedHistory {
  readonly workload: string;
  /** Where it came from, for messages: the CSV path, or `prometheus: <query>`. */
  readonly origin: string;
  /** Only the window the forecaster reads: `forecast.history` before now. */
  readonly series: RegularSeries;
  /** What was done to it (format, cleaning, scale, shift), in words. */
  readonly notes: readonly string[];
}

export type NowSource = 'flag' | 'history-end' | 'wall-clock';

export interface PlanningInputs {
  readonly config: ChuanliuConfig;
  readonly calendar?: PeakCalendar;
  readonly input: PlanningInput;
  readonly now: { readonly ms: number; readonly source: NowSource };
  readonly histories: readonly LoadedHistory[];
  /** One per online workload with a history, in config order. */
  readonly forecasts: readonly Forecast[];
  /** Calendar occurrences overlapping the plan (for reports). */
  readonly occurrences: readonly EventOccurrence[];
  /** Online workloads planned without a forecast (no demand source). */
  readonly unforecast: readonly string[];
  /** True when the calendar is labelled synthetic. */
  readonly synthetic: boolean;
}

/** Reads the config file, then everything it points at. */
export async function loadPlanningInputs(configPath: string, request: PlanningInputsRequest = {}): Promise<PlanningInputs> {
  return preparePlanningInputs(await loadConfigFile(configPath), request);
}

/** The same from a config already loaded (the controller keeps one). */
export async function preparePlanningInputs(config: ChuanliuConfig, request: PlanningInputsRequest = {}): Promise<PlanningInputs> {
  const online = config.inventory.online;
  const { slotMs, horizonMs, calendar, now, histories, forecasts, displayTimeZone } = await forecastFromConfig(config, request, online);
  const forecastable = new Set(histories.map((history) => history.workload));

  const observedBase = request.observed ?? emptyObservedState();
  const demandRps: Record<string, number> = { ...observedBase.demandRps };
  for (const history of histories) {
    if (demandRps[history.workload] !== undefined) continue;
    const recent = recentRateRps(history.series, now.ms, Math.max(slotMs, config.forecast.bucketMs));
    if (recent !== undefined) demandRps[history.workload] = recent;
  }
  const { input, occurrences } = planningInputFor({
    config, ...(calendar !== undefined ? { calendar } : {}), nowMs: now.ms, forecasts, slotMs, horizonMs, displayTimeZone,
    observed: { ...observedBase, demandRps }, ...(request.previousPlan !== undefined ? { previousPlan: request.previousPlan } : {}),
  });
  return {
    config,
    ...(calendar !== undefined ? { calendar } : {}),
    input,
    now,
    histories,
    forecasts,
    occurrences,
    unforecast: online.filter((workload) => !forecastable.has(workload.name)).map((workload) => workload.name),
    synthetic: calendar?.synthetic === true,
  };
}

/**
 * Forecasts of some online workloads (`chuanliu controller`'s forecast workers take a batch each):
 * their histories read and forecast exactly as `preparePlanningInputs` does, without the planning input.
 */
export async function forecastWorkloads(config: ChuanliuConfig, request: PlanningInputsRequest & { readonly nowMs: number }, workloads: ReadonlySet<string>): Promise<{ forecasts: readonly Forecast[]; nowMs: number }> {
  const known = new Set(config.inventory.online.map((workload) => workload.name));
  const unknown = [...workloads].filter((name) => !known.has(name));
  if (unknown.length > 0) throw new InputError(`no online workload named ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''} in ${config.source}`, { source: config.source });
  const { forecasts, now } = await forecastFromConfig(config, request, config.inventory.online.filter((workload) => workloads.has(workload.name)));
  return { forecasts, nowMs: now.ms };
}

/** Calendar, `now`, histories and forecasts of `online` (all the config's online workloads, or some). */
async function forecastFromConfig(config: ChuanliuConfig, request: PlanningInputsRequest, online: readonly ChuanliuConfig['inventory']['online'][number][]) {
  checkHistoryFiles(config, request.historyFiles);
  const slotMs = request.slotMs ?? config.planning.slotMs;
  const horizonMs = request.horizonMs ?? config.planning.horizonMs;
  checkSlotAndHorizon(config, slotMs, horizonMs, request);
  const calendar = request.calendar !== undefined
    ? request.calendar ?? undefined
    : config.calendarPath === undefined
      ? undefined
      : await loadCalendarFile(config.calendarPath, { workloads: config.inventory.online.map((workload) => workload.name) });

  // Files first: their ends may fix `now`.
  const fileHistories = new Map<string, LoadedHistory>();
  for (const workload of online) {
    const file = request.historyFiles?.get(workload.name);
    if (file !== undefined) {
      fileHistories.set(workload.name, await readCsvHistory(workload.name, { path: file, scale: 1, timeShiftMs: 0 }, request.historyRead ?? {}));
    } else if (workload.demand?.kind === 'csv') {
      const { column, timeColumn, delimiter, timeFormat, timeZone } = workload.demand;
      const read = Object.fromEntries(Object.entries({ valueColumn: column, timeColumn, delimiter, timeFormat, timeZone }).filter(([, value]) => value !== undefined));
      fileHistories.set(workload.name, await readCsvHistory(workload.name, workload.demand, read));
    }
  }
  const live = online.filter((workload) => !fileHistories.has(workload.name) && workload.demand?.kind === 'prometheus');
  const missingSource = request.metrics === undefined ? live[0] : undefined;
  if (missingSource !== undefined) {
    const index = config.inventory.online.indexOf(missingSource);
    throw new InputError(
      `${missingSource.name}'s demand history is the Prometheus query in the config; pass --prometheus-url <url>, or --history ${missingSource.name}=<csv> for a trace file`
        + (live.length > 1 ? ` (the same holds for ${live.filter((workload) => workload !== missingSource).map((workload) => workload.name).join(', ')})` : ''),
      { source: config.source, field: `online[${index}].demand` },
    );
  }

  const now = chooseNow(request, [...fileHistories.values()], live.length > 0);
  const bucketMs = config.forecast.bucketMs;
  const historyStartMs = now.ms - config.forecast.historyMs;
  const histories: LoadedHistory[] = [];
  for (const workload of online) {
    const fromFile = fileHistories.get(workload.name);
    if (fromFile !== undefined) {
      histories.push(windowOf(fromFile, historyStartMs, now.ms));
    } else if (workload.demand?.kind === 'prometheus' && request.metrics !== undefined) {
      histories.push(await readPrometheusHistory(workload.name, workload.demand.query, request.metrics, {
        startMs: Math.floor(historyStartMs / bucketMs) * bucketMs, endMs: Math.floor(now.ms / bucketMs) * bucketMs, stepMs: bucketMs,
      }));
    }
  }

  const { planEndMs } = planWindow(now.ms, slotMs, horizonMs);
  // The forecaster learns daily uplifts from past windows, so it sees the history's occurrences too.
  const forecastOccurrences = calendar === undefined ? [] : eventOccurrences(calendar, historyStartMs, planEndMs);
  // Daily and weekly cycles follow local time (across DST): the zone people live in, which is the
  // one the calendar (or --tz) is written in.
  const displayTimeZone = request.displayTimeZone ?? calendarTimeZone(calendar) ?? 'UTC';
  const forecasts = histories.flatMap((history) => {
    try {
      return [forecastOne(config, history, { nowMs: now.ms, horizonMs: planEndMs - now.ms, occurrences: forecastOccurrences, timeZone: displayTimeZone, fits: request.fits })];
    } catch (error) {
      if (!(error instanceof ForecastUnavailableError) || request.onForecastUnavailable === undefined) throw error;
      request.onForecastUnavailable(history.workload, error);
      return [];
    }
  });

  return { slotMs, horizonMs, calendar, now, histories, forecasts, displayTimeZone };
}

/** The plan's slot-aligned window: from the slot `now` falls in, a whole number of slots covering the horizon. */
function planWindow(nowMs: number, slotMs: number, horizonMs: number): { planStartMs: number; planEndMs: number } {
  const planStartMs = Math.floor(nowMs / slotMs) * slotMs;
  return { planStartMs, planEndMs: planStartMs + Math.ceil(horizonMs / slotMs) * slotMs };
}

/**
 * The planner's input from forecasts already made: the calendar's occurrences over the plan, the
 * config's planning settings and a plan id naming the minute and hashing what the plan rests on.
 * `chuanliu plan`/`explain` (forecasting on the spot) and the controller's plan cycle (stored
 * forecasts, the live cluster as `observed`) both build it here, so they plan alike.
 */
export function planningInputFor(options: {
  readonly config: ChuanliuConfig;
  readonly calendar?: PeakCalendar;
  readonly nowMs: number;
  readonly forecasts: readonly Forecast[];
  readonly observed: ObservedState;
  readonly previousPlan?: CapacityPlan;
  /** @defaultValue the config's `planning.slot` */
  readonly slotMs?: number;
  /** @defaultValue the config's `planning.horizon` */
  readonly horizonMs?: number;
  /** @defaultValue the calendar's zone, else UTC */
  readonly displayTimeZone?: string;
}): { input: PlanningInput; occurrences: EventOccurrence[] } {
  const { config, calendar, nowMs, forecasts } = options;
  const slotMs = options.slotMs ?? config.planning.slotMs;
  const horizonMs = options.horizonMs ?? config.planning.horizonMs;
  const { planStartMs, planEndMs } = planWindow(nowMs, slotMs, horizonMs);
  const occurrences = calendar === undefined ? [] : eventOccurrences(calendar, planStartMs, planEndMs);
  const settings = {
    slotMs,
    horizonMs,
    applyLatencyMs: config.planning.applyLatencyMs,
    scaleInStabilizationMs: config.planning.scaleInStabilizationMs,
    ...(config.planning.nodeProvisioningMs !== undefined ? { nodeProvisioningMs: config.planning.nodeProvisioningMs } : {}),
    displayTimeZone: options.displayTimeZone ?? calendarTimeZone(calendar) ?? 'UTC',
  };
  const input: PlanningInput = {
    nowMs,
    inventory: config.inventory,
    forecasts: new Map(forecasts.map((forecast) => [forecast.workload, forecast])),
    occurrences,
    observed: options.observed,
    ...(options.previousPlan !== undefined ? { previousPlan: options.previousPlan } : {}),
    settings: { ...settings, planId: planIdFor(nowMs, { settings, inventory: config.inventory, forecasts, occurrences }) },
  };
  return { input, occurrences };
}

function checkHistoryFiles(config: ChuanliuConfig, files: ReadonlyMap<string, string> | undefined): void {
  const names = config.inventory.online.map((workload) => workload.name);
  for (const workload of files?.keys() ?? []) {
    if (names.includes(workload)) continue;
    const offline = config.inventory.offline.some((item) => item.name === workload);
    throw new InputError(
      `"${workload}" is ${offline ? 'an offline workload (only online workloads have a demand history)' : `not a workload of ${config.source}`}; online workloads: ${names.join(', ') || 'none'}`,
      { source: '--history' },
    );
  }
}

function checkSlotAndHorizon(config: ChuanliuConfig, slotMs: number, horizonMs: number, request: PlanningInputsRequest): void {
  const slotSource = request.slotMs !== undefined ? '--slot' : config.source;
  if (!Number.isInteger(slotMs) || slotMs <= 0) throw new InputError(`slot must be a positive whole number of milliseconds, got ${slotMs}`, { source: slotSource });
  if (slotMs % config.forecast.bucketMs !== 0) {
    throw new InputError(`slot ${formatDurationMs(slotMs)} is not a whole number of forecast buckets (forecast.bucket ${formatDurationMs(config.forecast.bucketMs)})`, { source: slotSource });
  }
  if (!(horizonMs >= slotMs)) {
    throw new InputError(`horizon ${formatDurationMs(horizonMs)} is shorter than one slot (${formatDurationMs(slotMs)})`, { source: request.horizonMs !== undefined ? '--horizon' : config.source });
  }
  if (request.displayTimeZone !== undefined && !isValidTimeZone(request.displayTimeZone)) {
    throw new InputError(`unknown time zone "${request.displayTimeZone}"; expected an IANA name such as Asia/Shanghai`, { source: '--tz' });
  }
}

async function readCsvHistory(workload: string, source: { path: string; scale: number; timeShiftMs: number }, read: TraceReadOptions): Promise<LoadedHistory> {
  const { series, report } = await readTraceFile(source.path, read);
  const notes = [...report.notes];
  let values = series.values;
  if (source.scale !== 1) {
    values = Float64Array.from(values, (value) => value * source.scale);
    notes.push(`scaled ×${source.scale}`);
  }
  if (source.timeShiftMs !== 0) notes.push(`shifted by ${formatDurationMs(source.timeShiftMs)}`);
  return { workload, origin: source.path, series: { ...series, values, startMs: series.startMs + source.timeShiftMs }, notes };
}

async function readPrometheusHistory(
  workload: string, query: string, metrics: MetricsSource, range: { startMs: number; endMs: number; stepMs: number },
): Promise<LoadedHistory> {
  const series = await metrics.range(query, range);
  return { workload, origin: `prometheus: ${query}`, series, notes: [`query_range every ${formatDurationMs(range.stepMs)}`] };
}

function chooseNow(request: PlanningInputsRequest, files: readonly LoadedHistory[], hasLive: boolean): { ms: number; source: NowSource } {
  if (request.nowMs !== undefined) return { ms: request.nowMs, source: 'flag' };
  if (hasLive) {
    if (request.wallClockMs === undefined) throw new InputError('expected a time to plan from: live (Prometheus) history has no end of its own', { source: '--now' });
    return { ms: request.wallClockMs(), source: 'wall-clock' };
  }
  if (files.length === 0) {
    throw new InputError('expected a time to plan from: no workload has a history file whose end could serve as now', { source: '--now' });
  }
  return { ms: Math.max(...files.map((history) => seriesEndMs(history.series))), source: 'history-end' };
}

/** The part of the history the forecaster may read: [startMs, endMs), with at least one value. */
function windowOf(history: LoadedHistory, startMs: number, endMs: number): LoadedHistory {
  const { series } = history;
  const first = Math.max(0, Math.ceil((startMs - series.startMs) / series.stepMs));
  const end = Math.min(series.values.length, Math.floor((endMs - series.startMs) / series.stepMs));
  const values = series.values.slice(first, Math.max(first, end));
  if (!values.some((value) => Number.isFinite(value))) {
    const coverage = `${new Date(series.startMs).toISOString()} to ${new Date(seriesEndMs(series)).toISOString()}`;
    throw new InputError(`${history.workload}: no demand before now (${new Date(endMs).toISOString()}) within forecast.history; the history covers ${coverage}`, { source: history.origin });
  }
  return { ...history, series: { ...series, startMs: series.startMs + first * series.stepMs, values } };
}

function forecastOne(
  config: ChuanliuConfig, history: LoadedHistory,
  options: { nowMs: number; horizonMs: number; occurrences: readonly EventOccurrence[]; timeZone: string; fits: Map<string, DemandFit> | undefined },
): Forecast {
  const bucketMs = config.forecast.bucketMs;
  const stepMs = history.series.stepMs;
  // A finer history is averaged into the forecast bucket; a coarser one is forecast at its own step
  // (the planner takes the largest band value over each slot).
  if (stepMs < bucketMs && bucketMs % stepMs !== 0) {
    throw new InputError(`${history.workload}: the history's step ${formatDurationMs(stepMs)} does not divide forecast.bucket ${formatDurationMs(bucketMs)}`, { source: history.origin });
  }
  try {
    const priorFit = options.fits?.get(history.workload);
    const { forecast, fit } = forecastDemandWithFit({
      workload: history.workload,
      history: history.series,
      nowMs: options.nowMs,
      horizonMs: options.horizonMs,
      quantiles: config.forecast.quantiles,
      occurrences: options.occurrences,
      params: { timeZone: options.timeZone, refitAfterMs: config.forecast.refitEveryMs, ...(stepMs < bucketMs ? { stepMs: bucketMs } : {}) },
      ...(priorFit !== undefined ? { priorFit } : {}),
    });
    if (fit !== undefined) options.fits?.set(history.workload, fit);
    return forecast;
  } catch (error) {
    if (error instanceof ForecastUnavailableError) {
      throw new ForecastUnavailableError(error.reason, `${history.workload}: cannot forecast from this history: ${error.message}`, { source: history.origin });
    }
    if (error instanceof InputError) throw new InputError(`${history.workload}: cannot forecast from this history: ${error.message}`, { source: history.origin });
    throw error;
  }
}

/** Mean rate of the buckets that end in (nowMs − windowMs, nowMs]; undefined when none is known. */
export function recentRateRps(series: RegularSeries, nowMs: number, windowMs: number): number | undefined {
  const end = Math.min(series.values.length, Math.floor((nowMs - series.startMs) / series.stepMs));
  const first = Math.max(0, Math.floor((nowMs - windowMs - series.startMs) / series.stepMs));
  let sum = 0;
  let count = 0;
  for (let index = first; index < end; index++) {
    const value = series.values[index] as number;
    if (Number.isFinite(value)) {
      sum += value;
      count++;
    }
  }
  return count === 0 ? undefined : sum / count;
}

/**
 * `plan-<now, UTC, compact>-<8 hex>`: the time says which plan it is, the hash (FNV-1a over the
 * inventory, settings, events and forecast bands) tells two plans of the same minute apart.
 */
export function planIdFor(nowMs: number, parts: { settings: object; inventory: object; forecasts: readonly Forecast[]; occurrences: readonly EventOccurrence[] }): string {
  let hash = 0x811c9dc5;
  const mix = (byte: number): void => {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  };
  const text = JSON.stringify([parts.settings, parts.inventory, parts.occurrences.map((item) => [item.eventId, item.startMs, item.endMs])]);
  for (let index = 0; index < text.length; index++) mix(text.charCodeAt(index) & 0xff);
  for (const forecast of parts.forecasts) {
    for (const band of forecast.bands) {
      const bytes = new Uint8Array(band.buffer, band.byteOffset, band.byteLength);
      for (const byte of bytes) mix(byte);
    }
  }
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `plan-${stamp}-${hash.toString(16).padStart(8, '0')}`;
}
