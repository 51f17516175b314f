/**
 * The chuanliu strategy's own pieces: the history it forecasts from (before the run, then only what
 * monitoring reported), the per-second burst spread it learns, the provisioning margin on the
 * forecast bands, the planner's view of the cluster, and its settings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LivestreamSession, PeakCalendar } from '../../../src/domain/calendar.ts';
import { eventOccurrences } from '../../../src/domain/calendar-occurrences.ts';
import type { Forecast } from '../../../src/domain/forecast.ts';
import type { Inventory } from '../../../src/domain/workload.ts';
import { historyWindow, meanPerBucket, syntheticHistorySource, traceHistorySource } from '../../../src/simulator/demand-history.ts';
import { chuanliuSettingsSchema } from '../../../src/simulator/strategies/chuanliu.ts';
import { BurstEstimator } from '../../../src/simulator/strategies/chuanliu/burst-estimator.ts';
import { bandAt, pulseTopRps, withMargin } from '../../../src/simulator/strategies/chuanliu/forecasts.ts';
import { HistoryBuffer } from '../../../src/simulator/strategies/chuanliu/history-buffer.ts';
import { observedStateFrom } from '../../../src/simulator/strategies/chuanliu/observed-state.ts';
import { createRng } from '../../../src/domain/random.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 11, 9, 0, 0);

describe('demand history before the run', () => {
  const trace = { startMs: T0 - 10 * MINUTE, stepMs: MINUTE, values: Float64Array.from([1, 2, 3, 4, Number.NaN, 6, 7, 8, 9, 10, 11, 12]), unit: 'requests/s' };

  it.each([
    { name: 'same buckets', bucketMs: MINUTE, fromMs: T0 - 4 * MINUTE, toMs: T0, expected: [7, 8, 9, 10] },
    { name: 'two-minute means', bucketMs: 2 * MINUTE, fromMs: T0 - 10 * MINUTE, toMs: T0, expected: [1.5, 3.5, 6, 7.5, 9.5] },
    { name: 'a gap covers half a bucket: the rest stands', bucketMs: 2 * MINUTE, fromMs: T0 - 7 * MINUTE, toMs: T0 - 5 * MINUTE, expected: [4] },
    { name: 'before the trace: NaN', bucketMs: MINUTE, fromMs: T0 - 12 * MINUTE, toMs: T0 - 10 * MINUTE, expected: [Number.NaN, Number.NaN] },
    { name: 'half-minute offset: time-weighted', bucketMs: MINUTE, fromMs: T0 - 9.5 * MINUTE, toMs: T0 - 8.5 * MINUTE, expected: [1.5] },
  ])('meanPerBucket: $name', ({ bucketMs, fromMs, toMs, expected }) => {
    expect(Array.from(meanPerBucket(trace, fromMs, toMs, bucketMs))).toEqual(expected);
  });

  it('a history window ends exactly at beforeMs, never reads at or after it, and takes the coarser step', () => {
    const source = traceHistorySource({ ...trace, values: Float64Array.from([...trace.values, 999, 999]) }, 'test trace');
    const window = historyWindow(source, { beforeMs: T0, spanMs: 3 * MINUTE, bucketMs: 30_000 });
    expect(window?.series).toMatchObject({ startMs: T0 - 3 * MINUTE, stepMs: MINUTE });
    expect(Array.from(window?.series.values ?? [])).toEqual([8, 9, 10]);
    expect(window?.synthetic).toBe(false);
  });

  it('has no window when the source has nothing before the start', () => {
    const source = traceHistorySource({ ...trace, startMs: T0 }, 'starts with the run');
    expect(historyWindow(source, { beforeMs: T0, spanMs: 60 * MINUTE, bucketMs: MINUTE })).toBeUndefined();
  });

  it('synthetic history is labelled SYNTHETIC, seeded, and has the daily cycle of the replay', () => {
    const calendar: PeakCalendar = { name: 'empty', synthetic: true, source: 'test', events: [], regions: [] };
    const options = {
      calendar, workload: 'payment', noiseCv: 0.03, replayStepMs: 1_000, seed: 7,
      baseline: { meanRps: 1000, dailyAmplitude: 0.5, peakHourLocal: 20, timeZone: 'UTC' },
    };
    const source = syntheticHistorySource(options);
    const request = { beforeMs: T0, spanMs: 2 * 86_400_000, bucketMs: 10 * MINUTE };
    const first = historyWindow(source, request);
    const again = historyWindow(syntheticHistorySource(options), request);
    expect(first?.synthetic).toBe(true);
    expect(first?.note).toMatch(/^SYNTHETIC/);
    expect(first?.series.values).toEqual(again?.series.values);
    const values = Array.from(first?.series.values ?? []);
    expect(values).toHaveLength(288);
    // Peak near 20:00 UTC, trough near 08:00 UTC: a 3:1 daily swing at amplitude 0.5.
    expect(Math.max(...values) / Math.min(...values)).toBeGreaterThan(2.5);
  });
});

describe('HistoryBuffer: the history extended only by observed windows', () => {
  it('averages windows into buckets and appends a bucket once its end is observed', () => {
    const buffer = new HistoryBuffer({ prior: { startMs: T0 - 2 * MINUTE, stepMs: MINUTE, values: Float64Array.from([5, 6]), unit: 'requests/s' }, stepMs: MINUTE, startMs: T0 });
    for (let k = 0; k < 12; k++) buffer.observe(T0 + k * 5_000, T0 + (k + 1) * 5_000, k < 6 ? 10 : 20);
    buffer.observe(T0 + MINUTE, T0 + MINUTE + 30_000, 40);
    expect(Array.from(buffer.series().values)).toEqual([5, 6, 15]);
    expect(buffer.endMs).toBe(T0 + MINUTE);
    buffer.observe(T0 + MINUTE + 30_000, T0 + 2 * MINUTE, Number.NaN);
    expect(Array.from(buffer.series().values)).toEqual([5, 6, 15, 40]);
  });

  it('a bucket observed less than half is a gap (NaN), never zero', () => {
    const buffer = new HistoryBuffer({ stepMs: MINUTE, startMs: T0 });
    buffer.observe(T0, T0 + 20_000, 8);
    buffer.observe(T0 + 20_000, T0 + MINUTE, Number.NaN);
    expect(Number.isNaN(buffer.lastValue())).toBe(true);
    expect(buffer.finiteCount()).toBe(0);
  });

  it('property: windows cut anywhere give the same buckets as whole-bucket windows (rate spread evenly)', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
      (rates, cutsSeconds) => {
        const whole = new HistoryBuffer({ stepMs: MINUTE, startMs: T0 });
        rates.forEach((rate, bucket) => whole.observe(T0 + bucket * MINUTE, T0 + (bucket + 1) * MINUTE, rate));
        const cut = new HistoryBuffer({ stepMs: MINUTE, startMs: T0 });
        const endMs = T0 + rates.length * MINUTE;
        let atMs = T0;
        let index = 0;
        while (atMs < endMs) {
          // Windows never straddle a rate change here: cut at bucket edges too.
          const bucketEnd = T0 + (Math.floor((atMs - T0) / MINUTE) + 1) * MINUTE;
          const toMs = Math.min(endMs, bucketEnd, atMs + (cutsSeconds[index % cutsSeconds.length] as number) * 1000);
          cut.observe(atMs, toMs, rates[Math.floor((atMs - T0) / MINUTE)] as number);
          atMs = toMs;
          index++;
        }
        const a = Array.from(whole.series().values);
        const b = Array.from(cut.series().values);
        expect(b).toHaveLength(a.length);
        b.forEach((value, i) => expect(value).toBeCloseTo(a[i] as number, 6));
      },
    ));
  });
});

describe('BurstEstimator: per-second spread beyond Poisson arrivals', () => {
  function draw(options: { rate: number; cv: number; samples: number; seed: number }): BurstEstimator {
    const rng = createRng(options.seed);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const estimator = new BurstEstimator({ priorCv: 0.5, minSamples: 24, maxSamples: 5000 });
    for (let k = 0; k < options.samples; k++) {
      const level = options.rate * (1 + options.cv * normal());
      const second = level + Math.sqrt(level) * normal();
      estimator.add(second, options.rate);
    }
    return estimator;
  }

  it.each([
    { name: 'Poisson arrivals only', rate: 2000, cv: 0, expectedBelow: 0.01 },
    { name: '3 % extra spread (the synthetic double-11 traffic)', rate: 12_000, cv: 0.03, expectedNear: 0.03 },
    { name: '10 % extra spread', rate: 500, cv: 0.1, expectedNear: 0.1 },
  ])('learns $name', ({ rate, cv, expectedBelow, expectedNear }) => {
    const learned = draw({ rate, cv, samples: 3000, seed: 11 }).cv();
    if (expectedBelow !== undefined) expect(learned).toBeLessThan(expectedBelow);
    if (expectedNear !== undefined) expect(Math.abs(learned - expectedNear)).toBeLessThan(expectedNear * 0.15);
  });

  it('keeps the prior until enough seconds were seen, and ignores unknown samples', () => {
    const estimator = new BurstEstimator({ priorCv: 0.2, minSamples: 3, maxSamples: 10 });
    estimator.add(Number.NaN, 100);
    estimator.add(100, 0);
    estimator.add(100, 100);
    expect(estimator.samples).toBe(1);
    expect(estimator.cv()).toBe(0.2);
  });
});

describe('provisioning bands', () => {
  const forecast: Forecast = {
    workload: 'checkout', issuedAtMs: T0, startMs: T0, stepMs: MINUTE, unit: 'requests/s',
    quantiles: [0.5, 0.99],
    bands: [Float64Array.from([100, 100, 400, 400]), Float64Array.from([100, 200, 400, 400])],
    components: [], model: 'test',
    reserves: [{ kind: 'pulse-reserve', name: 'pulse-reserve:p99', quantile: 0.99, values: Float64Array.from([0, 100, 0, 0]) }],
  };
  const none = { headroomFraction: 0, arrivalNoiseSigmas: 0, burstCv: 0 };

  it.each([
    { name: 'nothing added', margin: none, slotMs: MINUTE, expected: [100, 200, 400, 400] },
    { name: '10 % headroom', margin: { ...none, headroomFraction: 0.1 }, slotMs: MINUTE, expected: [110, 220, 440, 440] },
    { name: '3 Poisson spreads per second', margin: { ...none, arrivalNoiseSigmas: 3 }, slotMs: MINUTE, expected: [130, 200 + 3 * Math.sqrt(200), 460, 460] },
    { name: 'burst cv 10 %', margin: { ...none, arrivalNoiseSigmas: 1, burstCv: 0.1 }, slotMs: MINUTE, expected: [100 + Math.sqrt(200), 200 + Math.sqrt(600), 400 + Math.sqrt(2000), 400 + Math.sqrt(2000)] },
    { name: 'pulse reserve left to the guard', margin: { ...none, withoutPulseReserve: true }, slotMs: MINUTE, expected: [100, 100, 400, 400] },
    { name: 'buckets coarser than a slot: top of the line between centres', margin: none, slotMs: 30_000, expected: [150, 300, 400, 400] },
  ])('$name', ({ margin, slotMs, expected }) => {
    const provisioned = withMargin(forecast, margin, slotMs);
    Array.from(provisioned.bands[1] as Float64Array).forEach((value, i) => expect(value).toBeCloseTo(expected[i] as number, 9));
    expect(provisioned.bands[0]).toEqual(forecast.bands[0]);
  });

  it('adds the top second of a calendar pulse above its bucket mean', () => {
    const session: LivestreamSession = {
      kind: 'livestream', id: 'host-a', host: 'host-a', startMs: T0 + MINUTE, durationMs: 20 * MINUTE,
      expectedPeakRps: 6000, pulse: { riseMs: 10_000, decayHalfLifeMs: 60_000 }, workloads: [],
    };
    const calendar: PeakCalendar = { name: 'c', synthetic: true, source: 't', events: [session], regions: [] };
    const tops = pulseTopRps(forecast, eventOccurrences(calendar, T0, T0 + 10 * MINUTE));
    expect(tops[0]).toBe(0);
    // First minute of the pulse: peak 6000 against a mean of 6000 × 43 s / 60 s.
    expect(tops[1]).toBeGreaterThan(1500);
    expect(tops[1]).toBeLessThan(2000);
    // Later minutes decay: the top is the bucket's first second.
    expect(tops[2]).toBeGreaterThan(0);
    expect(tops[2]).toBeLessThan(tops[1] as number);
  });

  it('reads a band at a time, NaN outside the forecast', () => {
    expect(bandAt(forecast, 0.99, T0 + 90_000)).toBe(200);
    expect(Number.isNaN(bandAt(forecast, 0.99, T0 - 1))).toBe(true);
    expect(Number.isNaN(bandAt(undefined, 0.99, T0))).toBe(true);
  });
});

describe('the planner\'s view of the cluster', () => {
  const inventory: Inventory = {
    nodePools: [{ name: 'shared', perNode: { cpuMillicores: 32_000, memoryBytes: 128 * 1024 ** 3 }, baseNodes: 4, costPerNodeHour: 1 }],
    online: [
      { class: 'online', name: 'payment', ref: { apiKind: 'Deployment', namespace: 'payments', name: 'payment-api' }, hpaName: 'payment-api', rpsPerReplica: 250, perReplica: { cpuMillicores: 2000, memoryBytes: 4 * 1024 ** 3 }, startup: { p50Ms: 20_000, p95Ms: 45_000 }, minReplicas: 20, maxReplicas: 600, priority: 100, demandQuantile: 0.99 },
      { class: 'online', name: 'refund', ref: { apiKind: 'Deployment', namespace: 'payments', name: 'refund-api' }, rpsPerReplica: 150, perReplica: { cpuMillicores: 1500, memoryBytes: 2 * 1024 ** 3 }, startup: { p50Ms: 15_000, p95Ms: 30_000 }, minReplicas: 4, maxReplicas: 120, priority: 80, demandQuantile: 0.99 },
    ],
    offline: [
      { class: 'offline', name: 'settlement', ref: { apiKind: 'StatefulSet', namespace: 'batch', name: 'settlement-workers' }, priority: 50, minReplicas: 2, maxReplicas: 60, perReplica: { cpuMillicores: 4000, memoryBytes: 8 * 1024 ** 3 }, workCoreHours: 800, drainMs: 120_000 },
    ],
  };

  it('reads the HPA floor for an HPA-managed workload, replicas otherwise, and drops unknown figures', () => {
    const observed = observedStateFrom({
      inventory,
      snapshot: {
        takenAtMs: T0,
        workloads: [
          { ref: inventory.online[0]!.ref, desiredReplicas: 140, readyReplicas: 138, hpa: { name: 'payment-api', minReplicas: 100, maxReplicas: 600, currentReplicas: 140 }, annotations: {} },
          { ref: inventory.online[1]!.ref, desiredReplicas: 12, readyReplicas: 12, annotations: {} },
          { ref: { apiKind: 'Deployment', namespace: 'other', name: 'unmanaged' }, desiredReplicas: 3, readyReplicas: 3, annotations: {} },
        ],
        nodePools: [{ pool: 'shared', readyNodes: 4, provisioningNodes: 0, allocatableCpuMillicores: 128_000, allocatableMemoryBytes: 512 * 1024 ** 3 }],
      },
      demandRps: new Map([['payment', 24_000], ['refund', Number.NaN]]),
      offlineRemainingCoreHours: new Map([['settlement', -3]]),
    });
    expect(observed.workloads).toEqual({ payment: { desiredReplicas: 100, readyReplicas: 138 }, refund: { desiredReplicas: 12, readyReplicas: 12 } });
    expect(observed.nodePools).toEqual({ shared: { readyNodes: 4, provisioningNodes: 0 } });
    expect(observed.demandRps).toEqual({ payment: 24_000 });
    expect(observed.offlineRemainingCoreHours).toEqual({ settlement: 0 });
  });
});

describe('chuanliu settings', () => {
  it('defaults: 5 s samples, re-plan every 5 min, re-forecast every 15 min, 30 min event hold, HPA as a net', () => {
    const settings = chuanliuSettingsSchema.parse(undefined);
    expect(settings).toMatchObject({
      sampleInterval: 5_000, replanInterval: 300_000, reforecastInterval: 900_000,
      planning: { slot: 60_000, horizon: 21_600_000, applyLatency: 15_000, scaleInStabilization: 300_000, eventHold: 1_800_000 },
      guard: { bandQuantile: 0.99, consecutiveSamples: 2, headroomFactor: 1.5, trendHorizon: 60_000 },
      hpa: { metric: 'requests', scope: 'all', targetFrom: 'spread', minTargetUtilization: 60, maxTargetUtilization: 90, floorUtilization: 100 },
    });
  });

  it.each([
    { name: 'a bare number as a duration', input: { replanInterval: 300 }, path: 'replanInterval' },
    { name: 'an unknown field', input: { planning: { slots: '1m' } }, path: 'planning' },
    { name: 'a quantile of 1', input: { forecast: { quantile: 1 } }, path: 'forecast.quantile' },
    { name: 'an event hold that is neither `event` nor a duration', input: { planning: { eventHold: 'always' } }, path: 'planning.eventHold' },
  ])('rejects $name', ({ input, path }) => {
    const parsed = chuanliuSettingsSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});
