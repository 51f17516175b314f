import { describe, expect, it } from 'vitest';
import { decideWrites, type DecideWritesInput } from '../../../src/controller/decide-writes.ts';
import type { OrderedWrite, TargetOverride } from '../../../src/controller/decision.ts';
import type { SafetyPolicy } from '../../../src/controller/safety.ts';
import type { Inventory } from '../../../src/domain/workload.ts';
import { GIB, LATER_PEAK, planOf, snapshotOf, standardInventory, T0, type StateSpec } from './fixtures.ts';
import type { ClusterSnapshot } from '../../../src/ports/cluster.ts';

/** `phase kind target=value`, e.g. `release replicas etl=14`. */
function describeWrite(entry: Pick<OrderedWrite, 'phase' | 'write' | 'target'>): string {
  const write = entry.write;
  const value = write.kind === 'replicas' ? write.replicas
    : write.kind === 'hpa-min' ? write.minReplicas
      : write.kind === 'job-parallelism' ? write.parallelism
        : write.kind === 'cronjob-suspend' ? write.suspend
          : write.nodes;
  return `${entry.phase} ${write.kind} ${entry.target}=${String(value)}`;
}

interface Row {
  name: string;
  inventory?: Inventory;
  pools?: ClusterSnapshot['nodePools'];
  plan: Parameters<typeof planOf>[0];
  states: Record<string, StateSpec>;
  atMs: number;
  applied?: string[];
  releaseStartedAtMs?: Record<string, number>;
  overrides?: TargetOverride[];
  writes: string[];
  waits?: Array<{ target: string; blockedBy: string[]; notBeforeMs?: number }>;
  /** Acquires that went ahead of drains: target → [urgency code, drains]. */
  cutShort?: Record<string, [string, string[]]>;
}

function decide(row: Pick<Row, 'inventory' | 'pools' | 'plan' | 'states' | 'atMs' | 'applied' | 'releaseStartedAtMs' | 'overrides'> & { safety?: SafetyPolicy }) {
  const inventory = row.inventory ?? standardInventory();
  const input: DecideWritesInput = {
    plan: planOf(row.plan),
    snapshot: snapshotOf(inventory, row.states, { atMs: row.atMs, ...(row.pools !== undefined ? { pools: row.pools } : {}) }),
    inventory,
    nowMs: row.atMs,
    appliedStepIds: new Set(row.applied ?? []),
    releaseStartedAtMs: new Map(Object.entries(row.releaseStartedAtMs ?? {})),
    ...(row.overrides !== undefined ? { overrides: row.overrides } : {}),
    ...(row.safety !== undefined ? { safety: row.safety } : {}),
  };
  return decideWrites(input);
}

const SLOT1 = T0 + 60_000;

/** pay pinned to pool `general`, etl to pool `batch`. */
function pinnedInventory(): Inventory {
  const base = standardInventory({ nodes: 100 });
  return {
    online: base.online.map((workload) => (workload.name === 'pay' ? { ...workload, nodePool: 'general' } : workload)),
    offline: base.offline.map((workload) => (workload.name === 'etl' ? { ...workload, nodePool: 'batch' } : workload)),
    nodePools: [...base.nodePools, { name: 'batch', perNode: { cpuMillicores: 8000, memoryBytes: 32 * GIB }, baseNodes: 10, costPerNodeHour: 1 }],
  };
}

