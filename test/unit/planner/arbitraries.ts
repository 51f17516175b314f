/**
 * fast-check generators of planning inputs (synthetic by construction): small clusters with one or
 * two pools (fixed or elastic), a handful of online workloads with hand-shaped forecasts (a base
 * rate plus peaks), offline work with or without deadlines, calendar events and observed state.
 */
import fc from 'fast-check';
import type { EventOccurrence } from '../../../src/domain/calendar.ts';
import type { Forecast } from '../../../src/domain/forecast.ts';
import { MINUTE_MS, SECOND_MS } from '../../../src/domain/units.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../../../src/domain/workload.ts';
import type { ObservedState, PlanningInput } from '../../../src/planner/planning-input.ts';
import { NOW_MS, offline, online, pool, promotion } from './fixtures.ts';

const GIB = 1024 ** 3;
/** Pools with this taint take only workloads that tolerate it (or are pinned there and tolerate it). */
const BURST_TAINT = { key: 'burst', value: 'true', effect: 'NoSchedule' } as const;
const PLACEHOLDERS = (cpuMillicores: number, memoryBytes: number) => ({
  namespace: 'chuanliu-system', deploymentName: 'placeholder', priorityClassName: 'chuanliu-placeholder', priorityValue: -10,
  perPod: { cpuMillicores: cpuMillicores * 0.9, memoryBytes: memoryBytes * 0.9 },
});
const BURST_TOLERATION = { key: 'burst', operator: 'Equal', value: 'true', effect: 'NoSchedule' } as const;

const poolArbitrary = (index: number): fc.Arbitrary<NodePool> => fc.record({
  cpu: fc.constantFrom(4000, 8000, 16_000),
  memoryGib: fc.constantFrom(8, 16, 64),
  baseNodes: fc.integer({ min: 1, max: 6 }),
  elastic: fc.option(fc.record({ maxNodes: fc.integer({ min: 1, max: 8 }), provisioningMin: fc.integer({ min: 0, max: 8 }) }), { nil: undefined }),
  tainted: fc.boolean(),
  placeholders: fc.boolean(),
}).map((spec) => pool(`pool-${index}`, {
  perNode: { cpuMillicores: spec.cpu, memoryBytes: spec.memoryGib * GIB },
  baseNodes: spec.baseNodes,
  ...(spec.tainted ? { taints: [BURST_TAINT] } : {}),
  ...(spec.elastic !== undefined ? { elastic: {
    maxNodes: spec.elastic.maxNodes,
    provisioningMs: spec.elastic.provisioningMin * MINUTE_MS,
    ...(spec.placeholders ? { placeholders: PLACEHOLDERS(spec.cpu, spec.memoryGib * GIB) } : {}),
  } } : {}),
}));

interface Shape {
  readonly baseRps: number;
  readonly peaks: readonly { readonly start: number; readonly length: number; readonly factor: number }[];
  readonly noise: readonly number[];
}

const shapeArbitrary: fc.Arbitrary<Shape> = fc.record({
  baseRps: fc.integer({ min: 0, max: 3000 }),
  peaks: fc.array(fc.record({ start: fc.integer({ min: 0, max: 70 }), length: fc.integer({ min: 1, max: 25 }), factor: fc.double({ min: 1, max: 8, noNaN: true }) }), { maxLength: 2 }),
  noise: fc.array(fc.double({ min: 0.8, max: 1.2, noNaN: true }), { minLength: 8, maxLength: 8 }),
});

function rpsAt(shape: Shape, bucket: number): number {
  let factor = 1;
  for (const peak of shape.peaks) if (bucket >= peak.start && bucket < peak.start + peak.length) factor = Math.max(factor, peak.factor);
  return shape.baseRps * factor * (shape.noise[bucket % shape.noise.length] as number);
}

function shapedForecast(name: string, shape: Shape, stepMs: number, buckets: number, quantiles: readonly number[]): Forecast {
  const median = Float64Array.from({ length: buckets }, (_, i) => rpsAt(shape, Math.floor((i * stepMs) / MINUTE_MS)));
  const factors = [1, 1.1, 1.25, 1.4];
  return {
    workload: name,
    issuedAtMs: NOW_MS,
    startMs: NOW_MS - (NOW_MS % MINUTE_MS),
    stepMs,
    unit: 'requests/s',
    quantiles,
    bands: quantiles.map((_, k) => Float64Array.from(median, (value) => value * (factors[k] ?? 1))),
    components: [
      { kind: 'baseline', name: 'baseline', values: Float64Array.from(median, () => shape.baseRps) },
      { kind: 'promotion', name: 'promotion:test', values: Float64Array.from(median, (value) => Math.max(0, value - shape.baseRps)) },
    ],
    model: 'generated test forecast (synthetic)',
  };
}

