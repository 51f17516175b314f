import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import { KubeApi, parseSelectors, type WatchEvent } from '../../../src/kube-api/api.ts';
import { ensureBaseNamespaces } from '../../../src/kube-api/objects-file.ts';
import { Types } from '../../../src/kube-api/resources.ts';
import { ApiError } from '../../../src/kube-api/status.ts';
import { ObjectStore, type KubeObject } from '../../../src/kube-api/store.ts';

function deployment(name: string, replicas = 2, labels: Record<string, string> = { app: name }): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
  };
}

function setup(historyLimit?: number): { api: KubeApi; store: ObjectStore; clock: ManualClock } {
  const clock = new ManualClock(Date.UTC(2025, 10, 11, 12));
  const store = new ObjectStore({ clock, ...(historyLimit ? { historyLimit } : {}) });
  const api = new KubeApi(store);
  ensureBaseNamespaces(api, ['shop']);
  return { api, store, clock };
}

function codeOf(work: () => unknown): number | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
  return undefined;
}

describe('object store and API semantics', () => {
  it('create fills uid, resourceVersion, generation, creationTimestamp and defaults', () => {
    const { api, clock } = setup();
    const created = api.create(Types.deployment, 'shop', { ...deployment('web'), spec: { selector: { matchLabels: { app: 'web' } } } });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toBe(new Date(clock.nowMs()).toISOString().replace('.000', ''));
    expect((created['spec'] as { replicas: number }).replicas).toBe(1);
  });

  it('a write carrying a stale resourceVersion gets 409 Conflict; a current one succeeds', () => {
    const { api } = setup();
    const created = api.create(Types.deployment, 'shop', deployment('web'));
    const stale = created.metadata.resourceVersion;
    api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 3 } });
    expect(codeOf(() => api.patch(Types.deployment, 'shop', 'web', 'merge', { metadata: { resourceVersion: stale }, spec: { replicas: 4 } }))).toBe(409);
    expect(codeOf(() => api.updateScale(Types.deployment, 'shop', 'web', { metadata: { resourceVersion: stale }, spec: { replicas: 4 } }))).toBe(409);
    const fresh = api.get(Types.deployment, 'shop', 'web').metadata.resourceVersion;
    const patched = api.patchScale(Types.deployment, 'shop', 'web', 'merge', { metadata: { resourceVersion: fresh }, spec: { replicas: 4 } });
    expect((patched['spec'] as { replicas: number }).replicas).toBe(4);
  });

  it('a no-op write keeps the resourceVersion; spec changes bump generation, metadata changes do not', () => {
    const { api } = setup();
    const created = api.create(Types.deployment, 'shop', deployment('web'));
    const same = api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 2 } });
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const annotated = api.patch(Types.deployment, 'shop', 'web', 'merge', { metadata: { annotations: { note: 'x' } } });
    expect(annotated.metadata.generation).toBe(1);
    const scaled = api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 5 } });
    expect(scaled.metadata.generation).toBe(2);
    expect(Number(scaled.metadata.resourceVersion)).toBeGreaterThan(Number(annotated.metadata.resourceVersion));
  });

  it('main-resource writes keep status; status writes keep spec', () => {
    const { api } = setup();
    api.create(Types.deployment, 'shop', deployment('web'));
    api.patch(Types.deployment, 'shop', 'web', 'merge', { status: { readyReplicas: 2 } }, 'status');
    const afterMain = api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 3 }, status: { readyReplicas: 99 } });
    expect(afterMain['status']).toEqual({ readyReplicas: 2 });
    const afterStatus = api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 9 }, status: { readyReplicas: 3 } }, 'status');
    expect((afterStatus['spec'] as { replicas: number }).replicas).toBe(3);
  });

  it.each([
    { name: 'negative replicas', work: (api: KubeApi) => api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: -1 } }), code: 422 },
    { name: 'fractional scale', work: (api: KubeApi) => api.patchScale(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 1.5 } }), code: 422 },
    { name: 'HPA min above max', work: (api: KubeApi) => api.patch(Types.hpa, 'shop', 'web', 'merge', { spec: { minReplicas: 50 } }), code: 422 },
    { name: 'HPA min of zero', work: (api: KubeApi) => api.patch(Types.hpa, 'shop', 'web', 'merge', { spec: { minReplicas: 0 } }), code: 422 },
    { name: 'changing the selector', work: (api: KubeApi) => api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { selector: { matchLabels: { app: 'x' } } } }), code: 422 },
    { name: 'missing object', work: (api: KubeApi) => api.get(Types.deployment, 'shop', 'nope'), code: 404 },
    { name: 'scale of a kind without one', work: (api: KubeApi) => api.getScale(Types.job, 'shop', 'web'), code: 404 },
    { name: 'duplicate create', work: (api: KubeApi) => api.create(Types.deployment, 'shop', deployment('web')), code: 409 },
    { name: 'create in a missing namespace', work: (api: KubeApi) => api.create(Types.deployment, 'nowhere', { ...deployment('web'), metadata: { name: 'web', namespace: 'nowhere' } }), code: 404 },
    { name: 'invalid name', work: (api: KubeApi) => api.create(Types.configMap, 'shop', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }), code: 422 },
    { name: 'name mismatch', work: (api: KubeApi) => api.update(Types.deployment, 'shop', 'web', deployment('other')), code: 400 },
  ])('$name → $code', ({ work, code }) => {
    const { api } = setup();
    api.create(Types.deployment, 'shop', deployment('web'));
    api.create(Types.hpa, 'shop', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10 } });
    expect(codeOf(() => work(api))).toBe(code);
  });

  it('lists filter by label and field selectors and page with limit/continue', () => {
    const { api } = setup();
    for (const name of ['a', 'b', 'c', 'd', 'e']) api.create(Types.deployment, 'shop', deployment(name, 1, { app: name, tier: name < 'c' ? 'front' : 'back' }));
    const names = (selector: string, field?: string): string[] => api.list(Types.deployment, 'shop', { selectors: parseSelectors(selector, field) }).items.map((item) => item.metadata.name ?? '');
    expect(names('tier=front')).toEqual(['a', 'b']);
    expect(names('tier in (back),app!=e')).toEqual(['c', 'd']);
    expect(names('', 'metadata.name=d')).toEqual(['d']);
    const first = api.list(Types.deployment, 'shop', { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.remainingItemCount).toBe(3);
    const second = api.list(Types.deployment, 'shop', { limit: 2, continueToken: first.continueToken as string });
    const third = api.list(Types.deployment, 'shop', { limit: 2, continueToken: second.continueToken as string });
    expect([...first.items, ...second.items, ...third.items].map((item) => item.metadata.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(third.continueToken).toBeUndefined();
  });

  it('watch replays events after a resourceVersion, then streams live ones; too old a version is 410 Gone', () => {
    const { api, store } = setup(3);
    api.create(Types.deployment, 'shop', deployment('web'));
    const from = Number(store.resourceVersion);
    api.patch(Types.deployment, 'shop', 'web', 'merge', { spec: { replicas: 3 } });
    const seen: WatchEvent[] = [];
    const stop = api.watch(Types.deployment, 'shop', { fromResourceVersion: from }, (event) => seen.push(event));
    api.delete(Types.deployment, 'shop', 'web');
    stop();
    api.create(Types.deployment, 'shop', deployment('after-stop'));
    expect(seen.map((event) => event.type)).toEqual(['MODIFIED', 'DELETED']);
    for (const name of ['x', 'y', 'z', 'w']) api.create(Types.configMap, 'shop', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    expect(codeOf(() => api.watch(Types.deployment, 'shop', { fromResourceVersion: from }, () => undefined))).toBe(410);
  });

  it('deleting a Deployment deletes what it owns (garbage collection by owner reference)', () => {
    const { api, store } = setup();
    const owner = api.create(Types.deployment, 'shop', deployment('web'));
    api.create(Types.pod, 'shop', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner.metadata.uid ?? '' }] } });
    api.create(Types.pod, 'shop', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'shop' } });
    api.delete(Types.deployment, 'shop', 'web');
    expect(store.list(Types.pod, 'shop').map((pod) => pod.metadata.name)).toEqual(['other']);
  });
});
