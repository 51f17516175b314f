/**
 * Small, hand-built inputs for the report tests. The traffic is SYNTHETIC (a smooth evening curve
 * with a promotion surge at 20:00 Asia/Shanghai) and labelled as such in the result it builds.
 */
import type { EventOccurrence, PromotionEvent } from '../../../src/domain/calendar.ts';
import type { Forecast } from '../../../src/domain/forecast.ts';
import type { CapacityPlan, PlanStep } from '../../../src/domain/plan.ts';
import type { RegularSeries } from '../../../src/domain/series.ts';
import type { Inventory } from '../../../src/domain/workload.ts';
import type { SimulationResult, StrategyScore, StrategyTimeline, WorkloadTimeline } from '../../../src/simulator/result.ts';

/** 2024-11-11 19:00 Asia/Shanghai. */
export const START_MS = Date.UTC(2024, 10, 11, 11, 0, 0);
const MINUTE_MS = 60_000;
/** 20:00 Asia/Shanghai: the promotion starts. */
export const SURGE_MS = START_MS + 60 * MINUTE_MS;

export function score(strategy: string, overrides: Partial<StrategyScore> = {}): StrategyScore {
  return {
    strategy,
    demandRequests: 1_000_000,
    unservedRequests: 0,
    unservedPercent: 0,
    unservedSeconds: 0,
    unservedSecondsAtEventStarts: 0,
    worstDeficitRps: 0,
    onlineCoreHours: 100,
    offlineCoreHoursDone: 50,
    offlineDeadlinesMet: 1,
    offlineDeadlinesTotal: 2,
    nodeHours: 20,
    cost: 40,
    scalingWrites: 10,
    timeToReadyMs: { mean: 30_000, p95: 45_000, max: 60_000, count: 5 },
    ...overrides,
  };
}

export const promotion: PromotionEvent = {
  kind: 'promotion', id: 'tmall-2000', platform: 'tmall', startMs: SURGE_MS, durationMs: 30 * MINUTE_MS,
  timeZone: 'Asia/Shanghai', rampMs: 60_000, uplift: { kind: 'expected', factor: 3 }, workloads: [],
};

export const promotionOccurrence: EventOccurrence = {
  eventId: promotion.id, kind: 'promotion', label: 'tmall 20:00 promotion', startMs: promotion.startMs,
  endMs: promotion.startMs + promotion.durationMs, event: promotion,
};

/** Demand (rps) at minute m of the fixture: a slow rise and a ×3 surge for 30 minutes from minute 60. */
export function demandAt(minute: number, baseRps: number): number {
  const evening = baseRps * (1 + 0.3 * Math.sin((minute / 120) * Math.PI));
  const surge = minute >= 60 && minute < 90 ? 2 * baseRps * Math.min(1, (minute - 60 + 1) / 2) : 0;
  return evening + surge;
}

interface StrategyShape {
  readonly strategy: string;
  /** Capacity reacts this many steps late (0 = perfect). */
  readonly lagSteps: number;
  /** Capacity = demand × headroom (static: flat at peak). */
  readonly headroom: number;
  readonly flat?: boolean;
}

function workloadTimeline(shape: StrategyShape, baseRps: number, steps: number, stepMinutes: number): WorkloadTimeline {
  const demandRps = new Float64Array(steps);
  const readyCapacityRps = new Float64Array(steps);
  const unservedRps = new Float64Array(steps);
  const readyReplicas = new Float64Array(steps);
  const peak = 3.4 * baseRps;
  for (let i = 0; i < steps; i += 1) {
    demandRps[i] = demandAt(i * stepMinutes, baseRps);
    const seen = demandAt(Math.max(0, i - shape.lagSteps) * stepMinutes, baseRps);
    readyCapacityRps[i] = shape.flat ? peak : Math.ceil((seen * shape.headroom) / 100) * 100;
    unservedRps[i] = Math.max(0, (demandRps[i] as number) - (readyCapacityRps[i] as number));
    readyReplicas[i] = (readyCapacityRps[i] as number) / 100;
  }
  return { demandRps, readyCapacityRps, unservedRps, readyReplicas };
}

