/**
 * Discovery documents, in the legacy (unaggregated) form: kubectl and client-go ask for the
 * aggregated `apidiscovery.k8s.io/v2` form first and fall back to these when the answer's
 * Content-Type is plain `application/json`.
 */
import { RESOURCE_TYPES, SERVED_VERBS, apiVersionOf, servedGroups, type ResourceType } from './resources.ts';

/** The Kubernetes minor version kube-api claims to be; kubectl warns beyond ±1 minor skew. */
export const SERVED_KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-chuanliu-kube-api' } as const;

export function versionDocument(): Record<string, unknown> {
  return {
    ...SERVED_KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersionsDocument(): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

function groupDocument(name: string, versions: readonly string[]): Record<string, unknown> {
  const versionEntries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: versionEntries, preferredVersion: versionEntries[0] };
}

export function groupListDocument(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups().map((group) => groupDocument(group.name, group.versions)) };
}

export function groupDocumentFor(name: string): Record<string, unknown> | undefined {
  const group = servedGroups().find((candidate) => candidate.name === name);
  return group ? groupDocument(group.name, group.versions) : undefined;
}

function resourceEntries(type: ResourceType): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [
    {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: SERVED_VERBS,
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    },
  ];
  if (type.hasScale) {
    entries.push({ name: `${type.plural}/scale`, singularName: '', namespaced: type.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  }
  if (type.hasStatus) {
    entries.push({ name: `${type.plural}/status`, singularName: '', namespaced: type.namespaced, kind: type.kind, verbs: ['get', 'patch', 'update'] });
  }
  return entries;
}

/** APIResourceList of `group/version`, or undefined when kube-api serves nothing there. */
export function resourceListDocument(group: string, version: string): Record<string, unknown> | undefined {
  const types = RESOURCE_TYPES.filter((type) => type.group === group && type.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: types.flatMap(resourceEntries),
  };
}