describe('decideWrites: ordering', () => {
  it.each<Row>([
    {
      name: 'on the way up, offline is released first; an online acquire that needs its room, with time to spare, waits for the drain',
      inventory: standardInventory({ nodes: 3 }),
      plan: LATER_PEAK,
      states: { pay: { desired: 4 }, etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=14'],
      waits: [{ target: 'pay', blockedBy: ['etl'], notBeforeMs: SLOT1 + 60_000 }],
    },
    {
      name: 'an acquire whose pods fit in the room free now does not wait for a drain it does not need',
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 4 }, etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=14', 'acquire replicas pay=10'],
    },
    {
      name: 'a short-notice online acquire (Ready-by now) that needs the room does not wait: the drain is cut short',
      inventory: standardInventory({ nodes: 3 }),
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 4 }, etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=14', 'acquire replicas pay=10'],
      cutShort: { pay: ['short-notice', ['etl']] },
    },
    {
      name: 'a guard floor that needs the room of offline work it capped does not wait for its drain',
      inventory: standardInventory({ nodes: 3 }),
      plan: { replicas: { pay: [4, 4], etl: [20, 20] } },
      overrides: [
        { workload: 'pay', kind: 'floor', replicas: 10, stepId: 'guard/pay/1', reason: 'guard-emergency', message: 'pay left the band' },
        { workload: 'etl', kind: 'cap', replicas: 14, stepId: 'guard/pay/1', reason: 'guard-emergency', message: 'pay left the band' },
      ],
      states: { pay: { desired: 4 }, etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=14', 'acquire replicas pay=10'],
      cutShort: { pay: ['guard-emergency', ['etl']] },
    },
    {
      name: 'the room free now goes to the most important acquire; the next one that needs the drain waits for it',
      inventory: standardInventory({ nodes: 4 }),
      plan: { replicas: { pay: [4, 4, 4, 9], refund: [3, 3, 3, 9], etl: [20, 14, 14, 14] }, leadMs: { pay: 150_000, refund: 150_000 } },
      states: { pay: { desired: 4 }, refund: { desired: 3, hpa: { min: 3 } }, etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=14', 'acquire replicas pay=9'],
      waits: [{ target: 'refund', blockedBy: ['etl'], notBeforeMs: SLOT1 + 60_000 }],
    },
    {
      name: 'online acquires once the drain time has passed since the release',
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 4 }, etl: { desired: 14 } },
      atMs: SLOT1 + 60_000,
      applied: ['etl@1'],
      releaseStartedAtMs: { etl: SLOT1 },
      writes: ['acquire replicas pay=10'],
    },
    {
      name: 'online acquires early when the snapshot shows the released pods gone',
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 4 }, etl: { desired: 14, terminating: 0 } },
      atMs: SLOT1 + 10_000,
      applied: ['etl@1'],
      releaseStartedAtMs: { etl: SLOT1 },
      writes: ['acquire replicas pay=10'],
    },
    {
      name: 'online keeps waiting while released pods still terminate inside the drain time',
      inventory: standardInventory({ nodes: 3 }),
      plan: LATER_PEAK,
      states: { pay: { desired: 4 }, etl: { desired: 14, terminating: 6 } },
      atMs: SLOT1 + 10_000,
      applied: ['etl@1'],
      releaseStartedAtMs: { etl: SLOT1 },
      writes: [],
      waits: [{ target: 'pay', blockedBy: ['etl'], notBeforeMs: SLOT1 + 60_000 }],
    },
    {
      name: 'a release of unknown time waits for the snapshot alone',
      inventory: standardInventory({ nodes: 3 }),
      plan: LATER_PEAK,
      states: { pay: { desired: 4 }, etl: { desired: 14, ready: 20 } },
      atMs: SLOT1 + 10_000,
      writes: [],
      waits: [{ target: 'pay', blockedBy: ['etl'] }],
    },
    {
      name: 'lead time: the release is due before the slot, the acquire after the drain, both ahead of the slot',
      plan: { replicas: { pay: [4, 4, 10], etl: [20, 20, 14] }, leadMs: { pay: 90_000, etl: 150_000 } },
      states: { pay: { desired: 4 }, etl: { desired: 14 } },
      atMs: T0 + 30_000,
      applied: ['etl@2'],
      releaseStartedAtMs: { etl: T0 - 30_000 },
      writes: ['acquire replicas pay=10'],
    },
    {
      name: 'with a zero drain time the acquire follows the release in the same tick',
      inventory: standardInventory({ etlDrainMs: 0 }),
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 4 }, etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=14', 'acquire replicas pay=10'],
    },
    {
      name: 'a release on another node pool does not hold an acquire back',
      inventory: pinnedInventory(),
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 4 }, etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=14', 'acquire replicas pay=10'],
    },
    {
      name: 'on the way down, online scales in first and offline is restored after its drain (offline is never urgent)',
      inventory: standardInventory({ nodes: 3 }),
      plan: { replicas: { pay: [10, 4], etl: [14, 20] } },
      states: { pay: { desired: 10 }, etl: { desired: 14 } },
      atMs: SLOT1,
      writes: ['release replicas pay=4'],
      waits: [{ target: 'etl', blockedBy: ['pay'], notBeforeMs: SLOT1 + 30_000 }],
    },
    {
      name: 'acquires go most important first: online by descending priority, then offline',
      plan: { replicas: { pay: [4, 10], refund: [3, 6], etl: [10, 12] } },
      states: { pay: { desired: 4 }, refund: { desired: 3, hpa: { min: 3 } }, etl: { desired: 10 } },
      atMs: SLOT1,
      writes: ['acquire replicas pay=10', 'acquire hpa-min refund=6', 'acquire replicas etl=12'],
    },
    {
      name: 'releases go least important first: offline by ascending priority, then online',
      plan: { replicas: { pay: [10, 4], settle: [8, 2], reports: [1, 0], etl: [5, 3] } },
      states: { pay: { desired: 10 }, settle: { desired: 8 }, reports: { desired: 1 }, etl: { desired: 5 } },
      atMs: SLOT1,
      writes: ['release cronjob-suspend reports=true', 'release replicas etl=3', 'release job-parallelism settle=2', 'release replicas pay=4'],
    },
  ])('$name', (row) => {
    const decision = decide(row);
    expect(decision.refusals).toEqual([]);
    expect(decision.writes.map(describeWrite)).toEqual(row.writes);
    expect(decision.writes.map((write) => write.order)).toEqual(row.writes.map((_, index) => index));
    expect(decision.waits.map((wait) => ({ target: wait.target, blockedBy: wait.blockedBy, ...(wait.notBeforeMs !== undefined ? { notBeforeMs: wait.notBeforeMs } : {}) })))
      .toEqual(row.waits ?? []);
    const cutShort = Object.fromEntries(decision.writes.flatMap((write) => (write.cutShort !== undefined ? [[write.target, [write.cutShort.code, write.cutShort.drains]]] : [])));
    expect(cutShort).toEqual(row.cutShort ?? {});
    for (const write of decision.writes) {
      if (write.cutShort !== undefined) expect(write.write.provenance.message).toContain(`does not wait for ${write.cutShort.drains.join(', ')} to drain`);
    }
  });
});

