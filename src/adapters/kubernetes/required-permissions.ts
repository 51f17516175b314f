/**
 * The Kubernetes API permissions the adapters (kubernetes-cluster.ts, peak-events.ts, kubernetes-events.ts,
 * operator-controls.ts) need, as RBAC would name
 * them, when it is built with `namespaces` (the controller always passes the config's
 * `controller.namespaces`). manifests/base grants exactly these and nothing else;
 * test/integration/manifests.test.ts checks the rendered RBAC against this list, and this list
 * against the requests the adapter really sends (to kube-api), so a new API call fails that test
 * until it is added here and to the Role.
 *
 * Without `namespaces`, the adapter lists workloads, HPAs and pods across all namespaces: these
 * permissions deliberately do not allow that.
 */

export type RbacVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ApiPermission {
  /** API group; '' is the core group. */
  readonly group: string;
  /** Plural resource name, with `/subresource` when the call is on one (e.g. `deployments/scale`). */
  readonly resource: string;
  readonly verb: RbacVerb;
}

/** Needed in every managed namespace (a Role there). */
export const NAMESPACED_PERMISSIONS: readonly ApiPermission[] = [
  // snapshot: managed workloads by label selector or by configured name (one list per kind)
  { group: 'apps', resource: 'deployments', verb: 'list' },
  { group: 'apps', resource: 'statefulsets', verb: 'list' },
  { group: 'batch', resource: 'jobs', verb: 'list' },
  { group: 'batch', resource: 'cronjobs', verb: 'list' },
  // snapshot: the HPAs targeting them, and pods (terminating replicas, Job readiness)
  { group: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'list' },
  { group: '', resource: 'pods', verb: 'list' },
  // writes: read first (skip when unchanged, resourceVersion for 409 detection)
  { group: 'apps', resource: 'deployments', verb: 'get' },
  { group: 'apps', resource: 'statefulsets', verb: 'get' },
  { group: 'batch', resource: 'jobs', verb: 'get' },
  { group: 'batch', resource: 'cronjobs', verb: 'get' },
  { group: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'get' },
  // writes: replicas through the scale subresource
  { group: 'apps', resource: 'deployments/scale', verb: 'patch' },
  { group: 'apps', resource: 'statefulsets/scale', verb: 'patch' },
  // writes: provenance annotations, HPA minReplicas, Job parallelism, CronJob suspend (merge patch)
  { group: 'apps', resource: 'deployments', verb: 'patch' },
  { group: 'apps', resource: 'statefulsets', verb: 'patch' },
  { group: 'batch', resource: 'jobs', verb: 'patch' },
  { group: 'batch', resource: 'cronjobs', verb: 'patch' },
  { group: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'patch' },
  // PeakEvents (peak-events.ts): listed by the planning source, status written by the controller
  { group: 'chuanliu.io', resource: 'peakevents', verb: 'list' },
  { group: 'chuanliu.io', resource: 'peakevents/status', verb: 'patch' },
  // Kubernetes Events on the objects it changes (kubernetes-events.ts): created, then their count
  // patched when the same Event repeats (de-duplication, as the kubelet's recorder does)
  { group: '', resource: 'events', verb: 'create' },
  { group: '', resource: 'events', verb: 'patch' },
];

/** The ConfigMap holding the operators' pause switch (operator-controls.ts). */
export const CONTROLS_CONFIGMAP_NAME = 'chuanliu-controls';

/**
 * Needed in the controller's own namespace (a Role there, manifests/base/rbac-controller-namespace.yaml):
 * read the pause switch (that one ConfigMap only: `resourceNames`), and Events about the controller
 * itself (ConfigReloadFailed, Paused, Resumed on that ConfigMap).
 */
export const CONTROLLER_NAMESPACE_PERMISSIONS: readonly ApiPermission[] = [
  { group: '', resource: 'configmaps', verb: 'get' },
  { group: '', resource: 'events', verb: 'create' },
  { group: '', resource: 'events', verb: 'patch' },
];

/** Needed cluster-wide (a ClusterRole): Nodes are cluster-scoped; pools are counted from them. */
export const CLUSTER_PERMISSIONS: readonly ApiPermission[] = [{ group: '', resource: 'nodes', verb: 'list' }];

export function permissionKey(permission: ApiPermission): string {
  return `${permission.group === '' ? 'core' : permission.group}/${permission.resource}:${permission.verb}`;
}
