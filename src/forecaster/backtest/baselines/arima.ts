/**
 * The real peer: AutoARIMA from the npm `arima` package (an Emscripten build of the C library
 * ctsa). Its own seasonal search (`auto: true, s: 48`) does not finish in minutes on a few weeks of
 * 30-minute data, and its SARIMA with s = 48 takes ~10 s per fit and was numerically unstable in
 * our trials, so the seasonal part is done the standard way by hand: difference the series at the
 * daily period m, let AutoARIMA choose (p, d, q) on the last `trainingPoints` differences, forecast
 * them, and add the differences back onto the values one period earlier. That is a
 * SARIMA(p, d, q)(0, 1, 0)ₘ with orders chosen by AutoARIMA. Without a daily period (short traces)
 * AutoARIMA runs on the series itself. Bands are Gaussian from the package's forecast variance.
 * Missing buckets are filled by linear interpolation before fitting (the package cannot skip them).
 */
import ARIMA from 'arima';
import { probit } from 'simple-statistics';
import type { BacktestModel, ModelForecast, ModelInput } from '../model.ts';
import { monotoneNonNegative } from '../model.ts';
import { seasonalNaivePredict } from './seasonal-naive.ts';

export interface ArimaOptions {
  readonly name: string;
  /** Seasonal differencing period as a duration; 0 = none. */
  readonly seasonalPeriodMs: number;
  /** Points the AutoARIMA search is fitted on (its cost grows quickly with this). */
  readonly trainingPoints: number;
  /**
   * Runs a call with the package's printing captured. The C library prints optimiser complaints
   * ("Program Exiting as the function value exceeds the maximum double value") to stdout, which
   * would corrupt `-o json`; the pure core cannot touch process streams, so the caller supplies this.
   * Undefined = let it print.
   */
  readonly captureOutput?: OutputCapture;
}

export type OutputCapture = <T>(call: () => T) => { value: T; printed: string };

/** Counts fits, fits whose optimiser complained, and unusable (non-finite) forecasts replaced by seasonal naive. */
export interface ArimaStats {
  fits: number;
  optimizerWarnings: number;
  fallbacks: number;
  /** Forecasts kept but with the band from the training spread (the package's variance was unusable). */
  varianceFallbacks: number;
}

export function arimaModel(options: ArimaOptions, stats: ArimaStats = { fits: 0, optimizerWarnings: 0, fallbacks: 0, varianceFallbacks: 0 }): BacktestModel & { stats: ArimaStats } {
  const periodFor = (stepMs: number): number => (options.seasonalPeriodMs === 0 ? 0 : Math.round(options.seasonalPeriodMs / stepMs));
  return {
    name: options.name,
    horizonIndependent: true,
    stats,
    description: options.seasonalPeriodMs === 0
      ? `npm arima AutoARIMA on the last ${options.trainingPoints} buckets`
      : `npm arima AutoARIMA on the last ${options.trainingPoints} daily differences = SARIMA(p,d,q)(0,1,0)[1 day]`,
    applicable: (input: ModelInput) => {
      const period = periodFor(input.stepMs);
      return input.history.length >= Math.min(options.trainingPoints, 50) + period;
    },
    forecast: (input: ModelInput): ModelForecast => {
      const { history, horizon } = input;
      const n = history.length;
      const period = periodFor(input.stepMs);
      const span = Math.min(n - period, options.trainingPoints);
      const filled = interpolateMissing(history.subarray(n - span - period));
      const training: number[] = [];
      for (let i = period; i < filled.length; i++) training.push(period > 0 ? (filled[i] as number) - (filled[i - period] as number) : (filled[i] as number));
      stats.fits++;
      let predicted: number[] = [];
      let variances: number[] = [];
      const fitAndPredict = (): [number[], number[]] => {
        const model = new ARIMA({ auto: true, verbose: false });
        try {
          model.train(training);
          return model.predict(horizon);
        } catch {
          return [[], []];
        } finally {
          model.destroy();
        }
      };
      if (options.captureOutput) {
        const { value, printed } = options.captureOutput(fitAndPredict);
        [predicted, variances] = value;
        if (printed.trim().length > 0) stats.optimizerWarnings++;
      } else {
        [predicted, variances] = fitAndPredict();
      }
      const usable = predicted.length === horizon && predicted.every(Number.isFinite);
      // The package sometimes returns a sound forecast with a broken variance (0, denormal or
      // negative); then the band uses the spread of what the model was fitted on.
      const variancesUsable = usable && variances.length === horizon && variances.every((v, i) => Number.isFinite(v) && v > 0 && (i === 0 || v >= (variances[i - 1] as number) * 0.999));
      const trainingSd = standardDeviation(training);
      const point = new Float64Array(horizon);
      const sd = new Float64Array(horizon);
      if (!usable) stats.fallbacks++;
      else if (!variancesUsable) stats.varianceFallbacks++;
      const extended = Float64Array.from([...filled, ...new Array<number>(horizon).fill(Number.NaN)]);
      for (let lead = 1; lead <= horizon; lead++) {
        const index = filled.length + lead - 1;
        let value: number;
        if (usable) {
          value = (predicted[lead - 1] as number) + (period > 0 ? (extended[index - period] as number) : 0);
          sd[lead - 1] = variancesUsable ? Math.sqrt(variances[lead - 1] as number) : trainingSd;
        } else {
          value = seasonalNaivePredict(filled, Math.max(1, period), filled.length, lead);
          sd[lead - 1] = Number.NaN;
        }
        extended[index] = value;
        point[lead - 1] = value;
      }
      const bands = input.quantiles.map((quantile) => {
        const z = probit(quantile);
        return Float64Array.from(point, (value, i) => value + z * (Number.isFinite(sd[i] as number) ? (sd[i] as number) : 0));
      });
      return { point, bands: monotoneNonNegative(bands) };
    },
  };
}

/** Linear interpolation over NaN runs; leading/trailing runs take the nearest finite value. */
export function interpolateMissing(values: Float64Array): Float64Array {
  const out = Float64Array.from(values);
  let previous = -1;
  for (let i = 0; i <= out.length; i++) {
    if (i < out.length && !Number.isFinite(out[i] as number)) continue;
    const gapStart = previous + 1;
    if (i > gapStart) {
      const left = previous >= 0 ? (out[previous] as number) : undefined;
      const right = i < out.length ? (out[i] as number) : undefined;
      for (let j = gapStart; j < i; j++) {
        if (left !== undefined && right !== undefined) out[j] = left + ((right - left) * (j - previous)) / (i - previous);
        else out[j] = left ?? right ?? 0;
      }
    }
    previous = i;
  }
  return out;
}

function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}
