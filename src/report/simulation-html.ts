/**
 * The simulation report: one self-contained HTML file comparing strategies on replayed traffic —
 * scores, demand vs Ready capacity, unserved demand and CPU over time, calendar events shaded.
 */
import type { SimulationResult, StrategyTimeline } from '../simulator/result.ts';
import { downsampleBy, downsampleFactor, type Aggregate } from './downsample.ts';
import { formatDurationMs, formatLocalDateTime } from './format.ts';
import { encodeValues, paletteColor, withAlpha, type ChartSeriesSpec, type ChartSpec } from './html/chart-spec.ts';
import { escapeHtml } from './html/escape.ts';
import { eventBands, renderEventsTableHtml, reportTimeZone } from './html/events.ts';
import { chartSlot, renderHtmlPage } from './html/page.ts';
import { renderScoreTableHtml } from './html/score-table.ts';

export interface SimulationHtmlOptions {
  /** IANA zone of the time axes. @defaultValue the first calendar event's zone, else UTC */
  readonly timeZone?: string;
  /** Most points per series; longer timelines are bucketed. @defaultValue 5000 */
  readonly maxPoints?: number;
  /** Most online workloads drawn one by one (most unserved first); all are in the totals. @defaultValue 12 */
  readonly maxWorkloadCharts?: number;
}

const demandColor = '#5b6475';

export function renderSimulationHtml(result: SimulationResult, options: SimulationHtmlOptions = {}): string {
  const timeZone = options.timeZone ?? reportTimeZone(result.events);
  const timelines = result.timelines;
  const first = checkAligned(timelines);
  const strategyColor = colorsByStrategy(result);
  const charts: ChartSpec[] = [];
  const sections: string[] = [];
  const { scenario } = result;

  sections.push('<h2>Scores</h2>', renderScoreTableHtml(result.scores, strategyColor));

  if (first) {
    const length = first.offlineCpuMillicores.length;
    const factor = downsampleFactor(length, options.maxPoints ?? 5000);
    const axis = { startSec: first.startMs / 1000, stepSec: (first.stepMs * factor) / 1000, count: Math.ceil(length / factor) };
    const series = (values: ArrayLike<number>, aggregate: Aggregate): (number | null)[] => encodeValues(downsampleBy(values, factor, aggregate));
    const workloads = orderWorkloads(timelines);
    const perWorkloadCharts = (title: string, id: string, pick: (timeline: StrategyTimeline) => WorkloadSeries): string => {
      const demand = pick(first).demandRps;
      const capacity: ChartSpec = {
        id: `${id}-capacity`, title: `${title} — demand vs Ready capacity`, yLabel: 'requests/s', ...axis,
        series: [
          { label: 'demand', color: demandColor, fill: withAlpha(demandColor, 0.16), width: 1, values: series(demand, 'max') },
          ...timelines.map((timeline): ChartSeriesSpec => ({
            label: timeline.strategy, color: strategyColor(timeline.strategy), stepped: true, values: series(pick(timeline).readyCapacityRps, 'min'),
          })),
        ],
      };
      const unserved: ChartSpec = {
        id: `${id}-unserved`, title: `${title} — unserved demand`, yLabel: 'requests/s', ...axis,
        series: timelines.map((timeline): ChartSeriesSpec => ({
          label: timeline.strategy, color: strategyColor(timeline.strategy), fill: withAlpha(strategyColor(timeline.strategy), 0.08),
          values: series(pick(timeline).unservedRps, 'max'),
        })),
      };
      charts.push(capacity, unserved);
      return `<div class="grid">${chartSlot(capacity)}${chartSlot(unserved)}</div>`;
    };

    if (workloads.length > 1) {
      sections.push('<h2>All online workloads</h2>', perWorkloadCharts('all online workloads', 'total', (timeline) => totalOf(timeline)));
    }
    const shown = workloads.slice(0, options.maxWorkloadCharts ?? 12);
    shown.forEach((workload, index) => {
      sections.push(`<h2>${escapeHtml(workload)}</h2>`, perWorkloadCharts(workload, `w${index}`, (timeline) => workloadOf(timeline, workload)));
    });
    if (shown.length < workloads.length) {
      sections.push(`<p class="note">Showing ${shown.length} of ${workloads.length} online workloads one by one (most unserved demand first, then highest peak); the totals above include all of them.</p>`);
    }

    const cpuChart = (id: string, title: string, pick: (timeline: StrategyTimeline) => Float64Array): ChartSpec => ({
      id, title, yLabel: 'cores', ...axis,
      series: timelines.map((timeline): ChartSeriesSpec => ({
        label: timeline.strategy, color: strategyColor(timeline.strategy), stepped: true,
        values: series(pick(timeline).map((millicores) => millicores / 1000), 'mean'),
      })),
    });
    const online = cpuChart('cpu-online', 'Online CPU held (requests of scheduled, starting and Ready replicas)', (t) => t.onlineCpuMillicores);
    const offline = cpuChart('cpu-offline', 'Offline CPU allocated', (t) => t.offlineCpuMillicores);
    charts.push(online, offline);
    sections.push('<h2>CPU: online vs offline</h2>', `<div class="grid">${chartSlot(online)}${chartSlot(offline)}</div>`);
    if (factor > 1) {
      sections.push(`<p class="note">Timelines of ${length} points of ${formatDurationMs(first.stepMs)} are drawn in buckets of ${formatDurationMs(first.stepMs * factor)}: demand and unserved show each bucket's maximum, Ready capacity its minimum, CPU its mean.</p>`);
    }
  } else {
    sections.push('<p class="note">This result has no timelines to draw.</p>');
  }

  sections.push('<h2>Calendar events</h2>', renderEventsTableHtml(result.events, timeZone));

  return renderHtmlPage({
    title: `Simulation: ${scenario.name}`,
    synthetic: scenario.synthetic,
    metaHtml: [
      ...(scenario.description ? [escapeHtml(scenario.description)] : []),
      `Traffic: ${escapeHtml(scenario.trafficSource)}`,
      `Period: ${escapeHtml(formatLocalDateTime(scenario.startMs, timeZone))} → ${escapeHtml(formatLocalDateTime(scenario.endMs, timeZone))}`
        + ` (${escapeHtml(formatDurationMs(scenario.endMs - scenario.startMs))}), tick ${escapeHtml(formatDurationMs(scenario.tickMs))}, seed <code>${scenario.seed}</code>`,
    ],
    bodyHtml: sections.join('\n'),
    data: { timeZone, events: eventBands(result.events), charts },
  });
}

