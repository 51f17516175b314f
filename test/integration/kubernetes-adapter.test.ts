/**
 * The Cluster port contract of the Kubernetes adapter, against kube-api over HTTP: snapshot,
 * idempotent writes (one PATCH, then `unchanged` with no write), provenance annotations, 409
 * re-read and retried, 429 honoured with Retry-After, 5xx and dropped connections retried,
 * failures classified, kubeconfig contexts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubernetesCluster, type KubernetesClusterOptions } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { InputError, RuntimeFailure } from '../../src/domain/errors.ts';
import type { WorkloadRef } from '../../src/domain/workload.ts';
import type { WriteProvenance } from '../../src/ports/cluster.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { cronJobObject, deploymentObject, hpaObject, jobObject, MANAGED_LABELS, nodeObject, statefulSetObject } from '../../src/kube-api/object-builders.ts';
import type { RequestLogEntry } from '../../src/kube-api/request-log.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';

let kube: RunningKubeApi;
let directory: string;
let kubeconfigPath: string;

const checkout: WorkloadRef = { apiKind: 'Deployment', namespace: 'shop', name: 'checkout' };
const refund: WorkloadRef = { apiKind: 'Deployment', namespace: 'shop', name: 'refund' };
const ledger: WorkloadRef = { apiKind: 'StatefulSet', namespace: 'shop', name: 'ledger' };
const etl: WorkloadRef = { apiKind: 'Job', namespace: 'batch', name: 'etl' };
const reports: WorkloadRef = { apiKind: 'CronJob', namespace: 'batch', name: 'reports' };
const training: WorkloadRef = { apiKind: 'Deployment', namespace: 'batch', name: 'training' };

function provenance(stepId: string): WriteProvenance {
  return { planId: 'plan-2025-11-11', stepId, reason: 'forecast-increase', message: `step ${stepId}: ready before the 20:00 promotion`, atMs: Date.UTC(2025, 10, 11, 11, 45) };
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-adapter-'));
  kube = await startKubeApi({
    clock: systemClock,
    objects: [
      nodeObject({ name: 'on-1', pool: 'online', cpu: '32', memory: '128Gi' }),
      nodeObject({ name: 'on-2', pool: 'online', cpu: '32', memory: '128Gi' }),
      nodeObject({ name: 'off-1', pool: 'offline', cpu: '16', memory: '64Gi' }),
      nodeObject({ name: 'off-2', pool: 'offline', cpu: '16', memory: '64Gi', ready: false }),
      nodeObject({ name: 'placeholder-node', pool: 'spare', cpu: '4', memory: '8Gi' }),
      deploymentObject({ namespace: 'shop', name: 'checkout', replicas: 2, labels: MANAGED_LABELS }),
      deploymentObject({ namespace: 'shop', name: 'refund', replicas: 1, labels: MANAGED_LABELS }),
      deploymentObject({ namespace: 'shop', name: 'unmanaged', replicas: 1 }),
      statefulSetObject({ namespace: 'shop', name: 'ledger', replicas: 3 }),
      hpaObject({ namespace: 'shop', name: 'checkout-hpa', target: 'checkout', minReplicas: 2, maxReplicas: 20 }),
      jobObject({ namespace: 'batch', name: 'etl', parallelism: 4, labels: MANAGED_LABELS }),
      cronJobObject({ namespace: 'batch', name: 'reports', schedule: '*/5 * * * *', labels: MANAGED_LABELS }),
      deploymentObject({ namespace: 'batch', name: 'training', replicas: 6, labels: MANAGED_LABELS }),
      deploymentObject({ namespace: 'kube-system', name: 'capacity-placeholder', replicas: 0 }),
    ],
  });
  kubeconfigPath = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
  await kube.bridge.idle();
});

