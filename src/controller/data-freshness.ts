/**
 * Missing or stale metrics never cause a scale-down. A plan is only as good as the demand history
 * it was made from and the live rates that confirm it: when Prometheus is unreachable, or answers
 * but its newest sample is old (a scrape target down, a broken recording rule), a scale-in the plan
 * asks for may rest on data that no longer describes the traffic. So, until fresh data is back:
 *
 * - every online workload whose data is not fresh is held at (at least) its current level: a floor
 *   at what it has now, so the plan can still raise it but not lower it;
 * - offline work is capped at its current level, because the room it would grow into is the room
 *   the held online workloads keep;
 * - each such workload raises an alert (`metrics-missing` or `metrics-stale`) for the caller to log,
 *   count and publish.
 *
 * The holds are reactive-guard style overrides (`TargetOverride`) layered on the plan by the
 * ordinary reconcile tick (its `dataFreshness` option), so they follow its ordering, safety checks
 * and idempotency.
 *
 * `freshnessOf` and `holdOnStaleData` are pure (`reconcile` applies the holds when given
 * `dataFreshness`); `probeFreshness` reads through the MetricsSource port.
 */
import { RuntimeFailure } from '../domain/errors.ts';
import type { RegularSeries } from '../domain/series.ts';
import type { Inventory, Workload } from '../domain/workload.ts';
import type { ClusterSnapshot, WorkloadState } from '../ports/cluster.ts';
import type { MetricsSource } from '../ports/metrics-source.ts';
import type { TargetOverride } from './decision.ts';
import { mapBounded } from './map-bounded.ts';
import { refKey } from './safety.ts';

/** Reason code of the holds, in write provenance and alerts. */
export const DATA_HOLD_REASON = 'hold-missing-data';

export type DataFreshness =
  /** The newest sample ends within the allowed age. */
  | { readonly status: 'fresh'; readonly lastSampleAtMs: number }
  /** The source answered, but its newest sample is too old, or there is none in the window. */
  | { readonly status: 'stale'; readonly lastSampleAtMs?: number; readonly message: string }
  /** The source could not be read at all (unreachable, 5xx, timed out). */
  | { readonly status: 'missing'; readonly message: string };

export interface DataAlert {
  readonly code: 'metrics-missing' | 'metrics-stale';
  readonly workload: string;
  readonly atMs: number;
  readonly message: string;
}

/**
 * Freshness of a series read at `nowMs`: the end of its newest non-NaN bucket against
 * `maxSampleAgeMs`. NaN buckets are gaps, never zero demand.
 */
export function freshnessOf(series: RegularSeries, options: { readonly nowMs: number; readonly maxSampleAgeMs: number }): DataFreshness {
  let newest = -1;
  for (let bucket = series.values.length - 1; bucket >= 0; bucket -= 1) {
    if (!Number.isNaN(series.values[bucket] as number)) {
      newest = bucket;
      break;
    }
  }
  if (newest < 0) return { status: 'stale', message: 'no sample at all in the window read' };
  const lastSampleAtMs = series.startMs + (newest + 1) * series.stepMs;
  const ageMs = options.nowMs - lastSampleAtMs;
  if (ageMs > options.maxSampleAgeMs) {
    return {
      status: 'stale',
      lastSampleAtMs,
      message: `newest sample is ${Math.round(ageMs / 1000)} s old (at ${new Date(lastSampleAtMs).toISOString()}), older than the ${Math.round(options.maxSampleAgeMs / 1000)} s allowed`,
    };
  }
  return { status: 'fresh', lastSampleAtMs };
}

export interface ProbeOptions {
  readonly nowMs: number;
  /** How far back to look for the newest sample. @defaultValue 30 min */
  readonly lookbackMs?: number;
  /** @defaultValue 1 min */
  readonly stepMs?: number;
  /** Older than this is stale. @defaultValue 5 min (Prometheus' own staleness window) */
  readonly maxSampleAgeMs?: number;
}

/**
 * Reads `query` over the last `lookbackMs` and judges its freshness. An unreachable source is
 * `missing` (never an exception: the caller must hold, not crash); a query the source rejects
 * (InputError) is a configuration problem and is thrown.
 */