describe('decideWrites: released capacity counts as free only when its pods are gone', () => {
  // 3 nodes = 24 cores: pay 4 + refund 10 + etl 10. refund's HPA floor goes 10→3, etl wants 17.
  const base = {
    inventory: standardInventory({ nodes: 3 }),
    plan: { replicas: { pay: [4, 4], refund: [10, 3], etl: [10, 17] } },
  };

  it('a lowered HPA floor with its pods still running frees nothing: the offline acquire waits, and dry-run says so', () => {
    const decision = decide({ ...base, states: { pay: { desired: 4 }, refund: { desired: 10, hpa: { min: 10 } }, etl: { desired: 10 } }, atMs: SLOT1 });
    expect(decision.writes.map(describeWrite)).toEqual(['release hpa-min refund=3']);
    expect(decision.waits.map((wait) => [wait.target, wait.blockedBy])).toEqual([['etl', ['refund']]]);
    expect(decision.notYetFree).toEqual([expect.objectContaining({ target: 'refund', pods: 7, cpuMillicores: 7000 })]);
    expect(decision.notYetFree[0]?.message).toMatch(/refund: released, 7 pods still running or terminating hold its room; counted free only once they are gone/);
  });

  it('past the online drain time, pods the HPA still runs above the floor are reported not yet free (the acquire no longer waits: the HPA may keep them for load)', () => {
    const decision = decide({
      ...base, states: { pay: { desired: 4 }, refund: { desired: 10, hpa: { min: 3 } }, etl: { desired: 10 } },
      atMs: SLOT1 + 60_000, applied: ['refund@1'], releaseStartedAtMs: { refund: SLOT1 },
    });
    expect(decision.writes.map(describeWrite)).toEqual(['acquire replicas etl=17']);
    expect(decision.notYetFree.map((held) => [held.target, held.pods])).toEqual([['refund', 7]]);
    expect(decision.notYetFree[0]?.message).toMatch(/refund: HPA floor lowered to 3 at .*, 7 pods above it still run; counted free only once the HPA removes them/);
  });

  it('once the HPA has removed the pods, the room is free and the offline acquire goes', () => {
    const decision = decide({
      ...base, states: { pay: { desired: 4 }, refund: { desired: 3, hpa: { min: 3 }, terminating: 0 }, etl: { desired: 10 } },
      atMs: SLOT1 + 60_000, applied: ['refund@1'], releaseStartedAtMs: { refund: SLOT1 },
    });
    expect(decision.writes.map(describeWrite)).toEqual(['acquire replicas etl=17']);
    expect(decision.notYetFree).toEqual([]);
  });
});

