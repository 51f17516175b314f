/**
 * Accuracy measures of one forecast window against what happened, and their aggregation over the
 * origins of a backtest. Buckets whose actual value is NaN (gap, outage) are left out of every sum.
 *
 * - MASE: mean absolute error of the point forecast divided by the in-sample mean absolute error of
 *   the seasonal-naive forecast (lag m = one day, or 1 bucket without a daily cycle) on the history
 *   before the origin; averaged over origins. Below 1 beats that naive forecast.
 * - sMAPE: mean of 200·|ŷ − y| / (|ŷ| + |y|) in percent (0 when both are 0).
 * - Pinball loss per quantile, divided by the same MASE scale so traces compare.
 * - Coverage of quantile q: the share of actual buckets at or below the q band — the upper bound a
 *   capacity plan provisions for (not a central interval). Nominal value: q.
 * - Relative band width of q: Σ (band_q − band_0.5) / Σ |actual| over the scored buckets.
 * - Peak timing: |bucket of the forecast median's maximum − bucket of the actual maximum| per window;
 *   peak height: |max forecast median − max actual| / max actual.
 */

export interface WindowActuals {
  readonly actual: Float64Array;
  /** MASE scale of this origin (see above). */
  readonly scale: number;
}

export interface WindowForecast {
  readonly point: Float64Array;
  /** Same order as the quantiles the accumulator was built with. */
  readonly bands: readonly Float64Array[];
}

export interface AggregateScore {
  readonly origins: number;
  readonly buckets: number;
  readonly mase: number;
  readonly smapePercent: number;
  /** Scaled pinball per quantile, in the accumulator's quantile order. */
  readonly pinball: readonly number[];
  readonly meanPinball: number;
  readonly coverage: readonly number[];
  readonly relativeWidth: readonly number[];
  readonly peakTimingBuckets: number;
  readonly peakHeightError: number;
}

export class ScoreAccumulator {
  private origins = 0;
  private buckets = 0;
  private maseSum = 0;
  private smapeSum = 0;
  private readonly pinballSums: Float64Array;
  private readonly covered: Float64Array;
  private readonly widthSums: Float64Array;
  private actualAbsoluteSum = 0;
  private peakTimingSum = 0;
  private peakHeightSum = 0;
  private peakWindows = 0;
  private readonly medianIndex: number;

  constructor(readonly quantiles: readonly number[]) {
    this.pinballSums = new Float64Array(quantiles.length);
    this.covered = new Float64Array(quantiles.length);
    this.widthSums = new Float64Array(quantiles.length);
    this.medianIndex = quantiles.findIndex((quantile) => Math.abs(quantile - 0.5) < 1e-9);
  }

  add(actuals: WindowActuals, forecast: WindowForecast): void {
    const { actual, scale } = actuals;
    let absoluteSum = 0;
    let count = 0;
    let actualPeak = -1;
    let forecastPeak = -1;
    for (let i = 0; i < actual.length; i++) {
      const y = actual[i] as number;
      if (!Number.isFinite(y)) continue;
      const predicted = forecast.point[i] as number;
      const error = Math.abs(predicted - y);
      absoluteSum += error;
      const denominator = Math.abs(predicted) + Math.abs(y);
      this.smapeSum += denominator > 0 ? (200 * error) / denominator : 0;
      this.actualAbsoluteSum += Math.abs(y);
      const median = this.medianIndex >= 0 ? (forecast.bands[this.medianIndex]?.[i] as number) : predicted;
      this.quantiles.forEach((quantile, k) => {
        const band = forecast.bands[k]?.[i] as number;
        const difference = y - band;
        this.pinballSums[k] = (this.pinballSums[k] as number) + (difference >= 0 ? quantile * difference : (quantile - 1) * difference) / scale;
        if (y <= band) this.covered[k] = (this.covered[k] as number) + 1;
        this.widthSums[k] = (this.widthSums[k] as number) + (band - median);
      });
      if (actualPeak < 0 || y > (actual[actualPeak] as number)) actualPeak = i;
      if (forecastPeak < 0 || predicted > (forecast.point[forecastPeak] as number)) forecastPeak = i;
      count++;
    }
    if (count === 0) return;
    this.origins++;
    this.buckets += count;
    this.maseSum += absoluteSum / count / scale;
    if (count > 1) {
      const actualMax = actual[actualPeak] as number;
      this.peakTimingSum += Math.abs(actualPeak - forecastPeak);
      this.peakHeightSum += actualMax > 0 ? Math.abs((forecast.point[forecastPeak] as number) - actualMax) / actualMax : 0;
      this.peakWindows++;
    }
  }

  result(): AggregateScore {
    const buckets = Math.max(1, this.buckets);
    const pinball = Array.from(this.pinballSums, (sum) => sum / buckets);
    return {
      origins: this.origins,
      buckets: this.buckets,
      mase: this.origins > 0 ? this.maseSum / this.origins : Number.NaN,
      smapePercent: this.smapeSum / buckets,
      pinball,
      meanPinball: pinball.reduce((sum, value) => sum + value, 0) / Math.max(1, pinball.length),
      coverage: Array.from(this.covered, (value) => value / buckets),
      relativeWidth: Array.from(this.widthSums, (value) => (this.actualAbsoluteSum > 0 ? value / this.actualAbsoluteSum : Number.NaN)),
      peakTimingBuckets: this.peakWindows > 0 ? this.peakTimingSum / this.peakWindows : Number.NaN,
      peakHeightError: this.peakWindows > 0 ? this.peakHeightSum / this.peakWindows : Number.NaN,
    };
  }
}

/**
 * In-sample mean absolute error of the lag-`lag` naive forecast over the last `window` buckets of
 * `history` (finite pairs only); 1 when there is nothing to measure or it is 0, so MASE stays defined.
 */
export function naiveScale(history: Float64Array, lag: number, window: number): number {
  let sum = 0;
  let count = 0;
  for (let i = Math.max(lag, history.length - window); i < history.length; i++) {
    const difference = (history[i] as number) - (history[i - lag] as number);
    if (Number.isFinite(difference)) {
      sum += Math.abs(difference);
      count++;
    }
  }
  return count > 0 && sum > 0 ? sum / count : 1;
}
