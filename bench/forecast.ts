/**
 * The forecast part of `npm run bench`: a rolling-origin backtest of chuanliu against the baselines
 * on every shipped trace, at about 1 hour and 24 hours ahead in that trace's buckets, in one process
 * with the same origins and windows for every model. Writes the tables to BENCHMARKS.md and checks
 * the targets of issue 2 (ratios and coverages only; times are reported, never gated).
 */
import { performance } from 'node:perf_hooks';
import { findShippedTrace, readShippedTrace } from '../src/adapters/traces/catalog.ts';
import { captureStdout } from '../src/cli/capture-stdout.ts';
import { DAY_MS, formatDurationMs, HOUR_MS, MINUTE_MS, SECOND_MS } from '../src/domain/units.ts';
import { arimaModel, type ArimaStats } from '../src/forecaster/backtest/baselines/arima.ts';
import { runBacktest, type BacktestResult } from '../src/forecaster/backtest/rolling-origin.ts';
import { standardModels } from '../src/forecaster/backtest/standard-models.ts';
import { backtestTable, CHUANLIU, summarize } from '../src/forecaster/backtest/summary.ts';
import { forecastDemand } from '../src/forecaster/forecast-demand.ts';
import type { BenchPart } from './part.ts';

interface TraceCase {
  /** Row label; a trace may appear at two buckets. */
  label: string;
  traceId: string;
  bucketMs: number;
  horizonsMs: [number, number];
  origins: number;
  quickOrigins: number;
  spanMs: number;
  minHistoryMs: number;
  /** Why these buckets and horizons. */
  note: string;
  targets: { maseRatio?: number; p90Coverage?: [number, number]; p99CoverageAtLeast?: number };
  /**
   * Origins of an extra chuanliu-only run at the short horizon, when that horizon has so few
   * buckets per origin (2 for nyc_taxi at 1 h) that the shared run's coverage has a sampling error
   * of several points; the coverage targets of that horizon are checked on this run.
   */
  coverageOrigins?: number;
}

const QUANTILES = [0.5, 0.9, 0.99];

