/**
 * Rolling-origin backtest: from each of N origins spread over the end of a series, every model sees
 * only the history before the origin and forecasts each horizon (once at the longest horizon when
 * the model's first buckets do not depend on it); each horizon is scored on its first `horizon`
 * buckets. All models get the same origins and the same
 * windows; a model that cannot run at one origin (history too short for it) is left out of the whole
 * run rather than scored on different windows. Pure: timing, if wanted, comes from `timer`.
 */
import type { RegularSeries } from '../../domain/series.ts';
import { DAY_MS, HOUR_MS } from '../../domain/units.ts';
import { naiveScale, ScoreAccumulator, type AggregateScore } from './metrics.ts';
import type { BacktestModel, ModelForecast } from './model.ts';

export interface BacktestOptions {
  readonly series: RegularSeries;
  readonly models: readonly BacktestModel[];
  /** Horizons in buckets, e.g. [2, 48] for 1 h and 24 h of 30-minute buckets. */
  readonly horizons: readonly number[];
  readonly quantiles: readonly number[];
  /** Number of origins. */
  readonly origins: number;
  /** Origins are spread over the last `evaluationSpanMs` of the series (before the final horizon). */
  readonly evaluationSpanMs: number;
  /** No origin has less history than this. */
  readonly minHistoryMs: number;
  /** IANA zone of the traffic's wall clock, passed to the models. */
  readonly timeZone?: string;
  /** Called after each origin (for a progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Monotonic milliseconds, injected by the caller to time the models; undefined = no timing. */
  readonly timer?: () => number;
}

export interface ModelScore {
  readonly model: string;
  readonly description: string;
  readonly score: AggregateScore;
}

export interface HorizonResult {
  readonly horizonBuckets: number;
  readonly horizonMs: number;
  readonly models: readonly ModelScore[];
}

export interface BacktestResult {
  readonly stepMs: number;
  readonly quantiles: readonly number[];
  /** Epoch ms of each origin used. */
  readonly originsMs: readonly number[];
  /** MASE scale lag in buckets (one day, or 1). */
  readonly scaleLagBuckets: number;
  readonly horizons: readonly HorizonResult[];
  /** Models left out, with the reason. */
  readonly skipped: readonly { model: string; reason: string }[];
  /** Milliseconds spent in each model's forecasts (only with a timer). */
  readonly modelMs: Readonly<Record<string, number>>;
}

export function chooseOrigins(length: number, stepMs: number, options: Pick<BacktestOptions, 'origins' | 'evaluationSpanMs' | 'minHistoryMs' | 'horizons'>): number[] {
  const maxHorizon = Math.max(...options.horizons);
  const last = length - maxHorizon;
  const first = Math.max(Math.ceil(options.minHistoryMs / stepMs), last - Math.round(options.evaluationSpanMs / stepMs));
  if (last < first || options.origins < 1) return [];
  if (options.origins === 1) return [last];
  let spacing = Math.max(1, Math.floor((last - first) / (options.origins - 1)));
  // Spacing by a whole number of hours would put every origin at the same few clock times.
  const bucketsPerHour = HOUR_MS / stepMs;
  if (Number.isInteger(bucketsPerHour) && bucketsPerHour > 1 && spacing % bucketsPerHour === 0) spacing -= 1;
  const origins: number[] = [];
  for (let j = 0; j < options.origins; j++) {
    const origin = last - j * spacing;
    if (origin < first) break;
    origins.push(origin);
  }
  return origins.reverse();
}

export function runBacktest(options: BacktestOptions): BacktestResult {
  const { series, quantiles } = options;
  const { values, stepMs } = series;
  const maxHorizon = Math.max(...options.horizons);
  const origins = chooseOrigins(values.length, stepMs, options).filter((origin) =>
    values.subarray(origin, origin + maxHorizon).some(Number.isFinite));
  const dailyLag = Math.round(DAY_MS / stepMs);
  const scaleLag = Number.isInteger(DAY_MS / stepMs) && values.length > 3 * dailyLag && origins[0] !== undefined && origins[0] > 2 * dailyLag ? dailyLag : 1;

  const skipped: { model: string; reason: string }[] = [];
  const models = options.models.filter((model) => {
    const inapplicable = origins.find((origin) => !model.applicable({
      history: values.subarray(0, origin), startMs: series.startMs, stepMs, horizon: maxHorizon, quantiles,
    }));
    if (inapplicable !== undefined) {
      skipped.push({ model: model.name, reason: `history too short for it at origin ${new Date(series.startMs + inapplicable * stepMs).toISOString()}` });
      return false;
    }
    return true;
  });

  const zone = options.timeZone !== undefined ? { timeZone: options.timeZone } : {};
  const accumulators = options.horizons.map(() => models.map(() => new ScoreAccumulator(quantiles)));
  const modelMs: Record<string, number> = {};
  origins.forEach((origin, done) => {
    const history = values.subarray(0, origin);
    const scale = naiveScale(history, scaleLag, Math.round((28 * DAY_MS) / stepMs));
    models.forEach((model, m) => {
      let longest: ModelForecast | undefined;
      options.horizons.forEach((horizon, h) => {
        const started = options.timer?.();
        const forecast: ModelForecast = model.horizonIndependent
          ? (longest ??= model.forecast({ history, startMs: series.startMs, stepMs, horizon: maxHorizon, quantiles, ...zone }))
          : model.forecast({ history, startMs: series.startMs, stepMs, horizon, quantiles, ...zone });
        if (started !== undefined && options.timer) modelMs[model.name] = (modelMs[model.name] ?? 0) + options.timer() - started;
        (accumulators[h]?.[m] as ScoreAccumulator).add(
          { actual: values.subarray(origin, origin + horizon), scale },
          { point: forecast.point.subarray(0, horizon), bands: forecast.bands.map((band) => band.subarray(0, horizon)) },
        );
      });
    });
    options.onProgress?.(done + 1, origins.length);
  });

  return {
    stepMs,
    quantiles,
    originsMs: origins.map((origin) => series.startMs + origin * stepMs),
    scaleLagBuckets: scaleLag,
    horizons: options.horizons.map((horizon, h) => ({
      horizonBuckets: horizon,
      horizonMs: horizon * stepMs,
      models: models.map((model, m) => ({ model: model.name, description: model.description, score: (accumulators[h]?.[m] as ScoreAccumulator).result() })),
    })),
    skipped,
    modelMs,
  };
}
