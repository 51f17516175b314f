/**
 * `chuanliu trace inspect <csv>`: reads a trace the way every other command will and prints what
 * the reader detected (delimiter, header, time column and format, value column, time zone
 * handling) next to the cleaning report, so a user sees what was done to their data (gaps,
 * outages, DST, duplicates, resampling) before trusting a forecast built on it.
 */
import type { Command } from 'commander';
import { InputError } from '../domain/errors.ts';
import type { RegularSeries } from '../domain/series.ts';
import { formatDurationMs, parseDurationMs } from '../domain/units.ts';
import { readTraceFile, type TraceReadOptions, type TraceReadResult } from '../adapters/traces/read-trace.ts';
import { addTraceLayoutFlags, traceLayoutOptions, type TraceLayoutFlags } from './trace-layout-flags.ts';

interface InspectFlags extends TraceLayoutFlags {
  bucket?: string;
  tz?: string;
  detectOutages: boolean;
  duplicates: string;
  rates?: boolean;
  values?: boolean;
  output: string;
}

const OUTPUT_FORMATS = ['table', 'json'] as const;
const DUPLICATE_POLICIES = ['error', 'sum', 'keep-last'] as const;

export function registerTraceCommand(program: Command): void {
  const trace = program.command('trace').description('Work with traffic traces (CSV)');
  const inspect = trace
    .command('inspect')
    .description('Read a trace CSV and print what was detected (delimiter, header, time and value columns, time zone) and what cleaning did: format, step, gaps, outages, DST, duplicates')
    .argument('<csv>', 'trace file: a time column and a value column, or per-request arrivals; `,` `;` or tab, with or without a header')
    .option('--bucket <duration>', 'resample to this bucket (mean rate), e.g. 5m; default: the file\'s step')
    .option('--tz <zone>', 'IANA time zone of naive timestamps (no offset; epoch numbers are UTC)', 'UTC');
  addTraceLayoutFlags(inspect, 'the file')
    .option('--no-detect-outages', 'keep long zero runs as demand')
    .option('--duplicates <policy>', `rows in the same bucket with different values: ${DUPLICATE_POLICIES.join(' | ')}`, 'error')
    .option('--rates', 'the value column already holds requests per second')
    .option('--values', 'with -o json: include every bucket value (NaN as null)')
    .option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(' | ')}`, 'table')
    .action(async (file: string, flags: InspectFlags) => {
      const output = oneOf(flags.output, OUTPUT_FORMATS, '--output');
      const options = readOptions(flags);
      const result = await readTraceFile(file, options);
      process.stdout.write(output === 'json'
        ? `${JSON.stringify(inspectionJson(result, flags.values === true), null, 2)}\n`
        : formatInspection(result));
    });
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`"${value}" is not one of ${allowed.join(', ')}`, { source: flag });
}

function readOptions(flags: InspectFlags): TraceReadOptions {
  const options: TraceReadOptions = {
    ...traceLayoutOptions(flags),
    detectOutages: flags.detectOutages,
    onConflictingDuplicate: oneOf(flags.duplicates, DUPLICATE_POLICIES, '--duplicates'),
  };
  if (flags.bucket !== undefined) {
    options.bucketMs = parseDurationMs(flags.bucket, { source: '--bucket' });
    if (!Number.isInteger(options.bucketMs) || options.bucketMs <= 0) {
      throw new InputError(`"${flags.bucket}" must be a positive duration of whole milliseconds`, { source: '--bucket' });
    }
  }
  if (flags.tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: flags.tz });
    } catch {
      throw new InputError(`unknown time zone "${flags.tz}"; expected an IANA name such as Asia/Shanghai`, { source: '--tz' });
    }
    options.timeZone = flags.tz;
  }
  if (flags.rates) options.valuesAreRates = true;
  return options;
}

interface RateStats {
  observedBuckets: number;
  meanRps: number;
  p50Rps: number;
  p99Rps: number;
  maxRps: number;
  maxAtMs: number;
}

export function rateStats(series: RegularSeries): RateStats {
  const observed: number[] = [];
  let maxRps = Number.NaN;
  let maxAtMs = Number.NaN;
  series.values.forEach((value, bucket) => {
    if (Number.isNaN(value)) return;
    observed.push(value);
    if (!(value <= maxRps)) {
      maxRps = value;
      maxAtMs = series.startMs + bucket * series.stepMs;
    }
  });
  const sorted = Float64Array.from(observed).sort();
  const quantile = (q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
  return {
    observedBuckets: observed.length,
    meanRps: observed.length === 0 ? Number.NaN : observed.reduce((sum, value) => sum + value, 0) / observed.length,
    p50Rps: quantile(0.5),
    p99Rps: quantile(0.99),
    maxRps,
    maxAtMs,
  };
}

function inspectionJson(result: TraceReadResult, withValues: boolean): unknown {
  const { series, report } = result;
  return {
    report,
    series: {
      startMs: series.startMs,
      start: new Date(series.startMs).toISOString(),
      stepMs: series.stepMs,
      buckets: series.values.length,
      unit: series.unit,
      stats: rateStats(series),
      ...(withValues ? { values: Array.from(series.values, (value) => (Number.isNaN(value) ? null : value)) } : {}),
    },
  };
}

const formatRate = (rps: number): string => (Number.isNaN(rps) ? '-' : rps >= 100 ? rps.toFixed(0) : rps >= 1 ? rps.toFixed(2) : rps.toPrecision(3));
const isoMinute = (ms: number): string => (Number.isNaN(ms) ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, 'Z'));

/** The terminal rendering: a two-column table, then what was done. */
export function formatInspection(result: TraceReadResult): string {
  const { series, report } = result;
  const stats = rateStats(series);
  const endMs = series.startMs + series.values.length * series.stepMs;
  const detected: [string, string][] = [
    ['source', report.source],
    ['delimiter', report.layout.delimiter],
    ['header', report.layout.header],
    ['time column', report.layout.timeColumn],
    ['time format', report.layout.timeFormat],
    ['time zone', report.layout.timeZone],
    ['value column', report.layout.valueColumn],
  ];
  const rows: [string, string][] = [
    ['format', report.format],
    ['rows', String(report.rows)],
    ['native step', formatDurationMs(report.nativeStepMs)],
    ['bucket', formatDurationMs(report.bucketMs)],
    ['span (UTC)', `${isoMinute(series.startMs)} → ${isoMinute(endMs)} (${series.values.length} buckets)`],
    ['gaps (NaN)', String(report.gapBuckets)],
    ['outages (NaN)', String(report.outageBuckets)],
    ['duplicates', String(report.duplicateTimestamps)],
    ['DST adjustments', String(report.dstAdjustments)],
    [`rate (${series.unit})`, `mean ${formatRate(stats.meanRps)}, p50 ${formatRate(stats.p50Rps)}, p99 ${formatRate(stats.p99Rps)}, max ${formatRate(stats.maxRps)} at ${isoMinute(stats.maxAtMs)}`],
  ];
  const width = Math.max(...[...detected, ...rows].map(([label]) => label.length));
  const table = (lines: [string, string][]): string => lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
  const notes = report.notes.map((note) => `  - ${note}`).join('\n');
  return `${table(detected)}\n\n${table(rows)}\n\nwhat was done:\n${notes}\n`;
}
