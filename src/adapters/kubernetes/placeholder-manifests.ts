/**
 * The Kubernetes objects behind pre-provisioning, rendered from the config so names, sizes and the
 * priority class are the configured ones: per pre-provisioned pool a Deployment of pause pods (0
 * replicas; the controller scales it through the `scale` subresource), one PriorityClass per class
 * name (negative value, preemptionPolicy Never: placeholders never evict anyone, everyone evicts
 * them), the namespaces, and in each a Role + RoleBinding granting the controller exactly what its
 * adapter needs there (the same rules as a managed namespace).
 *
 * Node autoscalers: Karpenter provisions for any Pending pod; cluster-autoscaler ignores pods whose
 * priority is below `--expendable-pods-priority-cutoff` (default -10), so keep the priority ≥ that.
 */
import type { NodePool, PlaceholderSettings, WorkloadRef } from '../../domain/workload.ts';
import { NAMESPACED_PERMISSIONS } from './required-permissions.ts';

type Manifest = Record<string, unknown>;

/** Pinned pause image (the kubelet's own sandbox image): does nothing, requests what it is given. */
export const PLACEHOLDER_IMAGE = 'registry.k8s.io/pause:3.10';
export const PLACEHOLDER_POOL_LABEL = 'chuanliu.io/placeholder-for';

function cpuQuantity(millicores: number): string {
  return `${Math.floor(millicores)}m`;
}

function memoryQuantity(bytes: number): string {
  return `${Math.floor(bytes / 1024 ** 2)}Mi`;
}

export function placeholderDeployment(pool: NodePool, settings: PlaceholderSettings): Manifest {
  const labels = { 'app.kubernetes.io/part-of': 'chuanliu', 'app.kubernetes.io/component': 'placeholder', [PLACEHOLDER_POOL_LABEL]: pool.name };
  const requests = { cpu: cpuQuantity(settings.perPod.cpuMillicores), memory: memoryQuantity(settings.perPod.memoryBytes) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: settings.deploymentName, namespace: settings.namespace, labels },
    spec: {
      // chuanliu owns this number; 0 until a peak is near.
      replicas: 0,
      selector: { matchLabels: { [PLACEHOLDER_POOL_LABEL]: pool.name } },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: settings.priorityClassName,
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(pool.labels !== undefined && Object.keys(pool.labels).length > 0 ? { nodeSelector: pool.labels } : {}),
          ...(pool.taints !== undefined && pool.taints.length > 0
            ? { tolerations: pool.taints.map((taint) => ({ key: taint.key, operator: 'Equal', value: taint.value ?? '', effect: taint.effect })) }
            : {}),
          securityContext: { runAsNonRoot: true, runAsUser: 65535, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'pause',
            image: PLACEHOLDER_IMAGE,
            resources: { requests, limits: requests },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  };
}

export function placeholderPriorityClass(settings: PlaceholderSettings): Manifest {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: settings.priorityClassName, labels: { 'app.kubernetes.io/part-of': 'chuanliu' } },
    value: settings.priorityValue,
    globalDefault: false,
    preemptionPolicy: 'Never',
    description: 'chuanliu placeholder pods: hold room on elastic node pools ahead of a forecast peak; every other pod preempts them.',
  };
}

/** The managed-namespace rules, one per (group, resource), so each grant stays exact. */
function rulesOf(): Manifest[] {
  const rules = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const permission of NAMESPACED_PERMISSIONS) {
    const key = `${permission.group}/${permission.resource}`;
    const rule = rules.get(key) ?? { apiGroups: [permission.group], resources: [permission.resource], verbs: [] };
    rule.verbs.push(permission.verb);
    rules.set(key, rule);
  }
  return [...rules.values()].map((rule) => ({ ...rule, verbs: [...rule.verbs].sort() }));
}

/**
 * The placeholder Deployments of the pre-provisioned pools, as workload refs: the controller's adapter
 * reads them with the workloads (their replicas are targets of the plan's `placeholders` series).
 */
export function placeholderRefs(pools: readonly NodePool[]): WorkloadRef[] {
  return pools.flatMap((pool) => {
    const settings = pool.elastic?.placeholders;
    return settings === undefined ? [] : [{ apiKind: 'Deployment' as const, namespace: settings.namespace, name: settings.deploymentName }];
  });
}

/** Every object pre-provisioning needs, for the pools that have `elastic.placeholders`, in apply order. */
export function placeholderManifests(pools: readonly NodePool[], controllerServiceAccount = { namespace: 'chuanliu-system', name: 'chuanliu' }): Manifest[] {
  const preProvisioned = pools.filter((pool) => pool.elastic?.placeholders !== undefined);
  const settingsOf = (pool: NodePool): PlaceholderSettings => pool.elastic?.placeholders as PlaceholderSettings;
  const namespaces = [...new Set(preProvisioned.map((pool) => settingsOf(pool).namespace))].sort();
  const classes = new Map(preProvisioned.map((pool) => [settingsOf(pool).priorityClassName, settingsOf(pool)] as const));
  const objects: Manifest[] = [];
  for (const namespace of namespaces) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'chuanliu', 'pod-security.kubernetes.io/enforce': 'restricted' } } });
  }
  for (const settings of [...classes.values()].sort((a, b) => a.priorityClassName.localeCompare(b.priorityClassName))) objects.push(placeholderPriorityClass(settings));
  for (const namespace of namespaces) {
    objects.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'chuanliu-controller', namespace }, rules: rulesOf() });
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'chuanliu-controller', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'chuanliu-controller' },
      subjects: [{ kind: 'ServiceAccount', name: controllerServiceAccount.name, namespace: controllerServiceAccount.namespace }],
    });
  }
  for (const pool of preProvisioned) objects.push(placeholderDeployment(pool, settingsOf(pool)));
  return objects;
}
