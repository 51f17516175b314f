/**
 * Additive Holt-Winters (level, trend, one seasonal period), written out here so the baseline is
 * exactly what the table says. Smoothing parameters are chosen on the training window by a grid
 * search minimising the squared error over the leads it is scored on (the one-step criterion of R's
 * HoltWinters and statsmodels picked large α/β on nyc_taxi and extrapolated noise over 24 h:
 * MASE 1.33 against 1.07 for seasonal naive, so the fair peer is the horizon-tuned one). Missing buckets (NaN) are replaced by the one-step forecast, so the state carries on
 * through a gap without learning from it. Bands: empirical quantiles of its replayed errors
 * (empirical-bands.ts), the same calibration chuanliu uses.
 */
import { formatDurationMs } from '../../../domain/units.ts';
import { anchorLeads } from '../../residual-correction.ts';
import type { BacktestModel, ModelInput } from '../model.ts';
import { empiricalBands } from './empirical-bands.ts';

export interface HoltWintersOptions {
  readonly name: string;
  /** Seasonal period as a duration (converted to buckets); 0 = Holt's linear trend, no season. */
  readonly periodMs: number;
  /** Training window as a duration. */
  readonly trainingWindowMs: number;
}

export interface HoltWintersParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
}

const ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.85, 0.97];
const BETAS = [0, 0.005, 0.02, 0.1];
const GAMMAS = [0.01, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7];

/** States after each bucket, so the model can be replayed from any past origin. */
export interface HoltWintersRun {
  readonly level: Float64Array;
  readonly trend: Float64Array;
  readonly season: Float64Array;
  readonly sumSquaredErrors: number;
  readonly start: number;
  readonly period: number;
}

/**
 * Runs HW over values[start..end). The first period initialises the state (level = its mean,
 * season = deviations from it); errors count from the second period on.
 */
export function runHoltWinters(values: Float64Array, start: number, end: number, period: number, params: HoltWintersParams): HoltWintersRun {
  const length = end - start;
  const level = new Float64Array(length);
  const trend = new Float64Array(length);
  const season = new Float64Array(length);
  const m = Math.max(1, period);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < Math.min(m, length); i++) {
    const value = values[start + i] as number;
    if (Number.isFinite(value)) {
      sum += value;
      count++;
    }
  }
  const initialLevel = count > 0 ? sum / count : 0;
  for (let i = 0; i < Math.min(m, length); i++) {
    const value = values[start + i] as number;
    level[i] = initialLevel;
    trend[i] = 0;
    season[i] = period > 1 && Number.isFinite(value) ? value - initialLevel : 0;
  }
  const { alpha, beta, gamma } = params;
  let sse = 0;
  let l = initialLevel;
  let b = 0;
  for (let i = m; i < length; i++) {
    const seasonal = period > 1 ? (season[i - m] as number) : 0;
    const forecast = l + b + seasonal;
    let actual = values[start + i] as number;
    if (Number.isFinite(actual)) {
      const error = actual - forecast;
      sse += error * error;
    } else {
      actual = forecast;
    }
    const previousLevel = l;
    l = alpha * (actual - seasonal) + (1 - alpha) * (l + b);
    b = beta * (l - previousLevel) + (1 - beta) * b;
    level[i] = l;
    trend[i] = b;
    season[i] = period > 1 ? gamma * (actual - l) + (1 - gamma) * seasonal : 0;
  }
  return { level, trend, season, sumSquaredErrors: sse, start, period };
}

/** Forecast of bucket origin + lead − 1 from the state after bucket origin − 1. */
export function holtWintersPredict(run: HoltWintersRun, origin: number, lead: number): number {
  const last = origin - 1 - run.start;
  if (last < 0 || last >= run.level.length) return Number.NaN;
  const m = Math.max(1, run.period);
  let seasonal = 0;
  if (run.period > 1) {
    const seasonIndex = last + lead - m * Math.ceil(lead / m);
    if (seasonIndex < 0) return Number.NaN;
    seasonal = run.season[seasonIndex] as number;
  }
  return (run.level[last] as number) + lead * (run.trend[last] as number) + seasonal;
}

/**
 * Grid search. The criterion is the mean squared error of forecasts at leads spread over 1..horizon
 * from up to 1,000 origins of the window (after two periods of warm-up), so the parameters suit the horizon the
 * model is scored on (with horizon 1 this is the classic one-step criterion).
 */
export function fitHoltWinters(values: Float64Array, start: number, end: number, period: number, horizon = 1): { params: HoltWintersParams; run: HoltWintersRun } {
  const leads = anchorLeads(horizon);
  const firstOrigin = start + 2 * period;
  const stride = Math.max(1, Math.ceil((end - firstOrigin) / 1000));
  let best: { params: HoltWintersParams; run: HoltWintersRun } | undefined;
  let bestError = Number.POSITIVE_INFINITY;
  for (const alpha of ALPHAS) {
    for (const beta of BETAS) {
      for (const gamma of period > 1 ? GAMMAS : [0]) {
        const params = { alpha, beta, gamma };
        const run = runHoltWinters(values, start, end, period, params);
        let error = run.sumSquaredErrors;
        if (horizon > 1) {
          error = 0;
          for (const lead of leads) {
            let sum = 0;
            let count = 0;
            for (let origin = end - lead; origin >= firstOrigin; origin -= stride) {
              const actual = values[origin + lead - 1] as number;
              if (!Number.isFinite(actual)) continue;
              const difference = actual - holtWintersPredict(run, origin, lead);
              if (!Number.isFinite(difference)) continue;
              sum += difference * difference;
              count++;
            }
            if (count > 0) error += sum / count;
          }
        }
        if (best === undefined || error < bestError) {
          best = { params, run };
          bestError = error;
        }
      }
    }
  }
  return best as { params: HoltWintersParams; run: HoltWintersRun };
}

export function holtWintersModel(options: HoltWintersOptions): BacktestModel {
  const periodFor = (stepMs: number): number => (options.periodMs === 0 ? 1 : Math.max(2, Math.round(options.periodMs / stepMs)));
  return {
    name: options.name,
    horizonIndependent: false,
    description: `additive Holt-Winters${options.periodMs === 0 ? ' without season (Holt linear)' : ''}, α/β/γ by grid search on the squared error of 1..horizon-step forecasts over the last ${formatDurationMs(options.trainingWindowMs)} of history`,
    applicable: (input: ModelInput) => input.history.length >= 3 * periodFor(input.stepMs),
    forecast: (input: ModelInput) => {
      const { history, horizon } = input;
      const n = history.length;
      const period = periodFor(input.stepMs);
      const trainingWindow = Math.max(3 * period, Math.round(options.trainingWindowMs / input.stepMs));
      const start = Math.max(0, n - trainingWindow);
      const { run } = fitHoltWinters(history, start, n, period, horizon);
      const point = new Float64Array(horizon);
      for (let lead = 1; lead <= horizon; lead++) point[lead - 1] = holtWintersPredict(run, n, lead);
      const bands = empiricalBands({
        history, horizon, quantiles: input.quantiles, point, maxOrigins: 1500,
        fromOrigin: start + 2 * period,
        predict: (origin, lead) => holtWintersPredict(run, origin, lead),
      });
      return { point, bands };
    },
  };
}
