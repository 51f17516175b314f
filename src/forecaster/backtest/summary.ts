/**
 * What a backtest says in a few numbers: per horizon, chuanliu against the best baseline (lowest
 * MASE), how its bands cover, and how wide they are next to each baseline's. Shared by
 * `chuanliu backtest` and `npm run bench`, so the CLI and BENCHMARKS.md say the same thing.
 */
import { formatDurationMs } from '../../domain/units.ts';
import type { BacktestResult, ModelScore } from './rolling-origin.ts';

export const CHUANLIU = 'chuanliu';

export interface HorizonSummary {
  readonly horizonBuckets: number;
  readonly horizonMs: number;
  readonly bestBaseline: string | undefined;
  /** chuanliu MASE / best baseline MASE (below 1: chuanliu is better). */
  readonly maseRatio: number;
  /** chuanliu's width of the top band / that of each baseline. */
  readonly topBandWidthRatio: Readonly<Record<string, number>>;
}

export function summarize(result: BacktestResult): HorizonSummary[] {
  const top = result.quantiles.length - 1;
  return result.horizons.map((horizon) => {
    const chuanliu = horizon.models.find((model) => model.model === CHUANLIU);
    const baselines = horizon.models.filter((model) => model.model !== CHUANLIU);
    const best = baselines.reduce<ModelScore | undefined>((winner, model) =>
      (winner === undefined || model.score.mase < winner.score.mase ? model : winner), undefined);
    const widthRatio: Record<string, number> = {};
    for (const baseline of baselines) {
      widthRatio[baseline.model] = (chuanliu?.score.relativeWidth[top] ?? Number.NaN) / (baseline.score.relativeWidth[top] ?? Number.NaN);
    }
    return {
      horizonBuckets: horizon.horizonBuckets,
      horizonMs: horizon.horizonMs,
      bestBaseline: best?.model,
      maseRatio: chuanliu && best ? chuanliu.score.mase / best.score.mase : Number.NaN,
      topBandWidthRatio: widthRatio,
    };
  });
}

export type TableStyle = 'markdown' | 'text';

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '–';
}

/**
 * One row per (horizon, model): MASE, ratio to the best baseline, sMAPE, mean scaled pinball,
 * coverage of each upper quantile, width of the top band (relative to the mean actual) and peak
 * timing/height errors.
 */
export function backtestTable(result: BacktestResult, style: TableStyle): string {
  const summaries = summarize(result);
  const upper = result.quantiles.map((quantile, k) => ({ quantile, k })).filter(({ quantile }) => quantile > 0.5);
  const top = result.quantiles.length - 1;
  const label = (quantile: number): string => `p${Number((quantile * 100).toPrecision(6))}`;
  const header = [
    'horizon', 'model', 'MASE', '÷ best baseline', 'sMAPE', 'pinball',
    ...upper.map(({ quantile }) => `≤${label(quantile)}`),
    `${label(result.quantiles[top] as number)} width`, 'peak time', 'peak height',
  ];
  const rows: string[][] = [];
  result.horizons.forEach((horizon, h) => {
    const summary = summaries[h] as HorizonSummary;
    const best = horizon.models.find((model) => model.model === summary.bestBaseline);
    for (const model of horizon.models) {
      const ratio = best ? model.score.mase / best.score.mase : Number.NaN;
      const name = model.model === summary.bestBaseline ? `${model.model} (best baseline)` : model.model;
      rows.push([
        `${formatDurationMs(horizon.horizonMs)} (${horizon.horizonBuckets})`,
        style === 'markdown' && model.model === CHUANLIU ? `**${name}**` : name,
        fixed(model.score.mase, 3),
        fixed(ratio, 2),
        `${fixed(model.score.smapePercent, 1)}%`,
        fixed(model.score.meanPinball, 3),
        ...upper.map(({ k }) => percent(model.score.coverage[k] as number)),
        percent(model.score.relativeWidth[top] as number),
        formatDurationMs(Math.round(model.score.peakTimingBuckets * result.stepMs)),
        percent(model.score.peakHeightError),
      ]);
    }
  });
  if (style === 'markdown') {
    return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  }
  const widths = header.map((cell, c) => Math.max(cell.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