const onlineSpec = fc.record({
  cpu: fc.constantFrom(250, 500, 1000, 2000, 4000),
  memoryGib: fc.constantFrom(0.5, 1, 2, 4),
  minReplicas: fc.integer({ min: 0, max: 3 }),
  extraMax: fc.integer({ min: 0, max: 60 }),
  priority: fc.integer({ min: 0, max: 4 }),
  rpsPerReplica: fc.constantFrom(50, 100, 250, 500),
  p95Seconds: fc.integer({ min: 0, max: 300 }),
  quantile: fc.constantFrom(0.5, 0.9, 0.95, 0.99),
  pool: fc.nat(),
  /** pinned: nodePool set; any: every untainted pool; tolerating: every pool (spills into tainted ones). */
  placement: fc.constantFrom('pinned', 'pinned', 'any', 'tolerating'),
  shape: shapeArbitrary,
  forecastKind: fc.constantFrom('full', 'full', 'full', 'short', 'none', 'coarse', 'fine'),
  quantiles: fc.constantFrom([0.5, 0.9, 0.99], [0.5, 0.9], [0.9, 0.99, 0.999]),
  observedDesired: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
  observedRps: fc.option(fc.integer({ min: 0, max: 6000 }), { nil: undefined }),
});

const offlineSpec = fc.record({
  cpu: fc.constantFrom(500, 1000, 2000),
  memoryGib: fc.constantFrom(1, 2, 4),
  minReplicas: fc.integer({ min: 0, max: 3 }),
  extraMax: fc.integer({ min: 0, max: 40 }),
  priority: fc.integer({ min: 0, max: 3 }),
  drainSeconds: fc.integer({ min: 0, max: 300 }),
  workCoreHours: fc.option(fc.double({ min: 0, max: 40, noNaN: true }), { nil: undefined }),
  deadlineMinutes: fc.option(fc.integer({ min: -5, max: 150 }), { nil: undefined }),
  pool: fc.nat(),
  observedDesired: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
});

const eventSpec = fc.record({
  startMinute: fc.integer({ min: -10, max: 80 }),
  durationMinutes: fc.integer({ min: 1, max: 40 }),
  subset: fc.array(fc.nat(), { maxLength: 2 }),
});

export interface GeneratedCase {
  readonly input: PlanningInput;
}