const CASES: readonly TraceCase[] = [
  {
    label: 'nyc_taxi (30 min)', traceId: 'nyc-taxi', bucketMs: 30 * MINUTE_MS, horizonsMs: [HOUR_MS, DAY_MS],
    origins: 100, quickOrigins: 30, spanMs: 16 * 7 * DAY_MS, minHistoryMs: 28 * DAY_MS,
    note: 'the file\'s 30-minute buckets; origins over the last 16 weeks (Oct 2014 – Jan 2015: Halloween, the DST change, Thanksgiving, Christmas, New Year, the January blizzard)',
    targets: { maseRatio: 0.85, p90Coverage: [0.85, 0.95] },
    coverageOrigins: 400,
  },
  {
    label: 'NASA (5 min)', traceId: 'nasa-http-1995', bucketMs: 5 * MINUTE_MS, horizonsMs: [HOUR_MS, DAY_MS],
    origins: 60, quickOrigins: 20, spanMs: 28 * DAY_MS, minHistoryMs: 21 * DAY_MS,
    note: 'per-minute counts averaged into 5-minute buckets: a minute holds ~30–40 requests, so per-minute values are mostly Poisson noise (an oracle that knows the future ±2 min still scores MASE ≈ 0.50 there); origins over August, after the July gap and the hurricane outage',
    targets: { maseRatio: 0.85, p90Coverage: [0.85, 0.95] },
  },
  {
    label: 'NASA (1 min)', traceId: 'nasa-http-1995', bucketMs: MINUTE_MS, horizonsMs: [HOUR_MS, DAY_MS],
    origins: 30, quickOrigins: 10, spanMs: 28 * DAY_MS, minHistoryMs: 21 * DAY_MS,
    note: 'the file\'s per-minute buckets, same origins span as the 5-minute row',
    targets: { maseRatio: 0.85, p90Coverage: [0.85, 0.95] },
  },
  {
    label: 'Twitter AAPL (5 min)', traceId: 'twitter-aapl', bucketMs: 5 * MINUTE_MS, horizonsMs: [HOUR_MS, DAY_MS],
    origins: 40, quickOrigins: 15, spanMs: 21 * DAY_MS, minHistoryMs: 28 * DAY_MS,
    note: 'the file\'s 5-minute buckets; news spikes of 10–150× the baseline',
    targets: { p99CoverageAtLeast: 0.9 },
  },
  {
    label: 'Azure LLM code (10 s)', traceId: 'azure-code-per-second', bucketMs: 10 * SECOND_MS, horizonsMs: [MINUTE_MS, 10 * MINUTE_MS],
    origins: 30, quickOrigins: 10, spanMs: 26 * MINUTE_MS, minHistoryMs: 20 * MINUTE_MS,
    note: 'the trace is one hour long, so no daily horizon exists: 10-second buckets (per-second counts are 73% zeros), horizons 1 min and 10 min, at least 20 min of history',
    targets: { p99CoverageAtLeast: 0.9 },
  },
  {
    label: 'Azure LLM conversation (10 s)', traceId: 'azure-conv-per-second', bucketMs: 10 * SECOND_MS, horizonsMs: [MINUTE_MS, 10 * MINUTE_MS],
    origins: 30, quickOrigins: 10, spanMs: 26 * MINUTE_MS, minHistoryMs: 20 * MINUTE_MS,
    note: 'as the code trace: one hour, 10-second buckets, horizons 1 min and 10 min',
    targets: {},
  },
];

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function checkTargets(testCase: TraceCase, result: BacktestResult, coverageRun?: BacktestResult): { lines: string[]; failures: string[] } {
  const lines: string[] = [];
  const failures: string[] = [];
  const summaries = summarize(result);
  result.horizons.forEach((horizon, h) => {
    const summary = summaries[h];
    const chuanliu = horizon.models.find((model) => model.model === CHUANLIU);
    if (!summary || !chuanliu) return;
    const at = formatDurationMs(horizon.horizonMs);
    const { maseRatio, p90Coverage, p99CoverageAtLeast } = testCase.targets;
    const check = (ok: boolean, text: string): void => {
      lines.push(`- ${ok ? '✅' : '❌'} ${at}: ${text}`);
      if (!ok) failures.push(`${testCase.label} ${at}: ${text}`);
    };
    if (maseRatio !== undefined) {
      check(summary.maseRatio <= maseRatio, `MASE ${chuanliu.score.mase.toFixed(3)} = ${summary.maseRatio.toFixed(2)} × the best baseline (${summary.bestBaseline}); target ≤ ${maseRatio}`);
    }
    if (p90Coverage !== undefined) {
      const extra = coverageRun?.horizons.find((candidate) => candidate.horizonBuckets === horizon.horizonBuckets)?.models.find((model) => model.model === CHUANLIU);
      const score = extra?.score ?? chuanliu.score;
      const coverage = score.coverage[QUANTILES.indexOf(0.9)] as number;
      const where = extra ? ` (chuanliu-only run over ${extra.score.origins} origins, ${extra.score.buckets} buckets; the table's ${percent(chuanliu.score.coverage[QUANTILES.indexOf(0.9)] as number)} is over ${chuanliu.score.buckets} buckets)` : ` (${score.buckets} buckets)`;
      check(coverage >= p90Coverage[0] && coverage <= p90Coverage[1], `p90 band covers ${percent(coverage)} of actual buckets${where}; target ${percent(p90Coverage[0])}–${percent(p90Coverage[1])}`);
    }
    if (p99CoverageAtLeast !== undefined) {
      const coverage = chuanliu.score.coverage[QUANTILES.indexOf(0.99)] as number;
      check(coverage >= p99CoverageAtLeast, `p99 band covers ${percent(coverage)} of actual buckets; target ≥ ${percent(p99CoverageAtLeast)}`);
    }
    const widths = Object.entries(summary.topBandWidthRatio).map(([model, ratio]) => `${model} ${ratio.toFixed(2)}×`).join(', ');
    lines.push(`- ${at}: chuanliu's p99 band (p99 − p50) is as wide as ${widths} that of each baseline.`);
  });
  return { lines, failures };
}