afterAll(async () => {
  await kube?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

afterEach(() => kube.faults.setRules([]));

function cluster(options: Partial<KubernetesClusterOptions> = {}): KubernetesCluster {
  return new KubernetesCluster({
    kubeConfig: loadKubeConfig({ kind: 'file', path: kubeconfigPath }),
    clock: systemClock,
    workloads: [ledger],
    backoffBaseMs: 5,
    ...options,
  });
}

function requestsSince(seq: number, filter: (entry: RequestLogEntry) => boolean = () => true): RequestLogEntry[] {
  return kube.requestLog.list({ sinceSeq: seq }).filter(filter);
}

const isWrite = (entry: RequestLogEntry): boolean => entry.method !== 'GET';

describe('KubernetesCluster against kube-api', () => {
  it('snapshot: labelled and configured workloads, their HPAs, Job/CronJob state and node pools', async () => {
    const snapshot = await cluster().snapshot();
    expect(snapshot.workloads.map((workload) => `${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`)).toEqual([
      'CronJob/batch/reports',
      'Deployment/batch/training',
      'Deployment/shop/checkout',
      'Deployment/shop/refund',
      'Job/batch/etl',
      'StatefulSet/shop/ledger',
    ]);
    const byName = new Map(snapshot.workloads.map((workload) => [workload.ref.name, workload]));
    expect(byName.get('checkout')).toMatchObject({ desiredReplicas: 2, readyReplicas: 2, hpa: { name: 'checkout-hpa', minReplicas: 2, maxReplicas: 20, currentReplicas: 2 } });
    expect(byName.get('refund')?.hpa).toBeUndefined();
    expect(byName.get('ledger')).toMatchObject({ desiredReplicas: 3, readyReplicas: 3 });
    expect(byName.get('etl')).toMatchObject({ desiredReplicas: 4, readyReplicas: 4 });
    expect(byName.get('reports')).toMatchObject({ desiredReplicas: 1, readyReplicas: 0 });
    expect(snapshot.nodePools).toEqual([
      { pool: 'offline', readyNodes: 1, provisioningNodes: 1, allocatableCpuMillicores: 16_000, allocatableMemoryBytes: 64 * 1024 ** 3 },
      { pool: 'online', readyNodes: 2, provisioningNodes: 0, allocatableCpuMillicores: 64_000, allocatableMemoryBytes: 256 * 1024 ** 3 },
      { pool: 'spare', readyNodes: 1, provisioningNodes: 0, allocatableCpuMillicores: 4_000, allocatableMemoryBytes: 8 * 1024 ** 3 },
    ]);
  });

  it('a replicas write is one scale PATCH plus annotations; the same write again is `unchanged` with no PATCH', async () => {
    const adapter = cluster();
    const since = kube.requestLog.lastSeq;
    expect(await adapter.write({ kind: 'replicas', ref: refund, replicas: 4, provenance: provenance('s1') })).toEqual({ status: 'applied' });
    const afterFirst = kube.requestLog.lastSeq;
    expect(await adapter.write({ kind: 'replicas', ref: refund, replicas: 4, provenance: provenance('s1') })).toEqual({ status: 'unchanged' });
    const firstWrites = requestsSince(since, isWrite).filter((entry) => entry.seq <= afterFirst);
    expect(firstWrites.map((entry) => [entry.method, entry.resource, entry.subresource ?? null, entry.status])).toEqual([
      ['PATCH', 'deployments', 'scale', 200],
      ['PATCH', 'deployments', null, 200],
    ]);
    expect(JSON.parse(firstWrites[0]?.body ?? '{}')).toMatchObject({ spec: { replicas: 4 }, metadata: { resourceVersion: expect.any(String) } });
    expect(requestsSince(afterFirst, isWrite)).toEqual([]);

    const deployment = kube.store.get(Types.deployment, 'shop', 'refund');
    expect(deployment?.metadata.annotations).toMatchObject({
      'chuanliu.io/plan-id': 'plan-2025-11-11',
      'chuanliu.io/step-id': 's1',
      'chuanliu.io/reason': 'forecast-increase',
      'chuanliu.io/message': 'step s1: ready before the 20:00 promotion',
      'chuanliu.io/last-write-at': '2025-11-11T11:45:00.000Z',
    });
    const snapshot = await adapter.snapshot();
    expect(snapshot.workloads.find((workload) => workload.ref.name === 'refund')?.annotations['chuanliu.io/step-id']).toBe('s1');
  });

  it.each([
    { name: 'HPA floor', write: { kind: 'hpa-min' as const, ref: checkout, hpaName: 'checkout-hpa', minReplicas: 7, provenance: provenance('s2') }, resource: 'horizontalpodautoscalers', check: () => (kube.store.get(Types.hpa, 'shop', 'checkout-hpa')?.['spec'] as { minReplicas: number }).minReplicas === 7 },
    { name: 'Job parallelism', write: { kind: 'job-parallelism' as const, ref: etl, parallelism: 1, provenance: provenance('s3') }, resource: 'jobs', check: () => (kube.store.get(Types.job, 'batch', 'etl')?.['spec'] as { parallelism: number }).parallelism === 1 },
    { name: 'CronJob suspend', write: { kind: 'cronjob-suspend' as const, ref: reports, suspend: true, provenance: provenance('s4') }, resource: 'cronjobs', check: () => (kube.store.get(Types.cronJob, 'batch', 'reports')?.['spec'] as { suspend: boolean }).suspend === true },
    { name: 'StatefulSet replicas', write: { kind: 'replicas' as const, ref: ledger, replicas: 5, provenance: provenance('s5') }, resource: 'statefulsets', check: () => (kube.store.get(Types.statefulSet, 'shop', 'ledger')?.['spec'] as { replicas: number }).replicas === 5 },
  ])('$name: applied once with annotations, then unchanged', async ({ write, resource, check }) => {
    const adapter = cluster();
    const since = kube.requestLog.lastSeq;
    expect(await adapter.write(write)).toEqual({ status: 'applied' });
    expect(check()).toBe(true);
    const between = kube.requestLog.lastSeq;
    expect(await adapter.write(write)).toEqual({ status: 'unchanged' });
    expect(requestsSince(since, isWrite).every((entry) => entry.resource === resource && entry.seq <= between)).toBe(true);
    expect(requestsSince(between, isWrite)).toEqual([]);
    const ns = write.ref.namespace;
    const name = write.kind === 'hpa-min' ? write.hpaName : write.ref.name;
    const type = { horizontalpodautoscalers: Types.hpa, jobs: Types.job, cronjobs: Types.cronJob, statefulsets: Types.statefulSet }[resource] ?? Types.deployment;
    expect(kube.store.get(type, ns, name)?.metadata.annotations?.['chuanliu.io/step-id']).toBe(write.provenance.stepId);
  });

  it('raising the HPA floor brings the workload up (the emulated HPA enforces minReplicas)', async () => {
    await kube.bridge.idle();
    expect((kube.store.get(Types.deployment, 'shop', 'checkout')?.['spec'] as { replicas: number }).replicas).toBe(7);
  });

  it('a 409 storm is re-read and retried until the write lands', async () => {
    kube.faults.setRules([{ name: 'storm', match: { verbs: ['patch'], resources: ['deployments/scale'], names: ['training'] }, conflictRate: 1, maxFailures: 3 }]);
    const since = kube.requestLog.lastSeq;
    expect(await cluster().write({ kind: 'replicas', ref: training, replicas: 2, provenance: provenance('s6') })).toEqual({ status: 'applied' });
    const sequence = requestsSince(since, (entry) => entry.name === 'training').map((entry) => `${entry.method} ${entry.subresource ?? ''} ${entry.status}`.replace('  ', ' '));
    expect(sequence).toEqual(['GET 200', 'PATCH scale 409', 'GET 200', 'PATCH scale 409', 'GET 200', 'PATCH scale 409', 'GET 200', 'PATCH scale 200', 'PATCH 200']);
  });

  it('conflicts that never end give a retryable failure after maxConflictRetries', async () => {
    kube.faults.setRules([{ match: { verbs: ['patch'], names: ['training'] }, conflictRate: 1 }]);
    const outcome = await cluster({ maxConflictRetries: 2 }).write({ kind: 'replicas', ref: training, replicas: 3, provenance: provenance('s7') });
    expect(outcome).toMatchObject({ status: 'failed', retryable: true, error: expect.stringMatching(/gave up after 3 conflicting writes/) });
  });

  it('429 is honoured: the retry waits Retry-After', async () => {
    kube.faults.setRules([{ match: { verbs: ['patch'], names: ['training'] }, throttleRate: 1, retryAfterSeconds: 1, maxFailures: 1 }]);
    const since = kube.requestLog.lastSeq;
    expect(await cluster().write({ kind: 'replicas', ref: training, replicas: 4, provenance: provenance('s8') })).toEqual({ status: 'applied' });
    const patches = requestsSince(since, (entry) => entry.name === 'training' && entry.method === 'PATCH');
    expect(patches.map((entry) => entry.status)).toEqual([429, 200, 200]);
    expect((patches[1]?.atMs ?? 0) - (patches[0]?.atMs ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('500s and dropped connections are retried with backoff', async () => {
    kube.faults.setRules([
      { match: { verbs: ['get'], names: ['training'] }, dropRate: 1, maxFailures: 2 },
      { match: { verbs: ['patch'], names: ['training'] }, errorRate: 1, maxFailures: 2 },
    ]);
    const since = kube.requestLog.lastSeq;
    expect(await cluster().write({ kind: 'replicas', ref: training, replicas: 5, provenance: provenance('s9') })).toEqual({ status: 'applied' });
    const statuses = requestsSince(since, (entry) => entry.name === 'training').map((entry) => entry.status);
    expect(statuses).toEqual([0, 0, 200, 500, 500, 200, 200]);
  });

  it.each([
    { name: 'retries exhausted on 500', rules: [{ errorRate: 1 }], write: { kind: 'replicas' as const, ref: training, replicas: 1, provenance: provenance('x') }, retryable: true, error: /HTTP 500/ },
    { name: 'minReplicas above maxReplicas (422)', rules: [], write: { kind: 'hpa-min' as const, ref: checkout, hpaName: 'checkout-hpa', minReplicas: 99, provenance: provenance('x') }, retryable: false, error: /HTTP 422.*spec.maxReplicas/ },
    { name: 'missing object (404)', rules: [], write: { kind: 'replicas' as const, ref: { apiKind: 'Deployment' as const, namespace: 'shop', name: 'ghost' }, replicas: 1, provenance: provenance('x') }, retryable: false, error: /HTTP 404/ },
    { name: 'node count of a real pool', rules: [], write: { kind: 'pool-nodes' as const, pool: 'online', nodes: 3, provenance: provenance('x') }, retryable: false, error: /nodes come from its node autoscaler; pre-provision through placeholder pods/ },
  ])('failed outcome: $name', async ({ rules, write, retryable, error }) => {
    kube.faults.setRules(rules);
    const outcome = await cluster({ maxTransientRetries: 2 }).write(write);
    expect(outcome).toMatchObject({ status: 'failed', retryable });
    expect(outcome.status === 'failed' && outcome.error).toMatch(error);
  });

  it('reads a pool\'s placeholder Deployment as a named workload and scales it like any Deployment', async () => {
    const placeholder: WorkloadRef = { apiKind: 'Deployment', namespace: 'kube-system', name: 'capacity-placeholder' };
    const adapter = cluster({ workloads: [ledger, placeholder] });
    const before = await adapter.snapshot();
    expect(before.workloads.find((state) => state.ref.name === 'capacity-placeholder')?.desiredReplicas).toBe(0);
    expect(await adapter.write({ kind: 'replicas', ref: placeholder, replicas: 3, provenance: provenance('s10') })).toEqual({ status: 'applied' });
    expect((kube.store.get(Types.deployment, 'kube-system', 'capacity-placeholder')?.['spec'] as { replicas: number }).replicas).toBe(3);
  });

  it('writes to many objects run concurrently within the bounds and all land', async () => {
    const refs = [refund, training];
    const adapter = cluster({ maxConcurrentRequests: 4, rateLimit: { qps: 1000, burst: 50 } });
    const outcomes = await Promise.all(refs.flatMap((ref, index) => [10, 11, 12].map((replicas) => adapter.write({ kind: 'replicas', ref, replicas: replicas + index, provenance: provenance(`c${replicas}`) }))));
    expect(outcomes.every((outcome) => outcome.status === 'applied')).toBe(true);
    // Writes to one object are serialised in call order, so the last one wins.
    expect((kube.store.get(Types.deployment, 'shop', 'refund')?.['spec'] as { replicas: number }).replicas).toBe(12);
    expect((kube.store.get(Types.deployment, 'batch', 'training')?.['spec'] as { replicas: number }).replicas).toBe(13);
  });

  it('snapshot counts terminating pods: released capacity is not free until they are gone', async () => {
    await kube.bridge.idle();
    const adapter = cluster();
    const before = (await adapter.snapshot()).workloads.find((workload) => workload.ref.name === 'training');
    expect(before).toMatchObject({ desiredReplicas: 13, readyReplicas: 13 });
    // Earlier tests scaled training down too; their pods may still be terminating.
    const alreadyTerminating = before?.terminatingReplicas ?? Number.NaN;
    expect(await adapter.write({ kind: 'replicas', ref: training, replicas: 3, provenance: provenance('release') })).toEqual({ status: 'applied' });
    await kube.bridge.idle();
    // The emulation keeps removed pods for terminationGracePeriodSeconds (30 s) on this wall clock.
    const after = (await adapter.snapshot()).workloads.find((workload) => workload.ref.name === 'training');
    expect(after).toMatchObject({ desiredReplicas: 3, readyReplicas: 3, terminatingReplicas: alreadyTerminating + 10 });
  });

  it('snapshot throws RuntimeFailure when the API is unreachable', async () => {
    const dead = join(directory, 'dead-kubeconfig');
    await writeFile(dead, kube.kubeconfig().replace(kube.url, 'http://127.0.0.1:9'));
    const adapter = new KubernetesCluster({ kubeConfig: loadKubeConfig({ kind: 'file', path: dead }), clock: systemClock, maxTransientRetries: 1, backoffBaseMs: 1 });
    await expect(adapter.snapshot()).rejects.toThrow(RuntimeFailure);
  });
});

describe('kubeconfig loading', () => {
  it('selects a named context; an unknown context is an InputError naming it', async () => {
    const path = join(directory, 'two-contexts');
    await writeFile(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'dead',
        clusters: [
          { name: 'dead', cluster: { server: 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true } },
          { name: 'sim', cluster: { server: kube.url, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [
          { name: 'dead', context: { cluster: 'dead', user: 'u' } },
          { name: 'sim', context: { cluster: 'sim', user: 'u' } },
        ],
      }),
    );
    const adapter = new KubernetesCluster({ kubeConfig: loadKubeConfig({ kind: 'file', path, context: 'sim' }), clock: systemClock });
    expect((await adapter.snapshot()).workloads.length).toBeGreaterThan(0);
    expect(() => loadKubeConfig({ kind: 'file', path, context: 'prod' })).toThrow(InputError);
    expect(() => loadKubeConfig({ kind: 'file', path, context: 'prod' })).toThrow(/context "prod" not found; known contexts: dead, sim/);
    expect(() => loadKubeConfig({ kind: 'file', path: join(directory, 'missing') })).toThrow(/kubeconfig file not found/);
  });

  it('in-cluster: reads the service account token and the KUBERNETES_SERVICE_* address', async () => {
    const prefix = join(directory, 'sa');
    const saDirectory = `${prefix}/var/run/secrets/kubernetes.io/serviceaccount`;
    await import('node:fs/promises').then((fs) => fs.mkdir(saDirectory, { recursive: true }));
    await writeFile(`${saDirectory}/token`, 'service-account-token');
    await writeFile(`${saDirectory}/namespace`, 'chuanliu-system');
    const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
    try {
      delete process.env['KUBERNETES_SERVICE_HOST'];
      expect(() => loadKubeConfig({ kind: 'in-cluster', pathPrefix: prefix })).toThrow(/not running inside a cluster/);
      process.env['KUBERNETES_SERVICE_HOST'] = '10.96.0.1';
      process.env['KUBERNETES_SERVICE_PORT'] = '443';
      const config = loadKubeConfig({ kind: 'in-cluster', pathPrefix: prefix });
      expect(config.getCurrentCluster()?.server).toBe('https://10.96.0.1:443');
      expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe('chuanliu-system');
    } finally {
      for (const [key, value] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
