/**
 * A forecast as a self-contained HTML page: the quantile band with the observed history, the
 * additive components stacked (why a bucket is high), and the peak table.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import type { ComponentKind, Forecast } from '../domain/forecast.ts';
import type { RegularSeries } from '../domain/series.ts';
import { downsampleBy, downsampleFactor } from './downsample.ts';
import { formatCompact, formatDurationMs, formatLocalDateTime, formatLocalTime, formatPercent } from './format.ts';
import { forecastPeak, quantileLabel } from './forecast-summary.ts';
import { encodeValues, paletteColor, withAlpha, type ChartSeriesSpec, type ChartSpec } from './html/chart-spec.ts';
import { escapeHtml } from './html/escape.ts';
import { eventBands, renderEventsTableHtml, reportTimeZone } from './html/events.ts';
import { chartSlot, renderHtmlPage } from './html/page.ts';

export interface ForecastHtmlOptions {
  /** IANA zone of the time axes. @defaultValue the first event's zone, else UTC */
  readonly timeZone?: string;
  /** Calendar occurrences to shade on the charts. */
  readonly events?: readonly EventOccurrence[];
  /** Shows the SYNTHETIC badge (the calendar or history is invented). */
  readonly synthetic?: boolean;
  /** How much history before the forecast start to show. @defaultValue half the horizon */
  readonly historyTailMs?: number;
  /** Most points per series. @defaultValue 5000 */
  readonly maxPoints?: number;
}

const componentColors: Record<ComponentKind, string> = {
  baseline: '#7F8796', 'offline-retail': '#009E73', promotion: '#E69F00', livestream: '#CC79A7', 'pulse-reserve': '#D55E00',
};
const bandColor = '#0072B2';

export function renderForecastHtml(forecast: Forecast, history?: RegularSeries, options: ForecastHtmlOptions = {}): string {
  const events = options.events ?? [];
  const timeZone = options.timeZone ?? reportTimeZone(events);
  const bucketCount = forecast.bands[0]?.length ?? 0;
  const tailMs = options.historyTailMs ?? (bucketCount * forecast.stepMs) / 2;
  // The chart grid is the forecast's, extended back over the history tail in whole buckets.
  const tailBuckets = history && history.startMs < forecast.startMs
    ? Math.ceil((forecast.startMs - Math.max(history.startMs, forecast.startMs - tailMs)) / forecast.stepMs)
    : 0;
  const gridStartMs = forecast.startMs - tailBuckets * forecast.stepMs;
  const gridLength = tailBuckets + bucketCount;
  const factor = downsampleFactor(gridLength, options.maxPoints ?? 5000);
  const axis = { startSec: gridStartMs / 1000, stepSec: (forecast.stepMs * factor) / 1000, count: Math.ceil(gridLength / factor) };
  const onGrid = (values: ArrayLike<number>): Float64Array => {
    const grid = new Float64Array(gridLength).fill(Number.NaN);
    grid.set(Float64Array.from(values), tailBuckets);
    return grid;
  };
  const encode = (values: ArrayLike<number>, aggregate: 'max' | 'mean'): (number | null)[] => encodeValues(downsampleBy(values, factor, aggregate));

  const bandSeries: ChartSeriesSpec[] = forecast.quantiles.map((quantile, k) => ({
    label: quantileLabel(quantile),
    color: bandColor,
    width: k === 0 ? 2 : 1,
    dash: k === 0 ? undefined : [4, 3],
    values: encode(onGrid(forecast.bands[k] ?? []), 'max'),
  }));
  const series: ChartSeriesSpec[] = [...bandSeries];
  if (history) {
    series.push({ label: 'actual', color: '#1d2330', width: 1.25, spanGaps: true, values: encode(historyOnGrid(history, gridStartMs, forecast.stepMs, gridLength), 'max') });
  }
  const band: ChartSpec = {
    id: 'band', title: `${forecast.workload} — forecast band${history ? ' and actual demand' : ''}`, yLabel: forecast.unit, ...axis, height: 300,
    series,
    bands: bandSeries.slice(1).map((_, k) => ({ upper: k + 1, lower: k, fill: withAlpha(bandColor, 0.2 - 0.07 * Math.min(k, 2)) })),
    markers: tailBuckets > 0 ? [{ timeSec: forecast.startMs / 1000, color: '#1d2330', text: `forecast issued ${formatLocalTime(forecast.issuedAtMs, { timeZone })}, starts ${formatLocalTime(forecast.startMs, { timeZone })}` }] : [],
  };
  const components: ChartSpec = {
    id: 'components', title: `${forecast.workload} — components of the median (stacked)`, yLabel: forecast.unit, ...axis, height: 260,
    series: forecast.components.map((component, index): ChartSeriesSpec => {
      const color = forecast.components.findIndex((other) => other.kind === component.kind) === index
        ? componentColors[component.kind] : paletteColor(index);
      return { label: component.name, color, fill: withAlpha(color, 0.35), stacked: true, values: encode(onGrid(component.values), 'mean') };
    }),
  };

  const body = [
    '<h2>Peak</h2>',
    renderPeakHtml(forecast, timeZone),
    '<h2>Forecast</h2>',
    `<div class="grid">${chartSlot(band)}</div>`,
    `<div class="grid">${chartSlot(components)}</div>`,
    factor > 1 ? `<p class="note">Drawn in buckets of ${formatDurationMs(forecast.stepMs * factor)}: quantiles and actual show each bucket's maximum, components their mean.</p>` : '',
    ...(events.length > 0 ? ['<h2>Calendar events</h2>', renderEventsTableHtml(events, timeZone)] : []),
  ];
  return renderHtmlPage({
    title: `Forecast: ${forecast.workload}`,
    synthetic: options.synthetic === true,
    metaHtml: [
      `Model <code>${escapeHtml(forecast.model)}</code>, issued ${escapeHtml(formatLocalDateTime(forecast.issuedAtMs, timeZone))}`,
      `Horizon ${escapeHtml(formatLocalDateTime(forecast.startMs, timeZone))} → ${escapeHtml(formatLocalDateTime(forecast.startMs + bucketCount * forecast.stepMs, timeZone))}`
        + ` in ${bucketCount} buckets of ${escapeHtml(formatDurationMs(forecast.stepMs))}; quantiles ${escapeHtml(forecast.quantiles.map(quantileLabel).join(', '))}; unit ${escapeHtml(forecast.unit)}`,
    ],
    bodyHtml: body.join('\n'),
    data: { timeZone, events: eventBands(events), charts: [band, components] },
  });
}