describe('decideWrites: what is written per object kind', () => {
  it.each<Row>([
    {
      name: 'an HPA-managed workload gets its minReplicas raised, not its replicas',
      plan: { replicas: { refund: [3, 12] } },
      states: { refund: { desired: 5, hpa: { min: 3 } } },
      atMs: SLOT1,
      writes: ['acquire hpa-min refund=12'],
    },
    {
      name: 'after the peak the HPA floor goes back down; the HPA keeps its replicas above it',
      plan: { replicas: { refund: [12, 3] } },
      states: { refund: { desired: 14, hpa: { min: 12, current: 14 } } },
      atMs: SLOT1,
      writes: ['release hpa-min refund=3'],
    },
    {
      name: 'an HPA above the planned floor is left alone (never fought downward)',
      plan: { replicas: { refund: [3, 6] } },
      states: { refund: { desired: 40, hpa: { min: 6, current: 40 } } },
      atMs: SLOT1,
      writes: [],
    },
    {
      name: 'Job parallelism is lowered for a release',
      plan: { replicas: { settle: [8, 2] } },
      states: { settle: { desired: 8 } },
      atMs: SLOT1,
      writes: ['release job-parallelism settle=2'],
    },
    {
      name: 'a CronJob is suspended at zero',
      plan: { replicas: { reports: [1, 0] } },
      states: { reports: { desired: 1 } },
      atMs: SLOT1,
      writes: ['release cronjob-suspend reports=true'],
    },
    {
      name: 'a CronJob is resumed above zero',
      plan: { replicas: { reports: [0, 3] } },
      states: { reports: { desired: 0 } },
      atMs: SLOT1,
      writes: ['acquire cronjob-suspend reports=false'],
    },
    {
      name: 'an elastic pool grows before the online acquire it makes room for',
      plan: { replicas: { pay: [4, 60] }, nodes: { general: [10, 12] } },
      states: { pay: { desired: 4 } },
      atMs: SLOT1,
      writes: ['pool-grow pool-nodes general=12', 'acquire replicas pay=60'],
    },
    {
      name: 'a pool shrinks only once nothing drains on it',
      plan: { replicas: { etl: [20, 10] }, nodes: { general: [12, 10] } },
      pools: [{ pool: 'general', readyNodes: 12, provisioningNodes: 0, allocatableCpuMillicores: 96_000, allocatableMemoryBytes: 384 * GIB }],
      states: { etl: { desired: 20 } },
      atMs: SLOT1,
      writes: ['release replicas etl=10'],
      waits: [{ target: 'general', blockedBy: ['etl'], notBeforeMs: SLOT1 + 60_000 }],
    },
    {
      name: 'guard overrides: an online floor above the plan and an offline cap below it',
      inventory: standardInventory({ etlDrainMs: 0 }),
      plan: { replicas: { pay: [10, 10], etl: [20, 20] } },
      states: { pay: { desired: 10 }, etl: { desired: 20 } },
      atMs: SLOT1,
      overrides: [
        { workload: 'pay', kind: 'floor', replicas: 30, stepId: 'guard/pay/1', reason: 'guard-emergency', message: 'pulse' },
        { workload: 'etl', kind: 'cap', replicas: 5, stepId: 'guard/pay/1', reason: 'guard-emergency', message: 'pulse' },
      ],
      writes: ['release replicas etl=5', 'acquire replicas pay=30'],
    },
  ])('$name', (row) => {
    const decision = decide(row);
    expect(decision.refusals).toEqual([]);
    expect(decision.writes.map(describeWrite)).toEqual(row.writes);
    expect(decision.waits.map((wait) => ({ target: wait.target, blockedBy: wait.blockedBy, ...(wait.notBeforeMs !== undefined ? { notBeforeMs: wait.notBeforeMs } : {}) })))
      .toEqual(row.waits ?? []);
  });

  it('carries provenance: plan id, step id, reason, message and time', () => {
    const decision = decide({ plan: { replicas: { etl: [20, 14] } }, states: { etl: { desired: 20 } }, atMs: SLOT1 });
    expect(decision.writes[0]?.write.provenance).toEqual({
      planId: 'plan-1', stepId: 'etl@1', reason: 'offline-release', message: 'etl 20→14 for slot 1', atMs: SLOT1,
    });
  });

  it('leaves a paused workload alone (no plan step, no guard floor) and says so; its replicas still count', () => {
    const decision = decide({
      plan: { replicas: { pay: [10, 30], etl: [20, 14] } }, states: { pay: { desired: 10, annotations: { 'chuanliu.io/paused': 'true' } }, etl: { desired: 20 } }, atMs: SLOT1,
      overrides: [{ workload: 'pay', kind: 'floor', replicas: 40, stepId: 'guard/pay/1', reason: 'guard-emergency', message: 'pulse' }],
    });
    expect(decision.writes.map((write) => write.target)).toEqual(['etl']);
    expect(decision.warnings).toContain('pay is paused (chuanliu.io/paused: "true"): left alone at 10');
    expect(decision.targets.find((target) => target.name === 'pay')).toMatchObject({ current: 10, target: 10 });
    // Any other annotation value is not a pause.
    const running = decide({ plan: { replicas: { pay: [10, 30] } }, states: { pay: { desired: 10, annotations: { 'chuanliu.io/paused': 'false' } } }, atMs: SLOT1 });
    expect(running.writes.map((write) => write.target)).toEqual(['pay']);
  });

  it('marks guard writes with the guard reason', () => {
    const decision = decide({
      plan: { replicas: { pay: [10, 10] } }, states: { pay: { desired: 10 } }, atMs: SLOT1,
      overrides: [{ workload: 'pay', kind: 'floor', replicas: 30, stepId: 'guard/pay/1', reason: 'guard-emergency', message: 'pulse' }],
    });
    expect(decision.writes[0]?.write.provenance).toMatchObject({ stepId: 'guard/pay/1', reason: 'guard-emergency' });
  });

  it('clamps an HPA floor to the HPA maxReplicas and says so', () => {
    const decision = decide({
      inventory: standardInventory({ nodes: 100 }),
      plan: { replicas: { refund: [3, 150] } }, states: { refund: { desired: 5, hpa: { min: 3, max: 100 } } }, atMs: SLOT1,
    });
    expect(decision.writes.map(describeWrite)).toEqual(['acquire hpa-min refund=100']);
    expect(decision.warnings).toEqual(['refund: floor 150 clamped to HPA refund-hpa maxReplicas 100']);
  });
});

