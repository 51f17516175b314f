/**
 * kube-api over real HTTP, driven by @kubernetes/client-node exactly as a controller would:
 * discovery, list/get with selectors, patches, the scale subresource, watch, 409 on a stale
 * resourceVersion, Status objects, Table output, fault injection and the request log.
 */
import { ApiException, AppsV1Api, AutoscalingV2Api, CoordinationV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, makeInformer, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/memory/manual-clock.ts';
import { deploymentObject, hpaObject, MANAGED_LABELS, nodeObject } from '../../src/kube-api/object-builders.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import type { RequestLogEntry } from '../../src/kube-api/request-log.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const STARTUP_MS = 30_000;

let kube: RunningKubeApi;
let clock: ManualClock;
let apps: AppsV1Api;
let core: CoreV1Api;
let autoscaling: AutoscalingV2Api;
let config: KubeConfig;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2025, 10, 11, 11, 0));
  kube = await startKubeApi({
    clock,
    podStartupMs: STARTUP_MS,
    objects: [
      nodeObject({ name: 'node-1', pool: 'general', cpu: '32', memory: '128Gi' }),
      deploymentObject({ namespace: 'shop', name: 'checkout', replicas: 2, labels: MANAGED_LABELS, cpu: '500m' }),
      deploymentObject({ namespace: 'shop', name: 'refund', replicas: 1, labels: MANAGED_LABELS }),
      deploymentObject({ namespace: 'batch', name: 'reports', replicas: 3 }),
      hpaObject({ namespace: 'shop', name: 'checkout', target: 'checkout', minReplicas: 2, maxReplicas: 30 }),
    ],
  });
  config = new KubeConfig();
  config.loadFromString(kube.kubeconfig());
  apps = config.makeApiClient(AppsV1Api);
  core = config.makeApiClient(CoreV1Api);
  autoscaling = config.makeApiClient(AutoscalingV2Api);
  await kube.bridge.idle();
  await clock.advance(STARTUP_MS);
  await kube.bridge.idle();
});

afterAll(async () => {
  await kube?.close();
});

async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === 'string' ? (JSON.parse(error.body) as Record<string, unknown>) : (error.body as Record<string, unknown>);
      return { code: error.code, body, headers: error.headers };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

function log(filter: (entry: RequestLogEntry) => boolean, sinceSeq = 0): RequestLogEntry[] {
  return kube.requestLog.list({ sinceSeq }).filter(filter);
}

