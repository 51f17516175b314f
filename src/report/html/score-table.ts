/** The strategy scoring table as HTML, best value per column highlighted, units in the headers. */
import type { StrategyScore } from '../../simulator/result.ts';
import { bestByColumn, scoreColumns } from '../score-columns.ts';
import { escapeHtml } from './escape.ts';

export function renderScoreTableHtml(scores: readonly StrategyScore[], strategyColor: (strategy: string) => string): string {
  const best = bestByColumn(scores);
  const header = scoreColumns.map((column) => {
    const unit = column.better === 'higher' ? `${column.unit} ↑`.trim() : column.unit;
    return `<th title="${escapeHtml(column.description)}">${escapeHtml(column.name)}<span class="unit">${escapeHtml(unit) || '&nbsp;'}</span></th>`;
  }).join('');
  const rows = scores.map((score, rowIndex) => {
    const cells = scoreColumns.map((column) => {
      const isBest = best.get(column.key)?.has(rowIndex) === true;
      const title = column.key === 'timeToReadyP95' && score.timeToReadyMs.count > 0
        ? `mean ${(score.timeToReadyMs.mean / 1000).toFixed(1)} s, p95 ${(score.timeToReadyMs.p95 / 1000).toFixed(1)} s, max ${(score.timeToReadyMs.max / 1000).toFixed(1)} s over ${score.timeToReadyMs.count} scale-ups`
        : column.description;
      return `<td${isBest ? ' class="best"' : ''} title="${escapeHtml(title)}">${escapeHtml(column.format(score))}${isBest ? ' ★' : ''}</td>`;
    }).join('');
    const swatch = `<span class="swatch" style="background:${strategyColor(score.strategy)}"></span>`;
    return `<tr data-strategy="${escapeHtml(score.strategy)}"><td class="text">${swatch}${escapeHtml(score.strategy)}</td>${cells}</tr>`;
  }).join('\n');
  return [
    '<table class="data scores">',
    `<thead><tr><th class="text">strategy<span class="unit">&nbsp;</span></th>${header}</tr></thead>`,
    `<tbody>${rows}</tbody>`,
    '</table>',
    '<p class="note">★ best value per column (ties all marked; nothing marked when every strategy is equal). ↑ higher is better; every other column: lower is better. Hover a header for its definition.</p>',
  ].join('\n');
}
