/**
 * The command-line flags that name planning inputs (`plan`, `explain`, `forecast`), turned into a
 * `PlanningInputsRequest` for src/runtime/planning-source: the CLI only parses and checks flags.
 */
import type { Command } from 'commander';
import { PrometheusSource } from '../adapters/prometheus/prometheus-source.ts';
import { InputError } from '../domain/errors.ts';
import { isValidTimeZone, localToEpochMs, LocalTimeError } from '../domain/time-zones.ts';
import { parseDurationMs } from '../domain/units.ts';
import type { MetricsSource } from '../ports/metrics-source.ts';
import type { PlanningInputsRequest } from '../runtime/planning-source/planning-inputs.ts';
import { addTraceLayoutFlags, traceLayoutOptions, type TraceLayoutFlags } from './trace-layout-flags.ts';

export interface PlanningFlags extends TraceLayoutFlags {
  config?: string;
  now?: string;
  horizon?: string;
  slot?: string;
  /** Undefined when no --history was given. */
  history?: string[];
  prometheusUrl?: string;
  tz?: string;
  historyTz?: string;
}

/** Adds the flags that name the planning inputs to `command`. */
export function addPlanningInputFlags(command: Command, options: { configRequired: boolean }): Command {
  const configHelp = 'chuanliu config (YAML): inventory, calendar, planning and forecast settings';
  if (options.configRequired) command.requiredOption('--config <yaml>', configHelp);
  else command.option('--config <yaml>', configHelp);
  command
    .option('--now <instant>', 'plan from this instant, ISO 8601 with offset (e.g. 2026-11-11T17:00:00+08:00); default: the end of the history files, or the wall clock (printed) with --prometheus-url')
    .option('--horizon <duration>', 'how far ahead to plan (default: the config\'s planning.horizon)')
    .option('--slot <duration>', 'plan slot width, a whole number of forecast buckets (default: the config\'s planning.slot)')
    .option('--history <workload=csv>', 'demand history of an online workload from a trace CSV (repeatable); replaces the config\'s demand source', collect)
    .option('--prometheus-url <url>', 'Prometheus to read the config\'s `kind: prometheus` demand queries from')
    .option('--tz <zone>', 'IANA time zone of the times shown and of local times given without an offset; default: the calendar\'s zone, else UTC')
    .option('--history-tz <zone>', 'IANA time zone of naive timestamps (no offset) in the --history files (default UTC; the config\'s csv entries use demand.timeZone)');
  return addTraceLayoutFlags(command, 'the --history files');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Turns the flags into a request, checking each one (bad values name the flag). */
export function planningRequestFromFlags(flags: PlanningFlags, wallClockMs: () => number): PlanningInputsRequest {
  if (flags.tz !== undefined && !isValidTimeZone(flags.tz)) {
    throw new InputError(`unknown time zone "${flags.tz}"; expected an IANA name such as Asia/Shanghai`, { source: '--tz' });
  }
  if (flags.historyTz !== undefined && !isValidTimeZone(flags.historyTz)) {
    throw new InputError(`unknown time zone "${flags.historyTz}"; expected an IANA name such as Asia/Shanghai`, { source: '--history-tz' });
  }
  const historyFiles = parseHistoryFlags(flags.history ?? []);
  const historyRead = { ...traceLayoutOptions(flags), ...(flags.historyTz !== undefined ? { timeZone: flags.historyTz } : {}) };
  const unused = (['--time-column', '--value-column', '--delimiter', '--time-format', '--history-tz'] as const)
    .find((flag, i) => historyFiles.size === 0 && [flags.timeColumn, flags.valueColumn, flags.delimiter, flags.timeFormat, flags.historyTz][i] !== undefined);
  if (unused !== undefined) {
    throw new InputError(`${unused} says how to read --history files, but none is given (a config's csv demand takes the same hints as fields: column, timeColumn, delimiter, timeFormat, timeZone)`, { source: unused });
  }
  let metrics: MetricsSource | undefined;
  if (flags.prometheusUrl !== undefined) {
    try {
      metrics = new PrometheusSource({ baseUrl: flags.prometheusUrl });
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`"${flags.prometheusUrl}" is not an http(s) URL; expected e.g. http://localhost:9090`, { source: '--prometheus-url' });
      throw error;
    }
  }
  return {
    ...(flags.now !== undefined ? { nowMs: parseInstantFlag(flags.now, '--now', flags.tz) } : {}),
    ...(flags.horizon !== undefined ? { horizonMs: parsePositiveDuration(flags.horizon, '--horizon') } : {}),
    ...(flags.slot !== undefined ? { slotMs: parsePositiveDuration(flags.slot, '--slot') } : {}),
    ...(historyFiles.size > 0 ? { historyFiles } : {}),
    ...(Object.keys(historyRead).length > 0 ? { historyRead } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
    ...(flags.tz !== undefined ? { displayTimeZone: flags.tz } : {}),
    wallClockMs,
  };
}

/** `--history pay=a.csv --history refund=b.csv` → Map; a name given twice is bad input. */
export function parseHistoryFlags(values: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const value of values) {
    const separator = value.indexOf('=');
    const workload = separator < 0 ? '' : value.slice(0, separator).trim();
    const path = separator < 0 ? '' : value.slice(separator + 1).trim();
    if (workload === '' || path === '') {
      throw new InputError(`"${value}" is not <workload>=<csv>; expected e.g. --history payment=payment-history.csv`, { source: '--history' });
    }
    if (files.has(workload)) throw new InputError(`"${workload}" is given twice`, { source: '--history' });
    files.set(workload, path);
  }
  return files;
}

function parsePositiveDuration(text: string, flag: string): number {
  const ms = parseDurationMs(text, { source: flag });
  if (!(ms > 0) || !Number.isInteger(ms)) throw new InputError(`"${text}" must be a positive duration of whole milliseconds`, { source: flag });
  return ms;
}

const OFFSET_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * An instant from a flag: ISO 8601 with an offset (`2026-11-11T20:00:00+08:00`, `…Z`), or a local
 * date-time without one (`2026-11-11T20:00`) read in `timeZone` — only when a zone was given, so
 * the result never depends on the machine's zone.
 */
export function parseInstantFlag(text: string, flag: string, timeZone: string | undefined): number {
  const trimmed = text.trim();
  if (OFFSET_INSTANT.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms) && sameCalendarFields(trimmed, ms)) return ms;
  }
  const local = LOCAL_DATE_TIME.exec(trimmed);
  if (local !== null && timeZone !== undefined) {
    const [year, month, day, hour, minute, second] = local.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
    try {
      return localToEpochMs({ year, month, day, hour, minute, second }, timeZone);
    } catch (error) {
      if (error instanceof LocalTimeError) throw new InputError(`"${text}": ${error.message}`, { source: flag });
      throw error;
    }
  }
  const hint = local !== null ? ' (a time without an offset needs --tz)' : '';
  throw new InputError(`"${text}" is not an instant; expected ISO 8601 with an offset, e.g. 2026-11-11T20:00:00+08:00${hint}`, { source: flag });
}

/** Date.parse rolls 2026-02-30 over to March; a real date keeps its day. */
function sameCalendarFields(text: string, ms: number): boolean {
  const offsetMatch = /(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  const offsetMs = offsetMatch === null || offsetMatch[1] === 'Z'
    ? 0
    : (offsetMatch[2] === '-' ? -1 : 1) * (Number(offsetMatch[3]) * 60 + Number(offsetMatch[4])) * 60_000;
  const wall = new Date(ms + offsetMs).toISOString();
  return wall.slice(0, 16) === text.slice(0, 16);
}
