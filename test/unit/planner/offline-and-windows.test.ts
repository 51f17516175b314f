import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import { HOUR_MS, MINUTE_MS } from '../../../src/domain/units.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../../../src/domain/workload.ts';
import { planCapacity } from '../../../src/planner/plan-capacity.ts';
import type { PlanningInput } from '../../../src/planner/planning-input.ts';
import { forwardExtreme, trailingExtreme } from '../../../src/planner/sliding-window.ts';
import { planningInputArbitrary } from './arbitraries.ts';
import { forecast, NOW_MS, offline, online, planningInput, pool, settings } from './fixtures.ts';

function poolOf(input: PlanningInput, name: string | undefined): NodePool {
  return input.inventory.nodePools.find((candidate) => candidate.name === name) ?? (input.inventory.nodePools[0] as NodePool);
}

/**
 * Replicas of an online workload placed in `poolName` at slot t: a workload that may use several
 * pools spills over them (the plan's explanation says where), the others stay in the one pool
 * they may use.
 */
function onlineReplicasIn(plan: CapacityPlan, input: PlanningInput, workload: OnlineWorkload, poolName: string, t: number): number {
  const detail = plan.explanation?.workloads[workload.name];
  if (detail?.poolReplicas !== undefined) return detail.poolReplicas[poolName]?.[t] ?? 0;
  // One pool: the first it may use (a taint it does not tolerate can rule out the first listed).
  const home = detail?.pool ?? poolOf(input, workload.nodePool).name;
  return home === poolName ? ((plan.replicas[workload.name] as Int32Array)[t] as number) : 0;
}

/** Core-hours `replicas` do in slots [0, untilSlot), counting only the part of slot 0 after now. */
function workDone(plan: CapacityPlan, nowMs: number, workload: OfflineWorkload, untilSlot: number): number {
  const replicas = plan.replicas[workload.name] as Int32Array;
  let total = 0;
  for (let t = 0; t < Math.min(untilSlot, plan.slotCount); t++) {
    const from = Math.max(nowMs, plan.startMs + t * plan.slotMs);
    total += (replicas[t] as number) * (workload.perReplica.cpuMillicores / 1000) * ((plan.startMs + (t + 1) * plan.slotMs - from) / HOUR_MS);
  }
  return total;
}

