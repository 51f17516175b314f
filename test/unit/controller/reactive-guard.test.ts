import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  INITIAL_GUARD_STATE, observeGuard, projectedRps, sizeEmergency, validateGuardConfig,
  type GuardCapacityContext, type GuardConfig, type GuardDecision, type GuardState,
} from '../../../src/controller/reactive-guard.ts';
import { offline, online, T0 } from './fixtures.ts';

const config: GuardConfig = { toleranceFraction: 0.1, consecutiveSamples: 3, headroomFactor: 1.2, coolDownMs: 300_000, stabilizationMs: 120_000, trendHorizonMs: 0 };

const pay = online('pay', { rpsPerReplica: 100, minReplicas: 2, maxReplicas: 200 });
const context: GuardCapacityContext = {
  workload: pay,
  currentReplicas: 10,
  freeCpuMillicores: 4_000,
  freeMemoryBytes: 1024 ** 4,
  offline: [
    { workload: offline('etl', { priority: 1 }), replicas: 20 },
    { workload: offline('settle', { priority: 2, minReplicas: 2 }), replicas: 10 },
    { workload: offline('reports', { priority: 0 }), replicas: 1 },
  ],
};

/** Feeds samples 10 s apart (band 1000 rps unless given) and returns "t=<s> <kind> <target>" lines. */
function run(observed: ReadonlyArray<number | [number, number]>, options: { context?: GuardCapacityContext } = {}) {
  let state: GuardState = INITIAL_GUARD_STATE;
  const decisions: GuardDecision[] = [];
  observed.forEach((entry, index) => {
    const [observedRps, bandRps] = Array.isArray(entry) ? entry : [entry, 1000];
    const result = observeGuard(state, { timeMs: T0 + index * 10_000, observedRps, bandRps }, config, options.context ?? context);
    state = result.state;
    if (result.decision !== undefined) decisions.push(result.decision);
  });
  const lines = decisions.map((decision) => `t=${(decision.atMs - T0) / 1000} ${decision.kind}${decision.kind === 'release' ? '' : ` ${decision.targetReplicas}`}`);
  return { decisions, lines, state };
}

const repeat = (value: number, count: number): number[] => Array.from({ length: count }, () => value);

describe('reactive guard state machine', () => {
  it.each([
    { name: 'demand within the tolerance never triggers', samples: repeat(1090, 20), expected: [] },
    { name: 'two breaches then a calm sample reset the count', samples: [1500, 1500, 900, 1500, 1500, 900], expected: [] },
    { name: 'three breaches in a row engage at once', samples: [1500, 1500, 1500], expected: ['t=20 engage 18'] },
    { name: 'a missing sample neither counts nor resets', samples: [1500, Number.NaN, 1500, 1500], expected: ['t=30 engage 18'] },
    { name: 'a missing band neither counts nor resets', samples: [1500, [1500, Number.NaN] as [number, number], 1500, 1500], expected: ['t=30 engage 18'] },
    { name: 'demand that keeps climbing raises the floor', samples: [1500, 1500, 1500, 3000, 2000], expected: ['t=20 engage 18', 't=30 raise 36'] },
    {
      name: 'the floor is held through the cool-down, then released after the stabilization window',
      // engaged at 20 s, calm from 30 s: cool-down ends at 320 s, stabilization (120 s) at 150 s.
      samples: [1500, 1500, 1500, ...repeat(800, 40)],
      expected: ['t=20 engage 18', 't=320 release'],
    },
    {
      name: 'a breach after the engagement restarts the stabilization window',
      // calm from 30 s, a breach at 290 s (no raise: 1200 × 1.2 / 100 = 15 < 18), calm from 300 s → release at 420 s.
      samples: [1500, 1500, 1500, ...repeat(800, 26), 1200, ...repeat(800, 20)],
      expected: ['t=20 engage 18', 't=420 release'],
    },
    {
      name: 'missing data during an emergency never releases it',
      samples: [1500, 1500, 1500, ...repeat(Number.NaN, 60), ...repeat(800, 13)],
      expected: ['t=20 engage 18', 't=750 release'],
    },
    {
      name: 'a second pulse after the release engages again',
      samples: [1500, 1500, 1500, ...repeat(800, 30), 2000, 2000, 2000],
      expected: ['t=20 engage 18', 't=320 release', 't=350 engage 24'],
    },
  ])('$name', ({ samples, expected }) => {
    expect(run(samples).lines).toEqual(expected);
  });

  it('records the forecast miss from the first breaching sample, with its peak and end', () => {
    const { decisions } = run([1300, 1500, 1400, 2500, ...repeat(800, 40)]);
    expect(decisions[0]).toMatchObject({ kind: 'engage', miss: { workload: 'pay', startMs: T0, observedRps: 1400, bandRps: 1000, peakObservedRps: 1400 } });
    expect(decisions.at(-1)).toMatchObject({ kind: 'release', miss: { startMs: T0, peakObservedRps: 2500, endMs: T0 + 320_000 } });
  });

  it('explains the engagement in one line', () => {
    const { decisions } = run([1500, 1500, 1500]);
    expect(decisions[0]?.message).toBe(
      'pay: observed 1500 rps left the forecast band 1000 rps for 3 samples since 2024-11-11T11:50:00.000Z;'
      + ' emergency floor 18 replicas; taken from offline: reports 1→0, etl 20→17',
    );
  });
});

