/**
 * The fault suite's own checks can fail: each invariant watcher flags a cluster that breaks it, and
 * a naive client (blind merge-patch of the scale subresource, retried on a dropped connection) does
 * write twice under the lost-answer fault that chuanliu's adapter survives.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster, ClusterWrite, WriteOutcome } from '../../src/ports/cluster.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import type { RequestLogEntry } from '../../src/kube-api/request-log.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { grandShift, type GrandShift } from './helpers/grand-shift.ts';
import { runShift } from './helpers/run-shift.ts';
import { doubleWrites, ShiftInvariants, valueWrites } from './helpers/shift-invariants.ts';

describe('the invariant watcher flags what breaks an invariant', () => {
  let kube: RunningKubeApi;
  let shift: GrandShift;
  let invariants: ShiftInvariants;

  beforeEach(async () => {
    shift = grandShift({ workloads: 20, nowMs: Date.UTC(2025, 10, 11, 12) });
    kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
    await kube.bridge.idle();
    invariants = new ShiftInvariants({ store: kube.store, inventory: shift.inventory, capacityCpuMillicores: shift.capacityCpuMillicores });
  });

  afterEach(async () => {
    invariants.stop();
    await kube.close();
  });

  function setReplicas(kind: typeof Types.deployment | typeof Types.job, namespace: string, name: string, replicas: number): void {
    const object = kube.store.get(kind, namespace, name);
    if (object === undefined) throw new Error(`${name} not seeded`);
    const field = kind === Types.job ? 'parallelism' : 'replicas';
    kube.store.update(kind, { ...object, spec: { ...(object['spec'] as object), [field]: replicas } }, { unconditional: true });
  }

  it('a healthy seeded cluster has no violation', () => {
    expect(invariants.violations).toEqual([]);
  });

  it.each([
    { name: 'online below its minimum', change: ['shop', 'pay-0000', 0], expected: /pay-0000 at 0 replicas, below its minimum 1/ },
    { name: 'online going down during the shift', change: ['shop', 'pay-0000', 4, 2], expected: /pay-0000 went down 4→2/ },
    { name: 'offline growing past the pool', change: ['batch', 'etl-0000', 40], expected: /over the pool's/ },
  ] as const)('$name', ({ change, expected }) => {
    const [namespace, name, ...values] = change;
    for (const replicas of values) setReplicas(Types.deployment, namespace, name, replicas);
    expect(invariants.violations.join('\n')).toMatch(expected);
  });

  it('a node holding more pods than it has room for', () => {
    const nodes = kube.store.list(Types.node);
    const crowded = nodes[0]?.metadata.name as string;
    const pods = kube.store.list(Types.pod).filter((pod) => (pod['spec'] as { nodeName?: string }).nodeName !== crowded).slice(0, 5);
    for (const pod of pods) kube.store.update(Types.pod, { ...pod, spec: { ...(pod['spec'] as object), nodeName: crowded } }, { unconditional: true });
    expect(invariants.violations.join('\n')).toMatch(new RegExp(`node ${crowded} holds \\d+m CPU of pods`));
  });
});

describe('doubleWrites', () => {
  const entry = (seq: number, name: string, replicas: number, status: number): RequestLogEntry => ({
    seq, atMs: 0, method: 'PATCH', path: '', query: '', verb: 'patch', resource: 'deployments', subresource: 'scale', namespace: 'shop', name,
    status, durationMs: 1, body: JSON.stringify({ spec: { replicas } }),
  });

  it.each([
    { name: 'one write per value', entries: [entry(1, 'a', 3, 200), entry(2, 'b', 3, 200), entry(3, 'a', 1, 200)], expected: [] },
    { name: 'a rejected retry is not a write', entries: [entry(1, 'a', 3, 200), entry(2, 'a', 3, 409), entry(3, 'a', 3, 0)], expected: [] },
    { name: 'the same value applied twice', entries: [entry(1, 'a', 3, 200), entry(2, 'a', 3, 200)], expected: ['deployments/shop/a=3 written 2 times'] },
  ])('$name', ({ entries, expected }) => {
    expect(doubleWrites(valueWrites(entries))).toEqual(expected);
  });
});

/**
 * A client that merge-patches the scale subresource without a resourceVersion and retries when
 * the connection drops: what chuanliu's adapter must not be.
 */
class NaiveScaleClient implements Cluster {
  constructor(private readonly inner: Cluster, private readonly apiUrl: string) {}
  snapshot(): ReturnType<Cluster['snapshot']> {
    return this.inner.snapshot();
  }
  async write(write: ClusterWrite): Promise<WriteOutcome> {
    if (write.kind !== 'replicas' || write.ref.apiKind !== 'Deployment') return this.inner.write(write);
    const url = `${this.apiUrl}/apis/apps/v1/namespaces/${write.ref.namespace}/deployments/${write.ref.name}/scale`;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      try {
        const response = await fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { replicas: write.replicas } }) });
        await response.text();
        if (response.ok) return { status: 'applied' };
      } catch {
        // Dropped connection: try again.
      }
    }
    return { status: 'failed', error: 'gave up', retryable: true };
  }
}

describe('negative control: the lost-answer fault is real', () => {
  it('a naive client writes the same value twice where chuanliu\'s adapter does not', async () => {
    const report = await runShift({
      workloads: 100, seed: 3, faultRules: [], loseAnswerRate: 0.3,
      wrapCluster: (cluster, apiUrl) => new NaiveScaleClient(cluster, apiUrl),
    });
    expect(report.lostAnswers).toBeGreaterThan(0);
    expect(report.violations.filter((violation) => /written [2-9] times/.test(violation)).length).toBeGreaterThan(0);
  }, 120_000);
});
