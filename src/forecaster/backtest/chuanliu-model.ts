/** chuanliu's forecaster behind the backtest's model interface (no calendar: traces carry none). */
import { forecastDemand } from '../forecast-demand.ts';
import { DEFAULT_FORECASTER_PARAMS, type ForecasterParams } from '../params.ts';
import type { BacktestModel, ModelInput } from './model.ts';

export function chuanliuModel(params: Partial<ForecasterParams> = {}): BacktestModel {
  return {
    name: 'chuanliu',
    horizonIndependent: true,
    description: 'robust seasonal profile (trimmed mean of past weeks/days, auto-detected periods) + direct per-lead residual correction (Huber) + quantiles from replayed errors (levels checked on the most recent quarter) + pulse reserve',
    applicable: (input: ModelInput) => input.history.length >= 12,
    forecast: (input: ModelInput) => {
      const nowMs = input.startMs + input.history.length * input.stepMs;
      const forecast = forecastDemand({
        workload: 'backtest',
        history: { startMs: input.startMs, stepMs: input.stepMs, values: input.history, unit: 'requests/s' },
        nowMs,
        horizonMs: input.horizon * input.stepMs,
        quantiles: input.quantiles,
        params: { ...DEFAULT_FORECASTER_PARAMS, ...params, stepMs: undefined, timeZone: input.timeZone },
      });
      const medianIndex = forecast.quantiles.findIndex((quantile) => Math.abs(quantile - 0.5) < 1e-9);
      const point = medianIndex >= 0
        ? (forecast.bands[medianIndex] as Float64Array)
        : Float64Array.from({ length: input.horizon }, (_, i) => forecast.components.reduce((sum, c) => sum + (c.values[i] as number), 0));
      return { point, bands: forecast.bands };
    },
  };
}
