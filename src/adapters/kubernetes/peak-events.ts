/**
 * PeakEvents (chuanliu.io/v1alpha1) through the Kubernetes API: the controller lists them in its
 * namespaces and writes their status (the only two calls its Role allows: see
 * required-permissions.ts); `chuanliu event` also creates, reads, cancels and deletes them with the
 * user's own credentials. Works the same against a real API server and the in-memory kube-api.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import {
  PEAK_EVENT_API_VERSION, PEAK_EVENT_GROUP, PEAK_EVENT_PLURAL, PEAK_EVENT_VERSION, type PeakEventObject, type PeakEventStatus,
} from '../../calendar/peak-event.ts';
import { InputError, RuntimeFailure } from '../../domain/errors.ts';
import type { PeakEventStore } from '../../ports/peak-events.ts';
import { classify } from './api-errors.ts';
import { pooledClientFactory, type PooledClientFactory } from './pooled-clients.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const base = { group: PEAK_EVENT_GROUP, version: PEAK_EVENT_VERSION, plural: PEAK_EVENT_PLURAL };

export interface KubernetesPeakEventsOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespaces listed by `list()` (the controller's managed namespaces). */
  readonly namespaces: readonly string[];
}

export class KubernetesPeakEvents implements PeakEventStore {
  private readonly clients: PooledClientFactory;
  private readonly api: CustomObjectsApi;

  constructor(private readonly options: KubernetesPeakEventsOptions) {
    this.clients = pooledClientFactory(options.kubeConfig, 4);
    this.api = this.clients.make(CustomObjectsApi);
  }

  close(): void {
    this.clients.close();
  }

  async list(): Promise<PeakEventObject[]> {
    const lists = await Promise.all(this.options.namespaces.map((namespace) => this.listIn(namespace)));
    return lists.flat();
  }

  async listIn(namespace: string): Promise<PeakEventObject[]> {
    const answer = await this.call(`list PeakEvents in ${namespace}`, () => this.api.listNamespacedCustomObject({ ...base, namespace }));
    return ((answer as { items?: PeakEventObject[] }).items ?? []).map((item) => ({ ...item, metadata: { ...item.metadata, namespace: item.metadata.namespace ?? namespace } }));
  }

  async get(namespace: string, name: string): Promise<PeakEventObject | undefined> {
    try {
      return await this.api.getNamespacedCustomObject({ ...base, namespace, name }) as PeakEventObject;
    } catch (error) {
      if (classify(error).kind === 'not-found') return undefined;
      throw this.failure(`get PeakEvent ${namespace}/${name}`, error);
    }
  }

  async create(object: PeakEventObject, options: { dryRun?: boolean } = {}): Promise<PeakEventObject> {
    const namespace = object.metadata.namespace ?? 'default';
    const body = { ...object, apiVersion: PEAK_EVENT_API_VERSION, kind: 'PeakEvent' };
    return await this.call(`create PeakEvent ${namespace}/${object.metadata.name ?? ''}`, () => this.api.createNamespacedCustomObject({
      ...base, namespace, body, ...(options.dryRun === true ? { dryRun: 'All' } : {}),
    })) as PeakEventObject;
  }

  /** Merge-patches the spec (e.g. `{ cancelled: true }`). */
  async patchSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<PeakEventObject> {
    return await this.call(`patch PeakEvent ${namespace}/${name}`, () => this.api.patchNamespacedCustomObject({ ...base, namespace, name, body: { spec } }, mergePatch)) as PeakEventObject;
  }

  async delete(namespace: string, name: string): Promise<void> {
    await this.call(`delete PeakEvent ${namespace}/${name}`, () => this.api.deleteNamespacedCustomObject({ ...base, namespace, name }));
  }

  async writeStatus(namespace: string, name: string, status: PeakEventStatus): Promise<void> {
    await this.call(`write the status of PeakEvent ${namespace}/${name}`, () => this.api.patchNamespacedCustomObjectStatus({ ...base, namespace, name, body: { status } }, mergePatch));
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.failure(what, error);
    }
  }

  /** A refusal by the API (validation, RBAC, not found) is the user's to fix; the rest is a runtime failure. */
  private failure(what: string, error: unknown): Error {
    const failure = classify(error);
    if (failure.kind === 'rejected' && failure.status === 422) return new InputError(`the API server refused it: ${failure.message}`, { source: what });
    if (failure.kind === 'not-found' && /the server could not find the requested resource|404 page not found/i.test(failure.message)) {
      return new RuntimeFailure(`${what}: the PeakEvent CRD is not installed (kubectl apply -f manifests/base/crds/peakevents.yaml): ${failure.message}`);
    }
    return new RuntimeFailure(`${what}: ${failure.message}`);
  }
}
