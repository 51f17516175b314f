/**
 * Hand-written planning inputs for the planner tests. Forecasts are built here with known bands
 * (synthetic, by construction), so the tests do not depend on the forecaster.
 */
import type { EventOccurrence, PromotionEvent } from '../../../src/domain/calendar.ts';
import type { Forecast, ForecastComponent } from '../../../src/domain/forecast.ts';
import { MINUTE_MS, SECOND_MS } from '../../../src/domain/units.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../../../src/domain/workload.ts';
import { emptyObservedState, type ObservedState, type PlanningInput, type PlanningSettings } from '../../../src/planner/planning-input.ts';

/** 2024-11-11T11:00:00Z = 19:00 in Shanghai: an evening an hour before a 20:00 promotion. */
export const NOW_MS = Date.UTC(2024, 10, 11, 11, 0, 0);

export function online(name: string, overrides: Partial<OnlineWorkload> = {}): OnlineWorkload {
  return {
    class: 'online',
    name,
    ref: { apiKind: 'Deployment', namespace: 'shop', name },
    rpsPerReplica: 100,
    perReplica: { cpuMillicores: 1000, memoryBytes: 1024 ** 3 },
    startup: { p50Ms: 20 * SECOND_MS, p95Ms: 45 * SECOND_MS },
    minReplicas: 2,
    maxReplicas: 500,
    priority: 10,
    demandQuantile: 0.99,
    ...overrides,
  };
}

export function offline(name: string, overrides: Partial<OfflineWorkload> = {}): OfflineWorkload {
  return {
    class: 'offline',
    name,
    ref: { apiKind: 'Deployment', namespace: 'batch', name },
    priority: 1,
    minReplicas: 0,
    maxReplicas: 100,
    perReplica: { cpuMillicores: 1000, memoryBytes: 1024 ** 3 },
    drainMs: 2 * MINUTE_MS,
    ...overrides,
  };
}

export function pool(name: string, overrides: Partial<NodePool> = {}): NodePool {
  return {
    name,
    perNode: { cpuMillicores: 16_000, memoryBytes: 64 * 1024 ** 3 },
    baseNodes: 10,
    costPerNodeHour: 1,
    ...overrides,
  };
}

/** A forecast whose p50/p90/p99 bands are `rps(i)` × (1, 1.1, 1.25) per bucket i. */
export function forecast(workload: string, options: {
  startMs?: number;
  stepMs?: number;
  buckets: number;
  rps: (bucket: number) => number;
  quantiles?: readonly number[];
  factors?: readonly number[];
  components?: readonly { kind: ForecastComponent['kind']; name: string; share: (bucket: number) => number }[];
}): Forecast {
  const quantiles = options.quantiles ?? [0.5, 0.9, 0.99];
  const factors = options.factors ?? [1, 1.1, 1.25];
  const median = Float64Array.from({ length: options.buckets }, (_, i) => options.rps(i));
  const bands = quantiles.map((_, k) => Float64Array.from(median, (value) => value * (factors[k] ?? 1)));
  const components = (options.components ?? [{ kind: 'baseline' as const, name: 'baseline', share: () => 1 }]).map((component) => ({
    kind: component.kind,
    name: component.name,
    values: Float64Array.from(median, (value, i) => value * component.share(i)),
  }));
  return {
    workload,
    issuedAtMs: NOW_MS,
    startMs: options.startMs ?? NOW_MS,
    stepMs: options.stepMs ?? MINUTE_MS,
    unit: 'requests/s',
    quantiles,
    bands,
    components,
    model: 'hand-written test forecast (synthetic)',
  };
}

export function promotion(id: string, startMs: number, durationMs: number, workloads: readonly string[] = []): EventOccurrence {
  const event: PromotionEvent = {
    kind: 'promotion',
    id,
    platform: 'tmall',
    startMs,
    durationMs,
    timeZone: 'Asia/Shanghai',
    rampMs: 5 * MINUTE_MS,
    uplift: { kind: 'expected', factor: 3 },
    workloads,
  };
  return { eventId: id, kind: 'promotion', label: id, startMs, endMs: startMs + durationMs, event };
}

export function settings(overrides: Partial<PlanningSettings> = {}): PlanningSettings {
  return {
    slotMs: MINUTE_MS,
    horizonMs: 120 * MINUTE_MS,
    applyLatencyMs: 15 * SECOND_MS,
    scaleInStabilizationMs: 5 * MINUTE_MS,
    planId: 'plan-test',
    ...overrides,
  };
}

export function planningInput(overrides: Partial<PlanningInput> & Pick<PlanningInput, 'inventory'>): PlanningInput {
  return {
    nowMs: NOW_MS,
    forecasts: new Map(),
    occurrences: [],
    observed: emptyObservedState(),
    settings: settings(),
    ...overrides,
  };
}

export function observedState(overrides: Partial<ObservedState>): ObservedState {
  return { ...emptyObservedState(), ...overrides };
}
