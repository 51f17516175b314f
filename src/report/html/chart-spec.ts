/**
 * What the server side hands the in-page chart client (html/chart-client.js): declarative chart specs
 * embedded as JSON. All layout decisions are made here, in typed code; the client only draws.
 */

export interface ChartSeriesSpec {
  readonly label: string;
  /** CSS color of the line. */
  readonly color: string;
  /** null = no value (gap). */
  readonly values: readonly (number | null)[];
  /** CSS color to fill the area under the line (or, when stacked, down to the series below). */
  readonly fill?: string;
  readonly dash?: readonly number[];
  readonly width?: number;
  /** Draw as a step function (replicas, plan slots). */
  readonly stepped?: boolean;
  /** Which y axis: `right` uses the chart's `y2Label`. @defaultValue `left` */
  readonly axis?: 'left' | 'right';
  /**
   * Stack on the previous stacked series of the chart (the first stacked one sits on zero); its
   * fill then covers only its own layer and the legend still shows its own value.
   */
  readonly stacked?: boolean;
  /** Connect across missing values (a coarser series on a finer grid). */
  readonly spanGaps?: boolean;
}

/** Fill between two series (indices into `series`), e.g. a p50–p99 band. */
export interface ChartBandSpec {
  readonly upper: number;
  readonly lower: number;
  readonly fill: string;
}

/** A point in time worth a tooltip, e.g. a plan step. */
export interface ChartMarkerSpec {
  readonly timeSec: number;
  readonly color: string;
  /** Tooltip text; lines separated by `\n`. */
  readonly text: string;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** Left axis label, with its unit, e.g. `requests/s`. */
  readonly yLabel: string;
  readonly y2Label?: string;
  /** x = startSec + i·stepSec for i < count (epoch seconds, as uPlot expects). */
  readonly startSec: number;
  readonly stepSec: number;
  readonly count: number;
  readonly series: readonly ChartSeriesSpec[];
  readonly bands?: readonly ChartBandSpec[];
  readonly markers?: readonly ChartMarkerSpec[];
  /** Shade the page's calendar events on this chart. @defaultValue true */
  readonly showEvents?: boolean;
  /** Plot height in CSS pixels. @defaultValue 240 */
  readonly height?: number;
}

export interface EventBandSpec {
  readonly label: string;
  readonly kind: string;
  readonly startSec: number;
  readonly endSec: number;
}

export interface ChartPageData {
  /** IANA zone all time axes are drawn in. */
  readonly timeZone: string;
  readonly events: readonly EventBandSpec[];
  readonly charts: readonly ChartSpec[];
  /** Charts of y against a numeric x (not time), e.g. cost/service frontiers. */
  readonly xyCharts?: readonly XyChartSpec[];
}

/** One curve of an xy chart: points joined in order of x (or only marked, without `line`). */
export interface XySeriesSpec {
  readonly label: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: number; readonly label: string }[];
  /** Join the points with a line. @defaultValue true */
  readonly line?: boolean;
  /** Point diameter in CSS pixels. @defaultValue 6 */
  readonly pointSize?: number;
  readonly dash?: readonly number[];
}

/** y against a numeric x; `yScale: 'asinh'` is logarithmic above 1 and still shows 0. */
export interface XyChartSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly yScale?: 'linear' | 'asinh';
  readonly series: readonly XySeriesSpec[];
  /** @defaultValue 360 */
  readonly height?: number;
}

/**
 * Values for JSON: NaN/∞ become null (a gap, never a fake zero) and numbers keep 4 significant
 * digits, which is finer than a chart can show and keeps reports small.
 */
export function encodeValues(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i] as number;
    out[i] = Number.isFinite(value) ? (Number.isInteger(value) && Math.abs(value) < 1e6 ? value : Number(value.toPrecision(4))) : null;
  }
  return out;
}

/** Strategy and workload colors: the Okabe–Ito palette, distinguishable with color-vision deficiency. */
export const seriesPalette: readonly string[] = [
  '#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B', '#7F7F7F', '#BCBD22',
];

export function paletteColor(index: number): string {
  return seriesPalette[index % seriesPalette.length] as string;
}

/** The same color with an alpha, for fills. */
export function withAlpha(hexColor: string, alpha: number): string {
  const value = Number.parseInt(hexColor.slice(1), 16);
  return `rgba(${(value >> 16) & 255},${(value >> 8) & 255},${value & 255},${alpha})`;
}
