/**
 * `chuanliu backtest --trace <csv>`: rolling-origin backtest of chuanliu's forecaster against the
 * baselines (seasonal naive daily/weekly, Holt-Winters, npm arima) on the same origins and windows.
 * A progress bar on stderr when it is a terminal; a results table, or JSON with `-o json`.
 * Both say how many rolling origins were used; fewer than 3 is warned about on stderr (scores from
 * so few windows are noise), none is bad input (exit 2) naming how much history it had and needs.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { readTraceFile } from '../adapters/traces/read-trace.ts';
import { InputError } from '../domain/errors.ts';
import { isValidTimeZone } from '../domain/time-zones.ts';
import { DAY_MS, formatDurationMs, parseDurationMs } from '../domain/units.ts';
import { runBacktest, type BacktestResult } from '../forecaster/backtest/rolling-origin.ts';
import { BASELINE_NAMES, standardModels, type BaselineName } from '../forecaster/backtest/standard-models.ts';
import { backtestTable, summarize } from '../forecaster/backtest/summary.ts';
import { captureStdout } from './capture-stdout.ts';
import { parseQuantiles } from './forecast.ts';
import { addTraceLayoutFlags, traceLayoutOptions, type TraceLayoutFlags } from './trace-layout-flags.ts';

interface BacktestFlags extends TraceLayoutFlags {
  trace: string;
  bucket?: string;
  horizon: string;
  origins: string;
  baselines: string;
  span?: string;
  minHistory?: string;
  quantiles: string;
  tz?: string;
  output: string;
}

const OUTPUT_FORMATS = ['table', 'json'] as const;

export function registerBacktestCommand(program: Command): void {
  const command = program
    .command('backtest')
    .description('Rolling-origin backtest of the forecaster against seasonal-naive, Holt-Winters and ARIMA baselines on a trace')
    .requiredOption('--trace <csv>', 'trace file (as read by chuanliu trace inspect)')
    .option('--bucket <duration>', 'bucket to forecast in (the trace is averaged into it), e.g. 5m; default: the trace\'s step')
    .option('--horizon <durations>', 'comma-separated horizons, e.g. 1h,24h', '1h,24h')
    .option('--origins <n>', 'number of forecast origins', '40')
    .option('--baselines <list>', `comma-separated: ${BASELINE_NAMES.join(', ')} | all | none`, 'all')
    .option('--span <duration>', 'origins are spread over this last part of the trace; default: the last third')
    .option('--min-history <duration>', 'no origin has less history than this; default: half the trace, at most 28d')
    .option('--quantiles <list>', 'comma-separated quantiles in (0, 1), 0.5 included', '0.5,0.9,0.99')
    .option('--tz <zone>', 'IANA zone of the traffic\'s wall clock (naive timestamps, daily/weekly cycles)')
    .option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join(' | ')}`, 'table');
  addTraceLayoutFlags(command, 'the --trace CSV')
    .action(async (flags: BacktestFlags) => {
      const output = OUTPUT_FORMATS.find((format) => format === flags.output);
      if (output === undefined) throw new InputError(`"${flags.output}" is not one of ${OUTPUT_FORMATS.join(', ')}`, { source: '--output' });
      const bucketMs = flags.bucket !== undefined ? positiveDuration(flags.bucket, '--bucket') : undefined;
      if (flags.tz !== undefined && !isValidTimeZone(flags.tz)) {
        throw new InputError(`unknown time zone "${flags.tz}"; expected an IANA name such as Asia/Shanghai`, { source: '--tz' });
      }
      const horizonsMs = flags.horizon.split(',').map((part) => positiveDuration(part.trim(), '--horizon'));
      const origins = Number(flags.origins);
      if (!Number.isInteger(origins) || origins < 1 || origins > 10_000) throw new InputError(`"${flags.origins}" is not a whole number of origins in 1..10000`, { source: '--origins' });
      const baselines = parseBaselines(flags.baselines);
      const quantiles = parseQuantiles(flags.quantiles);
      if (!quantiles.includes(0.5)) throw new InputError('the quantiles must include 0.5 (the median is what MASE scores)', { source: '--quantiles' });

      const { series } = await readTraceFile(flags.trace, {
        ...traceLayoutOptions(flags),
        ...(bucketMs !== undefined ? { bucketMs } : {}),
        ...(flags.tz !== undefined ? { timeZone: flags.tz } : {}),
      });
      const traceMs = series.values.length * series.stepMs;
      const horizons = horizonsMs.map((horizonMs) => Math.max(1, Math.round(horizonMs / series.stepMs)));
      const minHistoryMs = flags.minHistory !== undefined ? positiveDuration(flags.minHistory, '--min-history') : Math.min(28 * DAY_MS, traceMs / 2);
      const spanMs = flags.span !== undefined ? positiveDuration(flags.span, '--span') : traceMs / 3;
      const neededMs = minHistoryMs + Math.max(...horizons) * series.stepMs;
      if (neededMs > traceMs) throw noOriginError(flags.trace, { traceMs, minHistoryMs, neededMs, horizonMs: Math.max(...horizons) * series.stepMs });
      const progress = startProgress();
      let result: BacktestResult;
      try {
        result = runBacktest({
          series,
          models: standardModels({ minHistoryMs, baselines, captureOutput: captureStdout }),
          horizons, quantiles, origins, evaluationSpanMs: spanMs, minHistoryMs,
          ...(flags.tz !== undefined ? { timeZone: flags.tz } : {}),
          onProgress: progress.update,
        });
      } finally {
        progress.stop();
      }
      const used = result.originsMs.length;
      if (used === 0) {
        // Every window the origins could have scored had no observed bucket (a gap at the end of the trace).
        throw new InputError(`no rolling origin has an observed bucket in its forecast window: the trace covers ${formatDurationMs(traceMs)}, `
          + `origins were placed over its last ${formatDurationMs(Math.min(spanMs, traceMs - minHistoryMs))} after ${formatDurationMs(minHistoryMs)} of history; widen --span or give more history`, { source: flags.trace });
      }
      const warnings = used < MIN_HONEST_ORIGINS
        ? [`only ${used} rolling origin${used === 1 ? '' : 's'} (of ${origins} asked for) fit in the trace: scores from so few windows are noise, not a measurement; `
          + `give more history, a longer --span or a shorter --min-history (at least ${MIN_HONEST_ORIGINS} origins)`]
        : [];
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(output === 'json'
        ? `${JSON.stringify({ trace: flags.trace, originsUsed: used, originsRequested: origins, warnings, ...result, summary: summarize(result) }, null, 2)}\n`
        : `${flags.trace}: ${used} rolling origin${used === 1 ? '' : 's'} used (of ${origins} asked for), bucket ${formatDurationMs(result.stepMs)}, MASE scaled by the ${result.scaleLagBuckets === 1 ? 'naive' : 'daily seasonal-naive'} in-sample error; "≤pX" = share of actual buckets at or below the pX band\n${backtestTable(result, 'text')}\n${result.skipped.map((skip) => `skipped ${skip.model}: ${skip.reason}\n`).join('')}`);
    });
}

/** Fewer rolling origins than this and `backtest` warns that its scores are noise. */
const MIN_HONEST_ORIGINS = 3;