describe('decideWrites: level-triggered', () => {
  it.each<Row & { skipped: string[] }>([
    {
      name: 'a replayed tick finds everything at its level and writes nothing',
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 10 }, etl: { desired: 14 } },
      atMs: SLOT1 + 120_000,
      applied: ['pay@1', 'etl@1'],
      releaseStartedAtMs: { etl: SLOT1 },
      writes: [],
      skipped: ['pay already-at-target', 'etl already-at-target'],
    },
    {
      name: 'drift from the level is corrected even when the step is recorded as applied',
      plan: { replicas: { pay: [4, 10] } },
      states: { pay: { desired: 7 } },
      atMs: SLOT1 + 120_000,
      applied: ['pay@1'],
      writes: ['acquire replicas pay=10'],
      skipped: [],
    },
    {
      name: 'before the plan starts and with no step due, nothing is touched',
      plan: { replicas: { pay: [4, 10] }, startMs: T0 + 3_600_000 },
      states: { pay: { desired: 7 } },
      atMs: T0,
      writes: [],
      skipped: [],
    },
    {
      name: 'past the horizon the last slot holds',
      plan: { replicas: { pay: [4, 10] } },
      states: { pay: { desired: 4 } },
      atMs: T0 + 3_600_000,
      applied: [],
      writes: ['acquire replicas pay=10'],
      skipped: [],
    },
    {
      name: 'a workload missing from the snapshot is left alone, never scaled on missing data',
      plan: { replicas: { pay: [4, 10], etl: [20, 14] } },
      states: { pay: { desired: 4 } },
      atMs: SLOT1,
      writes: ['acquire replicas pay=10'],
      skipped: ['etl missing-from-snapshot'],
    },
    {
      name: 'an HPA the snapshot does not show is not fought with replica writes',
      plan: { replicas: { refund: [3, 12] } },
      states: { refund: { desired: 5 } },
      atMs: SLOT1,
      writes: [],
      skipped: ['refund hpa-missing'],
    },
    {
      name: 'a plan row for an unknown workload is reported and left alone',
      plan: { replicas: { ghost: [1, 2] } },
      states: {},
      atMs: SLOT1,
      writes: [],
      skipped: ['ghost not-in-inventory'],
    },
  ])('$name', (row) => {
    const decision = decide(row);
    expect(decision.writes.map(describeWrite)).toEqual(row.writes);
    expect(decision.skipped.map((skip) => `${skip.target} ${skip.reason}`).sort()).toEqual([...row.skipped].sort());
  });

  it('reads the level at the slot containing now: lead time is already in the plan, never applied twice', () => {
    // pay must be Ready at 10 for slot 3 and at 20 for slot 4, with a 1-minute lead: the planner
    // writes 10 at slot 2 and 20 at slot 3. At slot 2 the target is 10, not slot 4's 20.
    const row = { plan: { replicas: { pay: [4, 4, 4, 10, 20] }, leadMs: { pay: 60_000 } }, states: { pay: { desired: 4 } }, atMs: T0 + 150_000 };
    const decision = decide(row);
    expect(decision.writes.map(describeWrite)).toEqual(['acquire replicas pay=10']);
    expect(decision.targets.find((target) => target.name === 'pay')?.target).toBe(10);
  });

  it('lists due steps not yet applied', () => {
    const decision = decide({ plan: { replicas: { pay: [4, 10, 12], etl: [20, 14, 14] } }, states: { pay: { desired: 4 }, etl: { desired: 20 } }, atMs: SLOT1, applied: ['etl@1'] });
    expect(decision.newlyDueSteps.map((step) => step.id)).toEqual(['pay@1']);
  });
});

