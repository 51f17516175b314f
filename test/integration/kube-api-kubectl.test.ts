/**
 * The real kubectl binary against kube-api through a generated kubeconfig: get, describe, scale
 * and patch of Deployments and HPAs, plus a clean error for a missing object. No OpenAPI schema is
 * served; none of these commands needs one.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/memory/manual-clock.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { deploymentObject, hpaObject, MANAGED_LABELS, nodeObject } from '../../src/kube-api/object-builders.ts';
import { requireBinary } from './helpers/process.ts';
import { KubernetesCluster } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';

const run = promisify(execFile);
let kubectlPath: string;
let kube: RunningKubeApi;
let clock: ManualClock;
let directory: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(kubectlPath, ['--kubeconfig', join(directory, 'kubeconfig'), '--cache-dir', join(directory, 'cache'), ...args], { timeout: 30_000 });
  return stdout;
}

async function kubectlFailure(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await kubectl(...args);
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
  throw new Error(`kubectl ${args.join(' ')} should have failed`);
}

beforeAll(async () => {
  kubectlPath = requireBinary('kubectl', 'install kubectl (e.g. apt-get install -y kubectl) and put it on PATH');
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-kubectl-'));
  clock = new ManualClock(Date.UTC(2025, 10, 11, 11, 0));
  kube = await startKubeApi({
    clock,
    podStartupMs: 20_000,
    objects: [
      nodeObject({ name: 'node-1', pool: 'online', cpu: '64', memory: '256Gi' }),
      deploymentObject({ namespace: 'shop', name: 'checkout', replicas: 2, labels: MANAGED_LABELS, annotations: { 'chuanliu.io/step-id': 'plan-1/step-3', 'chuanliu.io/reason': 'forecast-increase' } }),
      hpaObject({ namespace: 'shop', name: 'checkout', target: 'checkout', minReplicas: 2, maxReplicas: 40 }),
    ],
  });
  await kube.writeKubeconfig(join(directory, 'kubeconfig'));
  await kube.bridge.idle();
  await clock.advance(20_000);
  await kube.bridge.idle();
});

afterAll(async () => {
  await kube?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('kubectl against kube-api', () => {
  it('get deployments prints the server-side table', async () => {
    const output = await kubectl('get', 'deployments', '-n', 'shop');
    expect(output).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    expect(output).toMatch(/^checkout\s+2\/2\s+2\s+2\s+\d+s$/m);
  });

  it('get -o json returns the object; label selectors work', async () => {
    const list = JSON.parse(await kubectl('get', 'deploy', '-A', '-l', 'chuanliu.io/managed=true', '-o', 'json')) as { items: { metadata: { name: string } }[] };
    expect(list.items.map((item) => item.metadata.name)).toEqual(['checkout']);
    expect(await kubectl('get', 'deploy', '-A', '-l', 'chuanliu.io/managed!=true', '-o', 'name')).toBe('');
  });

  it('scale deployment writes through the scale subresource and the cluster follows', async () => {
    const since = kube.requestLog.lastSeq;
    expect(await kubectl('scale', 'deployment/checkout', '-n', 'shop', '--replicas=5')).toContain('deployment.apps/checkout scaled');
    const writes = kube.requestLog.list({ sinceSeq: since }).filter((entry) => entry.method !== 'GET');
    expect(writes).toEqual([expect.objectContaining({ method: 'PATCH', resource: 'deployments', subresource: 'scale', status: 200 })]);
    await kube.bridge.idle();
    expect(await kubectl('get', 'deploy', 'checkout', '-n', 'shop', '-o', 'jsonpath={.spec.replicas} {.status.replicas} {.status.readyReplicas}')).toBe('5 5 2');
    await clock.advance(20_000);
    await kube.bridge.idle();
    expect(await kubectl('get', 'deploy', 'checkout', '-n', 'shop', '-o', 'jsonpath={.status.readyReplicas}')).toBe('5');
  });

  it('patch of an HPA (strategic merge, kubectl default) raises the floor; the Deployment follows', async () => {
    expect(await kubectl('patch', 'hpa', 'checkout', '-n', 'shop', '-p', '{"spec":{"minReplicas":8}}')).toContain('horizontalpodautoscaler.autoscaling/checkout patched');
    await kube.bridge.idle();
    expect(await kubectl('get', 'hpa', 'checkout', '-n', 'shop', '-o', 'jsonpath={.spec.minReplicas}')).toBe('8');
    expect(await kubectl('get', 'deploy', 'checkout', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}')).toBe('8');
    const table = await kubectl('get', 'hpa', '-n', 'shop');
    expect(table).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
    expect(table).toMatch(/^checkout\s+Deployment\/checkout\s+cpu: <unknown>\/60%\s+8\s+40\s+8\s+/m);
  });

  it.each([
    { type: 'merge', patch: '{"metadata":{"annotations":{"chuanliu.io/message":"raised for the 20:00 promotion"}}}', path: '{.metadata.annotations.chuanliu\\.io/message}', expected: 'raised for the 20:00 promotion' },
    { type: 'json', patch: '[{"op":"replace","path":"/spec/maxReplicas","value":50}]', path: '{.spec.maxReplicas}', expected: '50' },
  ])('patch --type=$type', async ({ type, patch, path, expected }) => {
    const kind = type === 'json' ? 'hpa' : 'deployment';
    await kubectl('patch', kind, 'checkout', '-n', 'shop', `--type=${type}`, '-p', patch);
    expect(await kubectl('get', kind, 'checkout', '-n', 'shop', '-o', `jsonpath=${path}`)).toBe(expected);
  });

  it('describe deployment shows chuanliu annotations, replica counts, the ReplicaSet and scaling events', async () => {
    const output = await kubectl('describe', 'deployment', 'checkout', '-n', 'shop');
    expect(output).toMatch(/^Name:\s+checkout$/m);
    expect(output).toMatch(/chuanliu\.io\/step-id: plan-1\/step-3/);
    expect(output).toMatch(/chuanliu\.io\/reason: forecast-increase/);
    expect(output).toMatch(/^Replicas:\s+8 desired \| 8 updated \| 8 total \| 5 available \| 3 unavailable$/m);
    expect(output).toMatch(/^NewReplicaSet:\s+checkout-\w+ \(8\/8 replicas created\)$/m);
    expect(output).toMatch(/ScalingReplicaSet\s+.*Scaled up replica set checkout-\w+ from 2 to 5/);
  });

  it('describe hpa shows the bounds and the rescale events', async () => {
    const output = await kubectl('describe', 'hpa', 'checkout', '-n', 'shop');
    expect(output).toMatch(/^Min replicas:\s+8$/m);
    expect(output).toMatch(/^Max replicas:\s+50$/m);
    expect(output).toMatch(/SuccessfulRescale\s+.*New size: 8; reason: Current number of replicas below Spec.MinReplicas/);
  });

  it('a write by the Kubernetes adapter is explained in kubectl describe', async () => {
    const adapter = new KubernetesCluster({ kubeConfig: loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig') }), clock: systemClock });
    const outcome = await adapter.write({
      kind: 'hpa-min',
      ref: { apiKind: 'Deployment', namespace: 'shop', name: 'checkout' },
      hpaName: 'checkout',
      minReplicas: 12,
      provenance: { planId: 'plan-1111', stepId: 'plan-1111/acquire-checkout-1945', reason: 'forecast-increase', message: 'platform A promotion at 20:00: 12 replicas Ready by 19:59', atMs: Date.UTC(2025, 10, 11, 11, 45) },
    });
    adapter.close();
    expect(outcome).toEqual({ status: 'applied' });
    const output = await kubectl('describe', 'hpa', 'checkout', '-n', 'shop');
    expect(output).toMatch(/chuanliu\.io\/step-id:\s+plan-1111\/acquire-checkout-1945/);
    expect(output).toMatch(/chuanliu\.io\/reason:\s+forecast-increase/);
    expect(output).toMatch(/chuanliu\.io\/message:\s+platform A promotion at 20:00: 12 replicas Ready by 19:59/);
    expect(output).toMatch(/chuanliu\.io\/last-write-at:\s+2025-11-11T11:45:00.000Z/);
    expect(output).toMatch(/^Min replicas:\s+12$/m);
  });

  it('a missing object fails with the familiar NotFound message', async () => {
    const failure = await kubectlFailure('get', 'deployment', 'nope', '-n', 'shop');
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('Error from server (NotFound): deployments.apps "nope" not found');
  });

  it('an invalid write fails with the field named', async () => {
    const failure = await kubectlFailure('patch', 'hpa', 'checkout', '-n', 'shop', '-p', '{"spec":{"minReplicas":0}}');
    expect(failure.stderr).toContain('spec.minReplicas');
  });
});