interface WorkloadSeries {
  readonly demandRps: ArrayLike<number>;
  readonly readyCapacityRps: ArrayLike<number>;
  readonly unservedRps: ArrayLike<number>;
}

/** All strategies' timelines must share one time axis; a mismatch is an engine bug, not a drawing choice. */
function checkAligned(timelines: readonly StrategyTimeline[]): StrategyTimeline | undefined {
  const first = timelines[0];
  for (const timeline of timelines) {
    if (!first) break;
    const lengths = [timeline.offlineCpuMillicores, timeline.onlineCpuMillicores, timeline.clusterCpuMillicores,
      ...Object.values(timeline.online).flatMap((w) => [w.demandRps, w.readyCapacityRps, w.unservedRps])].map((a) => a.length);
    if (timeline.startMs !== first.startMs || timeline.stepMs !== first.stepMs || lengths.some((n) => n !== first.offlineCpuMillicores.length)) {
      throw new Error(`simulation timelines are not aligned: strategy ${timeline.strategy} starts at ${timeline.startMs} with step ${timeline.stepMs} ms`
        + ` and lengths ${[...new Set(lengths)].join('/')}, strategy ${first.strategy} at ${first.startMs} with step ${first.stepMs} ms and length ${first.offlineCpuMillicores.length}`);
    }
  }
  return first;
}

function colorsByStrategy(result: SimulationResult): (strategy: string) => string {
  const names = [...new Set([...result.scores.map((s) => s.strategy), ...result.timelines.map((t) => t.strategy)])];
  return (strategy) => paletteColor(Math.max(0, names.indexOf(strategy)));
}

const emptySeries: WorkloadSeries = { demandRps: [], readyCapacityRps: [], unservedRps: [] };

function workloadOf(timeline: StrategyTimeline, workload: string): WorkloadSeries {
  return timeline.online[workload] ?? emptySeries;
}

function totalOf(timeline: StrategyTimeline): WorkloadSeries {
  const length = timeline.offlineCpuMillicores.length;
  const demandRps = new Float64Array(length);
  const readyCapacityRps = new Float64Array(length);
  const unservedRps = new Float64Array(length);
  for (const workload of Object.values(timeline.online)) {
    for (let i = 0; i < length; i += 1) {
      demandRps[i] = (demandRps[i] as number) + (workload.demandRps[i] as number);
      readyCapacityRps[i] = (readyCapacityRps[i] as number) + (workload.readyCapacityRps[i] as number);
      unservedRps[i] = (unservedRps[i] as number) + (workload.unservedRps[i] as number);
    }
  }
  return { demandRps, readyCapacityRps, unservedRps };
}

/** Workloads that went short under any strategy first, then the busiest. */
function orderWorkloads(timelines: readonly StrategyTimeline[]): string[] {
  const names = [...new Set(timelines.flatMap((timeline) => Object.keys(timeline.online)))];
  const unserved = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const name of names) {
    let total = 0;
    let max = 0;
    for (const timeline of timelines) {
      const workload = timeline.online[name];
      if (!workload) continue;
      for (const value of workload.unservedRps) if (Number.isFinite(value)) total += value;
      for (const value of workload.demandRps) if (Number.isFinite(value) && value > max) max = value;
    }
    unserved.set(name, total);
    peak.set(name, max);
  }
  return names.sort((a, b) => (unserved.get(b) as number) - (unserved.get(a) as number)
    || (peak.get(b) as number) - (peak.get(a) as number) || a.localeCompare(b));
}
