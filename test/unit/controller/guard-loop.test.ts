import { describe, expect, it } from 'vitest';
import { GuardLoop } from '../../../src/controller/guard-loop.ts';
import { MemoryAppliedStepStore } from '../../../src/adapters/memory/memory-applied-steps.ts';
import { snapshotOf, standardInventory, T0 } from './fixtures.ts';
import { controlledState, FlakySnapshots, memoryCluster } from './memory-setup.ts';

const config = { consecutiveSamples: 1, toleranceFraction: 0, headroomFactor: 1, coolDownMs: 0, stabilizationMs: 0 };

describe('GuardLoop', () => {
  // 4 nodes × 8 cores; pay 10 + refund 4 + etl 16 hold 30 cores: 2 free.
  const inventory = standardInventory({ nodes: 4 });
  const snapshot = snapshotOf(inventory, { pay: { desired: 10 }, refund: { desired: 4, hpa: { min: 3 } }, etl: { desired: 16 } });

  it('combines two emergencies capping the same offline work to the lowest cap, and keeps the other when one ends', () => {
    const guard = new GuardLoop({ inventory, config });
    guard.observe([{ workload: 'pay', timeMs: T0, observedRps: 1500, bandRps: 1000 }], snapshot);
    guard.observe([{ workload: 'refund', timeMs: T0, observedRps: 1000, bandRps: 500 }], snapshot);
    // pay: 15 replicas, 5 more cores, 2 free → etl 16→13; refund: 10 replicas, 6 more cores, none free → etl 13→7.
    expect(guard.overrides().map((entry) => `${entry.kind} ${entry.workload}=${entry.replicas} (${entry.stepId})`)).toEqual([
      `floor pay=15 (guard/pay/${T0})`,
      `floor refund=10 (guard/refund/${T0})`,
      `cap etl=7 (guard/refund/${T0})`,
    ]);
    guard.observe([{ workload: 'refund', timeMs: T0 + 1_000, observedRps: 100, bandRps: 500 }], snapshot);
    expect(guard.overrides().map((entry) => `${entry.kind} ${entry.workload}=${entry.replicas}`)).toEqual(['floor pay=15', 'cap etl=13']);
    expect(guard.misses().map((miss) => [miss.workload, miss.endMs])).toEqual([['refund', T0 + 1_000], ['pay', undefined]]);
  });

  it('refuses samples for a workload it does not guard', () => {
    const guard = new GuardLoop({ inventory, config });
    expect(() => guard.observe([{ workload: 'etl', timeMs: T0, observedRps: 1, bandRps: 1 }], snapshot))
      .toThrow('guard sample for etl, which is not an online workload of the inventory');
  });

  it('judges nothing and writes nothing when the snapshot cannot be read', async () => {
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 10, etl: 16 } });
    const guard = new GuardLoop({ inventory, config });
    const result = await guard.tick({
      samples: [{ workload: 'pay', timeMs: T0, observedRps: 5000, bandRps: 1000 }],
      reconcile: { cluster: new FlakySnapshots(cluster, 1), plan: undefined, inventory, appliedSteps: new MemoryAppliedStepStore(), clock },
    });
    expect(result).toEqual({ decisions: [], heldMessage: 'guard holding, no sample judged: kube-apiserver: connect ECONNREFUSED 10.0.0.1:443' });
    expect(guard.stateOf('pay')).toEqual({ phase: 'watching', breachCount: 0 });
    expect(await controlledState(cluster)).toMatchObject({ pay: 10, etl: 16 });
  });

  it('works without a plan: the cluster as it is, plus the emergency, written at once (the drain is cut short)', async () => {
    // pay 10 + etl 20 = 30 of 32 cores: 5 more replicas need 3 taken from etl.
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 10, etl: 20 } });
    const guard = new GuardLoop({ inventory, config });
    const result = await guard.tick({
      samples: [{ workload: 'pay', timeMs: T0, observedRps: 1500, bandRps: 1000 }],
      reconcile: { cluster, plan: undefined, inventory, appliedSteps: new MemoryAppliedStepStore(), clock },
    });
    expect(result.reconcile?.records.map((record) => `${record.phase} ${record.target}→${record.toReplicas} ${record.write.provenance.reason}`))
      .toEqual(['release etl→17 guard-emergency', 'acquire pay→15 guard-emergency']);
    expect(result.reconcile?.decision?.waits).toEqual([]);
    const acquire = result.reconcile?.decision?.writes.find((write) => write.target === 'pay');
    expect(acquire?.cutShort).toMatchObject({ code: 'guard-emergency', drains: ['etl'] });
    expect(acquire?.write.provenance.message).toMatch(/pay 10→15 does not wait for etl to drain: guard emergency floor/);
  });
});
