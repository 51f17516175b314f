import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimulatedCluster } from '../../../../src/adapters/memory/simulated-cluster.ts';
import type { SimulatedWorkloadSpec } from '../../../../src/adapters/memory/cluster-spec.ts';
import { StartupSampler, startupMaxMs } from '../../../../src/adapters/memory/startup-sampler.ts';
import { offlineWorkload, onlineWorkload, pool } from './fixtures.ts';

const CORE = 1000;

function cluster(workloads: SimulatedWorkloadSpec[], options: { nodes?: number; elastic?: { maxNodes: number; provisioningMs: number }; seed?: number } = {}) {
  return new SimulatedCluster({
    startMs: 0,
    seed: options.seed ?? 7,
    nodePools: [
      pool({ baseNodes: options.nodes ?? 1, perNode: { cpuMillicores: 16 * CORE, memoryBytes: 64 * 1024 ** 3 } }),
      ...(options.elastic ? [pool({ name: 'burst', baseNodes: 0, costPerNodeHour: 2, elastic: options.elastic })] : []),
    ],
    workloads,
  });
}

const web = (overrides: Parameters<typeof onlineWorkload>[0] = { name: 'web' }) =>
  onlineWorkload({ startup: { p50Ms: 10_000, p95Ms: 10_000 }, ...overrides });

describe('scheduling by requests', () => {
  it('starts pods that fit and leaves the rest Pending when nothing fits', () => {
    // One node of 16 cores, 1-core pods: 16 fit, 4 stay Pending.
    const sim = cluster([{ workload: web(), initialReplicas: 0 }]);
    sim.setDesiredReplicas(0, 20);
    sim.step();
    expect(sim.counts(0)).toMatchObject({ desired: 20, starting: 16, pending: 4, ready: 0 });
  });

  it('a pod is Ready after its startup time, not before', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 0 }]);
    sim.setDesiredReplicas(0, 2);
    sim.advanceTo(9_000);
    expect(sim.ready[0]).toBe(0);
    sim.advanceTo(11_000);
    expect(sim.ready[0]).toBe(2);
  });

  it('memory limits placement as well as CPU', () => {
    const fat = web({ name: 'fat', perReplica: { cpuMillicores: 100, memoryBytes: 20 * 1024 ** 3 } });
    const sim = cluster([{ workload: fat, initialReplicas: 5 }]);
    expect(sim.counts(0)).toMatchObject({ ready: 3, pending: 2 });
  });

  it('warm start places higher priority first', () => {
    const batch = offlineWorkload({ name: 'batch', maxReplicas: 8, perReplica: { cpuMillicores: 2 * CORE, memoryBytes: 1024 ** 3 } });
    const sim = cluster([{ workload: batch, initialReplicas: 8 }, { workload: web(), initialReplicas: 10 }]);
    expect(sim.counts(1).ready).toBe(10);
    expect(sim.counts(0)).toMatchObject({ ready: 3, pending: 5 });
  });
});

describe('scale-down and termination', () => {
  it('removes Pending first, then starting, then the most recently Ready', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 10 }]);
    sim.setDesiredReplicas(0, 20); // 6 fit (16 cores), 4 Pending
    sim.step();
    expect(sim.counts(0)).toMatchObject({ ready: 10, starting: 6, pending: 4 });
    sim.setDesiredReplicas(0, 12);
    expect(sim.counts(0)).toMatchObject({ ready: 10, starting: 2, pending: 0, terminating: 4 });
  });

  it('a removed pod stops serving at once but holds its resources for the termination grace', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 16, terminationGraceMs: 30_000 }]);
    sim.setDesiredReplicas(0, 8);
    expect(sim.counts(0)).toMatchObject({ ready: 8, terminating: 8 });
    sim.step(Float64Array.of(1600));
    expect(sim.servedRps[0]).toBe(800);
    // The freed cores are not usable before the grace ends.
    sim.setDesiredReplicas(0, 16);
    sim.step();
    expect(sim.counts(0).pending).toBe(8);
    sim.advanceTo(31_000);
    expect(sim.counts(0)).toMatchObject({ terminating: 0, pending: 0 });
  });
});

