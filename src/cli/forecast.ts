/**
 * `chuanliu forecast`: demand quantile bands for one workload from its history and a peak calendar.
 * JSON with `-o json` (pure JSON on stdout); in a terminal, a chart of the band and a short table of
 * the peak and its components (src/report/forecast-terminal.ts).
 *
 * History: a CSV trace (read as `chuanliu trace inspect` reads it) or `prometheus:<PromQL>` read
 * with `query_range` from `--prometheus-url`. `--now` defaults to the end of a CSV history, so the
 * same file gives the same forecast; with Prometheus it defaults to the clock (printed on stderr).
 */
import type { Command } from 'commander';
import { loadCalendarFile } from '../calendar/load-calendar.ts';
import { PrometheusSource } from '../adapters/prometheus/prometheus-source.ts';
import { readTraceFile } from '../adapters/traces/read-trace.ts';
import type { EventOccurrence, PeakCalendar } from '../domain/calendar.ts';
import { eventOccurrences } from '../domain/calendar-occurrences.ts';
import { ForecastUnavailableError, InputError } from '../domain/errors.ts';
import type { Forecast } from '../domain/forecast.ts';
import { seriesEndMs, type RegularSeries } from '../domain/series.ts';
import { isValidTimeZone } from '../domain/time-zones.ts';
import { DAY_MS, formatDurationMs, MINUTE_MS, parseDurationMs } from '../domain/units.ts';
import { forecastDemand } from '../forecaster/forecast-demand.ts';
import { renderForecastTerminal } from '../report/forecast-terminal.ts';
import { parseInstantFlag } from './planning-flags.ts';
import { addTraceLayoutFlags, traceLayoutOptions, type TraceLayoutFlags } from './trace-layout-flags.ts';

interface ForecastFlags extends TraceLayoutFlags {
  history: string;
  calendar?: string;
  horizon: string;
  now?: string;
  bucket?: string;
  quantiles: string;
  workload: string;
  tz?: string;
  prometheusUrl?: string;
  historyWindow: string;
  output: string;
}

const OUTPUT_FORMATS = ['table', 'json'] as const;
const PROMETHEUS_PREFIX = 'prometheus:';

