/**
 * A scale write whose provenance annotation patch fails (the API answers 500 to it past the
 * adapter's retries): the replicas are set and the write succeeds; the annotations follow in the
 * background once the API answers again, with no further tick — unless someone else has changed
 * the value meanwhile, which is not this write's change to sign. The same for a scale write whose
 * every answer was lost (reported failed, but applied): signed once the value is seen in place.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { KubernetesCluster } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { deploymentObject, MANAGED_LABELS } from '../../src/kube-api/object-builders.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import type { WriteProvenance } from '../../src/ports/cluster.ts';
import { waitFor } from '../integration/controller-harness.ts';
import { startLossyProxy } from './helpers/lossy-proxy.ts';
import { valueWrites } from './helpers/shift-invariants.ts';
import { writeKubeconfig } from '../../src/kube-api/kubeconfig.ts';

let kube: RunningKubeApi;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-provenance-'));
  kube = await startKubeApi({
    clock: systemClock,
    objects: ['checkout', 'refund', 'balance'].map((name) => deploymentObject({ namespace: 'shop', name, replicas: 2, labels: MANAGED_LABELS })),
  });
  await kube.bridge.idle();
  await kube.writeKubeconfig(join(directory, 'kubeconfig'));
});

afterAll(async () => {
  await kube?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const provenance = (name: string): WriteProvenance => ({
  planId: 'plan-outage', stepId: `${name}@7`, reason: 'forecast-increase', message: `${name} 2→5 for the 20:00 promotion`, atMs: Date.UTC(2025, 10, 11, 11, 58),
});

function annotationsOf(name: string): Record<string, string> | undefined {
  return kube.store.get(Types.deployment, 'shop', name)?.metadata.annotations;
}

/** Every annotation patch (a merge patch of the Deployment itself, not its scale) answers 500. */
function failAnnotationPatches(): void {
  kube.faults.setRules([{ name: 'annotations down', match: { verbs: ['patch'], resources: ['deployments'], objectsOnly: true }, errorRate: 1 }]);
}

describe('provenance annotations that the API failed', () => {
  it('are written in the background once the API answers again, without another write of the value', async () => {
    const warnings: string[] = [];
    const adapter = new KubernetesCluster({
      kubeConfig: loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig') }), clock: systemClock,
      backoffBaseMs: 10, maxBackoffMs: 200, onWarning: (message) => warnings.push(message),
    });
    try {
      failAnnotationPatches();
      const since = kube.requestLog.lastSeq;
      const outcome = await adapter.write({ kind: 'replicas', ref: { apiKind: 'Deployment', namespace: 'shop', name: 'checkout' }, replicas: 5, provenance: provenance('checkout') });
      expect(outcome.status).toBe('applied');
      expect(annotationsOf('checkout')?.['chuanliu.io/step-id']).toBeUndefined();
      expect(adapter.pendingProvenance()).toBe(1);
      expect(warnings.join('\n')).toMatch(/Deployment\/shop\/checkout: replicas set to 5, but the chuanliu\.io annotations could not be written: .*; retrying in the background/);

      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(adapter.pendingProvenance()).toBe(1);
      kube.faults.setRules([]);
      await waitFor('the owed annotations to be written', () => adapter.pendingProvenance() === 0, { timeoutMs: 10_000 });
      expect(annotationsOf('checkout')).toMatchObject({ 'chuanliu.io/plan-id': 'plan-outage', 'chuanliu.io/step-id': 'checkout@7', 'chuanliu.io/reason': 'forecast-increase' });
      const applied = valueWrites(kube.requestLog.list({ sinceSeq: since })).filter((write) => write.status === 200);
      expect(applied.map((write) => write.value)).toEqual([5]);
    } finally {
      adapter.close();
    }
  });

  it('are dropped, not written, when the value changed meanwhile (another hand\'s change is not this write\'s to sign)', async () => {
    const adapter = new KubernetesCluster({ kubeConfig: loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig') }), clock: systemClock, backoffBaseMs: 10, maxBackoffMs: 200 });
    try {
      failAnnotationPatches();
      await adapter.write({ kind: 'replicas', ref: { apiKind: 'Deployment', namespace: 'shop', name: 'refund' }, replicas: 5, provenance: provenance('refund') });
      expect(adapter.pendingProvenance()).toBe(1);
      // Someone runs `kubectl scale --replicas=7` while the API still fails chuanliu's patches.
      const deployment = kube.store.mustGet(Types.deployment, 'shop', 'refund');
      kube.store.update(Types.deployment, { ...deployment, spec: { ...(deployment['spec'] as object), replicas: 7 } });
      kube.faults.setRules([]);
      await waitFor('the owed annotations to be settled', () => adapter.pendingProvenance() === 0, { timeoutMs: 10_000 });
      expect(annotationsOf('refund')?.['chuanliu.io/step-id']).toBeUndefined();
    } finally {
      adapter.close();
    }
  });

  it('a scale write reported failed because every answer was lost, yet applied, is signed once the answers come back', async () => {
    let losing = true;
    const proxy = await startLossyProxy({
      targetUrl: kube.url, loseAnswerRate: 0, seed: 3,
      loseAnswer: ({ method, path }) => losing && method === 'PATCH' && path.includes('/deployments/balance/scale'),
    });
    await writeKubeconfig(join(directory, 'kubeconfig-lossy'), { url: proxy.url });
    const adapter = new KubernetesCluster({
      kubeConfig: loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig-lossy') }), clock: systemClock,
      backoffBaseMs: 10, maxBackoffMs: 200, maxTransientRetries: 2,
    });
    try {
      const outcome = await adapter.write({ kind: 'replicas', ref: { apiKind: 'Deployment', namespace: 'shop', name: 'balance' }, replicas: 5, provenance: provenance('balance') });
      expect(outcome.status).toBe('failed');
      expect((kube.store.get(Types.deployment, 'shop', 'balance')?.['spec'] as { replicas: number }).replicas).toBe(5);
      expect(adapter.pendingProvenance()).toBe(1);
      losing = false;
      await waitFor('the owed annotations to be written', () => adapter.pendingProvenance() === 0, { timeoutMs: 10_000 });
      expect(annotationsOf('balance')).toMatchObject({ 'chuanliu.io/step-id': 'balance@7', 'chuanliu.io/reason': 'forecast-increase' });
    } finally {
      adapter.close();
      await proxy.close();
    }
  });

  it('close() stops the retries and says what was never written', async () => {
    const warnings: string[] = [];
    const adapter = new KubernetesCluster({
      kubeConfig: loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig') }), clock: systemClock,
      backoffBaseMs: 10, maxBackoffMs: 200, onWarning: (message) => warnings.push(message),
    });
    failAnnotationPatches();
    await adapter.write({ kind: 'replicas', ref: { apiKind: 'Deployment', namespace: 'shop', name: 'checkout' }, replicas: 6, provenance: provenance('checkout') });
    adapter.close();
    expect(adapter.pendingProvenance()).toBe(0);
    expect(warnings.at(-1)).toMatch(/Deployment\/shop\/checkout: replicas are 6, but the chuanliu\.io annotations of step checkout@7 were never written \(closed while retrying\)/);
    const since = kube.requestLog.lastSeq;
    kube.faults.setRules([]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(kube.requestLog.list({ sinceSeq: since })).toEqual([]);
  });
});
