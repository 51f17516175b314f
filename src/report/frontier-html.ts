/**
 * The frontier report (`simulate --sweep --report`, the `frontier` benchmark): per scenario, a chart
 * of unserved requests (asinh: logarithmic above 1, 0 still shown) against online core-hours, one
 * curve per strategy (the HPA over its CPU targets, chuanliu over its risk knob), the single-setting
 * yardsticks as points and chuanliu's default marked; under it the verdict and every point.
 */
import type { FrontierVerdict, ScenarioFrontier } from '../simulator/frontier/frontier.ts';
import { formatCompact, formatPercent } from './format.ts';
import { paletteColor, type XyChartSpec, type XySeriesSpec } from './html/chart-spec.ts';
import { escapeHtml } from './html/escape.ts';
import { chartSlot, renderHtmlPage } from './html/page.ts';

type FrontierScenarioReport = Pick<ScenarioFrontier, 'points' | 'verdict'> & { readonly scenario: Omit<ScenarioFrontier['scenario'], 'path'> };

const STRATEGY_ORDER = ['hpa', 'chuanliu', 'static-peak', 'keda-cron', 'oracle'] as const;

/** One xy chart of a scenario's points. */
export function frontierChart(report: FrontierScenarioReport, id: string): XyChartSpec {
  const series: XySeriesSpec[] = [];
  STRATEGY_ORDER.forEach((strategy, index) => {
    const points = report.points.filter((point) => point.strategy === strategy && (strategy !== 'chuanliu' || !point.isDefault));
    if (points.length === 0) return;
    series.push({
      label: strategy === 'hpa' ? 'hpa (CPU 20–80 %)' : strategy === 'chuanliu' ? 'chuanliu (risk knob swept)' : strategy,
      color: paletteColor(index),
      line: points.length > 1,
      points: points.map((point) => ({ x: point.onlineCoreHours, y: point.unservedRequests, label: point.label })),
    });
  });
  const chosen = report.verdict.chuanliu;
  series.push({
    label: 'chuanliu at its defaults', color: '#b3261e', line: false, pointSize: 14,
    points: [{ x: chosen.onlineCoreHours, y: chosen.unservedRequests, label: chosen.label }],
  });
  return {
    id, title: `${report.scenario.name} — unserved requests against online core-hours (lower left is better)`,
    xLabel: 'online core-hours', yLabel: 'unserved requests (log above 1)', yScale: 'asinh', series,
  };
}

export function describeVerdict(verdict: FrontierVerdict): string {
  const { chuanliu } = verdict;
  const parts = [
    `chuanliu at its defaults: ${formatCompact(chuanliu.unservedRequests)} unserved (${formatPercent(verdict.unservedPercent)}) for ${formatCompact(chuanliu.onlineCoreHours)} online core-h`,
    verdict.cheapestAsGood === undefined
      ? 'no yardstick serves as well'
      : `cheapest yardstick serving at least as well: ${verdict.cheapestAsGood.label} (${formatCompact(verdict.cheapestAsGood.unservedRequests)} / ${formatCompact(verdict.cheapestAsGood.onlineCoreHours)} core-h), iso-service ratio ${(verdict.isoServiceRatio as number).toFixed(2)}`,
    verdict.dominatedBy.length === 0 ? 'dominated by no yardstick' : `dominated by ${verdict.dominatedBy.map((point) => point.label).join(', ')}`,
  ];
  if (verdict.coreHoursVsOracle !== undefined) parts.push(`${verdict.coreHoursVsOracle.toFixed(2)}× the oracle's core-hours`);
  return parts.join('; ');
}

export function renderFrontierHtml(reports: readonly FrontierScenarioReport[], options: { readonly title?: string; readonly metaHtml?: readonly string[] } = {}): string {
  const charts: XyChartSpec[] = [];
  const sections: string[] = [];
  reports.forEach((report, index) => {
    const chart = frontierChart(report, `frontier-${index}`);
    charts.push(chart);
    sections.push(
      `<h2>${escapeHtml(report.scenario.name)}${report.scenario.synthetic ? ' <span class="badge">SYNTHETIC</span>' : ''}</h2>`,
      `<p class="note">${escapeHtml(report.scenario.description)}</p>`,
      `<p class="meta">${escapeHtml(describeVerdict(report.verdict))}.</p>`,
      `<div class="grid">${chartSlot(chart)}</div>`,
      pointsTable(report),
    );
  });
  return renderHtmlPage({
    title: options.title ?? 'chuanliu cost/service frontiers',
    synthetic: reports.some((report) => report.scenario.synthetic),
    metaHtml: options.metaHtml ?? [
      'Each point is one run of the scenario with one setting: the HPA at CPU targets 20–80 %, static-peak, keda-cron and the oracle at the scenario\'s settings, chuanliu at its defaults and over its risk knob <code>forecast.quantile</code>. The oracle is a bound (it reads the future), not a yardstick.',
    ],
    bodyHtml: sections.join('\n'),
    data: { timeZone: 'UTC', events: [], charts: [], xyCharts: charts },
  });
}

function pointsTable(report: FrontierScenarioReport): string {
  const rows = report.points.map((point) => `<tr><td class="text">${escapeHtml(point.label)}${point.strategy === 'chuanliu' && point.isDefault ? ' ◆' : ''}</td>`
    + `<td>${formatCompact(point.unservedRequests)}</td><td>${formatPercent(point.demandRequests > 0 ? (point.unservedRequests / point.demandRequests) * 100 : 0)}</td>`
    + `<td>${formatCompact(point.onlineCoreHours)}</td></tr>`);
  return `<table class="data"><thead><tr><th class="text">point</th><th>unserved<span class="unit">requests</span></th><th>unserved<span class="unit">%</span></th><th>online<span class="unit">core-h</span></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
