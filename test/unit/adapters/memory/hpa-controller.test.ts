/**
 * The emulated HPA controller running inside the simulated cluster, against documented behaviour:
 * the 15 s sync loop, the metrics pipeline's lag, minReplicas handling, the unready-pod rules.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../../../src/adapters/memory/simulated-cluster.ts';
import type { HpaMetricSpec } from '../../../../src/adapters/memory/cluster-spec.ts';
import { onlineWorkload, pool } from './fixtures.ts';

function hpaCluster(options: { seed?: number; initial?: number; min?: number; max?: number; metric?: HpaMetricSpec; startupMs?: number } = {}) {
  const startupMs = options.startupMs ?? 20_000;
  return new SimulatedCluster({
    startMs: 0,
    seed: options.seed ?? 1,
    nodePools: [pool({ baseNodes: 50 })],
    workloads: [{
      workload: onlineWorkload({ name: 'web', startup: { p50Ms: startupMs, p95Ms: startupMs }, maxReplicas: options.max ?? 500 }),
      initialReplicas: options.initial ?? 10,
    }],
    hpas: [{
      name: 'web-hpa', workload: 'web', minReplicas: options.min ?? 1, maxReplicas: options.max ?? 500,
      metric: options.metric ?? { kind: 'cpu', targetUtilizationPercent: 50 },
    }],
  });
}

function demand(rps: number): Float64Array {
  return Float64Array.of(rps);
}

/** Runs until the desired count first changes; returns the time of the change (ms) or undefined. */
function firstChangeAfter(cluster: SimulatedCluster, load: Float64Array, untilMs: number): number | undefined {
  const before = cluster.desired[0];
  while (cluster.nowMs() < untilMs) {
    cluster.step(load);
    if (cluster.desired[0] !== before) return cluster.nowMs() - cluster.tickMs;
  }
  return undefined;
}

describe('emulated HPA controller', () => {
  it('holds steady at the target: 10 replicas at 50 % stay 10 (ratio 1.0)', () => {
    const cluster = hpaCluster({ initial: 10 });
    cluster.advanceTo(600_000, demand(500));
    expect(cluster.desired[0]).toBe(10);
    expect(cluster.writeCounts.hpa).toBe(0);
  });

  it('acts only at its 15 s sync period: every change lands on the same phase modulo 15 s', () => {
    const cluster = hpaCluster({ initial: 4 });
    const changes: number[] = [];
    let last = cluster.desired[0];
    const load = demand(0);
    for (let second = 0; second < 1800; second += 1) {
      // A sawtooth keeps the HPA busy scaling both ways.
      load[0] = second % 600 < 300 ? 3000 : 200;
      cluster.step(load);
      if (cluster.desired[0] !== last) {
        changes.push(cluster.nowMs() - cluster.tickMs);
        last = cluster.desired[0];
      }
    }
    expect(changes.length).toBeGreaterThan(3);
    const phases = new Set(changes.map((atMs) => atMs % 15_000));
    expect(phases.size).toBe(1);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('metrics pipeline lag (seed %i): first reaction to a surge within 55 s, never instantly', (seed) => {
    const cluster = hpaCluster({ seed, initial: 10 });
    cluster.advanceTo(300_000, demand(500));
    const reactedAt = firstChangeAfter(cluster, demand(2000), 400_000);
    expect(reactedAt).toBeDefined();
    const delayMs = reactedAt! - 300_000;
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(55_000);
  });

  it('metrics pipeline lag averages about 27 s over many seeds (documented: kubelet + metrics-server + sync)', () => {
    const delays: number[] = [];
    for (let seed = 1; seed <= 60; seed += 1) {
      const cluster = hpaCluster({ seed, initial: 10 });
      cluster.advanceTo(300_000, demand(500));
      // A surge big enough that a sample covering a few seconds of it already leaves the tolerance.
      delays.push(firstChangeAfter(cluster, demand(5000), 400_000)! - 300_000);
    }
    const mean = delays.reduce((sum, value) => sum + value, 0) / delays.length;
    expect(mean).toBeGreaterThan(12_000);
    expect(mean).toBeLessThan(35_000);
  });

  it('raising minReplicas takes effect at the next sync, without the scale-up rate limit', () => {
    const cluster = hpaCluster({ initial: 2, min: 2 });
    cluster.advanceTo(60_000, demand(100));
    cluster.setHpaMinReplicas('web-hpa', 80);
    const changedAt = firstChangeAfter(cluster, demand(100), 120_000);
    expect(changedAt! - 60_000).toBeLessThanOrEqual(15_000);
    expect(cluster.desired[0]).toBe(80);
  });

  it('lowering minReplicas does not drop at once: the 300 s scale-down stabilization holds the replicas', () => {
    const cluster = hpaCluster({ initial: 80, min: 80 });
    cluster.advanceTo(400_000, demand(100));
    expect(cluster.desired[0]).toBe(80);
    cluster.setHpaMinReplicas('web-hpa', 1);
    cluster.advanceTo(400_000 + 290_000, demand(100));
    // Recommendations recorded while the floor held were the metric's (small), so only the
    // window since the floor dropped counts: after 300 s the HPA is down to what the load needs.
    cluster.advanceTo(400_000 + 330_000, demand(100));
    expect(cluster.desired[0]).toBeLessThanOrEqual(4);
  });

  it('a workload above maxReplicas is brought down to max at the next sync', () => {
    const cluster = hpaCluster({ initial: 40, max: 20 });
    cluster.advanceTo(16_000, demand(100));
    expect(cluster.desired[0]).toBe(20);
  });

  it('a workload scaled to zero by hand is left alone (autoscaling disabled at 0 replicas)', () => {
    const cluster = hpaCluster({ initial: 10, min: 1 });
    cluster.setDesiredReplicas(0, 0);
    cluster.advanceTo(120_000, demand(5000));
    expect(cluster.desired[0]).toBe(0);
  });

  it('CPU utilization saturates at 100 %: one sync under a 10× overload grows by at most 100/target', () => {
    const cluster = hpaCluster({ initial: 10, metric: { kind: 'cpu', targetUtilizationPercent: 50 } });
    cluster.advanceTo(300_000, demand(500));
    firstChangeAfter(cluster, demand(10_000), 400_000);
    // 10 pods at ≤ 100 % of a 50 % target: at most ×2 (the HPA cannot see the 10×).
    expect(cluster.desired[0]).toBeLessThanOrEqual(20);
  });

  it('the requests (External) metric sees offered load beyond capacity; the rate limit still applies (+100 % per 15 s)', () => {
    const cluster = hpaCluster({ initial: 10, metric: { kind: 'requests', targetAverageRps: 50 } });
    cluster.advanceTo(300_000, demand(500));
    firstChangeAfter(cluster, demand(10_000), 400_000);
    expect(cluster.desired[0]).toBe(20);
    cluster.advanceTo(cluster.nowMs() + 200_000, demand(10_000));
    expect(cluster.desired[0]).toBe(200);
  });

  it('starting pods count as unready: during a long startup the HPA does not keep multiplying on stale load', () => {
    // Startup 5 min: pods started at the first scale-up are unready at the next syncs (0 % usage on
    // scale-up), which dampens further growth; with plain ratios it would double every 15 s.
    const cluster = hpaCluster({ initial: 10, startupMs: 300_000, metric: { kind: 'cpu', targetUtilizationPercent: 50 } });
    cluster.advanceTo(300_000, demand(500));
    cluster.advanceTo(300_000 + 120_000, demand(2000));
    expect(cluster.ready[0]).toBe(10);
    expect(cluster.desired[0]).toBeLessThanOrEqual(40);
  });
});