describe('offline time-sharing', () => {
  it('gives what online leaves by priority: a lower-priority workload above its minimum means no higher one could take one more replica', () => {
    // Open-ended work, no drain, no deadlines, no provisioning delay: the room is exactly nodes − online.
    const simple = planningInputArbitrary.map((input): PlanningInput => ({
      ...input,
      inventory: {
        ...input.inventory,
        // No placeholders either: a pre-provisioned pool's node count runs ahead of what online takes.
        nodePools: input.inventory.nodePools.map((candidate) => (candidate.elastic === undefined ? candidate : { ...candidate, elastic: { maxNodes: candidate.elastic.maxNodes, provisioningMs: 0 } })),
        offline: input.inventory.offline.map(({ workCoreHours: _work, deadlineMs: _deadline, ...workload }) => ({ ...workload, drainMs: 0 })),
      },
      settings: { ...input.settings, minStepIntervalMs: input.settings.slotMs },
    }));
    fc.assert(fc.property(simple, (input) => {
      const plan = planCapacity(input);
      for (const home of input.inventory.nodePools) {
        const members = input.inventory.offline.filter((workload) => (plan.explanation?.workloads[workload.name]?.pool ?? poolOf(input, workload.nodePool).name) === home.name);
        const nodes = plan.nodes[home.name] as Int32Array;
        for (let t = 0; t < plan.slotCount; t++) {
          let freeCpu = (nodes[t] as number) * home.perNode.cpuMillicores;
          let freeMemory = (nodes[t] as number) * home.perNode.memoryBytes;
          for (const workload of input.inventory.online) {
            const count = onlineReplicasIn(plan, input, workload, home.name, t);
            freeCpu -= count * workload.perReplica.cpuMillicores;
            freeMemory -= count * workload.perReplica.memoryBytes;
          }
          for (const workload of members) {
            const count = (plan.replicas[workload.name] as Int32Array)[t] as number;
            freeCpu -= count * workload.perReplica.cpuMillicores;
            freeMemory -= count * workload.perReplica.memoryBytes;
          }
          for (const lower of members) {
            const extra = ((plan.replicas[lower.name] as Int32Array)[t] as number) - lower.minReplicas;
            if (extra <= 0) continue;
            for (const higher of members) {
              if (higher.priority <= lower.priority) continue;
              const count = (plan.replicas[higher.name] as Int32Array)[t] as number;
              if (count >= higher.maxReplicas) continue;
              // Room it could have had: what is free plus what the lower one holds above its minimum.
              const roomCpu = freeCpu + extra * lower.perReplica.cpuMillicores;
              const roomMemory = freeMemory + extra * lower.perReplica.memoryBytes;
              const fits = higher.perReplica.cpuMillicores <= roomCpu && higher.perReplica.memoryBytes <= roomMemory;
              expect(fits, `${lower.name} (priority ${lower.priority}) has ${extra} above its minimum at slot ${t} while ${higher.name} (priority ${higher.priority}) could take one more`).toBe(false);
            }
          }
        }
      }
    }), { numRuns: 300 });
  });

  it('reports a deadline as met only when the planned replicas finish the work before it, and moves missed ones ahead', () => {
    fc.assert(fc.property(planningInputArbitrary, (input) => {
      const plan = planCapacity(input);
      for (const line of plan.offlineOutlook ?? []) {
        const workload = input.inventory.offline.find((candidate) => candidate.name === line.workload) as OfflineWorkload;
        if (workload.deadlineMs === undefined || workload.workCoreHours === undefined) {
          expect(line.deadlineMet).toBeUndefined();
          continue;
        }
        const deadlineSlot = Math.floor((workload.deadlineMs - plan.startMs) / plan.slotMs);
        if (deadlineSlot > plan.slotCount) continue;
        const done = workDone(plan, input.nowMs, workload, deadlineSlot);
        if (line.deadlineMet === true) expect(done).toBeGreaterThanOrEqual(workload.workCoreHours - 1e-6);
        else {
          expect(line.prioritizedForDeadline).toBe(true);
          expect(line.missingCoreHoursAtDeadline ?? 0).toBeGreaterThan(0);
          expect(line.missingCoreHoursAtDeadline).toBeCloseTo(workload.workCoreHours - done, 6);
          expect(plan.notes).toContain(line.message);
        }
      }
    }), { numRuns: 200 });
  });

  it('uses the trough before a peak to meet a deadline that priority alone would miss', () => {
    // 160 cores; online takes 150 from minute 30 to 90. "reports" (priority 5, open-ended) would
    // take the whole trough; "settlement" (priority 1) needs 40 core-hours by minute 90.
    const input = planningInput({
      inventory: {
        online: [online('payment', { minReplicas: 0 })],
        offline: [
          offline('reports', { priority: 5, maxReplicas: 160, drainMs: 0 }),
          offline('settlement', { priority: 1, maxReplicas: 160, workCoreHours: 40, deadlineMs: NOW_MS + 90 * MINUTE_MS, drainMs: 0 }),
        ],
        nodePools: [pool('general', { baseNodes: 10 })],
      },
      forecasts: new Map([['payment', forecast('payment', { buckets: 120, rps: (i) => (i >= 30 && i < 90 ? 12_000 : 0) })]]),
      settings: settings(),
    });
    const plan = planCapacity(input);
    const settlement = plan.offlineOutlook?.find((line) => line.workload === 'settlement');
    expect(settlement).toMatchObject({ deadlineMet: true, prioritizedForDeadline: true });
    expect(plan.replicas.settlement?.[5]).toBeGreaterThan(0);
    expect(plan.replicas.reports?.[5]).toBeLessThan(160);
  });
});

describe('sliding windows', () => {
  const naive = (values: readonly number[], from: (i: number) => number, to: (i: number) => number, pick: (a: number, b: number) => number): number[] =>
    values.map((_, i) => {
      let best = values[Math.max(0, from(i))] as number;
      for (let j = Math.max(0, from(i)); j <= Math.min(values.length - 1, to(i)); j++) best = pick(best, values[j] as number);
      return best;
    });

  it.each([
    { name: 'forward max', kind: 'max' as const, forward: true },
    { name: 'forward min', kind: 'min' as const, forward: true },
    { name: 'trailing max', kind: 'max' as const, forward: false },
    { name: 'trailing min', kind: 'min' as const, forward: false },
  ])('$name equals the naive window', ({ kind, forward }) => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 20 }), (values, window) => {
      const source = Int32Array.from(values);
      const out = new Int32Array(values.length);
      const pick = kind === 'max' ? Math.max : Math.min;
      const expected = forward
        ? naive(values, (i) => i, (i) => i + window, pick)
        : naive(values, (i) => i - window, (i) => i, pick);
      (forward ? forwardExtreme : trailingExtreme)(source, window, kind, out);
      expect(Array.from(out)).toEqual(expected);
    }));
  });
});
