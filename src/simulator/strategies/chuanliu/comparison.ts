/**
 * chuanliu against its yardsticks in one simulation run: the figures the "done when" states
 * (unserved vs HPA, online core-hours vs the oracle and static-peak, offline work vs the oracle),
 * computed once for the demo's headline and the benchmark's table.
 */
import type { StrategyScore } from '../../result.ts';

export interface Comparison {
  readonly chuanliu: StrategyScore;
  readonly hpa?: StrategyScore;
  readonly oracle?: StrategyScore;
  readonly staticPeak?: StrategyScore;
  /** HPA's unserved requests ÷ chuanliu's (Infinity when chuanliu served everything, NaN when both did). */
  readonly unservedFewerThanHpa?: number;
  /** chuanliu's online core-hours ÷ the oracle's. */
  readonly coreHoursVsOracle?: number;
  /** 1 − chuanliu's online core-hours ÷ static-peak's, as a percentage. */
  readonly coreHoursSavedVsStaticPercent?: number;
  /** chuanliu's offline core-hours done ÷ the oracle's. */
  readonly offlineVsOracle?: number;
}

export function compareChuanliu(scores: readonly StrategyScore[]): Comparison | undefined {
  const find = (name: string): StrategyScore | undefined => scores.find((score) => score.strategy === name);
  const chuanliu = find('chuanliu');
  if (chuanliu === undefined) return undefined;
  const hpa = find('hpa');
  const oracle = find('oracle');
  const staticPeak = find('static-peak');
  return {
    chuanliu,
    ...(hpa !== undefined ? { hpa, unservedFewerThanHpa: ratio(hpa.unservedRequests, chuanliu.unservedRequests) } : {}),
    ...(oracle !== undefined ? {
      oracle,
      coreHoursVsOracle: ratio(chuanliu.onlineCoreHours, oracle.onlineCoreHours),
      offlineVsOracle: ratio(chuanliu.offlineCoreHoursDone, oracle.offlineCoreHoursDone),
    } : {}),
    ...(staticPeak !== undefined ? {
      staticPeak,
      coreHoursSavedVsStaticPercent: (1 - ratio(chuanliu.onlineCoreHours, staticPeak.onlineCoreHours)) * 100,
    } : {}),
  };
}

/** a ÷ b with 0 ÷ 0 = NaN (no comparison) and a ÷ 0 = Infinity. */
function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? Number.NaN : Number.POSITIVE_INFINITY;
  return a / b;
}