export async function probeFreshness(source: MetricsSource, query: string, options: ProbeOptions): Promise<DataFreshness> {
  const stepMs = options.stepMs ?? 60_000;
  const lookbackMs = options.lookbackMs ?? 30 * 60_000;
  const endMs = Math.floor(options.nowMs / stepMs) * stepMs;
  try {
    const series = await source.range(query, { startMs: endMs - lookbackMs, endMs, stepMs });
    return freshnessOf(series, { nowMs: options.nowMs, maxSampleAgeMs: options.maxSampleAgeMs ?? 5 * 60_000 });
  } catch (error) {
    if (error instanceof RuntimeFailure) return { status: 'missing', message: error.message };
    throw error;
  }
}

/**
 * Freshness of every online workload whose demand comes from Prometheus, one query each, at most
 * `concurrency` in flight (the controller's `DemandFreshnessMonitor` calls this on its own timer
 * and hands the result to `Controller` as `dataFreshness`). Workloads with CSV or no demand source
 * are not measured, so never held. A query the source rejects is `missing` too: a controller must
 * hold, not crash, and the alert's message says which query.
 */
export async function probeDemandFreshness(
  source: MetricsSource, inventory: Inventory, options: ProbeOptions & { readonly concurrency?: number },
): Promise<Map<string, DataFreshness>> {
  const measured = inventory.online.flatMap((workload) => (workload.demand?.kind === 'prometheus' ? [{ name: workload.name, query: workload.demand.query }] : []));
  const results = await mapBounded(measured, options.concurrency ?? 8, async ({ query }): Promise<DataFreshness> => {
    try {
      return await probeFreshness(source, query, options);
    } catch (error) {
      return { status: 'missing', message: `query "${query}" failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  });
  return new Map(measured.map((workload, index) => [workload.name, results[index] as DataFreshness] as const));
}

export interface HoldInput {
  /** Per online workload; a workload without an entry is not measured and not held. */
  readonly freshness: ReadonlyMap<string, DataFreshness>;
  readonly inventory: Inventory;
  readonly snapshot: ClusterSnapshot;
  readonly nowMs: number;
}

export interface HoldDecision {
  /** Floors (online) and caps (offline) to pass to `reconcile` as `overrides`. */
  readonly overrides: readonly TargetOverride[];
  readonly alerts: readonly DataAlert[];
}

/** The holds and alerts for the workloads whose data is not fresh; none when all is fresh. */
export function holdOnStaleData(input: HoldInput): HoldDecision {
  const stateByRef = new Map(input.snapshot.workloads.map((state) => [refKey(state.ref), state] as const));
  const overrides: TargetOverride[] = [];
  const alerts: DataAlert[] = [];
  for (const workload of input.inventory.online) {
    const freshness = input.freshness.get(workload.name);
    if (freshness === undefined || freshness.status === 'fresh') continue;
    const code = freshness.status === 'missing' ? 'metrics-missing' : 'metrics-stale';
    const state = stateByRef.get(refKey(workload.ref));
    const held = state === undefined ? undefined : controlledLevel(workload, state);
    const what = freshness.status === 'missing' ? 'metrics unavailable' : 'metrics stale';
    const message = held === undefined
      ? `${workload.name}: ${what} (${freshness.message}); not in the cluster snapshot, nothing to hold`
      : `${workload.name}: ${what} (${freshness.message}); holding at least ${held} replicas, no scale-down until fresh data returns`;
    alerts.push({ code, workload: workload.name, atMs: input.nowMs, message });
    if (held === undefined) continue;
    overrides.push({ workload: workload.name, kind: 'floor', replicas: held, stepId: `hold/${workload.name}/${code}`, reason: DATA_HOLD_REASON, message });
  }
  if (alerts.length === 0) return { overrides, alerts };
  const heldNames = alerts.map((alert) => alert.workload).join(', ');
  for (const workload of input.inventory.offline) {
    const state = stateByRef.get(refKey(workload.ref));
    if (state === undefined) continue;
    const held = controlledLevel(workload, state);
    overrides.push({
      workload: workload.name, kind: 'cap', replicas: held, stepId: `hold/${workload.name}/offline-capped`, reason: DATA_HOLD_REASON,
      message: `${workload.name}: capped at ${held} while online capacity is held on missing or stale metrics (${heldNames})`,
    });
  }
  return { overrides, alerts };
}

/** The value the controller writes for the workload: HPA floor, CronJob 0/1, or replicas. */
function controlledLevel(workload: Workload, state: WorkloadState): number {
  // As decide-writes does: an online workload with an HPA in the snapshot is controlled through its floor.
  if (workload.class === 'online' && state.hpa !== undefined) return state.hpa.minReplicas;
  if (workload.ref.apiKind === 'CronJob') return state.desiredReplicas > 0 ? 1 : 0;
  return state.desiredReplicas;
}
