import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideWrites } from '../../../src/controller/decide-writes.ts';
import type { WriteDecision } from '../../../src/controller/decision.ts';
import type { ClusterSnapshot, ClusterWrite, WorkloadState } from '../../../src/ports/cluster.ts';
import { planOf, snapshotOf, standardInventory, T0, type StateSpec } from './fixtures.ts';

const inventory = standardInventory({ nodes: 100 });

/** The cluster's answer to absolute writes, as data: what the API server would store. */
function applyWrites(snapshot: ClusterSnapshot, writes: readonly ClusterWrite[]): ClusterSnapshot {
  const workloads = snapshot.workloads.map((state): WorkloadState => {
    let next = state;
    for (const write of writes) {
      if (write.kind === 'pool-nodes' || write.ref.name !== state.ref.name) continue;
      switch (write.kind) {
        case 'replicas': next = { ...next, desiredReplicas: write.replicas, readyReplicas: Math.min(next.readyReplicas, write.replicas) }; break;
        case 'job-parallelism': next = { ...next, desiredReplicas: write.parallelism, readyReplicas: Math.min(next.readyReplicas, write.parallelism) }; break;
        case 'cronjob-suspend': next = { ...next, desiredReplicas: write.suspend ? 0 : 1, readyReplicas: write.suspend ? 0 : next.readyReplicas }; break;
        case 'hpa-min': next = { ...next, hpa: { ...(next.hpa as NonNullable<WorkloadState['hpa']>), minReplicas: write.minReplicas } }; break;
      }
    }
    return next;
  });
  return { ...snapshot, workloads };
}

const series = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: 4, maxLength: 4 });
const scenarioArb = fc.record({
  replicas: fc.record({ pay: series(2, 40), refund: series(3, 40), etl: series(0, 30), settle: series(0, 20), reports: series(0, 1) }),
  leadMs: fc.record({ pay: fc.integer({ min: 0, max: 180_000 }), etl: fc.integer({ min: 0, max: 180_000 }) }),
  states: fc.record({
    pay: fc.integer({ min: 2, max: 40 }),
    refund: fc.integer({ min: 3, max: 40 }),
    refundMin: fc.integer({ min: 3, max: 40 }),
    etl: fc.integer({ min: 0, max: 30 }),
    etlReady: fc.integer({ min: 0, max: 30 }),
    settle: fc.integer({ min: 0, max: 20 }),
    reports: fc.integer({ min: 0, max: 1 }),
  }),
  atOffsetMs: fc.integer({ min: -60_000, max: 300_000 }),
  appliedMask: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function statesOf(scenario: Scenario): Record<string, StateSpec> {
  const s = scenario.states;
  return {
    pay: { desired: s.pay },
    refund: { desired: s.refund, hpa: { min: s.refundMin, max: 100 } },
    etl: { desired: s.etl, ready: s.etlReady },
    settle: { desired: s.settle },
    reports: { desired: s.reports },
  };
}

function setUp(scenario: Scenario) {
  const plan = planOf({ replicas: scenario.replicas, leadMs: scenario.leadMs });
  const states = statesOf(scenario);
  const appliedStepIds = new Set(plan.steps.filter((_, index) => scenario.appliedMask[index % 20] === true).map((step) => step.id));
  return { plan, snapshot: snapshotOf(inventory, states), nowMs: T0 + scenario.atOffsetMs, appliedStepIds };
}

/** What the recorder would store after the writes: step ids and the start of each release. */
function recorded(decision: WriteDecision, appliedStepIds: ReadonlySet<string>, nowMs: number) {
  const written = new Set(decision.writes.map((write) => write.target));
  const atLevel = new Set(decision.skipped.filter((skip) => skip.reason === 'already-at-target').map((skip) => skip.target));
  const ids = new Set(appliedStepIds);
  for (const step of decision.newlyDueSteps) if (written.has(step.workload) || atLevel.has(step.workload)) ids.add(step.id);
  for (const write of decision.writes) ids.add(write.stepId);
  const releases = new Map(decision.writes.filter((write) => write.phase === 'release').map((write) => [write.target, nowMs] as const));
  return { ids, releases };
}

describe('decideWrites properties', () => {
  it('applying the writes of any tick twice gives the same cluster as applying them once', () => {
    fc.assert(fc.property(scenarioArb, (scenario) => {
      const { plan, snapshot, nowMs, appliedStepIds } = setUp(scenario);
      const writes = decideWrites({ plan, snapshot, inventory, nowMs, appliedStepIds }).writes.map((write) => write.write);
      const once = applyWrites(snapshot, writes);
      expect(applyWrites(once, writes)).toEqual(once);
    }), { numRuns: 300 });
  });

  it('a tick repeated at the same time after its writes landed writes nothing more', () => {
    fc.assert(fc.property(scenarioArb, (scenario) => {
      const { plan, snapshot, nowMs, appliedStepIds } = setUp(scenario);
      const first = decideWrites({ plan, snapshot, inventory, nowMs, appliedStepIds });
      const { ids, releases } = recorded(first, appliedStepIds, nowMs);
      const second = decideWrites({ plan, snapshot: applyWrites(snapshot, first.writes.map((write) => write.write)), inventory, nowMs, appliedStepIds: ids, releaseStartedAtMs: releases });
      expect(second.writes).toEqual([]);
      expect(second.newlyDueSteps.filter((step) => first.writes.some((write) => write.target === step.workload))).toEqual([]);
      expect(second.targets.map((target) => [target.name, target.target])).toEqual(first.targets.map((target) => [target.name, target.target]));
    }), { numRuns: 300 });
  });

  it('an acquire written while a release drains either fits in the room free now or is urgent and says so; phases stay in order', () => {
    fc.assert(fc.property(scenarioArb, fc.integer({ min: 3, max: 100 }), (scenario, nodes) => {
      const tight = standardInventory({ nodes });
      const { plan, nowMs, appliedStepIds } = setUp(scenario);
      const snapshot = snapshotOf(tight, statesOf(scenario));
      const decision = decideWrites({ plan, snapshot, inventory: tight, nowMs, appliedStepIds });
      const phases = decision.writes.map((write) => ['pool-grow', 'release', 'acquire', 'pool-shrink'].indexOf(write.phase));
      expect(phases).toEqual([...phases].sort((a, b) => a - b));
      if (decision.draining.length === 0) return;
      // Room free now, counted independently: allocatable minus every existing pod (1 core, 1 GiB each).
      const pods = snapshot.workloads.reduce((sum, state) => sum + Math.max(state.desiredReplicas, state.readyReplicas) + (state.terminatingReplicas ?? 0), 0);
      const freeCores = nodes * 8 - pods;
      let admittedOnRoom = 0;
      for (const write of decision.writes.filter((entry) => entry.phase === 'acquire')) {
        if (write.cutShort !== undefined) {
          expect(write.cutShort.drains.length).toBeGreaterThan(0);
          expect(write.write.provenance.message).toContain('drain cut short');
          expect(['guard-emergency', 'short-notice']).toContain(write.cutShort.code);
          continue;
        }
        const target = decision.targets.find((entry) => entry.name === write.target);
        admittedOnRoom += Math.max(0, write.toReplicas - Math.max(target?.desiredReplicas ?? 0, target?.readyReplicas ?? 0));
      }
      expect(admittedOnRoom).toBeLessThanOrEqual(Math.max(0, freeCores));
    }), { numRuns: 300 });
  });
});