describe('emergency sizing', () => {
  it.each([
    {
      name: 'free capacity first, then offline by ascending priority',
      observedRps: 1500, context,
      expected: { targetReplicas: 18, wantedReplicas: 18, shortfallReplicas: 0, offlineCaps: [{ workload: 'reports', fromReplicas: 1, toReplicas: 0 }, { workload: 'etl', fromReplicas: 20, toReplicas: 17 }] },
    },
    {
      name: 'free capacity alone when it suffices',
      observedRps: 1100, context,
      expected: { targetReplicas: 14, wantedReplicas: 14, shortfallReplicas: 0, offlineCaps: [] },
    },
    {
      name: 'offline never below its minimum; the rest is a shortfall',
      observedRps: 5000,
      context: { ...context, offline: [{ workload: offline('settle', { minReplicas: 8 }), replicas: 10 }] },
      expected: { targetReplicas: 16, wantedReplicas: 60, shortfallReplicas: 44, offlineCaps: [{ workload: 'settle', fromReplicas: 10, toReplicas: 8 }] },
    },
    {
      name: 'the workload maximum bounds the floor',
      observedRps: 100_000, context: { ...context, freeCpuMillicores: 1_000_000 },
      expected: { targetReplicas: 200, wantedReplicas: 200, shortfallReplicas: 0, offlineCaps: [] },
    },
    {
      name: 'never below what the workload already has',
      observedRps: 500, context: { ...context, currentReplicas: 30 },
      expected: { targetReplicas: 30, wantedReplicas: 6, shortfallReplicas: 0, offlineCaps: [] },
    },
  ])('$name', ({ observedRps, context: sizingContext, expected }) => {
    expect(sizeEmergency(observedRps, config, sizingContext)).toEqual(expected);
  });

  it('funds exactly what it asks for: freed + free capacity covers the added replicas', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 50_000 }),
      fc.integer({ min: 2, max: 60 }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.array(fc.record({ replicas: fc.integer({ min: 0, max: 30 }), min: fc.integer({ min: 0, max: 5 }), priority: fc.integer({ min: 0, max: 9 }), cpu: fc.integer({ min: 250, max: 4000 }) }), { maxLength: 5 }),
      (observedRps, currentReplicas, freeCpuMillicores, donors) => {
        const sizing = sizeEmergency(observedRps, config, {
          workload: pay, currentReplicas, freeCpuMillicores, freeMemoryBytes: 1024 ** 5,
          offline: donors.map((donor, index) => ({
            workload: offline(`o${index}`, { priority: donor.priority, minReplicas: donor.min, perReplica: { cpuMillicores: donor.cpu, memoryBytes: 1 } }),
            replicas: Math.max(donor.replicas, donor.min),
          })),
        });
        const freed = sizing.offlineCaps.reduce((sum, cap) => sum + (cap.fromReplicas - cap.toReplicas) * (donors[Number(cap.workload.slice(1))]?.cpu ?? 0), 0);
        expect(sizing.targetReplicas).toBeGreaterThanOrEqual(currentReplicas);
        expect((sizing.targetReplicas - currentReplicas) * 1000).toBeLessThanOrEqual(freeCpuMillicores + freed);
        expect(sizing.targetReplicas + sizing.shortfallReplicas).toBe(Math.max(sizing.wantedReplicas, currentReplicas));
        for (const cap of sizing.offlineCaps) {
          const donor = donors[Number(cap.workload.slice(1))];
          expect(cap.toReplicas).toBeGreaterThanOrEqual(donor?.min ?? 0);
        }
      },
    ), { numRuns: 300 });
  });
});

