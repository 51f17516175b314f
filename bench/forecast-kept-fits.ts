/**
 * What a kept fit costs in accuracy (forecast.refitEvery, src/forecaster/demand-fit.ts): the same
 * rolling-origin backtest as the forecast part, on the shipped REAL series, with chuanliu fitting
 * afresh at every origin against chuanliu forecasting on a fit made 12 h and 23 h earlier (the
 * typical and the oldest age a fit reaches with the default 24 h: each is reused ½–1 × 24 h). The
 * kept fit is made on the history as it was then and reused as the controller reuses it, drift
 * check included (a fit the traffic moved away from is refit, as in the controller).
 *
 * Fails when a kept fit's MASE is more than 10 % above the fresh fit's, or its p90 coverage more
 * than 5 points below. `npm run bench -- --only forecast-kept-fits`; alone: `npx tsx bench/forecast-kept-fits.ts`.
 */
import { fileURLToPath } from 'node:url';
import { findShippedTrace, readShippedTrace } from '../src/adapters/traces/catalog.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/domain/units.ts';
import { chuanliuModel } from '../src/forecaster/backtest/chuanliu-model.ts';
import type { BacktestModel, ModelInput } from '../src/forecaster/backtest/model.ts';
import { runBacktest } from '../src/forecaster/backtest/rolling-origin.ts';
import { forecastDemandWithFit } from '../src/forecaster/forecast-demand.ts';
import type { BenchPart, BenchPartResult } from './part.ts';

const QUANTILES = [0.5, 0.9, 0.99];
const AGES_MS = [12 * HOUR_MS, 23 * HOUR_MS];
const MAX_MASE_RATIO = 1.1;
const MAX_P90_COVERAGE_DROP = 0.05;

interface KeptFitCase {
  readonly label: string;
  readonly traceId: string;
  readonly bucketMs: number;
  readonly horizonsMs: readonly number[];
  readonly origins: number;
  readonly quickOrigins: number;
  readonly spanMs: number;
  readonly minHistoryMs: number;
}

/** The forecast part's daily-cycle series (the 10 s Azure ones have no day for a fit to age over). */
const CASES: readonly KeptFitCase[] = [
  { label: 'nyc_taxi (30 min)', traceId: 'nyc-taxi', bucketMs: 30 * MINUTE_MS, horizonsMs: [HOUR_MS, DAY_MS], origins: 60, quickOrigins: 15, spanMs: 16 * 7 * DAY_MS, minHistoryMs: 28 * DAY_MS },
  { label: 'NASA (5 min)', traceId: 'nasa-http-1995', bucketMs: 5 * MINUTE_MS, horizonsMs: [HOUR_MS, DAY_MS], origins: 40, quickOrigins: 10, spanMs: 28 * DAY_MS, minHistoryMs: 21 * DAY_MS },
  { label: 'Twitter AAPL (5 min)', traceId: 'twitter-aapl', bucketMs: 5 * MINUTE_MS, horizonsMs: [HOUR_MS, DAY_MS], origins: 40, quickOrigins: 10, spanMs: 21 * DAY_MS, minHistoryMs: 14 * DAY_MS },
];

export interface KeptFitRow {
  readonly series: string;
  readonly horizon: string;
  readonly model: string;
  readonly mase: number;
  readonly p90Coverage: number;
  readonly p99Coverage: number;
  /** Of the kept-fit model's forecasts, how many were made on the kept fit (the rest refit on drift). */
  readonly reusedShare?: number;
}

/** chuanliu forecasting at each origin on a fit made `ageMs` earlier on the history as it was then. */
function keptFitModel(ageMs: number, counts: { reused: number; total: number }): BacktestModel {
  const fresh = chuanliuModel();
  return {
    ...fresh,
    name: `chuanliu, fit ${ageMs / HOUR_MS} h old`,
    description: `chuanliu on a fit made ${ageMs / HOUR_MS} h before the origin`,
    forecast: (input: ModelInput) => {
      const ageBuckets = Math.round(ageMs / input.stepMs);
      const nowMs = input.startMs + input.history.length * input.stepMs;
      const common = { workload: 'backtest', horizonMs: input.horizon * input.stepMs, quantiles: input.quantiles };
      // refitAfter well past the age: the fit is reused unless the drift check refuses it.
      const params = { timeZone: input.timeZone, refitAfterMs: 4 * ageMs };
      const then = forecastDemandWithFit({
        ...common, params, nowMs: nowMs - ageMs,
        history: { startMs: input.startMs, stepMs: input.stepMs, values: input.history.subarray(0, input.history.length - ageBuckets), unit: 'requests/s' },
      });
      const now = forecastDemandWithFit({
        ...common, params, nowMs, ...(then.fit !== undefined ? { priorFit: then.fit } : {}),
        history: { startMs: input.startMs, stepMs: input.stepMs, values: input.history, unit: 'requests/s' },
      });
      counts.total++;
      if (now.fitReused === true) counts.reused++;
      const median = now.forecast.bands[now.forecast.quantiles.indexOf(0.5)] as Float64Array;
      return { point: median, bands: now.forecast.bands };
    },
  };
}