/** History averaged onto the chart grid; buckets without observations stay NaN (gaps). */
function historyOnGrid(history: RegularSeries, gridStartMs: number, gridStepMs: number, gridLength: number): Float64Array {
  const sums = new Float64Array(gridLength);
  const counts = new Uint32Array(gridLength);
  for (let i = 0; i < history.values.length; i += 1) {
    const value = history.values[i] as number;
    if (!Number.isFinite(value)) continue;
    const bucket = Math.floor((history.startMs + i * history.stepMs - gridStartMs) / gridStepMs);
    if (bucket < 0 || bucket >= gridLength) continue;
    sums[bucket] = (sums[bucket] as number) + value;
    counts[bucket] = (counts[bucket] as number) + 1;
  }
  return sums.map((sum, bucket) => ((counts[bucket] as number) > 0 ? sum / (counts[bucket] as number) : Number.NaN));
}

function renderPeakHtml(forecast: Forecast, timeZone: string): string {
  const peak = forecastPeak(forecast);
  if (!peak) return '<p class="note">The forecast has no finite values.</p>';
  const quantileCells = peak.quantileValues.map(({ quantile }) => `<th>${escapeHtml(quantileLabel(quantile))}<span class="unit">${escapeHtml(forecast.unit)}</span></th>`).join('');
  const quantileValues = peak.quantileValues.map(({ value }) => `<td>${escapeHtml(formatCompact(value))}</td>`).join('');
  const componentRows = [...peak.components].sort((a, b) => b.value - a.value).map((component) =>
    `<tr><td class="text">${escapeHtml(component.name)}</td><td class="text">${escapeHtml(component.kind)}</td><td>${escapeHtml(formatCompact(component.value))}</td><td>${escapeHtml(formatPercent(component.sharePercent))}</td></tr>`).join('');
  return [
    `<table class="data peak"><thead><tr><th class="text">peak bucket<span class="unit">${escapeHtml(timeZone)}</span></th>${quantileCells}</tr></thead>`,
    `<tbody><tr><td class="text">${escapeHtml(formatLocalTime(peak.startMs, { timeZone }))}</td>${quantileValues}</tr></tbody></table>`,
    '<p class="note">The peak is the bucket where the highest quantile is largest. Components add up to the median (p50).</p>',
    `<table class="data components"><thead><tr><th class="text">component at the peak</th><th class="text">kind</th><th>value<span class="unit">${escapeHtml(forecast.unit)}</span></th><th>share<span class="unit">of p50</span></th></tr></thead><tbody>${componentRows}</tbody></table>`,
  ].join('\n');
}
