/**
 * The operators' controls through the Kubernetes API, kubectl-native:
 *
 * - pause/resume: the ConfigMap `chuanliu-controls` in the controller's namespace, `data.paused`
 *   "true"/"false" (+ pausedAt, pausedBy, reason). A dedicated object rather than the config
 *   ConfigMap: that one is generated with a content hash (a change rolls the controller, the last
 *   thing wanted mid-peak), and a pause must take effect on the next tick. `kubectl -n
 *   chuanliu-system patch cm chuanliu-controls -p '{"data":{"paused":"true"}}'` works as well.
 *   No ConfigMap = not paused. The controller only `get`s it (its Role names this one object).
 * - overrides: annotations on the workload itself (operator-overrides.ts), which the snapshot
 *   already reads; `chuanliu override` merge-patches them with the user's credentials.
 */
import { AppsV1Api, BatchV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { InputError, RuntimeFailure } from '../../domain/errors.ts';
import type { WorkloadRef } from '../../domain/workload.ts';
import type { OperatorControlsSource, PauseState } from '../../ports/operator-controls.ts';
import { classify } from './api-errors.ts';
import { pooledClientFactory, type PooledClientFactory } from './pooled-clients.ts';

export const CONTROLS_CONFIGMAP = 'chuanliu-controls';
export const DEFAULT_CONTROLLER_NAMESPACE = 'chuanliu-system';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function pauseStateOf(data: Readonly<Record<string, string>> | undefined): PauseState {
  const paused = (data?.['paused'] ?? 'false').trim().toLowerCase() === 'true';
  if (!paused) return { paused: false };
  return {
    paused: true,
    ...(data?.['pausedAt'] !== undefined ? { since: data['pausedAt'] } : {}),
    ...(data?.['pausedBy'] !== undefined ? { by: data['pausedBy'] } : {}),
    ...(data?.['reason'] !== undefined ? { reason: data['reason'] } : {}),
  };
}

export interface KubernetesOperatorControlsOptions {
  readonly kubeConfig: KubeConfig;
  /** The controller's namespace. @defaultValue chuanliu-system */
  readonly namespace?: string;
}

export class KubernetesOperatorControls implements OperatorControlsSource {
  readonly object: { apiVersion: string; kind: string; namespace: string; name: string };
  private readonly clients: PooledClientFactory;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly namespace: string;

  constructor(options: KubernetesOperatorControlsOptions) {
    this.namespace = options.namespace ?? DEFAULT_CONTROLLER_NAMESPACE;
    this.object = { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.namespace, name: CONTROLS_CONFIGMAP };
    this.clients = pooledClientFactory(options.kubeConfig, 2);
    this.core = this.clients.make(CoreV1Api);
    this.apps = this.clients.make(AppsV1Api);
    this.batch = this.clients.make(BatchV1Api);
  }

  close(): void {
    this.clients.close();
  }

  async read(): Promise<PauseState> {
    const configMap = await this.readConfigMap();
    return pauseStateOf(configMap?.data);
  }

  /** Pauses (creating the ConfigMap when it is not there). Returns the state written. */
  async pause(options: { by: string; reason?: string; nowMs: number; dryRun?: boolean }): Promise<PauseState> {
    const data: Record<string, string> = { paused: 'true', pausedAt: new Date(options.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), pausedBy: options.by, reason: options.reason ?? '' };
    await this.writeData(data, options.dryRun === true);
    return pauseStateOf(data);
  }

  async resume(options: { by: string; nowMs: number; dryRun?: boolean }): Promise<void> {
    const data = { paused: 'false', resumedAt: new Date(options.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), resumedBy: options.by, pausedAt: '', pausedBy: '', reason: '' };
    await this.writeData(data, options.dryRun === true);
  }

  /** The workload's annotations; InputError when it does not exist. */
  async workloadAnnotations(ref: WorkloadRef): Promise<Record<string, string>> {
    try {
      const object = await this.readWorkload(ref);
      return object.metadata?.annotations ?? {};
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === 'not-found') throw new InputError(`no ${ref.apiKind} "${ref.name}" in namespace ${ref.namespace}`, { source: 'chuanliu override' });
      throw new RuntimeFailure(`read ${ref.apiKind} ${ref.namespace}/${ref.name}: ${failure.message}`);
    }
  }

  /** Merge-patches annotations (null removes one). */
  async annotateWorkload(ref: WorkloadRef, annotations: Record<string, string | null>, options: { dryRun?: boolean } = {}): Promise<void> {
    const body = { metadata: { annotations } };
    const common = { namespace: ref.namespace, name: ref.name, body, ...(options.dryRun === true ? { dryRun: 'All' } : {}) };
    try {
      switch (ref.apiKind) {
        case 'Deployment': await this.apps.patchNamespacedDeployment(common, mergePatch); break;
        case 'StatefulSet': await this.apps.patchNamespacedStatefulSet(common, mergePatch); break;
        case 'Job': await this.batch.patchNamespacedJob(common, mergePatch); break;
        case 'CronJob': await this.batch.patchNamespacedCronJob(common, mergePatch); break;
      }
    } catch (error) {
      throw new RuntimeFailure(`annotate ${ref.apiKind} ${ref.namespace}/${ref.name}: ${classify(error).message}`);
    }
  }

  private readWorkload(ref: WorkloadRef): Promise<{ metadata?: { annotations?: Record<string, string> } }> {
    const params = { namespace: ref.namespace, name: ref.name };
    switch (ref.apiKind) {
      case 'Deployment': return this.apps.readNamespacedDeployment(params);
      case 'StatefulSet': return this.apps.readNamespacedStatefulSet(params);
      case 'Job': return this.batch.readNamespacedJob(params);
      case 'CronJob': return this.batch.readNamespacedCronJob(params);
    }
  }

  private async readConfigMap(): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ namespace: this.namespace, name: CONTROLS_CONFIGMAP });
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === 'not-found') return undefined;
      throw new RuntimeFailure(`read ConfigMap ${this.namespace}/${CONTROLS_CONFIGMAP}: ${failure.message}`);
    }
  }

  private async writeData(data: Record<string, string>, dryRun: boolean): Promise<void> {
    const dry = dryRun ? { dryRun: 'All' } : {};
    try {
      if (await this.readConfigMap() === undefined) {
        await this.core.createNamespacedConfigMap({
          namespace: this.namespace,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONTROLS_CONFIGMAP, namespace: this.namespace, labels: { 'app.kubernetes.io/part-of': 'chuanliu' } }, data },
          ...dry,
        });
        return;
      }
      await this.core.patchNamespacedConfigMap({ namespace: this.namespace, name: CONTROLS_CONFIGMAP, body: { data }, ...dry }, mergePatch);
    } catch (error) {
      if (error instanceof RuntimeFailure) throw error;
      throw new RuntimeFailure(`write ConfigMap ${this.namespace}/${CONTROLS_CONFIGMAP}: ${classify(error).message}`);
    }
  }
}
