/**
 * Cost/service frontiers: every strategy's (unserved requests, online core-hours) points on one
 * scenario, and how chuanliu's default stands against the yardsticks a user could pick instead.
 *
 * Yardsticks are the settings a user would tune in place of chuanliu: the HPA at each swept CPU
 * target, static-peak and keda-cron. The oracle (perfect foresight) is drawn as the lower bound
 * but never counts as a yardstick: nothing real can match it, so "dominated by the oracle" says
 * nothing. Pure: no I/O, no clock.
 */

export interface FrontierPoint {
  /** Strategy family: `hpa`, `static-peak`, `keda-cron`, `oracle`, `chuanliu`. */
  readonly strategy: string;
  /** Human label of the point, e.g. `hpa 40%` or `chuanliu q=0.9`. */
  readonly label: string;
  /** The swept setting and its value, when the point is one of a sweep. */
  readonly knob?: { readonly name: string; readonly value: number };
  /** The strategy at its defaults (the scenario's settings). */
  readonly isDefault: boolean;
  readonly unservedRequests: number;
  readonly demandRequests: number;
  readonly onlineCoreHours: number;
}

/** Families that count as yardsticks for the iso-service ratio and dominance. */
export const YARDSTICK_STRATEGIES: readonly string[] = ['hpa', 'static-peak', 'keda-cron'];

export interface FrontierVerdict {
  /** chuanliu's default point. */
  readonly chuanliu: FrontierPoint;
  /** Cheapest yardstick point with unserved ≤ chuanliu's; undefined when none serves as well. */
  readonly cheapestAsGood?: FrontierPoint;
  /** chuanliu's core-hours ÷ cheapestAsGood's; undefined when no yardstick serves as well. */
  readonly isoServiceRatio?: number;
  /** Yardstick points with unserved ≤ and core-hours ≤ chuanliu's default, one strictly. */
  readonly dominatedBy: readonly FrontierPoint[];
  /** chuanliu's default core-hours ÷ the oracle's (undefined without an oracle point). */
  readonly coreHoursVsOracle?: number;
  readonly unservedPercent: number;
  /** Comparison of chuanliu's swept curve with the HPA's over the unserved range both cover. */
  readonly curveVsHpa: CurveComparison;
}

export interface CurveComparison {
  /** Unserved levels (requests) at which both curves have a point serving at least as well. */
  readonly levels: readonly CurveLevel[];
  /** True when chuanliu needs no more core-hours than the HPA at every level (undefined: no overlap). */
  readonly chuanliuBelow?: boolean;
}

export interface CurveLevel {
  readonly unservedRequests: number;
  readonly chuanliuCoreHours: number;
  readonly hpaCoreHours: number;
}

/** One scenario's frontier: its points and the verdict on chuanliu's default. */
export interface ScenarioFrontier {
  readonly scenario: { readonly name: string; readonly synthetic: boolean; readonly description: string; readonly path: string };
  readonly points: readonly FrontierPoint[];
  readonly verdict: FrontierVerdict;
}

/** Whether `a` dominates `b`: no more unserved and no more core-hours, one of them strictly less. */
export function dominates(a: FrontierPoint, b: FrontierPoint): boolean {
  return a.unservedRequests <= b.unservedRequests && a.onlineCoreHours <= b.onlineCoreHours
    && (a.unservedRequests < b.unservedRequests || a.onlineCoreHours < b.onlineCoreHours);
}

/** The cheapest of `points` that leaves at most `unservedRequests` unserved. */
export function cheapestServing(points: readonly FrontierPoint[], unservedRequests: number): FrontierPoint | undefined {
  let best: FrontierPoint | undefined;
  for (const point of points) {
    if (point.unservedRequests > unservedRequests) continue;
    if (best === undefined || point.onlineCoreHours < best.onlineCoreHours) best = point;
  }
  return best;
}

/**
 * Cost at each unserved level of a curve given as points: the cheapest point serving at least as
 * well (a step function, since any point can be chosen). Compared at every point of either curve
 * inside the range both cover: from the larger of the two best-served levels to the smaller of
 * the two worst-served ones.
 */
export function compareCurves(chuanliu: readonly FrontierPoint[], hpa: readonly FrontierPoint[]): CurveComparison {
  if (chuanliu.length === 0 || hpa.length === 0) return { levels: [] };
  const low = Math.max(Math.min(...chuanliu.map((p) => p.unservedRequests)), Math.min(...hpa.map((p) => p.unservedRequests)));
  const high = Math.min(Math.max(...chuanliu.map((p) => p.unservedRequests)), Math.max(...hpa.map((p) => p.unservedRequests)));
  if (!(low <= high)) return { levels: [] };
  const at = [...new Set([...chuanliu, ...hpa].map((p) => p.unservedRequests).filter((u) => u >= low && u <= high))].sort((a, b) => a - b);
  const levels = at.map((unservedRequests): CurveLevel => ({
    unservedRequests,
    chuanliuCoreHours: (cheapestServing(chuanliu, unservedRequests) as FrontierPoint).onlineCoreHours,
    hpaCoreHours: (cheapestServing(hpa, unservedRequests) as FrontierPoint).onlineCoreHours,
  }));
  return { levels, chuanliuBelow: levels.every((level) => level.chuanliuCoreHours <= level.hpaCoreHours) };
}

/** The verdict for one scenario's points (which must hold exactly one default chuanliu point). */
export function frontierVerdict(points: readonly FrontierPoint[]): FrontierVerdict {
  const chuanliu = points.find((point) => point.strategy === 'chuanliu' && point.isDefault);
  if (chuanliu === undefined) throw new RangeError('the frontier has no default chuanliu point');
  const yardsticks = points.filter((point) => YARDSTICK_STRATEGIES.includes(point.strategy));
  const cheapestAsGood = cheapestServing(yardsticks, chuanliu.unservedRequests);
  const oracle = points.find((point) => point.strategy === 'oracle');
  return {
    chuanliu,
    ...(cheapestAsGood !== undefined ? { cheapestAsGood, isoServiceRatio: ratio(chuanliu.onlineCoreHours, cheapestAsGood.onlineCoreHours) } : {}),
    dominatedBy: yardsticks.filter((point) => dominates(point, chuanliu)),
    ...(oracle !== undefined ? { coreHoursVsOracle: ratio(chuanliu.onlineCoreHours, oracle.onlineCoreHours) } : {}),
    unservedPercent: chuanliu.demandRequests > 0 ? (chuanliu.unservedRequests / chuanliu.demandRequests) * 100 : 0,
    curveVsHpa: compareCurves(
      points.filter((point) => point.strategy === 'chuanliu'),
      points.filter((point) => point.strategy === 'hpa'),
    ),
  };
}

function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? 1 : Number.POSITIVE_INFINITY;
  return a / b;
}
