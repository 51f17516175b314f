/**
 * A forecast in the terminal: an asciichart of the quantile band (and the observed history tail
 * when given), a time axis in the chosen zone, and a short table of the peak and its components.
 */
import asciichart from 'asciichart';
import type { Forecast } from '../domain/forecast.ts';
import type { RegularSeries } from '../domain/series.ts';
import { padStart, paint, type AnsiStyle } from './ansi.ts';
import { formatCompact, formatLocalDateTime, formatLocalTime, formatPercent } from './format.ts';
import { forecastPeak, quantileLabel } from './forecast-summary.ts';
import { renderTextTable } from './text-table.ts';

export interface ForecastTerminalOptions {
  /** Total width in columns, axis labels included. */
  readonly width: number;
  /** Chart height in rows. */
  readonly height: number;
  readonly color: boolean;
  /** Observed demand; the part before the forecast start (and any overlap) is drawn over the band. */
  readonly history?: RegularSeries;
  /** How much history before the forecast start to show. @defaultValue half the forecast horizon */
  readonly historyTailMs?: number;
  /** IANA zone of the times shown. @defaultValue UTC */
  readonly timeZone?: string;
}

const labelWidth = 7;
/** asciichart puts " ┤" between the labels and the first data column. */
const axisGap = 2;
const bandStyles: readonly AnsiStyle[] = ['blue', 'yellow', 'red', 'magenta'];
const historyStyle: AnsiStyle = 'bold';
const ansiOpen: Record<string, string> = {
  blue: asciichart.blue, yellow: asciichart.yellow, red: asciichart.red, magenta: asciichart.magenta, bold: '\u001b[1m',
};

export function renderForecastTerminal(forecast: Forecast, options: ForecastTerminalOptions): string {
  const timeZone = options.timeZone ?? 'UTC';
  const bucketCount = forecast.bands[0]?.length ?? 0;
  const title = `${forecast.workload} — forecast (${forecast.unit}), model ${forecast.model}, issued ${formatLocalDateTime(forecast.issuedAtMs, timeZone)}`;
  if (bucketCount === 0) return `${paint(title, 'bold', options.color)}\n(empty forecast: no buckets)`;

  const forecastEndMs = forecast.startMs + bucketCount * forecast.stepMs;
  const tailMs = options.historyTailMs ?? (bucketCount * forecast.stepMs) / 2;
  const history = options.history;
  const rangeStartMs = history && history.startMs < forecast.startMs
    ? Math.max(history.startMs, forecast.startMs - tailMs)
    : forecast.startMs;
  const finestStepMs = Math.min(forecast.stepMs, history?.stepMs ?? forecast.stepMs);
  const plotColumns = Math.max(2, Math.min(
    options.width - labelWidth - axisGap - 1,
    Math.ceil((forecastEndMs - rangeStartMs) / finestStepMs),
  ));
  const columnMs = (forecastEndMs - rangeStartMs) / plotColumns;
  const columnOf = (timeMs: number): number => Math.floor((timeMs - rangeStartMs) / columnMs);

  const historyColumns = history ? columnMax(history.startMs, history.stepMs, history.values, plotColumns, columnOf) : undefined;
  const hasHistory = historyColumns !== undefined && historyColumns.some((value) => !Number.isNaN(value));
  const series = forecast.bands.map((band) => {
    const columns = columnMax(forecast.startMs, forecast.stepMs, band, plotColumns, columnOf);
    // Before the forecast starts the band has no value; reuse the history there: it is drawn
    // afterwards on exactly the same cells, so only the history shows in the tail.
    if (historyColumns) columns.forEach((value, i) => { if (Number.isNaN(value)) columns[i] = historyColumns[i] as number; });
    return fillGaps(columns);
  });
  const plotted: number[][] = [...series];
  if (hasHistory && historyColumns) plotted.push(fillGaps(trimTrailingNaN(historyColumns)));

  const allValues = plotted.flat();
  const chart = asciichart.plot(plotted, {
    height: Math.max(2, options.height - 1),
    min: Math.min(0, ...allValues),
    max: Math.max(...allValues),
    format: (value: number) => padStart(formatCompact(value), labelWidth),
    colors: options.color
      ? [...forecast.quantiles.map((_, k) => ansiOpen[bandStyles[k % bandStyles.length] as string]), ...(hasHistory ? [ansiOpen[historyStyle]] : [])]
      : [],
  });

  const legendItems = [
    ...forecast.quantiles.map((quantile, k) => paint(`── ${quantileLabel(quantile)}`, bandStyles[k % bandStyles.length] as AnsiStyle, options.color)),
    ...(hasHistory ? [paint('── actual', historyStyle, options.color)] : []),
  ];
  const forecastStartsInside = rangeStartMs < forecast.startMs;
  const legend = [
    ...legendItems,
    `time: ${timeZone}${forecastStartsInside ? '  ▲ forecast start' : ''}`,
    ...(options.color ? [] : [`(lines: ${forecast.quantiles.map(quantileLabel).join(' < ')}${hasHistory ? '; actual drawn over them' : ''})`]),
  ].join('  ');

  return [
    paint(title, 'bold', options.color),
    chart,
    ...timeAxis({ rangeStartMs, columnMs, plotColumns, forecastStartMs: forecast.startMs, timeZone, color: options.color }),
    legend,
    '',
    renderPeakTable(forecast, timeZone, options.color),
  ].join('\n');
}

