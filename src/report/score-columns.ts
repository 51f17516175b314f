/**
 * The columns of the strategy scoring table, shared by the terminal and HTML renderings, each with its
 * unit and which direction is better, and the rule that picks the best value per column.
 */
import type { StrategyScore } from '../simulator/result.ts';
import { formatCompact, formatPercent } from './format.ts';

export type BetterDirection = 'lower' | 'higher';

export interface ScoreColumn {
  readonly key: string;
  /** Short name, first header line. */
  readonly name: string;
  /** Unit, second header line ('' when the name says it). */
  readonly unit: string;
  readonly better: BetterDirection;
  /** Long explanation for tooltips and footnotes. */
  readonly description: string;
  /** The compared value; NaN means "not applicable" and never wins. */
  readonly value: (score: StrategyScore) => number;
  readonly format: (score: StrategyScore) => string;
}

const timeToReadySeconds = (score: StrategyScore): number =>
  score.timeToReadyMs.count > 0 ? score.timeToReadyMs.p95 / 1000 : Number.NaN;

export const scoreColumns: readonly ScoreColumn[] = [
  {
    key: 'unservedPercent', name: 'unserved', unit: '%', better: 'lower',
    description: 'Unserved requests as a share of all demand',
    value: (s) => s.unservedPercent, format: (s) => formatPercent(s.unservedPercent),
  },
  {
    key: 'unservedRequests', name: 'unserved', unit: 'requests', better: 'lower',
    description: 'Requests that found no Ready capacity',
    value: (s) => s.unservedRequests, format: (s) => formatCompact(s.unservedRequests),
  },
  {
    key: 'unservedSeconds', name: 'unserved', unit: 's', better: 'lower',
    description: 'Simulated seconds in which any online workload had unserved demand',
    value: (s) => s.unservedSeconds, format: (s) => formatCompact(s.unservedSeconds),
  },
  {
    key: 'unservedSecondsAtEventStarts', name: 'at events', unit: 's', better: 'lower',
    description: 'Seconds with unserved demand in the first minute of a planned calendar event',
    value: (s) => s.unservedSecondsAtEventStarts, format: (s) => formatCompact(s.unservedSecondsAtEventStarts),
  },
  {
    key: 'worstDeficitRps', name: 'worst deficit', unit: 'rps', better: 'lower',
    description: 'Largest demand minus Ready capacity, summed over online workloads',
    value: (s) => s.worstDeficitRps, format: (s) => formatCompact(s.worstDeficitRps),
  },
  {
    key: 'onlineCoreHours', name: 'online', unit: 'core-h', better: 'lower',
    description: 'Cores held by online replicas (scheduled, starting or Ready) over time',
    value: (s) => s.onlineCoreHours, format: (s) => formatCompact(s.onlineCoreHours),
  },
  {
    key: 'offlineCoreHoursDone', name: 'offline done', unit: 'core-h', better: 'higher',
    description: 'Offline work completed (higher is better)',
    value: (s) => s.offlineCoreHoursDone, format: (s) => formatCompact(s.offlineCoreHoursDone),
  },
  {
    key: 'offlineDeadlinesMet', name: 'deadlines', unit: 'met', better: 'higher',
    description: 'Offline deadlines met out of all deadlines (higher is better)',
    value: (s) => (s.offlineDeadlinesTotal > 0 ? s.offlineDeadlinesMet : Number.NaN),
    format: (s) => (s.offlineDeadlinesTotal > 0 ? `${s.offlineDeadlinesMet}/${s.offlineDeadlinesTotal}` : '–'),
  },
  {
    key: 'nodeHours', name: 'nodes', unit: 'node-h', better: 'lower',
    description: 'Node-hours of all pools, base and elastic',
    value: (s) => s.nodeHours, format: (s) => formatCompact(s.nodeHours),
  },
  {
    key: 'cost', name: 'cost', unit: '', better: 'lower',
    description: 'Node-hours priced at each pool\'s cost per node-hour',
    value: (s) => s.cost, format: (s) => formatCompact(s.cost),
  },
  {
    key: 'scalingWrites', name: 'scaling', unit: 'writes', better: 'lower',
    description: 'Writes of replicas, HPA floors or parallelism the strategy made',
    value: (s) => s.scalingWrites, format: (s) => formatCompact(s.scalingWrites),
  },
  {
    key: 'timeToReadyP95', name: 'to Ready p95', unit: 's', better: 'lower',
    description: 'Time from a scale-up decision until the added capacity was Ready, 95th percentile',
    value: timeToReadySeconds,
    format: (s) => (s.timeToReadyMs.count > 0 ? formatCompact(s.timeToReadyMs.p95 / 1000) : '–'),
  },
];

/** Values equal within this relative tolerance tie (floating-point sums of the same work). */
const tieTolerance = 1e-9;

function sameValue(a: number, b: number): boolean {
  return Math.abs(a - b) <= tieTolerance * Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

/**
 * Indices of the rows holding the best value of `values`, ties included. Nothing is marked when
 * fewer than two rows have a value, or when every row has the same value: a mark must distinguish.
 */
export function bestRowIndices(values: readonly number[], better: BetterDirection): ReadonlySet<number> {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length < 2) return new Set();
  const best = better === 'lower' ? Math.min(...finite) : Math.max(...finite);
  const winners = new Set<number>();
  values.forEach((value, index) => {
    if (Number.isFinite(value) && sameValue(value, best)) winners.add(index);
  });
  return winners.size === finite.length ? new Set() : winners;
}

/** Per column key, the rows to mark as best. */
export function bestByColumn(scores: readonly StrategyScore[], columns: readonly ScoreColumn[] = scoreColumns): ReadonlyMap<string, ReadonlySet<number>> {
  return new Map(columns.map((column) => [column.key, bestRowIndices(scores.map(column.value), column.better)]));
}