describe('guard config', () => {
  it('refuses nonsense with every problem named', () => {
    expect(() => validateGuardConfig({ ...config, consecutiveSamples: 0, headroomFactor: 0.5 }))
      .toThrow('guard config: consecutiveSamples must be a whole number ≥ 1, got 0; headroomFactor must be ≥ 1, got 0.5');
  });
});

describe('trend sizing (trendHorizonMs)', () => {
  const trend: GuardConfig = { ...config, trendHorizonMs: 60_000 };

  it.each([
    { name: 'steady breach: the level × headroom', from: 1500, observed: 1500, expected: 1500 },
    { name: 'falling rate: the level', from: 3000, observed: 1500, expected: 1500 },
    { name: 'slow climb whose projection stays under level × headroom: the level', from: 1450, observed: 1500, expected: 1500 },
    // +1000 rps in 20 s → +3000 rps in 60 s: 4500 ahead, sized as 4500 / 1.2 before the headroom.
    { name: 'steep climb: the rate 60 s ahead', from: 500, observed: 1500, expected: 4500 / 1.2 },
  ])('$name', ({ from, observed, expected }) => {
    expect(projectedRps({ timeMs: T0, rps: from }, { timeMs: T0 + 20_000, observedRps: observed, bandRps: 1000 }, trend)).toBeCloseTo(expected, 9);
  });

  it('never sizes below the level sizing, and grows with the climb (property)', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 1e5, noNaN: true }), fc.integer({ min: 1, max: 120_000 }), (fromRps, observedRps, spanMs) => {
      const sample = { timeMs: T0 + spanMs, observedRps, bandRps: 1 };
      const projected = projectedRps({ timeMs: T0, rps: fromRps }, sample, trend);
      expect(projected).toBeGreaterThanOrEqual(observedRps);
      expect(projectedRps({ timeMs: T0, rps: fromRps * 0.5 }, sample, trend)).toBeGreaterThanOrEqual(projected - 1e-9);
      expect(projectedRps({ timeMs: T0, rps: fromRps }, sample, { ...trend, trendHorizonMs: 0 })).toBe(observedRps);
    }));
  });

  it('engages on a climbing pulse with the floor for where it will be, not where the lagged rate was', () => {
    let state: GuardState = INITIAL_GUARD_STATE;
    const decisions: GuardDecision[] = [];
    [1200, 1800, 2400].forEach((observedRps, index) => {
      const result = observeGuard(state, { timeMs: T0 + index * 5_000, observedRps, bandRps: 1000 }, trend, context);
      state = result.state;
      if (result.decision !== undefined) decisions.push(result.decision);
    });
    expect(decisions).toHaveLength(1);
    // Level sizing would ask ceil(2400 × 1.2 / 100) = 29; the trend (+1200 rps in 10 s) gives 2400 + 7200 = 9600 rps → 96.
    expect(decisions[0]).toMatchObject({ kind: 'engage', wantedReplicas: 96, atMs: T0 + 10_000 });
  });

  it.each([
    { name: 'two samples 5 s apart engage 5 s after the signal crossed the band', consecutive: 2, engagedAfterMs: 5_000 },
    { name: 'three samples engage after 10 s', consecutive: 3, engagedAfterMs: 10_000 },
  ])('engage latency: $name', ({ consecutive, engagedAfterMs }) => {
    let state: GuardState = INITIAL_GUARD_STATE;
    let engagedAt: number | undefined;
    for (let index = 0; index < 10 && engagedAt === undefined; index++) {
      const result = observeGuard(state, { timeMs: T0 + index * 5_000, observedRps: 2000, bandRps: 1000 }, { ...trend, consecutiveSamples: consecutive }, context);
      state = result.state;
      if (result.decision?.kind === 'engage') engagedAt = result.decision.atMs;
    }
    expect((engagedAt as number) - T0).toBe(engagedAfterMs);
    expect(engagedAfterMs).toBeLessThanOrEqual(15_000);
  });

  it('hysteresis: a rate between the band and band × (1 + tolerance) neither re-engages nor counts as calm', () => {
    let state: GuardState = INITIAL_GUARD_STATE;
    const kinds: string[] = [];
    // Engage, then hover at 1.05 × band for 20 min: no release (not inside), no raise (not a breach).
    const rates = [2000, 2000, 2000, ...Array.from({ length: 240 }, () => 1050)];
    rates.forEach((observedRps, index) => {
      const result = observeGuard(state, { timeMs: T0 + index * 5_000, observedRps, bandRps: 1000 }, trend, context);
      state = result.state;
      if (result.decision !== undefined) kinds.push(result.decision.kind);
    });
    expect(kinds).toEqual(['engage']);
    expect(state.phase).toBe('emergency');
  });

  it('no flapping: a rate that swings across the band every sample after a pulse holds the floor (never calm long enough), then releases once calm', () => {
    let state: GuardState = INITIAL_GUARD_STATE;
    const kinds: string[] = [];
    const swinging = Array.from({ length: 120 }, (_, index) => (index % 2 === 0 ? 950 : 1200));
    const rates = [2000, 2000, 2000, ...swinging, ...Array.from({ length: 40 }, () => 800)];
    rates.forEach((observedRps, index) => {
      const result = observeGuard(state, { timeMs: T0 + index * 5_000, observedRps, bandRps: 1000 }, trend, context);
      state = result.state;
      if (result.decision !== undefined && result.decision.kind !== 'raise') kinds.push(`${result.decision.kind}@${index}`);
    });
    // Engaged at sample 2; swings for 10 min (no release); released after 120 s (24 samples) of calm.
    expect(kinds).toEqual(['engage@2', `release@${3 + 120 + 24}`]);
  });

  it('hysteresis property: any trace oscillating around the threshold engages and releases alternately, each floor held ≥ cool-down and ≥ stabilization, each re-engagement after a full detection window', () => {
    const sampleMs = 5_000;
    const guardConfig: GuardConfig = { ...trend, consecutiveSamples: 2, coolDownMs: 60_000, stabilizationMs: 90_000 };
    // Runs of a level around the threshold (0.8–1.3 × band), 1–30 samples each: calm spells long
    // enough to release, bursts long enough to engage, and single-sample swings.
    const runs = fc.array(fc.tuple(fc.double({ min: 0.8, max: 1.3, noNaN: true }), fc.integer({ min: 1, max: 30 })), { minLength: 2, maxLength: 60 });
    let releases = 0;
    fc.assert(fc.property(runs, (levels) => {
      const factors = levels.flatMap(([factor, length]) => Array.from({ length }, () => factor));
      let state: GuardState = INITIAL_GUARD_STATE;
      const events: Array<{ kind: string; index: number }> = [];
      factors.forEach((factor, index) => {
        const result = observeGuard(state, { timeMs: T0 + index * sampleMs, observedRps: 1000 * factor, bandRps: 1000 }, guardConfig, context);
        state = result.state;
        if (result.decision !== undefined && result.decision.kind !== 'raise') events.push({ kind: result.decision.kind, index });
      });
      events.forEach((event, position) => {
        expect(event.kind).toBe(position % 2 === 0 ? 'engage' : 'release');
        if (event.kind === 'release') {
          releases += 1;
          const engagedAt = (events[position - 1] as { index: number }).index;
          expect((event.index - engagedAt) * sampleMs).toBeGreaterThanOrEqual(Math.max(guardConfig.coolDownMs, guardConfig.stabilizationMs));
          // The stabilization window before it: every sample inside the band (≤ band).
          const calm = factors.slice(event.index - guardConfig.stabilizationMs / sampleMs, event.index + 1);
          expect(calm.every((factor) => factor <= 1)).toBe(true);
        } else if (position > 0) {
          const releasedAt = (events[position - 1] as { index: number }).index;
          expect(event.index - releasedAt).toBeGreaterThanOrEqual(guardConfig.consecutiveSamples);
          const window = factors.slice(event.index - guardConfig.consecutiveSamples + 1, event.index + 1);
          expect(window.every((factor) => factor > 1 + guardConfig.toleranceFraction)).toBe(true);
        }
      });
    }), { numRuns: 300 });
    // The generator does reach releases (the property is not vacuous).
    expect(releases).toBeGreaterThan(20);
  });
});
