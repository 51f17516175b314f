/** Rendering of everything people look at: simulations, forecasts and plans, for terminals and as HTML. */
export { renderSimulationHtml, type SimulationHtmlOptions } from './simulation-html.ts';
export { renderFrontierHtml, describeVerdict, frontierChart } from './frontier-html.ts';
export { renderSimulationTable, BEST_MARK, type SimulationTableOptions } from './simulation-table.ts';
export { renderForecastTerminal, type ForecastTerminalOptions } from './forecast-terminal.ts';
export { renderForecastHtml, type ForecastHtmlOptions } from './forecast-html.ts';
export { forecastPeak, quantileLabel, type ForecastPeak, type ComponentShare } from './forecast-summary.ts';
export { renderPlanTable, type PlanTableOptions } from './plan-terminal.ts';
export { renderPlanHtml, type PlanHtmlOptions } from './plan-html.ts';
export { scoreColumns, bestRowIndices, bestByColumn, type ScoreColumn, type BetterDirection } from './score-columns.ts';
export { shouldUseColor, paint, stripAnsi, type AnsiStyle } from './ansi.ts';
export {
  formatCompact, formatRps, formatPercent, formatHours, formatCores, formatLocalTime, formatLocalDateTime, formatDurationMs,
  type TimeFormatOptions,
} from './format.ts';
export { sparkline } from './sparkline.ts';
