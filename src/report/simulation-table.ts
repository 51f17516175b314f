/** The strategy scoring table for terminals, best value per column marked. */
import type { SimulationResult } from '../simulator/result.ts';
import { paint } from './ansi.ts';
import { bestByColumn, scoreColumns } from './score-columns.ts';
import { renderTextTable, type TextColumn } from './text-table.ts';

export interface SimulationTableOptions {
  readonly color: boolean;
}

/** Marker for best values when there is no color to show them with. */
export const BEST_MARK = '★';

export function renderSimulationTable(result: SimulationResult, options: SimulationTableOptions): string {
  const best = bestByColumn(result.scores);
  const columns: TextColumn[] = [
    { header: ['strategy'], align: 'left' },
    ...scoreColumns.map((column): TextColumn => ({
      header: [column.name, column.better === 'higher' ? `${column.unit} ↑`.trim() : column.unit],
      align: 'right',
    })),
  ];
  const rows = result.scores.map((score, rowIndex) => [
    score.strategy,
    ...scoreColumns.map((column) => {
      const text = column.format(score);
      if (!best.get(column.key)?.has(rowIndex)) return options.color ? text : `${text} `;
      return options.color ? paint(text, ['bold', 'green'], true) : `${text}${BEST_MARK}`;
    }),
  ]);
  const title = `${result.scenario.name}${result.scenario.synthetic ? ' [SYNTHETIC traffic]' : ''}`;
  const legendRest = ' = best per column; ↑ = higher is better, otherwise lower is better';
  const legend = options.color
    ? `${paint('bold green', ['bold', 'green'], true)}${paint(legendRest, 'dim', true)}`
    : `${BEST_MARK}${legendRest}`;
  return [
    paint(title, 'bold', options.color),
    paint(`traffic: ${result.scenario.trafficSource}`, 'dim', options.color),
    '',
    renderTextTable(columns, rows, { color: options.color }),
    '',
    legend,
  ].join('\n');
}
