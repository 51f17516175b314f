/**
 * A capacity plan as a self-contained HTML page: replicas per workload over the slots with the steps
 * as markers (hover for the message), online vs offline CPU stacked, nodes per pool, and per online
 * workload the forecast band against the planned capacity.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import type { Forecast } from '../domain/forecast.ts';
import type { CapacityPlan, PlanStep } from '../domain/plan.ts';
import type { Inventory } from '../domain/workload.ts';
import { downsampleBy, downsampleFactor } from './downsample.ts';
import { formatCompact, formatDurationMs, formatLocalDateTime, formatLocalTime } from './format.ts';
import { quantileLabel } from './forecast-summary.ts';
import { encodeValues, paletteColor, withAlpha, type ChartMarkerSpec, type ChartSeriesSpec, type ChartSpec } from './html/chart-spec.ts';
import { escapeHtml } from './html/escape.ts';
import { eventBands, renderEventsTableHtml, reportTimeZone } from './html/events.ts';
import { chartSlot, renderHtmlPage } from './html/page.ts';

export interface PlanHtmlOptions {
  /** Forecasts the plan was made from; each online workload's band is drawn against its planned capacity. */
  readonly forecasts?: readonly Forecast[];
  /** Gives CPU per replica (for the online/offline CPU chart) and requests/s per replica (for capacity). */
  readonly inventory?: Inventory;
  readonly events?: readonly EventOccurrence[];
  /** IANA zone of the time axes. @defaultValue the first event's zone, else UTC */
  readonly timeZone?: string;
  readonly synthetic?: boolean;
  /** Most workloads drawn on the replicas chart (largest change first). @defaultValue 12 */
  readonly maxWorkloadSeries?: number;
  /** Most forecast-vs-capacity charts. @defaultValue 12 */
  readonly maxForecastCharts?: number;
  /** Most steps in the table. @defaultValue 500 */
  readonly maxStepRows?: number;
}

const releaseColor = '#D55E00';
const acquireColor = '#0072B2';

export function renderPlanHtml(plan: CapacityPlan, options: PlanHtmlOptions = {}): string {
  const events = options.events ?? [];
  const timeZone = options.timeZone ?? reportTimeZone(events);
  const factor = downsampleFactor(plan.slotCount, 5000);
  const axis = { startSec: plan.startMs / 1000, stepSec: (plan.slotMs * factor) / 1000, count: Math.ceil(plan.slotCount / factor) };
  const slotSeries = (values: ArrayLike<number>): (number | null)[] => encodeValues(downsampleBy(values, factor, 'max'));
  const charts: ChartSpec[] = [];
  const body: string[] = [];

  const workloads = Object.entries(plan.replicas)
    .map(([name, replicas]) => ({ name, replicas, change: Math.max(...replicas) - Math.min(...replicas) }))
    .sort((a, b) => b.change - a.change || a.name.localeCompare(b.name));
  const drawn = workloads.slice(0, options.maxWorkloadSeries ?? 12);
  const drawnNames = new Set(drawn.map((workload) => workload.name));
  const replicasChart: ChartSpec = {
    id: 'replicas', title: 'Target replicas per workload (▼ = a step; hover it for the reason)', yLabel: 'replicas', ...axis, height: 280,
    series: drawn.map((workload, index): ChartSeriesSpec => ({ label: workload.name, color: paletteColor(index), stepped: true, values: slotSeries(workload.replicas) })),
    markers: stepMarkers(plan.steps.filter((step) => drawnNames.has(step.workload)), timeZone),
  };
  charts.push(replicasChart);
  body.push('<h2>Replicas</h2>', `<div class="grid">${chartSlot(replicasChart)}</div>`);
  if (drawn.length < workloads.length) {
    body.push(`<p class="note">Drawing ${drawn.length} of ${workloads.length} workloads (largest change first); the steps table lists all.</p>`);
  }

  const cpu = options.inventory ? cpuChart(plan, options.inventory, axis, factor) : undefined;
  const nodes = nodesChart(plan, axis, slotSeries);
  const side = [cpu, nodes].filter((chart): chart is ChartSpec => chart !== undefined);
  charts.push(...side);
  if (side.length > 0) body.push('<h2>Resources</h2>', `<div class="grid">${side.map(chartSlot).join('')}</div>`);
  if (!cpu) body.push('<p class="note">Pass the inventory to see online vs offline CPU (the plan holds replicas, not CPU per replica).</p>');

  const forecastCharts = (options.forecasts ?? [])
    .filter((forecast) => plan.replicas[forecast.workload] !== undefined)
    .slice(0, options.maxForecastCharts ?? 12)
    .map((forecast, index) => forecastVsCapacity(plan, forecast, options.inventory, `forecast-${index}`));
  if (forecastCharts.length > 0) {
    charts.push(...forecastCharts);
    body.push('<h2>Forecast vs planned capacity</h2>', `<div class="grid">${forecastCharts.map(chartSlot).join('')}</div>`);
  }

  body.push(`<h2>Steps (${plan.steps.length})</h2>`, renderStepsTable(plan.steps, timeZone, options.maxStepRows ?? 500));
  if (plan.shortfalls.length > 0) body.push('<h2>Capacity shortfall</h2>', renderShortfalls(plan, timeZone));
  if (events.length > 0) body.push('<h2>Calendar events</h2>', renderEventsTableHtml(events, timeZone));

  const endMs = plan.startMs + plan.slotCount * plan.slotMs;
  return renderHtmlPage({
    title: `Capacity plan ${plan.id}`,
    synthetic: options.synthetic === true,
    metaHtml: [
      `${escapeHtml(formatLocalDateTime(plan.startMs, timeZone))} → ${escapeHtml(formatLocalDateTime(endMs, timeZone))}: ${plan.slotCount} slots of ${escapeHtml(formatDurationMs(plan.slotMs))}, `
        + `${Object.keys(plan.replicas).length} workloads, ${plan.steps.length} steps, ${plan.shortfalls.length} shortfalls`,
      `Created ${escapeHtml(formatLocalDateTime(plan.createdAtMs, timeZone))}. Node pools: ${escapeHtml(describePools(plan))}`,
    ],
    bodyHtml: body.join('\n'),
    data: { timeZone, events: eventBands(events), charts },
  });
}