export async function measureKeptFits(options: { quick: boolean; log: (line: string) => void }): Promise<KeptFitRow[]> {
  const rows: KeptFitRow[] = [];
  for (const testCase of CASES) {
    const trace = findShippedTrace(testCase.traceId);
    const { series } = await readShippedTrace(testCase.traceId, { bucketMs: testCase.bucketMs });
    const counts = AGES_MS.map(() => ({ reused: 0, total: 0 }));
    const models = [chuanliuModel(), ...AGES_MS.map((ageMs, index) => keptFitModel(ageMs, counts[index] as { reused: number; total: number }))];
    const horizons = testCase.horizonsMs.map((horizonMs) => Math.round(horizonMs / series.stepMs));
    const result = runBacktest({
      series, models, horizons, quantiles: QUANTILES, origins: options.quick ? testCase.quickOrigins : testCase.origins,
      evaluationSpanMs: testCase.spanMs, minHistoryMs: testCase.minHistoryMs, timeZone: trace.timeZone,
    });
    options.log(`${testCase.label}: ${result.originsMs.length} origins`);
    for (const horizon of result.horizons) {
      for (const score of horizon.models) {
        const index = models.findIndex((model) => model.name === score.model) - 1;
        const count = counts[index];
        rows.push({
          series: testCase.label, horizon: `${horizon.horizonMs / HOUR_MS} h`, model: score.model, mase: score.score.mase,
          p90Coverage: score.score.coverage[1] as number, p99Coverage: score.score.coverage[2] as number,
          ...(count !== undefined && count.total > 0 ? { reusedShare: count.reused / count.total } : {}),
        });
      }
    }
  }
  return rows;
}

export function keptFitFailures(rows: readonly KeptFitRow[]): string[] {
  const failures: string[] = [];
  for (const row of rows) {
    if (row.reusedShare === undefined) continue;
    const fresh = rows.find((other) => other.series === row.series && other.horizon === row.horizon && other.reusedShare === undefined);
    if (fresh === undefined) continue;
    if (row.mase > fresh.mase * MAX_MASE_RATIO) failures.push(`${row.series} ${row.horizon}: ${row.model} MASE ${row.mase.toFixed(3)} > ${MAX_MASE_RATIO} × fresh ${fresh.mase.toFixed(3)}`);
    if (row.p90Coverage < fresh.p90Coverage - MAX_P90_COVERAGE_DROP) failures.push(`${row.series} ${row.horizon}: ${row.model} p90 coverage ${(row.p90Coverage * 100).toFixed(1)} % < fresh ${(fresh.p90Coverage * 100).toFixed(1)} % − ${MAX_P90_COVERAGE_DROP * 100} points`);
  }
  return failures;
}

export function renderKeptFits(rows: readonly KeptFitRow[]): string {
  const fresh = (row: KeptFitRow): KeptFitRow | undefined => rows.find((other) => other.series === row.series && other.horizon === row.horizon && other.reusedShare === undefined);
  return [
    '## Kept fits: accuracy of a forecast on a fit made hours earlier',
    '',
    `The forecast refresh reuses each workload's fit until it is ½–1 × \`forecast.refitEvery\` (24 h) old (section *Forecast refresh spread over controller replicas*). What that costs, on the shipped REAL series: the rolling-origin backtest of the forecast part, chuanliu fitting afresh at every origin against chuanliu on a fit made 12 h (typical) and 23 h (oldest) before the origin on the history as it was then, drift check included (\`npm run bench -- --only forecast-kept-fits\`). Targets: MASE at most ${MAX_MASE_RATIO}× the fresh fit's, p90 coverage at most ${MAX_P90_COVERAGE_DROP * 100} points below it.`,
    '',
    '| series | horizon | model | MASE | vs fresh | p90 coverage | p99 coverage | forecasts on the kept fit |',
    '|---|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((row) => {
      const base = fresh(row);
      const ratio = row.reusedShare !== undefined && base !== undefined ? `${(row.mase / base.mase).toFixed(3)}×` : '';
      return `| ${row.series} | ${row.horizon} | ${row.model} | ${row.mase.toFixed(3)} | ${ratio} | ${(row.p90Coverage * 100).toFixed(1)} % | ${(row.p99Coverage * 100).toFixed(1)} % | ${row.reusedShare !== undefined ? `${(row.reusedShare * 100).toFixed(0)} %` : ''} |`;
    }),
  ].join('\n');
}

export const forecastKeptFitsBenchPart: BenchPart = {
  id: 'forecast-kept-fits',
  async run({ quick, log }): Promise<BenchPartResult> {
    const rows = await measureKeptFits({ quick, log });
    return { markdown: renderKeptFits(rows), failures: keptFitFailures(rows), figures: { rows } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await measureKeptFits({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${renderKeptFits(rows)}\n\nfailures: ${JSON.stringify(keptFitFailures(rows))}\n`);
}
