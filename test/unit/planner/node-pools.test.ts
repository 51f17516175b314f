/**
 * Node pools in the plan: online demand spills from the fixed pool to an elastic one only when the
 * fixed pool is full, scheduling constraints (nodeSelector, taints/tolerations) decide which pools
 * a workload may use, the elastic pool's nodes are planned with the provisioning lead, and a
 * workload that fits nowhere is a shortfall with the brownout order instead of a refused plan.
 */
import { describe, expect, it } from 'vitest';
import { MINUTE_MS, SECOND_MS } from '../../../src/domain/units.ts';
import type { NodePool, OnlineWorkload } from '../../../src/domain/workload.ts';
import { eligiblePools } from '../../../src/domain/pool-eligibility.ts';
import { planCapacity } from '../../../src/planner/plan-capacity.ts';
import { forecast, NOW_MS, observedState, online, planningInput, pool } from './fixtures.ts';

const GIB = 1024 ** 3;
const BURST_TAINT = { key: 'burst', value: 'true', effect: 'NoSchedule' } as const;
const TOLERATE_BURST = { key: 'burst', operator: 'Equal', value: 'true', effect: 'NoSchedule' } as const;

/** A fixed pool of 4 × 16 cores and an elastic (tainted) pool of up to 10 × 16 cores, 4 min to provision. */
function pools(burstOverrides: Partial<NodePool> = {}): NodePool[] {
  return [
    pool('shared', { baseNodes: 4, perNode: { cpuMillicores: 16_000, memoryBytes: 64 * GIB } }),
    pool('burst', {
      baseNodes: 0,
      perNode: { cpuMillicores: 16_000, memoryBytes: 64 * GIB },
      costPerNodeHour: 2,
      labels: { 'chuanliu.io/pool': 'burst' },
      taints: [BURST_TAINT],
      elastic: { maxNodes: 10, provisioningMs: 4 * MINUTE_MS },
      ...burstOverrides,
    }),
  ];
}

/** checkout: 1 core per replica, 100 rps each; 3k rps now, 12k rps (120 replicas) from minute 60 to 90. */
function evening(workload: Partial<OnlineWorkload>, nodePools = pools()) {
  return planningInput({
    inventory: { online: [online('checkout', { perReplica: { cpuMillicores: 1000, memoryBytes: GIB }, minReplicas: 2, ...workload })], offline: [], nodePools },
    forecasts: new Map([['checkout', forecast('checkout', { buckets: 120, rps: (i) => (i >= 60 && i < 90 ? 9600 : 2400), factors: [1, 1.1, 1.25] })]]),
    observed: observedState({ nodePools: { shared: { readyNodes: 4, provisioningNodes: 0 }, burst: { readyNodes: 0, provisioningNodes: 0 } } }),
  });
}

describe('eligiblePools: which pools the scheduler lets a workload use', () => {
  const list = pools();
  it.each<{ name: string; workload: Partial<OnlineWorkload>; expected: string[] }>([
    { name: 'no constraints: untainted pools only', workload: {}, expected: ['shared'] },
    { name: 'tolerating the taint: fixed first, then elastic', workload: { tolerations: [TOLERATE_BURST] }, expected: ['shared', 'burst'] },
    { name: 'Exists toleration without key tolerates every taint', workload: { tolerations: [{ operator: 'Exists' }] }, expected: ['shared', 'burst'] },
    { name: 'toleration for another value', workload: { tolerations: [{ key: 'burst', operator: 'Equal', value: 'no' }] }, expected: ['shared'] },
    { name: 'nodeSelector on the elastic pool label', workload: { nodeSelector: { 'chuanliu.io/pool': 'burst' }, tolerations: [TOLERATE_BURST] }, expected: ['burst'] },
    { name: 'pinned', workload: { nodePool: 'burst', tolerations: [TOLERATE_BURST] }, expected: ['burst'] },
    { name: 'pinned to a tainted pool without toleration', workload: { nodePool: 'burst' }, expected: [] },
    { name: 'replica larger than the nodes', workload: { perReplica: { cpuMillicores: 20_000, memoryBytes: GIB } }, expected: [] },
  ])('$name', ({ workload, expected }) => {
    expect(eligiblePools(online('w', workload), list).map((index) => list[index]?.name)).toEqual(expected);
  });

  it('a PreferNoSchedule taint steers but does not exclude', () => {
    const soft = pools({ taints: [{ key: 'burst', effect: 'PreferNoSchedule' }] });
    expect(eligiblePools(online('w'), soft)).toEqual([0, 1]);
  });
});