function describePools(plan: CapacityPlan): string {
  const pools = Object.entries(plan.nodes);
  if (pools.length === 0) return 'none in the plan';
  return pools.map(([name, nodes]) => {
    const min = Math.min(...nodes);
    const max = Math.max(...nodes);
    return min === max ? `${name} ${min} nodes throughout` : `${name} ${min}–${max} nodes`;
  }).join(', ');
}

function stepText(step: PlanStep, timeZone: string): string {
  return `${formatLocalTime(step.effectiveAtMs, { timeZone, withSeconds: true })} ${step.workload} ${step.fromReplicas} → ${step.toReplicas} (${step.reason})\n`
    + `ready by ${formatLocalTime(step.readyByMs, { timeZone, withSeconds: true })}\n${step.message}`;
}

function stepMarkers(steps: readonly PlanStep[], timeZone: string): ChartMarkerSpec[] {
  return steps.map((step) => ({
    timeSec: step.effectiveAtMs / 1000,
    color: step.direction === 'release' ? releaseColor : acquireColor,
    text: stepText(step, timeZone),
  }));
}

type Axis = Pick<ChartSpec, 'startSec' | 'stepSec' | 'count'>;

function cpuChart(plan: CapacityPlan, inventory: Inventory, axis: Axis, factor: number): ChartSpec {
  const online = new Float64Array(plan.slotCount);
  const offline = new Float64Array(plan.slotCount);
  const add = (target: Float64Array, replicas: Int32Array | undefined, cpuMillicores: number): void => {
    if (!replicas) return;
    for (let slot = 0; slot < plan.slotCount; slot += 1) target[slot] = (target[slot] as number) + ((replicas[slot] ?? 0) * cpuMillicores) / 1000;
  };
  for (const workload of inventory.online) add(online, plan.replicas[workload.name], workload.perReplica.cpuMillicores);
  for (const workload of inventory.offline) add(offline, plan.replicas[workload.name], workload.perReplica.cpuMillicores);
  const allocatable = new Float64Array(plan.slotCount);
  for (const pool of inventory.nodePools) add(allocatable, plan.nodes[pool.name], pool.perNode.cpuMillicores);
  const series: ChartSeriesSpec[] = [
    { label: 'online', color: acquireColor, fill: withAlpha(acquireColor, 0.35), stacked: true, stepped: true, values: encodeValues(downsampleBy(online, factor, 'mean')) },
    { label: 'offline', color: releaseColor, fill: withAlpha(releaseColor, 0.3), stacked: true, stepped: true, values: encodeValues(downsampleBy(offline, factor, 'mean')) },
  ];
  if (Object.keys(plan.nodes).length > 0) {
    series.push({ label: 'allocatable', color: '#1d2330', dash: [5, 4], stepped: true, values: encodeValues(downsampleBy(allocatable, factor, 'min')) });
  }
  return { id: 'cpu', title: 'CPU requested: online vs offline (stacked)', yLabel: 'cores', ...axis, series };
}

/** Only when some pool changes size; constant pools are stated in the page header instead. */
function nodesChart(plan: CapacityPlan, axis: Axis, slotSeries: (values: ArrayLike<number>) => (number | null)[]): ChartSpec | undefined {
  const pools = Object.entries(plan.nodes);
  if (pools.every(([, nodes]) => Math.min(...nodes) === Math.max(...nodes))) return undefined;
  return {
    id: 'nodes', title: 'Nodes per pool (dashed: placeholder pods pre-provisioning them)', yLabel: 'nodes', ...axis,
    series: pools.flatMap(([name, nodes], index): ChartSeriesSpec[] => {
      const placeholders = plan.placeholders?.[name];
      const line: ChartSeriesSpec = { label: name, color: paletteColor(index + 4), stepped: true, values: slotSeries(nodes) };
      return placeholders === undefined ? [line] : [line, { label: `${name} placeholders`, color: paletteColor(index + 4), stepped: true, dash: [4, 3], values: slotSeries(placeholders) }];
    }),
  };
}

