/**
 * The models a backtest compares by default: chuanliu and the forecasters an operator would
 * otherwise reach for. Which baselines apply depends on the history: daily/weekly seasonal ones need
 * days/weeks of it; on a one-hour trace the non-seasonal counterparts stand in.
 */
import { DAY_MS, WEEK_MS } from '../../domain/units.ts';
import type { ForecasterParams } from '../params.ts';
import { arimaModel, type OutputCapture } from './baselines/arima.ts';
import { holtWintersModel } from './baselines/holt-winters.ts';
import { seasonalNaiveModel } from './baselines/seasonal-naive.ts';
import { chuanliuModel } from './chuanliu-model.ts';
import type { BacktestModel } from './model.ts';

export const BASELINE_NAMES = ['naive', 'snaive-daily', 'snaive-weekly', 'hw-daily', 'hw-weekly', 'arima'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

export interface StandardModelOptions {
  /** Length of the shortest history any origin has. */
  readonly minHistoryMs: number;
  readonly baselines?: readonly BaselineName[];
  /** Points AutoARIMA is fitted on. @defaultValue 1000 */
  readonly arimaTrainingPoints?: number;
  readonly chuanliuParams?: Partial<ForecasterParams>;
  /** Captures what the arima package prints (see ArimaOptions.captureOutput). */
  readonly captureOutput?: OutputCapture;
}

export function standardModels(options: StandardModelOptions): BacktestModel[] {
  const wanted = new Set<BaselineName>(options.baselines ?? BASELINE_NAMES);
  const seasonal = options.minHistoryMs >= 3 * DAY_MS;
  const models: BacktestModel[] = [chuanliuModel(options.chuanliuParams)];
  if (wanted.has('naive')) models.push(seasonalNaiveModel({ name: 'naive', periodMs: 0 }));
  if (wanted.has('snaive-daily') && seasonal) models.push(seasonalNaiveModel({ name: 'snaive-daily', periodMs: DAY_MS }));
  if (wanted.has('snaive-weekly') && options.minHistoryMs >= 3 * WEEK_MS) models.push(seasonalNaiveModel({ name: 'snaive-weekly', periodMs: WEEK_MS }));
  if (wanted.has('hw-daily')) {
    models.push(seasonal
      ? holtWintersModel({ name: 'hw-daily', periodMs: DAY_MS, trainingWindowMs: 28 * DAY_MS })
      : holtWintersModel({ name: 'holt', periodMs: 0, trainingWindowMs: options.minHistoryMs }));
  }
  if (wanted.has('hw-weekly') && options.minHistoryMs >= 4 * WEEK_MS) {
    models.push(holtWintersModel({ name: 'hw-weekly', periodMs: WEEK_MS, trainingWindowMs: 4 * WEEK_MS }));
  }
  if (wanted.has('arima')) {
    models.push(arimaModel({
      name: 'arima', seasonalPeriodMs: seasonal ? DAY_MS : 0, trainingPoints: options.arimaTrainingPoints ?? 1000,
      ...(options.captureOutput ? { captureOutput: options.captureOutput } : {}),
    }));
  }
  return models;
}
