/**
 * The controller refuses plans that would break an invariant, touch a namespace outside its
 * allowlist, or jump further than its limit — says why, and writes nothing at all (not even the
 * good part of the plan). Checked end to end: `reconcile` through the Kubernetes adapter against
 * kube-api over HTTP, the request log showing no write, the objects unchanged. Dry-run shows the
 * writes and makes none.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { KubernetesCluster } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { MemoryAppliedStepStore } from '../../src/adapters/memory/memory-applied-steps.ts';
import type { RefusalCode } from '../../src/controller/decision.ts';
import { reconcile } from '../../src/controller/reconcile.ts';
import type { SafetyPolicy } from '../../src/controller/safety.ts';
import type { CapacityPlan } from '../../src/domain/plan.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { grandShift, OFFLINE_NAMESPACE, ONLINE_NAMESPACE, type GrandShift } from './helpers/grand-shift.ts';
import { levelsNow } from './helpers/shift-invariants.ts';

const SLOT_MS = 60_000;
let kube: RunningKubeApi;
let cluster: KubernetesCluster;
let shift: GrandShift;
let directory: string;

/** A plan holding `levels` now (no steps: the level-triggered targets alone). */
function planWith(levels: Record<string, number>): CapacityPlan {
  const nowMs = systemClock.nowMs();
  return {
    id: 'plan-refusal', createdAtMs: nowMs - SLOT_MS, startMs: nowMs - SLOT_MS, slotMs: SLOT_MS, slotCount: 3,
    replicas: Object.fromEntries(Object.entries(levels).map(([name, replicas]) => [name, Int32Array.of(replicas, replicas, replicas)])),
    nodes: {}, steps: [], shortfalls: [], brownoutOrder: [],
  };
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-refusals-'));
  shift = grandShift({ workloads: 20, nowMs: systemClock.nowMs() });
  kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
  await kube.bridge.idle();
  await kube.writeKubeconfig(join(directory, 'kubeconfig'));
  cluster = new KubernetesCluster({ kubeConfig: loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig') }), clock: systemClock, namespaces: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE] });
});

afterAll(async () => {
  cluster?.close();
  await kube?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const allOnlineAt = (replicas: number): Record<string, number> => Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`pay-${String(index).padStart(4, '0')}`, replicas]));
const allOfflineAt = (replicas: number): Record<string, number> => Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`etl-${String(index).padStart(4, '0')}`, replicas]));
const DEFAULT_POLICY: SafetyPolicy = { maxStepReplicas: 10, namespaceAllowlist: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE] };

describe('refused plans write nothing and say why', () => {
  it.each<{ name: string; levels: Record<string, number>; policy?: SafetyPolicy; code: RefusalCode; reason: RegExp }>([
    { name: 'online below its minimum', levels: { 'pay-0001': 0, 'pay-0002': 2 }, code: 'online-below-min', reason: /pay-0001 at 0 replicas .* below its minimum of 1/ },
    { name: 'above the maximum', levels: { 'pay-0001': 6, 'etl-0001': 3 }, code: 'above-max', reason: /pay-0001 at 6 replicas .* above its maximum of 5/ },
    { name: 'more than the cluster holds', levels: { ...allOnlineAt(5), ...allOfflineAt(4) }, code: 'capacity-exceeded', reason: /targets need 45\.0 cores CPU but only 30\.0 cores and 22\.5 GiB memory but only 15\.0 GiB the cluster can hold/ },
    {
      name: 'a workload outside the namespace allowlist', levels: { 'pay-0001': 2, 'etl-0001': 2 }, policy: { maxStepReplicas: 10, namespaceAllowlist: [ONLINE_NAMESPACE] },
      code: 'namespace-not-allowed', reason: /etl-0001 is in namespace "batch", which is not in the allowlist \(shop\)/,
    },
    { name: 'an absurd jump', levels: { 'pay-0001': 3, 'etl-0001': 0 }, policy: { maxStepReplicas: 3 }, code: 'step-too-large', reason: /moves etl-0001 from 4 to 0 replicas in one step \(4 > maxStepReplicas 3\)/ },
    { name: 'replicas that are not whole numbers', levels: { 'pay-0001': 2, 'etl-0001': -1 }, code: 'invalid-replicas', reason: /asks for -1 replicas of etl-0001/ },
  ])('$name → $code', async ({ levels, policy, code, reason }) => {
    const before = levelsNow(kube.store, shift.inventory);
    const since = kube.requestLog.lastSeq;
    const result = await reconcile({
      cluster, plan: planWith(levels), inventory: shift.inventory, appliedSteps: new MemoryAppliedStepStore(), clock: systemClock, safety: policy ?? DEFAULT_POLICY,
    });
    expect(result.status).toBe('refused');
    expect(result.decision?.refusals.map((refusal) => refusal.code)).toContain(code);
    expect(result.message).toMatch(/^refused, nothing written: /);
    expect(result.message).toMatch(reason);
    expect(result.records).toEqual([]);
    // Asking the authorizer (SelfSubjectAccessReview POSTs) changes nothing; every other request is a read.
    expect(kube.requestLog.list({ sinceSeq: since }).filter((entry) => entry.method !== 'GET' && entry.resource !== 'selfsubjectaccessreviews')).toEqual([]);
    expect(levelsNow(kube.store, shift.inventory)).toEqual(before);
  });

  it('dry-run lists exactly the writes a real tick would make, and makes none', async () => {
    const levels = { 'pay-0001': 3, 'etl-0001': 0 };
    const before = levelsNow(kube.store, shift.inventory);
    const since = kube.requestLog.lastSeq;
    const result = await reconcile({ cluster, plan: planWith(levels), inventory: shift.inventory, appliedSteps: new MemoryAppliedStepStore(), clock: systemClock, safety: DEFAULT_POLICY, dryRun: true });
    expect(result.status).toBe('dry-run');
    // pay-0001's 2 new replicas fit in the room free now: they do not wait for etl-0001's drain,
    // whose 4 released pods still run (not counted as freed).
    expect(result.records.map((record) => `${record.phase} ${record.target} ${record.fromReplicas}→${record.toReplicas}`)).toEqual(['release etl-0001 4→0', 'acquire pay-0001 1→3']);
    expect(result.decision?.waits).toEqual([]);
    expect(result.decision?.notYetFree.map((held) => [held.target, held.pods])).toEqual([['etl-0001', 4]]);
    // Asking the authorizer (SelfSubjectAccessReview POSTs) changes nothing; every other request is a read.
    expect(kube.requestLog.list({ sinceSeq: since }).filter((entry) => entry.method !== 'GET' && entry.resource !== 'selfsubjectaccessreviews')).toEqual([]);
    expect(levelsNow(kube.store, shift.inventory)).toEqual(before);
  });
});