/** The forecast's band on its own grid, with the planned capacity (or replicas) sampled at each bucket. */
function forecastVsCapacity(plan: CapacityPlan, forecast: Forecast, inventory: Inventory | undefined, id: string): ChartSpec {
  const bucketCount = forecast.bands[0]?.length ?? 0;
  const factor = downsampleFactor(bucketCount, 5000);
  const rpsPerReplica = inventory?.online.find((workload) => workload.name === forecast.workload)?.rpsPerReplica;
  const replicas = plan.replicas[forecast.workload] as Int32Array;
  const planned = new Float64Array(bucketCount);
  for (let i = 0; i < bucketCount; i += 1) {
    const slot = Math.floor((forecast.startMs + i * forecast.stepMs - plan.startMs) / plan.slotMs);
    const value = slot >= 0 && slot < plan.slotCount ? (replicas[slot] as number) : Number.NaN;
    planned[i] = rpsPerReplica === undefined ? value : value * rpsPerReplica;
  }
  const bandColor = '#5b6475';
  const series: ChartSeriesSpec[] = forecast.quantiles.map((quantile, k) => ({
    label: `forecast ${quantileLabel(quantile)}`, color: bandColor, width: 1, dash: k === 0 ? undefined : [4, 3],
    values: encodeValues(downsampleBy(forecast.bands[k] ?? [], factor, 'max')),
  }));
  series.push(rpsPerReplica === undefined
    ? { label: 'planned replicas', color: acquireColor, width: 2, stepped: true, axis: 'right', values: encodeValues(downsampleBy(planned, factor, 'min')) }
    : { label: `planned capacity (${formatCompact(rpsPerReplica)} rps/replica)`, color: acquireColor, width: 2, stepped: true, values: encodeValues(downsampleBy(planned, factor, 'min')) });
  return {
    id,
    title: `${forecast.workload} — forecast vs planned ${rpsPerReplica === undefined ? 'replicas' : 'capacity'}`,
    yLabel: forecast.unit,
    ...(rpsPerReplica === undefined ? { y2Label: 'replicas' } : {}),
    startSec: forecast.startMs / 1000, stepSec: (forecast.stepMs * factor) / 1000, count: Math.ceil(bucketCount / factor),
    series,
    bands: series.slice(1, forecast.quantiles.length).map((_, k) => ({ upper: k + 1, lower: k, fill: withAlpha(bandColor, 0.16) })),
  };
}

function renderStepsTable(steps: readonly PlanStep[], timeZone: string, maxRows: number): string {
  if (steps.length === 0) return '<p class="note">No steps: the cluster already matches the plan.</p>';
  const sorted = [...steps].sort((a, b) => a.effectiveAtMs - b.effectiveAtMs);
  const rows = sorted.slice(0, maxRows).map((step) => {
    const color = step.direction === 'release' ? releaseColor : acquireColor;
    return `<tr><td>${escapeHtml(formatLocalTime(step.effectiveAtMs, { timeZone, withSeconds: true }))}</td>`
      + `<td>${escapeHtml(formatLocalTime(step.readyByMs, { timeZone, withDate: false, withSeconds: true }))}</td>`
      + `<td class="text">${escapeHtml(step.workload)}</td><td><span style="color:${color}">${step.fromReplicas} → ${step.toReplicas}</span></td>`
      + `<td class="text">${escapeHtml(step.direction)}</td><td class="text">${escapeHtml(step.reason)}</td><td class="text wrap">${escapeHtml(step.message)}</td></tr>`;
  }).join('\n');
  const more = sorted.length > maxRows ? `<p class="note">… ${sorted.length - maxRows} more steps not listed.</p>` : '';
  return `<table class="data steps"><thead><tr><th>write at<span class="unit">${escapeHtml(timeZone)}</span></th><th>ready by</th><th class="text">workload</th><th>replicas</th><th class="text">direction</th><th class="text">reason</th><th class="text">message</th></tr></thead><tbody>${rows}</tbody></table>${more}`;
}

function renderShortfalls(plan: CapacityPlan, timeZone: string): string {
  const rows = plan.shortfalls.map((shortfall) =>
    `<tr><td>${escapeHtml(formatLocalTime(plan.startMs + shortfall.slotIndex * plan.slotMs, { timeZone }))}</td><td class="text">${escapeHtml(shortfall.workload)}</td>`
    + `<td>${shortfall.missingReplicas}</td><td class="text wrap">${escapeHtml(shortfall.message)}</td></tr>`).join('\n');
  return `<p class="note">Brownout order (degraded first): ${escapeHtml(plan.brownoutOrder.join(' → '))}</p>`
    + `<table class="data shortfalls"><thead><tr><th>slot</th><th class="text">workload</th><th>missing<span class="unit">replicas</span></th><th class="text">message</th></tr></thead><tbody>${rows}</tbody></table>`;
}