describe('planCapacity with a fixed and an elastic pool', () => {
  it('spills online demand to the elastic pool only when the fixed pool is full', () => {
    const plan = planCapacity(evening({ tolerations: [TOLERATE_BURST] }));
    const detail = plan.explanation?.workloads['checkout'];
    expect(detail?.pools).toEqual(['shared', 'burst']);
    const onShared = detail?.poolReplicas?.['shared'] as Int32Array;
    const onBurst = detail?.poolReplicas?.['burst'] as Int32Array;
    // Before the peak everything fits the 64 shared cores: nothing on burst, no burst nodes.
    expect(onShared[10]).toBe(30);
    expect(onBurst[10]).toBe(0);
    expect(plan.nodes['burst']?.[10]).toBe(0);
    // At the peak: 120 replicas = 64 on shared (full) + 56 on burst = 4 burst nodes.
    expect(plan.replicas['checkout']?.[70]).toBe(120);
    expect(onShared[70]).toBe(64);
    expect(onBurst[70]).toBe(56);
    expect(plan.nodes['burst']?.[70]).toBe(4);
    expect(plan.shortfalls).toEqual([]);
  });

  it('plans the burst nodes and the replicas with lead = provisioning p95 + startup p95 + apply', () => {
    const plan = planCapacity(evening({ tolerations: [TOLERATE_BURST], startup: { p50Ms: 20 * SECOND_MS, p95Ms: 45 * SECOND_MS } }));
    expect(plan.explanation?.workloads['checkout']?.lead).toEqual({ totalMs: 4 * MINUTE_MS + 45 * SECOND_MS + 15 * SECOND_MS, applyMs: 15 * SECOND_MS, startupP95Ms: 45 * SECOND_MS, nodeProvisioningMs: 4 * MINUTE_MS });
    const grow = plan.steps.find((step) => step.workload === 'burst' && step.reason === 'node-provision');
    // Peak at minute 60, lead 5 minutes: nodes asked for at minute 55, Ready by minute 59.
    expect(grow?.effectiveAtMs).toBe(NOW_MS + 55 * MINUTE_MS);
    expect(grow?.readyByMs).toBe(NOW_MS + 59 * MINUTE_MS);
    const acquire = plan.steps.find((step) => step.workload === 'checkout' && step.direction === 'acquire' && step.toReplicas === 120);
    expect(acquire?.effectiveAtMs).toBe(NOW_MS + 55 * MINUTE_MS);
    expect(acquire?.readyByMs).toBe(NOW_MS + 60 * MINUTE_MS);
  });

  it('keeps a workload that does not tolerate the taint off the elastic pool: the peak is a shortfall, said with the brownout order', () => {
    const plan = planCapacity(evening({}));
    expect(plan.explanation?.workloads['checkout']?.pools).toBeUndefined();
    expect(plan.replicas['checkout']?.[70]).toBe(64);
    expect(plan.nodes['burst']?.[70]).toBe(0);
    const short = plan.shortfalls.find((item) => item.slotIndex === 70);
    expect(short?.missingReplicas).toBe(56);
    expect(short?.message).toContain('pool shared is full at 4 nodes');
    expect(short?.message).toContain('brownout');
  });

  it('turns minimums that fit no pool into a shortfall below the minimum, lowest priority first, instead of refusing the plan', () => {
    const input = evening({});
    const crowded = planningInput({
      ...input,
      inventory: {
        ...input.inventory,
        online: [
          online('payment', { priority: 100, minReplicas: 40, maxReplicas: 100, perReplica: { cpuMillicores: 1000, memoryBytes: GIB } }),
          online('reviews', { priority: 10, minReplicas: 40, maxReplicas: 100, perReplica: { cpuMillicores: 1000, memoryBytes: GIB } }),
        ],
      },
      forecasts: new Map(),
    });
    const plan = planCapacity(crowded);
    expect(plan.replicas['payment']?.[0]).toBe(40);
    expect(plan.replicas['reviews']?.[0]).toBe(24);
    const short = plan.shortfalls.find((item) => item.workload === 'reviews' && item.slotIndex === 0);
    expect(short?.message).toContain('below its minimum of 40');
    expect(short?.message).toContain('reviews → payment');
    expect(plan.shortfalls.some((item) => item.workload === 'payment')).toBe(false);
  });
});