describe('kube-api through @kubernetes/client-node', () => {
  it('serves discovery: /version, /api, /apis and resource lists with the scale subresource', async () => {
    const version = (await (await fetch(`${kube.url}/version`)).json()) as { major: string; minor: string };
    expect(version).toMatchObject({ major: '1', minor: '32' });
    const groups = (await (await fetch(`${kube.url}/apis`)).json()) as { groups: { name: string }[] };
    expect(groups.groups.map((group) => group.name)).toEqual(expect.arrayContaining(['apps', 'batch', 'autoscaling', 'coordination.k8s.io']));
    const appsResources = (await (await fetch(`${kube.url}/apis/apps/v1`)).json()) as { resources: { name: string; kind: string; group?: string; verbs: string[] }[] };
    expect(appsResources.resources).toContainEqual(expect.objectContaining({ name: 'deployments/scale', kind: 'Scale', group: 'autoscaling', verbs: ['get', 'patch', 'update'] }));
    expect(appsResources.resources.find((resource) => resource.name === 'deployments')?.verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'patch', 'update']));
  });

  it('lists by label selector across namespaces and gets single objects', async () => {
    const managed = await apps.listDeploymentForAllNamespaces({ labelSelector: 'chuanliu.io/managed=true' });
    expect(managed.items.map((item) => `${item.metadata?.namespace}/${item.metadata?.name}`)).toEqual(['shop/checkout', 'shop/refund']);
    const unmanaged = await apps.listDeploymentForAllNamespaces({ labelSelector: '!chuanliu.io/managed' });
    expect(unmanaged.items.map((item) => item.metadata?.name)).toEqual(['reports']);
    const checkout = await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' });
    expect(checkout.spec?.replicas).toBe(2);
    expect(checkout.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'checkout', namespace: 'shop' });
    expect(hpa.spec?.scaleTargetRef.name).toBe('checkout');
  });

  it('scales through the scale subresource; pods become Ready only after the startup delay on the clock', async () => {
    const scale = await apps.patchNamespacedDeploymentScale({ name: 'refund', namespace: 'shop', body: { spec: { replicas: 4 } } }, merge);
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 4 } });
    expect(scale.status?.selector).toBe('app=refund');
    await kube.bridge.idle();
    expect((await apps.readNamespacedDeployment({ name: 'refund', namespace: 'shop' })).status).toMatchObject({ replicas: 4, readyReplicas: 1 });
    await clock.advance(STARTUP_MS);
    await kube.bridge.idle();
    expect((await apps.readNamespacedDeployment({ name: 'refund', namespace: 'shop' })).status).toMatchObject({ replicas: 4, readyReplicas: 4 });
    const pods = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=refund' });
    expect(pods.items).toHaveLength(4);
    expect(pods.items.every((pod) => pod.spec?.nodeName === 'node-1' && pod.status?.phase === 'Running')).toBe(true);
  });

  it('answers 409 Conflict to a write with a stale resourceVersion, as a Status object', async () => {
    const before = await apps.readNamespacedDeploymentScale({ name: 'checkout', namespace: 'shop' });
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { metadata: { annotations: { touched: 'yes' } } } }, merge);
    const failure = await apiError(apps.replaceNamespacedDeploymentScale({ name: 'checkout', namespace: 'shop', body: { ...before, spec: { replicas: 9 } } }));
    expect(failure.code).toBe(409);
    expect(failure.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(String(failure.body['message'])).toMatch(/the object has been modified/);
    const fresh = await apps.readNamespacedDeploymentScale({ name: 'checkout', namespace: 'shop' });
    const replaced = await apps.replaceNamespacedDeploymentScale({ name: 'checkout', namespace: 'shop', body: { ...fresh, spec: { replicas: 3 } } });
    expect(replaced.spec?.replicas).toBe(3);
  });

  it.each([
    { name: '404 NotFound for a missing object', call: () => apps.readNamespacedDeployment({ name: 'nope', namespace: 'shop' }), code: 404, reason: 'NotFound' },
    { name: '422 Invalid for minReplicas above maxReplicas', call: () => autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: 'checkout', namespace: 'shop', body: { spec: { minReplicas: 99 } } }, merge), code: 422, reason: 'Invalid' },
    { name: '409 AlreadyExists for a duplicate create', call: () => apps.createNamespacedDeployment({ namespace: 'shop', body: deploymentObject({ namespace: 'shop', name: 'refund', replicas: 1 }) as never }), code: 409, reason: 'AlreadyExists' },
  ])('answers $name', async ({ call, code, reason }) => {
    const failure = await apiError(call());
    expect(failure.code).toBe(code);
    expect(failure.body).toMatchObject({ kind: 'Status', reason, code });
  });

  it.each([
    { name: '415 for server-side apply (not supported)', contentType: 'application/apply-patch+yaml', body: 'spec: {replicas: 3}', code: 415 },
    { name: '400 for a body that is not JSON', contentType: 'application/merge-patch+json', body: '{spec:', code: 400 },
    { name: '413 for a body over 3 MiB', contentType: 'application/merge-patch+json', body: `{"metadata":{"annotations":{"x":"${'y'.repeat(3 * 1024 * 1024)}"}}}`, code: 413 },
  ])('answers $name', async ({ contentType, body, code }) => {
    const response = await fetch(`${kube.url}/apis/apps/v1/namespaces/shop/deployments/checkout`, { method: 'PATCH', headers: { 'content-type': contentType }, body });
    expect(response.status).toBe(code);
    expect(await response.json()).toMatchObject({ kind: 'Status', code });
  });

  it('applies JSON patch and strategic merge patch', async () => {
    await apps.patchNamespacedDeployment({ name: 'reports', namespace: 'batch', body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    const patched = await apps.patchNamespacedDeployment(
      { name: 'reports', namespace: 'batch', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example/reports:2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.replicas).toBe(1);
    expect(patched.spec?.template.spec?.containers).toHaveLength(1);
    expect(patched.spec?.template.spec?.containers[0]).toMatchObject({ name: 'app', image: 'registry.example/reports:2', resources: { requests: { cpu: '100m' } } });
  });

  it('streams watch events (client-node Watch) for changes after the listed resourceVersion', async () => {
    const list = await apps.listNamespacedDeployment({ namespace: 'shop' });
    const events: { type: string; name: string; replicas: number }[] = [];
    const watch = new Watch(config);
    let sawScale!: () => void;
    const scaled = new Promise<void>((resolve) => (sawScale = resolve));
    const request = await watch.watch(
      '/apis/apps/v1/namespaces/shop/deployments',
      { resourceVersion: list.metadata?.resourceVersion, labelSelector: 'app=refund' },
      (type, object: { metadata: { name: string }; spec: { replicas: number } }) => {
        events.push({ type, name: object.metadata.name, replicas: object.spec.replicas });
        if (object.spec.replicas === 6) sawScale();
      },
      () => undefined,
    );
    await apps.patchNamespacedDeploymentScale({ name: 'checkout', namespace: 'shop', body: { spec: { replicas: 5 } } }, merge);
    await apps.patchNamespacedDeploymentScale({ name: 'refund', namespace: 'shop', body: { spec: { replicas: 6 } } }, merge);
    await scaled;
    request.abort();
    expect(events[0]).toEqual({ type: 'MODIFIED', name: 'refund', replicas: 6 });
    expect(events.every((event) => event.name === 'refund')).toBe(true);
  });

  it('feeds a client-node informer (list, then watch from the list\'s resourceVersion)', async () => {
    const informer = makeInformer(config, '/apis/apps/v1/namespaces/shop/deployments', () => apps.listNamespacedDeployment({ namespace: 'shop' }));
    const seen: string[] = [];
    let sawUpdate!: () => void;
    const updated = new Promise<void>((resolve) => (sawUpdate = resolve));
    informer.on('add', (deployment: V1Deployment) => seen.push(`add ${deployment.metadata?.name}`));
    informer.on('update', (deployment: V1Deployment) => {
      if (deployment.metadata?.name === 'refund' && deployment.spec?.replicas === 2) sawUpdate();
    });
    await informer.start();
    expect(seen.sort()).toEqual(['add checkout', 'add refund']);
    await apps.patchNamespacedDeploymentScale({ name: 'refund', namespace: 'shop', body: { spec: { replicas: 2 } } }, merge);
    await updated;
    expect(informer.list('shop').find((deployment) => deployment.metadata?.name === 'refund')?.spec?.replicas).toBe(2);
    await informer.stop();
  });

  it('serves Leases with optimistic concurrency (leader election)', async () => {
    const leases = config.makeApiClient(CoordinationV1Api);
    const created = await leases.createNamespacedLease({ namespace: 'shop', body: { metadata: { name: 'chuanliu-controller' }, spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 15 } } });
    const renewed = await leases.replaceNamespacedLease({ name: 'chuanliu-controller', namespace: 'shop', body: { ...created, spec: { ...created.spec, holderIdentity: 'replica-a', leaseTransitions: 0 } } });
    expect(renewed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    const stolen = await apiError(leases.replaceNamespacedLease({ name: 'chuanliu-controller', namespace: 'shop', body: { ...created, spec: { ...created.spec, holderIdentity: 'replica-b' } } }));
    expect(stolen.code).toBe(409);
    expect((await leases.readNamespacedLease({ name: 'chuanliu-controller', namespace: 'shop' })).spec?.holderIdentity).toBe('replica-a');
  });

  it('serves server-side Tables to clients that ask for them (kubectl get)', async () => {
    const response = await fetch(`${kube.url}/apis/apps/v1/namespaces/shop/deployments`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    const table = (await response.json()) as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((column) => column.name)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    expect(table.rows.map((row) => row.cells[0])).toEqual(['checkout', 'refund']);
  });

  it('injects 429 with Retry-After, 500, 409 and dropped connections, and logs them', async () => {
    const since = kube.requestLog.lastSeq;
    const path = `${kube.url}/apis/apps/v1/namespaces/shop/deployments/checkout`;
    kube.faults.setRules([{ name: 'throttle', match: { verbs: ['get'], names: ['checkout'] }, throttleRate: 1, retryAfterSeconds: 3, maxFailures: 1 }]);
    const throttled = await fetch(path);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect(await throttled.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    expect((await fetch(path)).status).toBe(200);

    kube.faults.setRules([{ match: { verbs: ['patch'] }, errorRate: 1, maxFailures: 1 }, { match: { verbs: ['patch'] }, conflictRate: 1, maxFailures: 1 }]);
    const patch = (): Promise<Response> => fetch(path, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { x: 'y' } } }) });
    expect((await patch()).status).toBe(500);
    expect((await patch()).status).toBe(409);
    expect((await patch()).status).toBe(200);

    kube.faults.setRules([{ match: { verbs: ['get'] }, dropRate: 1, maxFailures: 1 }]);
    await expect(fetch(path)).rejects.toThrow();
    kube.faults.setRules([]);

    const entries = log((entry) => entry.name === 'checkout', since);
    expect(entries.map((entry) => [entry.method, entry.status, entry.fault ?? null])).toEqual([
      ['GET', 429, 'throttle'],
      ['GET', 200, null],
      ['PATCH', 500, 'error'],
      ['PATCH', 409, 'conflict'],
      ['PATCH', 200, null],
      ['GET', 0, 'drop'],
    ]);
    expect(entries[4]?.body).toBe('{"metadata":{"labels":{"x":"y"}}}');
  });

  it('exposes the request log and fault rules over HTTP for out-of-process tests', async () => {
    const since = kube.requestLog.lastSeq;
    await apps.readNamespacedDeployment({ name: 'refund', namespace: 'shop' });
    const entries = (await (await fetch(`${kube.url}/_chuanliu/requests?since=${since}`)).json()) as RequestLogEntry[];
    expect(entries).toEqual([expect.objectContaining({ method: 'GET', verb: 'get', resource: 'deployments', namespace: 'shop', name: 'refund', status: 200 })]);
    const put = await fetch(`${kube.url}/_chuanliu/faults`, { method: 'PUT', body: JSON.stringify({ rules: [{ latencyMs: 1 }], seed: 5 }) });
    expect(put.status).toBe(200);
    expect(kube.faults.getRules()).toEqual([{ latencyMs: 1 }]);
    const bad = await fetch(`${kube.url}/_chuanliu/faults`, { method: 'PUT', body: JSON.stringify({ rules: [{ errorRate: 3 }] }) });
    expect(bad.status).toBe(400);
    kube.faults.setRules([]);
  });
});