export interface ResultFixtureOptions {
  readonly steps?: number;
  readonly stepMinutes?: number;
  readonly workloads?: readonly string[];
}

const shapes: readonly StrategyShape[] = [
  { strategy: 'static-peak', lagSteps: 0, headroom: 1, flat: true },
  { strategy: 'hpa', lagSteps: 2, headroom: 1.1 },
  { strategy: 'keda-cron', lagSteps: 1, headroom: 1.1 },
  { strategy: 'oracle', lagSteps: 0, headroom: 1 },
];

export function simulationResult(options: ResultFixtureOptions = {}): SimulationResult {
  const stepMinutes = options.stepMinutes ?? 1;
  const steps = options.steps ?? 180 / stepMinutes;
  const workloads = options.workloads ?? ['payment', 'refund'];
  const timelines: StrategyTimeline[] = shapes.map((shape) => {
    const online: Record<string, WorkloadTimeline> = {};
    workloads.forEach((name, index) => { online[name] = workloadTimeline(shape, 1000 / (index + 1), steps, stepMinutes); });
    const onlineCpuMillicores = new Float64Array(steps);
    for (const workload of Object.values(online)) {
      workload.readyReplicas.forEach((replicas, i) => { onlineCpuMillicores[i] = (onlineCpuMillicores[i] as number) + replicas * 1000; });
    }
    const clusterCpuMillicores = new Float64Array(steps).fill(200_000);
    const offlineCpuMillicores = onlineCpuMillicores.map((used) => Math.max(0, 200_000 - used - 20_000));
    return { strategy: shape.strategy, startMs: START_MS, stepMs: stepMinutes * MINUTE_MS, online, offlineCpuMillicores, onlineCpuMillicores, clusterCpuMillicores };
  });
  return {
    scenario: {
      name: 'report-fixture', synthetic: true, description: 'Hand-built fixture for report tests.',
      trafficSource: 'synthetic: evening curve with a ×3 promotion surge at 20:00 Asia/Shanghai',
      startMs: START_MS, endMs: START_MS + steps * stepMinutes * MINUTE_MS, tickMs: 1000, seed: 7,
    },
    scores: [
      score('static-peak', { onlineCoreHours: 240, offlineCoreHoursDone: 20, nodeHours: 30, cost: 60, scalingWrites: 0 }),
      score('hpa', { unservedRequests: 52_000, unservedPercent: 5.2, unservedSeconds: 240, unservedSecondsAtEventStarts: 60, worstDeficitRps: 1900, onlineCoreHours: 150, offlineCoreHoursDone: 60, scalingWrites: 40 }),
      score('keda-cron', { unservedRequests: 12_000, unservedPercent: 1.2, unservedSeconds: 120, unservedSecondsAtEventStarts: 30, worstDeficitRps: 950, onlineCoreHours: 160, offlineCoreHoursDone: 58, scalingWrites: 44 }),
      score('oracle', { onlineCoreHours: 120, offlineCoreHoursDone: 60, offlineDeadlinesMet: 2, scalingWrites: 90, timeToReadyMs: { mean: 20_000, p95: 30_000, max: 31_000, count: 12 } }),
    ],
    timelines,
    events: [promotionOccurrence],
  };
}

/** A forecast over the fixture's three hours at 1-minute buckets with three components. */
export function forecast(): Forecast {
  const buckets = 180;
  const baseline = new Float64Array(buckets);
  const retail = new Float64Array(buckets);
  const promo = new Float64Array(buckets);
  for (let i = 0; i < buckets; i += 1) {
    baseline[i] = 1000 * (1 + 0.3 * Math.sin((i / 120) * Math.PI));
    retail[i] = i < 150 ? 200 : 50;
    promo[i] = i >= 60 && i < 90 ? 2000 * Math.min(1, (i - 60 + 1) / 2) : 0;
  }
  const p50 = baseline.map((value, i) => value + (retail[i] as number) + (promo[i] as number));
  return {
    workload: 'payment', issuedAtMs: START_MS, startMs: START_MS, stepMs: MINUTE_MS, unit: 'requests/s',
    quantiles: [0.5, 0.9, 0.99],
    bands: [p50, p50.map((value) => value * 1.15), p50.map((value) => value * 1.35)],
    components: [
      { kind: 'baseline', name: 'baseline', values: baseline },
      { kind: 'offline-retail', name: 'offline-retail:evening', values: retail },
      { kind: 'promotion', name: 'promotion:tmall-2000', values: promo },
    ],
    model: 'seasonal(1d,7d)+events+reserve',
  };
}