export const planningInputArbitrary: fc.Arbitrary<PlanningInput> = fc.record({
  pools: fc.integer({ min: 1, max: 2 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => poolArbitrary(i)))),
  online: fc.array(onlineSpec, { minLength: 1, maxLength: 4 }),
  offline: fc.array(offlineSpec, { maxLength: 3 }),
  events: fc.array(eventSpec, { maxLength: 2 }),
  slots: fc.integer({ min: 10, max: 90 }),
  applySeconds: fc.integer({ min: 0, max: 60 }),
  stabilizationMinutes: fc.integer({ min: 0, max: 10 }),
  stepIntervalSlots: fc.constantFrom(1, 1, 2, 3),
  nowOffsetSeconds: fc.integer({ min: 0, max: 59 }),
  observedPools: fc.array(fc.option(fc.record({ ready: fc.integer({ min: 0, max: 10 }), provisioning: fc.integer({ min: 0, max: 2 }) }), { nil: undefined }), { minLength: 2, maxLength: 2 }),
}).map((spec) => {
  const pools = spec.pools as NodePool[];
  const slotMs = MINUTE_MS;
  const nowMs = NOW_MS + spec.nowOffsetSeconds * SECOND_MS;
  const forecasts = new Map<string, Forecast>();
  const workloadsOnline: OnlineWorkload[] = [];
  const observedWorkloads: Record<string, ObservedState['workloads'][string]> = {};
  const demandRps: Record<string, number> = {};
  spec.online.forEach((item, i) => {
    const name = `online-${i}`;
    const home = pools[item.pool % pools.length] as NodePool;
    const untainted = pools.filter((candidate) => candidate.taints === undefined);
    const placement = item.placement === 'any' && untainted.length === 0 ? 'tolerating' : item.placement;
    const reach = placement === 'pinned' ? [home] : placement === 'any' ? untainted : pools;
    const cpu = Math.min(item.cpu, ...reach.map((candidate) => candidate.perNode.cpuMillicores));
    const memoryBytes = Math.min(item.memoryGib * GIB, ...reach.map((candidate) => candidate.perNode.memoryBytes));
    workloadsOnline.push(online(name, {
      perReplica: { cpuMillicores: cpu, memoryBytes },
      minReplicas: item.minReplicas,
      maxReplicas: item.minReplicas + item.extraMax,
      priority: item.priority,
      rpsPerReplica: item.rpsPerReplica,
      startup: { p50Ms: (item.p95Seconds * SECOND_MS) / 2, p95Ms: item.p95Seconds * SECOND_MS },
      demandQuantile: item.quantile,
      ...(placement === 'pinned' ? { nodePool: home.name } : {}),
      ...(placement === 'tolerating' || (placement === 'pinned' && home.taints !== undefined) ? { tolerations: [BURST_TOLERATION] } : {}),
    }));
    const buckets = spec.slots + 20;
    if (item.forecastKind === 'full') forecasts.set(name, shapedForecast(name, item.shape, MINUTE_MS, buckets, item.quantiles));
    else if (item.forecastKind === 'short') forecasts.set(name, shapedForecast(name, item.shape, MINUTE_MS, Math.ceil(spec.slots / 2), item.quantiles));
    else if (item.forecastKind === 'coarse') forecasts.set(name, shapedForecast(name, item.shape, 5 * MINUTE_MS, Math.ceil(buckets / 5), item.quantiles));
    else if (item.forecastKind === 'fine') forecasts.set(name, shapedForecast(name, item.shape, 30 * SECOND_MS, buckets * 2, item.quantiles));
    if (item.observedDesired !== undefined) observedWorkloads[name] = { desiredReplicas: item.observedDesired, readyReplicas: item.observedDesired };
    if (item.observedRps !== undefined) demandRps[name] = item.observedRps;
  });
  // Online minimums are left as drawn: when they do not fit, the plan must report the shortfall
  // (brownout order) instead of refusing the input.
  const workloadsOffline: OfflineWorkload[] = spec.offline.map((item, i) => {
    const home = pools[item.pool % pools.length] as NodePool;
    return offline(`offline-${i}`, {
      perReplica: { cpuMillicores: Math.min(item.cpu, home.perNode.cpuMillicores), memoryBytes: Math.min(item.memoryGib * GIB, home.perNode.memoryBytes) },
      minReplicas: item.minReplicas,
      maxReplicas: item.minReplicas + item.extraMax,
      priority: item.priority,
      drainMs: item.drainSeconds * SECOND_MS,
      ...(item.workCoreHours !== undefined ? { workCoreHours: item.workCoreHours } : {}),
      ...(item.deadlineMinutes !== undefined ? { deadlineMs: nowMs + item.deadlineMinutes * MINUTE_MS } : {}),
      nodePool: home.name,
      ...(home.taints !== undefined ? { tolerations: [BURST_TOLERATION] } : {}),
    });
  });
  spec.offline.forEach((item, i) => {
    if (item.observedDesired !== undefined) observedWorkloads[`offline-${i}`] = { desiredReplicas: item.observedDesired, readyReplicas: item.observedDesired };
  });
  const occurrences: EventOccurrence[] = spec.events.map((event, i) => promotion(
    `event-${i}`,
    nowMs + event.startMinute * MINUTE_MS,
    event.durationMinutes * MINUTE_MS,
    event.subset.map((k) => `online-${k % workloadsOnline.length}`),
  ));
  const nodePools: Record<string, ObservedState['nodePools'][string]> = {};
  pools.forEach((home, i) => {
    const seen = spec.observedPools[i];
    // A fixed pool's observed size must still hold its online minimums: keep it at base or above.
    if (seen !== undefined) nodePools[home.name] = { readyNodes: home.elastic === undefined ? Math.max(seen.ready, home.baseNodes) : seen.ready, provisioningNodes: seen.provisioning };
  });
  const input: PlanningInput = {
    nowMs,
    inventory: { online: workloadsOnline, offline: workloadsOffline, nodePools: pools },
    forecasts,
    occurrences,
    observed: { workloads: observedWorkloads, nodePools, demandRps, offlineRemainingCoreHours: {} },
    settings: {
      slotMs,
      horizonMs: spec.slots * slotMs,
      applyLatencyMs: spec.applySeconds * SECOND_MS,
      scaleInStabilizationMs: spec.stabilizationMinutes * MINUTE_MS,
      planId: 'generated',
      minStepIntervalMs: spec.stepIntervalSlots * slotMs,
    },
  };
  return input;
});