function speedLine(result: BacktestResult): string {
  const perForecast = Object.entries(result.modelMs).map(([model, totalMs]) => {
    const calls = result.originsMs.length * (model.startsWith('hw-') || model === 'holt' ? result.horizons.length : 1);
    return `${model} ${(totalMs / Math.max(1, calls)).toFixed(1)} ms`;
  });
  return `Time per forecast on this machine (informative, not a target): ${perForecast.join(', ')}.`;
}

async function forecastSpeed(quick: boolean): Promise<string> {
  const { series } = await readShippedTrace('nyc-taxi', { bucketMs: 30 * MINUTE_MS });
  const nowMs = series.startMs + series.values.length * series.stepMs;
  const runs = quick ? 5 : 21;
  const times: number[] = [];
  for (let run = 0; run < runs + 2; run++) {
    const started = performance.now();
    forecastDemand({ workload: 'bench', history: series, nowMs, horizonMs: DAY_MS, quantiles: QUANTILES, params: { timeZone: 'America/New_York' } });
    if (run >= 2) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return `One forecast of one workload from the whole nyc_taxi history (7 months of 30-minute buckets, ${series.values.length} buckets), 24 h ahead: median ${times[times.length >> 1]?.toFixed(1)} ms over ${runs} runs on this machine.`;
}

export const forecastBenchPart: BenchPart = {
  id: 'forecast',
  async run({ quick, log }) {
    const sections: string[] = [];
    const failures: string[] = [];
    const arimaTotals: ArimaStats = { fits: 0, optimizerWarnings: 0, fallbacks: 0, varianceFallbacks: 0 };
    let descriptions: { model: string; description: string }[] = [];
    for (const testCase of CASES) {
      const trace = findShippedTrace(testCase.traceId);
      const { series } = await readShippedTrace(testCase.traceId, { bucketMs: testCase.bucketMs });
      const models = standardModels({ minHistoryMs: testCase.minHistoryMs, captureOutput: captureStdout });
      const arima = models.find((model) => model.name === 'arima') as ReturnType<typeof arimaModel> | undefined;
      const horizons = testCase.horizonsMs.map((horizonMs) => Math.round(horizonMs / series.stepMs));
      const started = performance.now();
      const result = runBacktest({
        series, models, horizons, quantiles: QUANTILES,
        origins: quick ? testCase.quickOrigins : testCase.origins,
        evaluationSpanMs: testCase.spanMs, minHistoryMs: testCase.minHistoryMs, timeZone: trace.timeZone,
        timer: () => performance.now(),
      });
      log(`${testCase.label}: ${result.originsMs.length} origins in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      if (arima) {
        arimaTotals.fits += arima.stats.fits;
        arimaTotals.optimizerWarnings += arima.stats.optimizerWarnings;
        arimaTotals.fallbacks += arima.stats.fallbacks;
        arimaTotals.varianceFallbacks += arima.stats.varianceFallbacks;
      }
      for (const horizon of result.horizons) {
        for (const model of horizon.models) {
          if (!descriptions.some((known) => known.model === model.model)) descriptions.push({ model: model.model, description: model.description });
        }
      }
      const coverageRun = testCase.coverageOrigins !== undefined && !quick
        ? runBacktest({
          series, models: models.filter((model) => model.name === CHUANLIU), horizons: [horizons[0] as number], quantiles: QUANTILES,
          origins: testCase.coverageOrigins, evaluationSpanMs: testCase.spanMs, minHistoryMs: testCase.minHistoryMs, timeZone: trace.timeZone,
        })
        : undefined;
      const { lines, failures: missed } = checkTargets(testCase, result, coverageRun);
      failures.push(...missed);
      const first = new Date(result.originsMs[0] ?? 0).toISOString().slice(0, 16);
      const last = new Date(result.originsMs[result.originsMs.length - 1] ?? 0).toISOString().slice(0, 16);
      sections.push([
        `### ${testCase.label}`,
        '',
        `\`${trace.path}\` (${trace.license}), zone ${trace.timeZone}. Bucket ${formatDurationMs(series.stepMs)}, horizons ${horizons.map((h) => `${formatDurationMs(h * series.stepMs)} = ${h} buckets`).join(' and ')}; ${result.originsMs.length} origins from ${first} to ${last} UTC. Why: ${testCase.note}.`,
        '',
        backtestTable(result, 'markdown'),
        '',
        ...lines,
        ...(result.skipped.length > 0 ? [`- Not run: ${result.skipped.map((skip) => `${skip.model} (${skip.reason})`).join('; ')}.`] : []),
        '',
        speedLine(result),
      ].join('\n'));
    }
    descriptions = descriptions.sort((a, b) => (a.model === CHUANLIU ? -1 : b.model === CHUANLIU ? 1 : 0));
    const markdown = [
      '## Forecast accuracy: chuanliu against the baselines',
      '',
      `Produced by \`npm run bench\`${quick ? ' (quick mode: fewer origins)' : ''}. Rolling-origin backtest: from each origin every model sees only the history before it and forecasts the next window; all models get the same origins and windows in the same process.`,
      '',
      '- **MASE**: mean absolute error of the point forecast (chuanliu: its p50; baselines: their own point forecast) ÷ the in-sample mean absolute error of the daily seasonal-naive forecast over the 28 days before the origin (lag 1 bucket for the one-hour Azure traces); averaged over origins. "÷ best baseline" divides by the lowest baseline MASE at that horizon; below 1 chuanliu is better.',
      '- **sMAPE** 200·|ŷ−y|/(|ŷ|+|y|); **pinball**: mean pinball loss over p50/p90/p99, divided by the MASE scale.',
      '- **≤p90 / ≤p99**: share of actual buckets at or below the p90 / p99 band — the upper bound a capacity plan provisions for (not a central interval). Nominal: 90% / 99%.',
      '- **p99 width**: Σ(p99 − p50) ÷ Σ actual. Baselines without an error model of their own (seasonal naive, Holt-Winters) get bands by the same empirical calibration as chuanliu (quantiles of their replayed errors per lead, each level checked on the most recent quarter of those errors and moved by the coverage shortfall or excess, the tail at most halved or doubled); ARIMA uses its own Gaussian forecast variance.',
      '- **peak time / height**: per window, distance between the bucket of the highest forecast and of the highest actual; |forecast peak − actual peak| ÷ actual peak.',
      '- Buckets with no observation (gaps, outages) are left out of every score.',
      '',
      'Models:',
      '',
      ...descriptions.map(({ model, description }) => `- \`${model}\`: ${description}`),
      `- ARIMA over the whole run: ${arimaTotals.fits} fits; ${arimaTotals.fallbacks} gave non-finite forecasts and were replaced by seasonal naive; ${arimaTotals.varianceFallbacks} had an unusable variance (band from the training spread); all other forecasts are used as the package returned them, including fits during which its optimiser printed complaints such as "Program Exiting as the function value exceeds the maximum double value" (many on Twitter AAPL; that output is captured so it cannot corrupt stdout). Its own seasonal search (\`auto: true, s: 48\`) did not finish within 5 minutes for one fit on 1,000 points of nyc_taxi, hence the differencing by hand.`,
      '',
      await forecastSpeed(quick),
      '',
      ...sections.flatMap((section) => [section, '']),
    ].join('\n');
    return { markdown, failures };
  },
};
