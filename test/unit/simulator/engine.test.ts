import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import type { EventOccurrence } from '../../../src/domain/calendar.ts';
import type { OfflineWorkload, OnlineWorkload } from '../../../src/domain/workload.ts';
import { runSimulation } from '../../../src/simulator/engine.ts';
import { simulationResultToJson } from '../../../src/simulator/result-json.ts';
import { buildScenario, type Scenario } from '../../../src/simulator/scenario.ts';
import { builtinStrategies } from '../../../src/simulator/strategies/index.ts';
import { kedaCronSettingsSchema } from '../../../src/simulator/strategies/keda-cron.ts';
import type { StrategyFactory } from '../../../src/simulator/strategy.ts';
import { TrafficModel } from '../../../src/simulator/traffic-model.ts';
import { offlineWorkload, onlineWorkload, pool } from '../adapters/memory/fixtures.ts';

const MINUTE = 60_000;

interface TinyOptions {
  /** Requests/s per minute bucket. */
  readonly minutes: readonly number[];
  readonly seed?: number;
  readonly nodes?: number;
  readonly offline?: OfflineWorkload[];
  readonly events?: EventOccurrence[];
  readonly settings?: Record<string, unknown>;
  readonly web?: Partial<OnlineWorkload>;
}

/** An invented scenario: one online workload whose demand follows `minutes`, with Poisson arrivals. */
function tinyScenario(options: TinyOptions): Scenario {
  const web = onlineWorkload({ name: 'web', rpsPerReplica: 100, startup: { p50Ms: 20_000, p95Ms: 45_000 }, minReplicas: 1, maxReplicas: 400, ...options.web });
  const offline = options.offline ?? [];
  const seed = options.seed ?? 3;
  const values = Float64Array.from(options.minutes);
  return buildScenario({
    name: 'tiny', description: 'invented', synthetic: true, trafficSource: 'test', source: 'test',
    startMs: 0, endMs: options.minutes.length * MINUTE, tickMs: 1000, seed,
    nodePools: [pool({ baseNodes: options.nodes ?? 40 })],
    online: [web], offline, events: options.events ?? [],
    traffic: new TrafficModel({
      startMs: 0, tickMs: 1000, seed,
      curves: [{ base: { startMs: 0, stepMs: MINUTE, values, unit: 'requests/s' }, interpolation: 'step', noise: 'poisson' }, ...offline.map(() => undefined)],
    }),
    strategySettings: options.settings ?? {},
  });
}

const registry = builtinStrategies();
const ALL = ['static-peak', 'hpa', 'keda-cron', 'oracle'];
const surge = [...Array(20).fill(1000), ...Array(15).fill(6000), ...Array(25).fill(1000)];

function scoreOf(result: Awaited<ReturnType<typeof runSimulation>>, strategy: string) {
  return result.scores.find((score) => score.strategy === strategy)!;
}