/** The hour before the forecast plus its first hour, as observed (per minute). */
export function history(): RegularSeries {
  const values = new Float64Array(120);
  for (let i = 0; i < values.length; i += 1) values[i] = 900 + 100 * Math.sin(i / 9) + (i >= 60 ? 150 : 0);
  values[20] = Number.NaN;
  return { startMs: START_MS - 60 * MINUTE_MS, stepMs: MINUTE_MS, values, unit: 'requests/s' };
}

export const inventory: Inventory = {
  online: [{
    class: 'online', name: 'payment', ref: { apiKind: 'Deployment', namespace: 'pay', name: 'payment' },
    rpsPerReplica: 100, perReplica: { cpuMillicores: 1000, memoryBytes: 2 ** 31 }, startup: { p50Ms: 20_000, p95Ms: 45_000 },
    minReplicas: 4, maxReplicas: 80, priority: 100, demandQuantile: 0.99,
  }],
  offline: [{
    class: 'offline', name: 'settlement', ref: { apiKind: 'Deployment', namespace: 'batch', name: 'settlement' },
    priority: 10, minReplicas: 0, maxReplicas: 60, perReplica: { cpuMillicores: 2000, memoryBytes: 2 ** 32 }, drainMs: 30_000,
  }],
  nodePools: [{ name: 'general', perNode: { cpuMillicores: 32_000, memoryBytes: 2 ** 37 }, baseNodes: 5, costPerNodeHour: 2 }],
};

function step(partial: Pick<PlanStep, 'workload' | 'effectiveAtMs' | 'fromReplicas' | 'toReplicas' | 'direction' | 'reason' | 'message'>): PlanStep {
  return { id: `${partial.workload}-${partial.effectiveAtMs}`, readyByMs: partial.effectiveAtMs + 2 * MINUTE_MS, ...partial };
}

/** A plan over the fixture's three hours in 1-minute slots: offline gives way to payment for the surge. */
export function plan(): CapacityPlan {
  const slots = 180;
  const payment = new Int32Array(slots);
  const settlement = new Int32Array(slots);
  for (let i = 0; i < slots; i += 1) {
    payment[i] = i >= 57 && i < 95 ? 46 : 16;
    settlement[i] = i >= 56 && i < 96 ? 30 : 45;
  }
  return {
    id: 'plan-fixture', createdAtMs: START_MS, startMs: START_MS, slotMs: MINUTE_MS, slotCount: slots,
    replicas: { payment, settlement },
    nodes: { general: new Int32Array(slots).fill(5) },
    steps: [
      step({ workload: 'settlement', effectiveAtMs: START_MS + 56 * MINUTE_MS, fromReplicas: 45, toReplicas: 30, direction: 'release', reason: 'offline-release', message: 'settlement gives 30 cores back 4m before the tmall 20:00 promotion' }),
      step({ workload: 'payment', effectiveAtMs: START_MS + 57 * MINUTE_MS, fromReplicas: 16, toReplicas: 46, direction: 'acquire', reason: 'forecast-increase', message: 'p99 forecast 4.6k rps at 20:01 needs 46 replicas of 100 rps' }),
      step({ workload: 'payment', effectiveAtMs: START_MS + 95 * MINUTE_MS, fromReplicas: 46, toReplicas: 16, direction: 'release', reason: 'scale-in-after-peak', message: 'promotion over and 5m stabilization passed' }),
      step({ workload: 'settlement', effectiveAtMs: START_MS + 96 * MINUTE_MS, fromReplicas: 30, toReplicas: 45, direction: 'acquire', reason: 'offline-restore', message: 'settlement takes its cores back after the peak' }),
    ],
    shortfalls: [],
    brownoutOrder: ['refund', 'payment'],
  };
}