describe('serving', () => {
  it.each([
    { name: 'demand below capacity is all served', ready: 4, demand: 300, served: 300, unserved: 0 },
    { name: 'demand above capacity: served = Ready × rps per replica', ready: 4, demand: 700, served: 400, unserved: 300 },
    { name: 'no Ready replicas: everything unserved', ready: 0, demand: 50, served: 0, unserved: 50 },
  ])('$name', ({ ready, demand, served, unserved }) => {
    const sim = cluster([{ workload: web(), initialReplicas: ready }]);
    sim.step(Float64Array.of(demand));
    expect(sim.servedRps[0]).toBeCloseTo(served);
    expect(sim.unservedRps[0]).toBeCloseTo(unserved);
  });

  it('a bounded queue serves a short burst late instead of dropping it, and drops what times out', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 1, queue: { capacityRequests: 150, timeoutMs: 3_000 } }]);
    // Capacity 100/s. 300 arrive: 100 served, 150 queued, 50 rejected (queue full).
    sim.step(Float64Array.of(300));
    expect(sim.servedRps[0]).toBeCloseTo(100);
    expect(sim.unservedRps[0]).toBeCloseTo(50);
    // Quiet seconds drain the queue at 100/s.
    sim.step(Float64Array.of(0));
    expect(sim.servedRps[0]).toBeCloseTo(100);
    sim.step(Float64Array.of(0));
    expect(sim.servedRps[0]).toBeCloseTo(50);
    expect(sim.unservedRps[0]).toBeCloseTo(0);
    // A queue that cannot drain in time loses what waited longer than the timeout.
    const slow = cluster([{ workload: web(), initialReplicas: 0, queue: { capacityRequests: 1000, timeoutMs: 2_000 } }]);
    slow.step(Float64Array.of(100));
    let dropped = slow.unservedRps[0]!;
    for (let second = 0; second < 4; second += 1) {
      slow.step(Float64Array.of(0));
      dropped += slow.unservedRps[0]!;
    }
    expect(dropped).toBeCloseTo(100);
  });
});

describe('offline work', () => {
  it('progresses at Ready replicas × cores, completes, frees its resources and meets its deadline', () => {
    const batch = offlineWorkload({ name: 'batch', perReplica: { cpuMillicores: 2 * CORE, memoryBytes: 1024 ** 3 }, workCoreHours: 4, deadlineMs: 3_600_000 });
    const sim = cluster([{ workload: batch, initialReplicas: 4 }]);
    sim.advanceTo(1_800_000);
    expect(sim.offlineCoreHoursDone[0]).toBeCloseTo(4, 5);
    expect(sim.completedAtMs[0]).toBeLessThanOrEqual(1_800_000);
    expect(sim.offlineHeldCpuMillicores()).toBe(0);
    expect(sim.setDesiredReplicas(0, 4)).toBe(false);
  });

  it('preemption: a higher-priority Pending pod evicts offline work, which drains first and is recreated Pending', () => {
    const batch = offlineWorkload({ name: 'batch', maxReplicas: 8, drainMs: 60_000, perReplica: { cpuMillicores: 2 * CORE, memoryBytes: 1024 ** 3 } });
    const sim = cluster([{ workload: web(), initialReplicas: 0 }, { workload: batch, initialReplicas: 8 }]);
    sim.setDesiredReplicas(0, 4);
    sim.step();
    // 4 cores needed: two 2-core workers are evicted; they drain for 60 s holding their cores.
    expect(sim.counts(1)).toMatchObject({ ready: 6, terminating: 2, pending: 2 });
    expect(sim.counts(0)).toMatchObject({ pending: 4, starting: 0 });
    expect(sim.preemptedPods.count).toBe(2);
    sim.advanceTo(61_000);
    expect(sim.counts(0).pending).toBe(0);
    expect(sim.counts(1)).toMatchObject({ ready: 6, pending: 2, terminating: 0 });
  });

  it('a drained worker does not progress while draining', () => {
    const batch = offlineWorkload({ name: 'batch', drainMs: 600_000, perReplica: { cpuMillicores: CORE, memoryBytes: 1024 ** 3 } });
    const sim = cluster([{ workload: batch, initialReplicas: 2 }]);
    sim.setDesiredReplicas(0, 0);
    sim.advanceTo(300_000);
    expect(sim.offlineCoreHoursDone[0]).toBe(0);
    expect(sim.offlineHeldCpuMillicores()).toBe(2 * CORE);
  });
});

describe('elastic pool (cluster autoscaler)', () => {
  it('adds nodes for Pending pods, which become schedulable only after the provisioning delay', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 0 }], { elastic: { maxNodes: 4, provisioningMs: 120_000 } });
    sim.setDesiredReplicas(0, 30);
    sim.advanceTo(20_000);
    expect(sim.counts(0).pending).toBe(14);
    expect(sim.billedNodes()).toEqual([1, 1]);
    sim.advanceTo(110_000);
    expect(sim.counts(0).pending).toBe(14);
    sim.advanceTo(140_000);
    expect(sim.counts(0).pending).toBe(0);
  });

  it('removes nodes that stay unneeded for scale-down-unneeded-time (10 min)', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 0 }], { elastic: { maxNodes: 4, provisioningMs: 60_000 } });
    sim.setDesiredReplicas(0, 30);
    sim.advanceTo(120_000);
    expect(sim.billedNodes()[1]).toBe(1);
    sim.setDesiredReplicas(0, 10);
    sim.advanceTo(120_000 + 31_000 + 590_000);
    expect(sim.billedNodes()[1]).toBe(1);
    sim.advanceTo(120_000 + 31_000 + 620_000);
    expect(sim.billedNodes()[1]).toBe(0);
  });

  it('a pool-nodes write provisions ahead and the autoscaler keeps that floor', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 0 }], { elastic: { maxNodes: 4, provisioningMs: 60_000 } });
    expect(sim.setPoolNodes('burst', 3)).toBe(true);
    expect(sim.setPoolNodes('burst', 3)).toBe(false);
    sim.advanceTo(2_000_000);
    expect(sim.poolStatuses()[1]).toMatchObject({ readyNodes: 3, provisioningNodes: 0 });
  });
});

