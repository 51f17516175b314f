/**
 * Regression: a scale write whose answer is lost after the API server applied it. The adapter's
 * retry meets its own new resourceVersion (409), re-reads, finds the value in place and reports
 * success without writing it again — and must still leave its provenance annotations, or
 * `kubectl describe` shows a change chuanliu made as if nobody had.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { KubernetesCluster } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { writeKubeconfig } from '../../src/kube-api/kubeconfig.ts';
import { deploymentObject, MANAGED_LABELS } from '../../src/kube-api/object-builders.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { startLossyProxy, type LossyProxy } from './helpers/lossy-proxy.ts';
import { valueWrites } from './helpers/shift-invariants.ts';

let kube: RunningKubeApi;
let proxy: LossyProxy;
let directory: string;
let lostScalePatches = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-lost-answer-'));
  kube = await startKubeApi({
    clock: systemClock,
    objects: [deploymentObject({ namespace: 'shop', name: 'checkout', replicas: 2, labels: MANAGED_LABELS })],
  });
  await kube.bridge.idle();
  // Loses the answer of the first scale PATCH only.
  proxy = await startLossyProxy({
    targetUrl: kube.url, loseAnswerRate: 0, seed: 1,
    loseAnswer: ({ method, path }) => method === 'PATCH' && path.includes('/scale') && (lostScalePatches += 1) === 1,
  });
  await writeKubeconfig(join(directory, 'kubeconfig'), { url: proxy.url });
});

afterAll(async () => {
  await proxy?.close();
  await kube?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('a scale write whose answer is lost', () => {
  it('is applied once, reported as success, and still annotated', async () => {
    const adapter = new KubernetesCluster({ kubeConfig: loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig') }), clock: systemClock, backoffBaseMs: 5 });
    try {
      const since = kube.requestLog.lastSeq;
      const outcome = await adapter.write({
        kind: 'replicas', ref: { apiKind: 'Deployment', namespace: 'shop', name: 'checkout' }, replicas: 5,
        provenance: { planId: 'plan-lost', stepId: 'checkout@7', reason: 'forecast-increase', message: 'checkout 2→5 for the 20:00 promotion', atMs: Date.UTC(2025, 10, 11, 11, 58) },
      });
      expect(proxy.lostAnswers()).toBe(1);
      expect(['applied', 'unchanged']).toContain(outcome.status);
      const applied = valueWrites(kube.requestLog.list({ sinceSeq: since })).filter((write) => write.status === 200);
      expect(applied.map((write) => write.value)).toEqual([5]);
      const deployment = kube.store.get(Types.deployment, 'shop', 'checkout');
      expect((deployment?.['spec'] as { replicas: number }).replicas).toBe(5);
      expect(deployment?.metadata.annotations).toMatchObject({
        'chuanliu.io/plan-id': 'plan-lost', 'chuanliu.io/step-id': 'checkout@7', 'chuanliu.io/reason': 'forecast-increase',
      });
    } finally {
      adapter.close();
    }
  });
});