export function registerForecastCommand(program: Command): void {
  const command = program
    .command('forecast')
    .description('Forecast demand quantile bands for one workload, with the share of each peak component')
    .requiredOption('--history <source>', `history: a CSV trace path, or ${PROMETHEUS_PREFIX}<PromQL> (with --prometheus-url)`)
    .option('--calendar <yaml>', 'peak calendar (forecasts/*.yaml); events for other workloads are ignored')
    .requiredOption('--horizon <duration>', 'how far ahead, e.g. 6h, 1d')
    .option('--now <instant>', 'forecast as of this instant (ISO 8601; a local time needs --tz); default: end of the CSV history')
    .option('--bucket <duration>', 'bucket of the forecast (the history is averaged into it), e.g. 5m; default: the history\'s step')
    .option('--quantiles <list>', 'comma-separated quantiles in (0, 1)', '0.5,0.9,0.99')
    .option('--workload <name>', 'workload the forecast is for (selects calendar events)', 'default')
    .option('--tz <zone>', 'IANA zone of the traffic\'s wall clock: naive CSV timestamps, daily/weekly cycles, times shown (default UTC)')
    .option('--prometheus-url <url>', 'Prometheus base URL for prometheus: histories')
    .option('--history-window <duration>', 'with Prometheus: how much history to read before now', '28d')
    .option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(' | ')}`, 'table');
  addTraceLayoutFlags(command, 'the --history CSV')
    .action(async (flags: ForecastFlags) => {
      const output = oneOf(flags.output, OUTPUT_FORMATS, '--output');
      const request = parseForecastFlags(flags);
      const calendar = flags.calendar !== undefined ? await loadCalendarFile(flags.calendar) : undefined;
      const { series, origin, nowMs } = await loadHistory(flags, request);
      const occurrences: EventOccurrence[] = calendar ? eventOccurrences(calendar, series.startMs, nowMs + request.horizonMs) : [];
      let forecast: Forecast;
      try {
        forecast = forecastDemand({
          workload: flags.workload,
          history: series,
          nowMs,
          horizonMs: request.horizonMs,
          quantiles: request.quantiles,
          occurrences,
          params: { timeZone: request.timeZone },
        });
      } catch (error) {
        if (error instanceof ForecastUnavailableError) throw new ForecastUnavailableError(error.reason, `cannot forecast from this history: ${error.message}`, { source: origin });
        if (error instanceof InputError) throw new InputError(`cannot forecast from this history: ${error.message}`, { source: origin });
        throw error;
      }
      const warningLines = (forecast.warnings ?? []).map((warning) => `warning: ${warning}\n`).join('');
      if (output === 'json') {
        // Pure JSON on stdout (the warnings are in it too); a person at the terminal still sees them.
        process.stderr.write(warningLines);
        process.stdout.write(`${JSON.stringify(forecastJson(forecast, { origin, calendar, occurrences: occurrences.length }), null, 2)}\n`);
        return;
      }
      process.stdout.write(`${renderForecastTerminal(forecast, {
        width: Math.max(60, Math.min(160, process.stdout.columns ?? 100)),
        height: 16,
        color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
        history: series,
        timeZone: request.timeZone ?? 'UTC',
      })}\n${reserveLine(forecast)}${upliftLines(forecast)}${warningLines}`);
    });
}

interface ForecastRequest {
  horizonMs: number;
  bucketMs: number | undefined;
  quantiles: number[];
  timeZone: string | undefined;
}

export function parseForecastFlags(flags: Pick<ForecastFlags, 'horizon' | 'bucket' | 'quantiles' | 'tz'>): ForecastRequest {
  const horizonMs = parseDurationMs(flags.horizon, { source: '--horizon' });
  if (!(horizonMs > 0)) throw new InputError(`"${flags.horizon}" must be a positive duration`, { source: '--horizon' });
  let bucketMs: number | undefined;
  if (flags.bucket !== undefined) {
    bucketMs = parseDurationMs(flags.bucket, { source: '--bucket' });
    if (!(bucketMs > 0) || !Number.isInteger(bucketMs)) throw new InputError(`"${flags.bucket}" must be a positive duration of whole milliseconds`, { source: '--bucket' });
  }
  if (flags.tz !== undefined && !isValidTimeZone(flags.tz)) {
    throw new InputError(`unknown time zone "${flags.tz}"; expected an IANA name such as Asia/Shanghai`, { source: '--tz' });
  }
  return { horizonMs, bucketMs, quantiles: parseQuantiles(flags.quantiles), timeZone: flags.tz };
}

export function parseQuantiles(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  const quantiles = parts.map((part) => {
    const value = Number(part);
    if (part.length === 0 || !(value > 0 && value < 1)) throw new InputError(`"${part}" is not a quantile in (0, 1)`, { source: '--quantiles' });
    return value;
  });
  return [...new Set(quantiles)].sort((a, b) => a - b);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`"${value}" is not one of ${allowed.join(', ')}`, { source: flag });
}

async function loadHistory(flags: ForecastFlags, request: ForecastRequest): Promise<{ series: RegularSeries; origin: string; nowMs: number }> {
  const explicitNowMs = flags.now !== undefined ? parseInstantFlag(flags.now, '--now', request.timeZone) : undefined;
  const layout = traceLayoutOptions(flags);
  if (!flags.history.startsWith(PROMETHEUS_PREFIX)) {
    const { series } = await readTraceFile(flags.history, {
      ...layout,
      ...(request.bucketMs !== undefined ? { bucketMs: request.bucketMs } : {}),
      ...(request.timeZone !== undefined ? { timeZone: request.timeZone } : {}),
    });
    return { series, origin: flags.history, nowMs: explicitNowMs ?? seriesEndMs(series) };
  }
  const query = flags.history.slice(PROMETHEUS_PREFIX.length).trim();
  if (query.length === 0) throw new InputError('empty PromQL after "prometheus:"', { source: '--history' });
  if (flags.prometheusUrl === undefined) throw new InputError('a prometheus: history needs --prometheus-url', { source: '--history' });
  const windowMs = parseDurationMs(flags.historyWindow, { source: '--history-window' });
  if (!(windowMs > 0)) throw new InputError(`"${flags.historyWindow}" must be a positive duration`, { source: '--history-window' });
  const stepMs = request.bucketMs ?? MINUTE_MS;
  let nowMs = explicitNowMs;
  if (nowMs === undefined) {
    nowMs = Math.floor(Date.now() / stepMs) * stepMs;
    process.stderr.write(`forecasting as of the clock: ${new Date(nowMs).toISOString()} (pass --now for a reproducible forecast)\n`);
  }
  const source = new PrometheusSource({ baseUrl: flags.prometheusUrl });
  const startMs = Math.floor((nowMs - Math.min(windowMs, 400 * DAY_MS)) / stepMs) * stepMs;
  const series = await source.range(query, { startMs, endMs: nowMs, stepMs });
  return { series, origin: `prometheus: ${query}`, nowMs };
}

const nullable = (value: number): number | null => (Number.isFinite(value) ? value : null);
const label = (quantile: number): string => `p${Number((quantile * 100).toPrecision(6))}`;

export function forecastJson(forecast: Forecast, context: { origin: string; calendar: PeakCalendar | undefined; occurrences: number }): unknown {
  const length = forecast.bands[0]?.length ?? 0;
  return {
    workload: forecast.workload,
    issuedAt: new Date(forecast.issuedAtMs).toISOString(),
    start: new Date(forecast.startMs).toISOString(),
    startMs: forecast.startMs,
    stepMs: forecast.stepMs,
    step: formatDurationMs(forecast.stepMs),
    unit: forecast.unit,
    model: forecast.model,
    /** Which step of the fallback order made the forecast (full, shorter-seasonality, recent-level, recent-maximum). */
    method: forecast.method ?? 'full',
    warnings: forecast.warnings ?? [],
    history: context.origin,
    calendar: context.calendar ? { name: context.calendar.name, synthetic: context.calendar.synthetic, occurrences: context.occurrences } : null,
    quantiles: forecast.quantiles,
    times: Array.from({ length }, (_, i) => new Date(forecast.startMs + i * forecast.stepMs).toISOString()),
    bands: Object.fromEntries(forecast.quantiles.map((quantile, k) => [label(quantile), Array.from(forecast.bands[k] ?? [], nullable)])),
    components: forecast.components.map((component) => ({
      kind: component.kind,
      name: component.name,
      ...(component.uplift !== undefined ? { uplift: component.uplift } : {}),
      values: Array.from(component.values, nullable),
    })),
    reserves: (forecast.reserves ?? []).map((reserve) => ({ kind: reserve.kind, name: reserve.name, quantile: reserve.quantile, values: Array.from(reserve.values, nullable) })),
  };
}

/** One line per calendar uplift: the factor used and where it came from (learned: from how many past occurrences). */
function upliftLines(forecast: Forecast): string {
  return forecast.components.flatMap((component) => {
    const uplift = component.uplift;
    if (uplift === undefined) return [];
    const source = uplift.source === 'learned'
      ? `learned from ${uplift.occurrences} past occurrence${uplift.occurrences === 1 ? '' : 's'} in the history`
      : uplift.source === 'stated' ? 'stated in the calendar' : 'the calendar\'s fallback (nothing to learn from in the history)';
    return [`uplift ${component.name}: ×${uplift.factor.toFixed(2)}, ${source}\n`];
  }).join('');
}

/** One line on the pulse reserve at the top band's peak: how much of that band is set aside for unscheduled pulses. */
function reserveLine(forecast: Forecast): string {
  const top = forecast.bands[forecast.bands.length - 1];
  const reserve = (forecast.reserves ?? []).find((candidate) => candidate.quantile === forecast.quantiles[forecast.quantiles.length - 1]);
  if (!top || !reserve || top.length === 0) return '';
  let peak = 0;
  top.forEach((value, i) => { if (value > (top[peak] as number)) peak = i; });
  const reserveRps = reserve.values[peak] as number;
  const median = forecast.bands[forecast.quantiles.indexOf(0.5)]?.[peak];
  const above = median !== undefined ? (top[peak] as number) - median : Number.NaN;
  const share = above > 0 ? ` (${((reserveRps / above) * 100).toFixed(0)}% of the ${label(reserve.quantile)} margin above p50)` : '';
  return `pulse reserve at the peak: ${reserveRps.toFixed(2)} ${forecast.unit}${share}\n`;
}