describe('decideWrites: refusals write nothing and say why', () => {
  it.each<{ name: string; plan: Parameters<typeof planOf>[0]; states: Record<string, StateSpec>; safety?: SafetyPolicy; inventory?: Inventory; code: string; message: RegExp }>([
    {
      name: 'a slot that exceeds the cluster',
      plan: { replicas: { pay: [4, 90], etl: [20, 20] } },
      states: { pay: { desired: 4 }, etl: { desired: 20 } },
      code: 'capacity-exceeded',
      message: /plan plan-1 targets need 110\.0 cores CPU but only 80\.0 cores/,
    },
    {
      name: 'online below its minimum',
      plan: { replicas: { pay: [4, 1] } },
      states: { pay: { desired: 4 } },
      code: 'online-below-min',
      message: /puts online pay at 1 replicas at 2024-11-11T11:51:00\.000Z, below its minimum of 2/,
    },
    {
      name: 'above the maximum',
      plan: { replicas: { pay: [4, 250] } },
      states: { pay: { desired: 4 } },
      inventory: standardInventory({ nodes: 100 }),
      code: 'above-max',
      message: /puts pay at 250 replicas .* above its maximum of 200/,
    },
    {
      name: 'a workload outside the namespace allowlist',
      plan: { replicas: { etl: [20, 14] } },
      states: { etl: { desired: 20 } },
      safety: { maxStepReplicas: 1000, namespaceAllowlist: ['pay'] },
      code: 'namespace-not-allowed',
      message: /etl is in namespace "batch", which is not in the allowlist \(pay\)/,
    },
    {
      name: 'an absurd jump',
      plan: { replicas: { pay: [4, 50] } },
      states: { pay: { desired: 4 } },
      safety: { maxStepReplicas: 20 },
      code: 'step-too-large',
      message: /moves pay from 4 to 50 replicas in one step \(46 > maxStepReplicas 20\)/,
    },
    {
      name: 'a fractional replica count',
      plan: { replicas: { etl: [20, 20] } },
      states: { etl: { desired: 20 } },
      code: 'invalid-replicas',
      message: /asks for 2\.5 replicas of etl/,
    },
  ])('refuses $name', (row) => {
    const inventory = row.inventory ?? standardInventory();
    const plan = planOf(row.plan);
    const fractional = row.code === 'invalid-replicas'
      ? { ...plan, replicas: { etl: Float64Array.from([20, 2.5]) as unknown as Int32Array } }
      : plan;
    const decision = decideWrites({
      plan: fractional, snapshot: snapshotOf(inventory, row.states), inventory, nowMs: SLOT1, appliedStepIds: new Set(),
      ...(row.safety !== undefined ? { safety: row.safety } : {}),
    });
    expect(decision.writes).toEqual([]);
    expect(decision.waits).toEqual([]);
    expect(decision.refusals.map((refusal) => refusal.code)).toContain(row.code);
    expect(decision.refusals.map((refusal) => refusal.message).join('\n')).toMatch(row.message);
  });

  it('writes an online target below its minimum when the plan states that shortfall (a planned brownout), not a refused tick', () => {
    const inventory = standardInventory();
    const base = planOf({ replicas: { pay: [4, 1], etl: [20, 10] } });
    const plan = { ...base, shortfalls: [{ slotIndex: 1, workload: 'pay', missingReplicas: 1, message: 'pay short 1 replicas: pool general is full' }] };
    const decision = decideWrites({
      plan, snapshot: snapshotOf(inventory, { pay: { desired: 4 }, etl: { desired: 20 } }), inventory, nowMs: SLOT1, appliedStepIds: new Set(),
    });
    expect(decision.refusals).toEqual([]);
    expect(decision.writes.map((entry) => `${entry.target}→${entry.toReplicas}`).sort()).toEqual(['etl→10', 'pay→1']);
    // The same target without the stated shortfall stays refused (see the table above).
    const unstated = decideWrites({
      plan: base, snapshot: snapshotOf(inventory, { pay: { desired: 4 }, etl: { desired: 20 } }), inventory, nowMs: SLOT1, appliedStepIds: new Set(),
    });
    expect(unstated.refusals.map((refusal) => refusal.code)).toEqual(['online-below-min']);
  });

  it('counts planned elastic nodes as capacity (the pool grows for the slot)', () => {
    const inventory = standardInventory();
    const decision = decideWrites({
      plan: planOf({ replicas: { pay: [4, 90] }, nodes: { general: [10, 12] } }),
      snapshot: snapshotOf(inventory, { pay: { desired: 4 } }), inventory, nowMs: SLOT1, appliedStepIds: new Set(),
    });
    expect(decision.refusals).toEqual([]);
  });

  it('refuses workloads pinned to a pool that cannot hold them', () => {
    const base = standardInventory();
    const inventory: Inventory = {
      ...base,
      online: base.online.map((workload) => (workload.name === 'pay' ? { ...workload, nodePool: 'gpu' } : workload)),
      nodePools: [...base.nodePools, { name: 'gpu', perNode: { cpuMillicores: 4000, memoryBytes: 16 * 1024 ** 3 }, baseNodes: 1, costPerNodeHour: 3 }],
    };
    const decision = decideWrites({
      plan: planOf({ replicas: { pay: [4, 10] } }), snapshot: snapshotOf(inventory, { pay: { desired: 4 } }), inventory, nowMs: SLOT1, appliedStepIds: new Set(),
    });
    expect(decision.refusals).toEqual([{ code: 'capacity-exceeded', target: 'gpu', message: 'plan plan-1 targets pinned to pool gpu need 10.0 cores CPU but only 4.0 cores the pool can hold' }]);
  });
});

