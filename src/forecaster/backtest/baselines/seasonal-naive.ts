/**
 * Seasonal naive: each bucket repeats the same phase one period earlier (a day, a week; period 1 =
 * plain naive, the last value), in local time when the trace's zone is known (so the week after a
 * daylight-saving change still lines up). When that bucket is missing (NaN), one more period back.
 */
import { DAY_MS, WEEK_MS } from '../../../domain/units.ts';
import { localLagIndex, utcLag, type LagIndex } from '../../local-time-lags.ts';
import type { BacktestModel, ModelInput } from '../model.ts';
import { empiricalBands } from './empirical-bands.ts';

export interface SeasonalNaiveOptions {
  readonly name: string;
  /** Period as a duration (converted to buckets); 0 = plain naive (last value). */
  readonly periodMs: number;
  /** Calibration window for the bands, in buckets of history. @defaultValue 4 weeks */
  readonly calibrationWindowMs?: number;
}

/** Periods looked back at most to skip missing buckets. */
const MAX_BACKOFF_PERIODS = 4;

export function seasonalNaivePredict(history: Float64Array, period: number, origin: number, lead: number, lagIndex: LagIndex = utcLag): number {
  const index = origin + lead - 1;
  const first = Math.max(1, Math.ceil(lead / period));
  for (let k = first; k < first + MAX_BACKOFF_PERIODS; k++) {
    const lagged = lagIndex(index, k * period);
    if (lagged >= origin) continue;
    const value = history[lagged];
    if (value !== undefined && Number.isFinite(value)) return value;
  }
  return Number.NaN;
}

export function seasonalNaiveModel(options: SeasonalNaiveOptions): BacktestModel {
  const periodFor = (stepMs: number): number => Math.max(1, Math.round(options.periodMs / stepMs));
  return {
    name: options.name,
    horizonIndependent: true,
    description: options.periodMs === 0
      ? 'naive: the last observed bucket, repeated'
      : `seasonal naive: the same bucket ${options.periodMs === DAY_MS ? 'one day' : options.periodMs === WEEK_MS ? 'one week' : `${options.periodMs} ms`} earlier`,
    applicable: (input: ModelInput) => input.history.length > 2 * periodFor(input.stepMs),
    forecast: (input: ModelInput) => {
      const { history, horizon } = input;
      const n = history.length;
      const period = periodFor(input.stepMs);
      const lagIndex = period > 1 ? localLagIndex(input.startMs, input.stepMs, n + horizon, input.timeZone) : utcLag;
      const point = new Float64Array(horizon);
      let lastFinite = Number.NaN;
      for (let i = n - 1; i >= 0 && Number.isNaN(lastFinite); i--) if (Number.isFinite(history[i] as number)) lastFinite = history[i] as number;
      for (let lead = 1; lead <= horizon; lead++) {
        const value = seasonalNaivePredict(history, period, n, lead, lagIndex);
        point[lead - 1] = Number.isFinite(value) ? value : lastFinite;
      }
      const calibrationWindow = Math.round((options.calibrationWindowMs ?? 4 * WEEK_MS) / input.stepMs);
      const bands = empiricalBands({
        history, horizon, quantiles: input.quantiles, point, maxOrigins: 1500,
        fromOrigin: Math.max(period * Math.ceil(horizon / period) + 1, n - calibrationWindow),
        predict: (origin, lead) => seasonalNaivePredict(history, period, origin, lead, lagIndex),
      });
      return { point, bands };
    },
  };
}