describe('the engine', () => {
  it('is deterministic: same scenario and seed → identical result; another seed → different', async () => {
    const run = (seed: number) => runSimulation(tinyScenario({ minutes: surge, seed }), { strategies: ALL, registry });
    const first = simulationResultToJson(await run(3));
    expect(simulationResultToJson(await run(3))).toBe(first);
    expect(simulationResultToJson(await run(4))).not.toBe(first);
  });

  it('fills every StrategyScore field and aligned timelines', async () => {
    const result = await runSimulation(tinyScenario({ minutes: surge }), { strategies: ALL, registry, maxTimelinePoints: 100 });
    expect(result.scores.map((score) => score.strategy)).toEqual(ALL);
    for (const score of result.scores) {
      for (const value of Object.values(score)) {
        if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
      }
      expect(score.demandRequests).toBeGreaterThan(0);
    }
    for (const timeline of result.timelines) {
      // 60 min in at most 100 points: 36 s buckets, rounded up to a whole minute.
      expect(timeline.stepMs).toBe(60_000);
      expect(timeline.online.web?.demandRps.length).toBe(60);
      expect(timeline.offlineCpuMillicores.length).toBe(60);
    }
    // Demand is the same for every strategy (same seed, same arrivals).
    expect(new Set(result.scores.map((score) => score.demandRequests)).size).toBe(1);
  });

  it('HPA lag shows as unserved demand at a 6× surge; static-peak and the oracle serve it all', async () => {
    const result = await runSimulation(tinyScenario({ minutes: surge }), { strategies: ALL, registry });
    expect(scoreOf(result, 'hpa').unservedRequests).toBeGreaterThan(0);
    expect(scoreOf(result, 'hpa').worstDeficitRps).toBeGreaterThan(1000);
    expect(scoreOf(result, 'static-peak').unservedRequests).toBe(0);
    expect(scoreOf(result, 'oracle').unservedRequests).toBe(0);
    expect(scoreOf(result, 'static-peak').scalingWrites).toBe(0);
  });

  it('property: the oracle serves everything and holds no more online core-hours than static-peak or a fully-serving HPA', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 8000 }), { minLength: 5, maxLength: 25 }), fc.integer({ min: 1, max: 1000 }),
      async (minutes, seed) => {
        const result = await runSimulation(tinyScenario({ minutes, seed, nodes: 80 }), { strategies: ['static-peak', 'hpa', 'oracle'], registry, workloadTimelines: false });
        const oracle = scoreOf(result, 'oracle');
        if (oracle.unservedRequests !== 0) return false;
        return result.scores.every((score) => score.unservedRequests > 0 || oracle.onlineCoreHours <= score.onlineCoreHours + 1e-9);
      },
    ), { numRuns: 25 });
  });

  it('keda-cron raises the HPA floor during its window and releases it after', async () => {
    const settings = { 'keda-cron': kedaCronSettingsSchema.parse({ floors: [{ workload: 'web', start: '1970-01-01T00:10:00Z', end: '1970-01-01T00:20:00Z', desiredReplicas: 50 }] }) };
    const result = await runSimulation(tinyScenario({ minutes: Array(30).fill(1000), settings }), { strategies: ['hpa', 'keda-cron'], registry, maxTimelinePoints: 30 });
    const replicas = result.timelines[1]!.online.web!.readyReplicas;
    expect(replicas[5]!).toBeLessThan(25);
    expect(replicas[15]!).toBeGreaterThanOrEqual(49);
    expect(result.timelines[0]!.online.web!.readyReplicas[15]!).toBeLessThan(25);
    // Two floor writes (raise, release) on top of what the HPA does.
    expect(scoreOf(result, 'keda-cron').scalingWrites).toBeGreaterThanOrEqual(scoreOf(result, 'hpa').scalingWrites + 2);
  });

  it('counts unserved seconds at event starts only within the first minute of an event', async () => {
    const event: EventOccurrence = {
      eventId: 'promo', kind: 'promotion', label: 'promo', startMs: 20 * MINUTE, endMs: 35 * MINUTE,
      event: { kind: 'promotion', id: 'promo', platform: 'p', startMs: 20 * MINUTE, durationMs: 15 * MINUTE, timeZone: 'UTC', rampMs: 0, uplift: { kind: 'expected', factor: 6 }, workloads: [] },
    };
    const result = await runSimulation(tinyScenario({ minutes: surge, events: [event] }), { strategies: ['hpa'], registry });
    const hpa = scoreOf(result, 'hpa');
    expect(hpa.unservedSecondsAtEventStarts).toBeGreaterThan(0);
    expect(hpa.unservedSecondsAtEventStarts).toBeLessThanOrEqual(60);
    expect(hpa.unservedSeconds).toBeGreaterThanOrEqual(hpa.unservedSecondsAtEventStarts);
  });

  it('timelines keep the worst second of a bucket for unserved demand (max), means for the rest', async () => {
    const result = await runSimulation(tinyScenario({ minutes: surge }), { strategies: ['hpa'], registry, maxTimelinePoints: 6 });
    const web = result.timelines[0]!.online.web!;
    const bucketOfSurgeStart = 2; // 10-minute buckets: minute 20 is the start of bucket 2
    expect(web.unservedRps[bucketOfSurgeStart]!).toBeGreaterThan(web.demandRps[bucketOfSurgeStart]! - web.readyCapacityRps[bucketOfSurgeStart]!);
  });

  it('offline work is scored: core-hours done and deadlines met', async () => {
    const batch = offlineWorkload({ name: 'batch', maxReplicas: 4, perReplica: { cpuMillicores: 2000, memoryBytes: 1024 ** 3 }, workCoreHours: 2, deadlineMs: 30 * MINUTE });
    const result = await runSimulation(tinyScenario({ minutes: Array(30).fill(500), offline: [batch] }), { strategies: ['static-peak'], registry });
    expect(result.scores[0]).toMatchObject({ offlineCoreHoursDone: 2, offlineDeadlinesMet: 1, offlineDeadlinesTotal: 1 });
  });

  it('an unknown strategy is bad input naming --strategies', async () => {
    await expect(runSimulation(tinyScenario({ minutes: [100] }), { strategies: ['nope'], registry })).rejects.toThrow(/--strategies: unknown strategy "nope"/);
  });

  it('runs a plug-in strategy that acts asynchronously through the Cluster port', async () => {
    const floorAt20: StrategyFactory<Record<string, never>> = {
      name: 'port-writer', description: 'test plug-in', usesForesight: false, settingsSchema: z.strictObject({}).prefault({}),
      create: () => ({
        actIntervalMs: MINUTE,
        start: (setup) => ({ initialReplicas: setup.scenario.workloads.map(() => 5), hpas: [] }),
        async act({ port, scenario }) {
          const ref = scenario.online[0]!.ref;
          await port.write({ kind: 'replicas', ref, replicas: 20, provenance: { planId: 'p', stepId: 's', reason: 'test', message: 'test', atMs: 0 } });
        },
      }),
    };
    const plugins = builtinStrategies().register(floorAt20);
    const result = await runSimulation(tinyScenario({ minutes: Array(5).fill(100) }), { strategies: ['port-writer'], registry: plugins, maxTimelinePoints: 5 });
    expect(result.scores[0]!.scalingWrites).toBe(1);
    expect(result.timelines[0]!.online.web!.readyReplicas[4]).toBe(20);
  });
});