describe('time to Ready and write counting', () => {
  it('records the time from a scale-up decision to its capacity being Ready, once per decision', () => {
    const sim = cluster([{ workload: web(), initialReplicas: 1 }]);
    sim.setDesiredReplicas(0, 3);
    sim.advanceTo(30_000);
    expect(sim.timeToReadyMs).toEqual([10_000]);
    expect(sim.writeCounts.external).toBe(1);
    expect(sim.setDesiredReplicas(0, 3)).toBe(false);
    expect(sim.writeCounts.external).toBe(1);
  });
});

describe('startup times', () => {
  it('lognormal fitted to p50/p95: the median is near p50, the 95th percentile near p95, never above the truncation', () => {
    const sampler = new StartupSampler({ p50Ms: 20_000, p95Ms: 60_000 }, 3);
    const draws = Array.from({ length: 20_000 }, () => sampler.nextMs()).sort((a, b) => a - b);
    expect(draws[10_000]!).toBeGreaterThan(19_000);
    expect(draws[10_000]!).toBeLessThan(21_000);
    expect(draws[19_000]!).toBeGreaterThan(56_000);
    expect(draws[19_000]!).toBeLessThan(64_000);
    expect(draws[draws.length - 1]!).toBeLessThanOrEqual(startupMaxMs({ p50Ms: 20_000, p95Ms: 60_000 }) + 1e-6);
  });

  it('property: every draw lies in [0, max] for any p50 ≤ p95', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 1, max: 10, noNaN: true }), fc.integer(),
      (p50Ms, spread, seed) => {
        const distribution = { p50Ms, p95Ms: p50Ms * spread };
        const sampler = new StartupSampler(distribution, seed);
        for (let draw = 0; draw < 50; draw += 1) {
          const value = sampler.nextMs();
          if (!(value >= 0 && value <= sampler.maxMs + 1e-6)) return false;
        }
        return sampler.maxMs === startupMaxMs(distribution);
      },
    ));
  });
});

describe('determinism', () => {
  it('property: the same seed and inputs give the same state, tick for tick', () => {
    fc.assert(fc.property(fc.integer(), fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 5, maxLength: 30 }), (seed, demands) => {
      const build = () => new SimulatedCluster({
        startMs: 0, seed, nodePools: [pool({ baseNodes: 10 })],
        workloads: [{ workload: onlineWorkload({ name: 'web', startup: { p50Ms: 15_000, p95Ms: 60_000 } }), initialReplicas: 3 }],
        hpas: [{ name: 'web', workload: 'web', minReplicas: 1, maxReplicas: 100, metric: { kind: 'cpu', targetUtilizationPercent: 60 } }],
      });
      const a = build();
      const b = build();
      for (const rps of demands) {
        for (let second = 0; second < 20; second += 1) {
          a.step(Float64Array.of(rps));
          b.step(Float64Array.of(rps));
        }
        if (a.ready[0] !== b.ready[0] || a.desired[0] !== b.desired[0] || a.unservedRps[0] !== b.unservedRps[0]) return false;
      }
      return JSON.stringify(a.timeToReadyMs) === JSON.stringify(b.timeToReadyMs);
    }), { numRuns: 30 });
  });

  it('property: resources are conserved — used CPU equals the CPU of bound pods, never above allocatable', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 3, maxLength: 20 }), (targets) => {
      const batch = offlineWorkload({ name: 'batch', maxReplicas: 20, drainMs: 20_000, perReplica: { cpuMillicores: 2 * CORE, memoryBytes: 1024 ** 3 } });
      const sim = cluster([{ workload: web(), initialReplicas: 2 }, { workload: batch, initialReplicas: 6 }], { nodes: 2 });
      for (const target of targets) {
        sim.setDesiredReplicas(0, target);
        sim.advanceTo(sim.nowMs() + 7_000);
        const status = sim.poolStatuses()[0]!;
        const bound = (index: number) => (sim.starting[index]! + sim.ready[index]! + sim.terminating[index]!) * sim.cpuMillicores[index]!;
        if (Math.abs(status.usedCpuMillicores - bound(0) - bound(1)) > 1e-6) return false;
        if (status.usedCpuMillicores > status.allocatableCpuMillicores + 1e-6) return false;
        if (sim.existingReplicas(0) !== target) return false;
      }
      return true;
    }), { numRuns: 40 });
  });
});