function noOriginError(trace: string, sizes: { traceMs: number; minHistoryMs: number; neededMs: number; horizonMs: number }): InputError {
  return new InputError(
    `the trace covers ${formatDurationMs(sizes.traceMs)}: too short for ${formatDurationMs(sizes.minHistoryMs)} of history plus the longest horizon `
      + `(${formatDurationMs(sizes.horizonMs)}), so no rolling origin fits; it needs at least ${formatDurationMs(sizes.neededMs)} `
      + `(${formatDurationMs(sizes.neededMs - sizes.traceMs)} more), or a shorter --min-history`,
    { source: trace },
  );
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDurationMs(text, { source: flag });
  if (!(ms > 0) || !Number.isInteger(ms)) throw new InputError(`"${text}" must be a positive duration of whole milliseconds`, { source: flag });
  return ms;
}

function parseBaselines(text: string): BaselineName[] {
  const trimmed = text.trim();
  if (trimmed === 'all') return [...BASELINE_NAMES];
  if (trimmed === 'none') return [];
  return trimmed.split(',').map((part) => {
    const name = part.trim();
    if (!(BASELINE_NAMES as readonly string[]).includes(name)) {
      throw new InputError(`unknown baseline "${name}"; expected ${BASELINE_NAMES.join(', ')}, all or none`, { source: '--baselines' });
    }
    return name as BaselineName;
  });
}

function startProgress(): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr, format: 'backtest [{bar}] {value}/{total} origins | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