describe('decideWrites: pre-provisioning through placeholder pods', () => {
  const PLACEHOLDER_REF = { apiKind: 'Deployment' as const, namespace: 'chuanliu-system', name: 'chuanliu-placeholder-burst' };
  function burstInventory(): Inventory {
    const base = standardInventory();
    return {
      ...base,
      nodePools: [...base.nodePools, {
        name: 'burst', perNode: { cpuMillicores: 8000, memoryBytes: 32 * GIB }, baseNodes: 0, costPerNodeHour: 2,
        elastic: {
          maxNodes: 10, provisioningMs: 120_000,
          placeholders: { namespace: 'chuanliu-system', deploymentName: 'chuanliu-placeholder-burst', priorityClassName: 'chuanliu-placeholder', priorityValue: -10, perPod: { cpuMillicores: 7200, memoryBytes: 28 * GIB } },
        },
      }],
    };
  }
  /** Slot 1: 3 placeholders ahead of the peak; slot 3: online pay arrives (4→60), placeholders drop to 1. */
  function decideAt(atMs: number, placeholdersNow: number, payNow: number) {
    const inventory = burstInventory();
    const plan = { ...planOf({ replicas: { pay: [4, 4, 4, 60] }, nodes: { burst: [0, 3, 3, 3] } }), placeholders: { burst: Int32Array.from([0, 3, 3, 1]) } };
    const snapshot = snapshotOf(inventory, { pay: { desired: payNow } }, { atMs, pools: [{ pool: 'general', readyNodes: 10, provisioningNodes: 0, allocatableCpuMillicores: 80_000, allocatableMemoryBytes: 320 * GIB }, { pool: 'burst', readyNodes: 0, provisioningNodes: 0, allocatableCpuMillicores: 0, allocatableMemoryBytes: 0 }] });
    const withPlaceholder = { ...snapshot, workloads: [...snapshot.workloads, { ref: PLACEHOLDER_REF, desiredReplicas: placeholdersNow, readyReplicas: 0, annotations: {} }] };
    return decideWrites({ plan, snapshot: withPlaceholder, inventory, nowMs: atMs, appliedStepIds: new Set() });
  }

  it('scales the placeholder Deployment up ahead of the peak and leaves the pool nodes to the node autoscaler', () => {
    const decision = decideAt(SLOT1, 0, 4);
    expect(decision.writes.map(describeWrite)).toEqual(['pool-grow replicas burst/placeholders=3']);
    expect(decision.writes[0]?.write).toMatchObject({ kind: 'replicas', ref: PLACEHOLDER_REF, replicas: 3 });
    expect(decision.skipped.find((entry) => entry.target === 'burst')?.reason).toBe('pre-provisioned');
    expect(decision.refusals).toEqual([]);
  });

  it('drops the placeholders in the release phase of the tick the online pods arrive in, before they acquire', () => {
    const decision = decideAt(T0 + 3 * 60_000, 3, 4);
    expect(decision.writes.map(describeWrite)).toEqual(['release replicas burst/placeholders=1', 'acquire replicas pay=60']);
  });

  it('counts the nodes a pre-provisioned pool has on their way as capacity, so the online acquire is not refused', () => {
    const inventory = burstInventory();
    // pay 100 × 1 core: more than general's 80 cores, within general + the 3 burst nodes the plan asked for.
    const plan = { ...planOf({ replicas: { pay: [4, 100] }, nodes: { burst: [3, 3] } }), placeholders: { burst: Int32Array.from([3, 0]) } };
    const snapshot = snapshotOf(inventory, { pay: { desired: 4 } }, { atMs: SLOT1, pools: [{ pool: 'general', readyNodes: 10, provisioningNodes: 0, allocatableCpuMillicores: 80_000, allocatableMemoryBytes: 320 * GIB }, { pool: 'burst', readyNodes: 0, provisioningNodes: 3, allocatableCpuMillicores: 0, allocatableMemoryBytes: 0 }] });
    const withPlaceholder = { ...snapshot, workloads: [...snapshot.workloads, { ref: PLACEHOLDER_REF, desiredReplicas: 3, readyReplicas: 3, annotations: {} }] };
    const decision = decideWrites({ plan, snapshot: withPlaceholder, inventory, nowMs: SLOT1, appliedStepIds: new Set() });
    expect(decision.refusals).toEqual([]);
    expect(decision.writes.map(describeWrite)).toEqual(['release replicas burst/placeholders=0', 'acquire replicas pay=100']);
  });

  it('leaves a missing placeholder Deployment alone and says how to create it', () => {
    const inventory = burstInventory();
    const plan = { ...planOf({ replicas: { pay: [4, 4] } }), placeholders: { burst: Int32Array.from([0, 3]) } };
    const decision = decideWrites({ plan, snapshot: snapshotOf(inventory, { pay: { desired: 4 } }), inventory, nowMs: SLOT1, appliedStepIds: new Set() });
    expect(decision.writes).toEqual([]);
    expect(decision.skipped.find((entry) => entry.target === 'burst/placeholders')?.message).toMatch(/chuanliu-system\/chuanliu-placeholder-burst of pool burst is not in the cluster/);
  });
});
