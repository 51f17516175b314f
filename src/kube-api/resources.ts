/**
 * The Kubernetes resource types kube-api serves: one table drives discovery, routing, tables and
 * validation, so adding a type is one row here.
 */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceType {
  /** '' for the core (legacy) group served under /api/v1. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** URL name, e.g. `deployments`. */
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Has a `status` subresource: main-resource writes keep status, `/status` writes keep the rest. */
  readonly hasStatus: boolean;
  /** Has a `scale` subresource (autoscaling/v1 Scale) on spec.replicas. */
  readonly hasScale: boolean;
}

const allVerbs: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resource(spec: Omit<ResourceType, 'listKind' | 'singular' | 'shortNames' | 'categories' | 'hasStatus' | 'hasScale'> & Partial<ResourceType>): ResourceType {
  return {
    listKind: `${spec.kind}List`,
    singular: spec.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    hasStatus: false,
    hasScale: false,
    ...spec,
  };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  resource({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], hasStatus: true }),
  resource({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], hasStatus: true }),
  resource({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'], hasStatus: true }),
  resource({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] }),
  resource({ group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }),
  resource({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], hasStatus: true, hasScale: true }),
  resource({ group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], hasStatus: true, hasScale: true }),
  resource({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], hasStatus: true, hasScale: true }),
  resource({ group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], hasStatus: true }),
  resource({ group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], hasStatus: true }),
  resource({ group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true, shortNames: ['hpa'], categories: ['all'], hasStatus: true }),
  resource({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true }),
  // chuanliu's own custom resource (manifests/base/crds/peakevents.yaml), served as the CRD would be.
  resource({ group: 'chuanliu.io', version: 'v1alpha1', kind: 'PeakEvent', plural: 'peakevents', namespaced: true, shortNames: ['pe'], categories: ['chuanliu'], hasStatus: true }),
];

export const SERVED_VERBS = allVerbs;

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** Stable key used by the store: `apps/deployments`, `core/pods`. */
export function resourceKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group === '' ? 'core' : type.group}/${type.plural}`;
}

export function findByPath(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => type.group === group && type.version === version && type.plural === plural);
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => apiVersionOf(type) === apiVersion && type.kind === kind);
}

export function mustFindByKind(apiVersion: string, kind: string): ResourceType {
  const type = findByKind(apiVersion, kind);
  if (!type) throw new Error(`kube-api serves no ${kind} in ${apiVersion}`);
  return type;
}

/** The groups served under /apis, in the order discovery lists them. */
export function servedGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const type of RESOURCE_TYPES) {
    if (type.group === '') continue;
    const versions = groups.get(type.group) ?? new Set<string>();
    versions.add(type.version);
    groups.set(type.group, versions);
  }
  return [...groups].map(([name, versions]) => ({ name, versions: [...versions] }));
}

export const Types = {
  namespace: mustFindByKind('v1', 'Namespace'),
  node: mustFindByKind('v1', 'Node'),
  pod: mustFindByKind('v1', 'Pod'),
  configMap: mustFindByKind('v1', 'ConfigMap'),
  event: mustFindByKind('v1', 'Event'),
  deployment: mustFindByKind('apps/v1', 'Deployment'),
  statefulSet: mustFindByKind('apps/v1', 'StatefulSet'),
  replicaSet: mustFindByKind('apps/v1', 'ReplicaSet'),
  job: mustFindByKind('batch/v1', 'Job'),
  cronJob: mustFindByKind('batch/v1', 'CronJob'),
  hpa: mustFindByKind('autoscaling/v2', 'HorizontalPodAutoscaler'),
  lease: mustFindByKind('coordination.k8s.io/v1', 'Lease'),
  peakEvent: mustFindByKind('chuanliu.io/v1alpha1', 'PeakEvent'),
} as const;