/** Max of the finite values falling in each column; NaN where a column got none. */
function columnMax(startMs: number, stepMs: number, values: ArrayLike<number>, columns: number, columnOf: (timeMs: number) => number): number[] {
  const out = new Array<number>(columns).fill(Number.NaN);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    const column = columnOf(startMs + i * stepMs);
    if (column < 0 || column >= columns) continue;
    const current = out[column] as number;
    out[column] = Number.isNaN(current) ? value : Math.max(current, value);
  }
  return out;
}

function trimTrailingNaN(values: number[]): number[] {
  let end = values.length;
  while (end > 0 && Number.isNaN(values[end - 1])) end -= 1;
  return values.slice(0, end);
}

/** asciichart cannot draw gaps: carry the previous value forward (and the first one back). */
function fillGaps(values: readonly number[]): number[] {
  const firstFinite = values.find((value) => !Number.isNaN(value)) ?? 0;
  let previous = firstFinite;
  return values.map((value) => {
    if (!Number.isNaN(value)) previous = value;
    return previous;
  });
}

interface TimeAxisInput {
  readonly rangeStartMs: number;
  readonly columnMs: number;
  readonly plotColumns: number;
  readonly forecastStartMs: number;
  readonly timeZone: string;
  readonly color: boolean;
}

const niceTickMs = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((minutes) => minutes * 60_000);

/** Milliseconds to add to UTC to get the wall clock of `timeZone` at `timeMs`. */
function zoneOffsetMs(timeMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  for (const part of formatter.formatToParts(new Date(timeMs))) parts[part.type] = Number(part.value);
  const wallMs = Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day as number, parts.hour as number, parts.minute as number, parts.second as number);
  return wallMs - Math.floor(timeMs / 1000) * 1000;
}

/**
 * A tick line (▲ where the forecast starts) and local-time labels at round times (every 5 min, 1 h,
 * 6 h…), chosen so labels are at least 12 columns apart.
 */
function timeAxis(input: TimeAxisInput): string[] {
  const ticks = new Array<string>(input.plotColumns).fill('─');
  const labels = new Array<string>(input.plotColumns + 12).fill(' ');
  const tickMs = niceTickMs.find((candidate) => candidate / input.columnMs >= 12) ?? (niceTickMs.at(-1) as number);
  const offsetMs = zoneOffsetMs(input.rangeStartMs, input.timeZone);
  const endMs = input.rangeStartMs + input.plotColumns * input.columnMs;
  const firstTickMs = Math.ceil((input.rangeStartMs + offsetMs) / tickMs) * tickMs - offsetMs;
  for (let timeMs = firstTickMs; timeMs < endMs; timeMs += tickMs) {
    const column = Math.floor((timeMs - input.rangeStartMs) / input.columnMs);
    const text = formatLocalTime(timeMs, { timeZone: input.timeZone, withDate: tickMs >= 86_400_000 });
    if (column >= input.plotColumns || column + text.length > input.plotColumns + 2) break;
    ticks[column] = '┬';
    [...text].forEach((char, offset) => { labels[column + offset] = char; });
  }
  const forecastColumn = Math.floor((input.forecastStartMs - input.rangeStartMs) / input.columnMs);
  if (forecastColumn > 0 && forecastColumn < input.plotColumns) ticks[forecastColumn] = '▲';
  return [
    paint(`${' '.repeat(labelWidth)} └${ticks.join('')}`, 'dim', input.color),
    paint(`${' '.repeat(labelWidth + axisGap)}${labels.join('').trimEnd()}`, 'dim', input.color),
  ];
}

function renderPeakTable(forecast: Forecast, timeZone: string, color: boolean): string {
  const peak = forecastPeak(forecast);
  if (!peak) return '(no finite forecast values)';
  const quantiles = peak.quantileValues.map(({ quantile, value }) => `${quantileLabel(quantile)} ${formatCompact(value)}`).join('  ');
  const heading = `peak ${formatLocalTime(peak.startMs, { timeZone })} ${timeZone}: ${quantiles} ${forecast.unit}`;
  const rows = [...peak.components]
    .sort((a, b) => b.value - a.value)
    .map((component) => [component.name, component.kind, formatCompact(component.value), formatPercent(component.sharePercent)]);
  return [
    paint(heading, 'bold', color),
    renderTextTable([
      { header: ['component at the peak'], align: 'left' },
      { header: ['kind'], align: 'left' },
      { header: [forecast.unit], align: 'right' },
      { header: ['share of p50'], align: 'right' },
    ], rows, { color }),
  ].join('\n');
}
