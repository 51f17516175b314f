/**
 * "May chuanliu make these writes?", asked of the API server (SelfSubjectAccessReview, which every
 * authenticated identity may create) before a tick writes anything, so that one write outside the
 * ServiceAccount's grant refuses the whole tick instead of leaving it half-applied by a 403 midway.
 *
 * Every request a write makes is checked as RBAC names it: the read (get), the value (patch on the
 * object or its scale subresource) and the provenance annotations (patch on the object). Allowed
 * answers are cached per namespace and resource for `allowedTtlMs`, so a 1,000-workload shift asks
 * a handful of questions, not thousands; refusals are never cached, so a fixed Role takes effect at
 * the next tick. A resource refused for the whole namespace is asked again per object, since a Role
 * may grant single objects by name.
 */
import type { ClusterWrite, WriteDenial } from '../../ports/cluster.ts';
import type { WorkloadRef } from '../../domain/workload.ts';

/** One request as an RBAC rule names it. */
export interface ResourceAttributes {
  readonly verb: 'get' | 'patch';
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace: string;
  readonly name?: string;
}

export interface AccessAnswer {
  readonly allowed: boolean;
  readonly reason: string;
}

/** Asks the API server; throws (a RuntimeFailure from the adapter) when it cannot be asked. */
export type AccessReviewer = (attributes: ResourceAttributes) => Promise<AccessAnswer>;

const KIND_RESOURCES: Readonly<Record<WorkloadRef['apiKind'], { group: string; resource: string }>> = {
  Deployment: { group: 'apps', resource: 'deployments' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  Job: { group: 'batch', resource: 'jobs' },
  CronJob: { group: 'batch', resource: 'cronjobs' },
};

/** The requests one write makes (read, value, annotations), as RBAC names them. */
export function requestsOf(write: ClusterWrite, placeholderOf: (pool: string) => WorkloadRef | undefined): ResourceAttributes[] {
  const objectRequests = (group: string, resource: string, namespace: string, name: string, scale: boolean): ResourceAttributes[] => [
    { verb: 'get', group, resource, namespace, name },
    ...(scale ? [{ verb: 'patch' as const, group, resource, subresource: 'scale', namespace, name }] : []),
    { verb: 'patch', group, resource, namespace, name },
  ];
  switch (write.kind) {
    case 'replicas': {
      const { group, resource } = KIND_RESOURCES[write.ref.apiKind];
      return objectRequests(group, resource, write.ref.namespace, write.ref.name, true);
    }
    case 'hpa-min':
      return objectRequests('autoscaling', 'horizontalpodautoscalers', write.ref.namespace, write.hpaName, false);
    case 'job-parallelism':
      return objectRequests('batch', 'jobs', write.ref.namespace, write.ref.name, false);
    case 'cronjob-suspend':
      return objectRequests('batch', 'cronjobs', write.ref.namespace, write.ref.name, false);
    case 'pool-nodes': {
      const placeholder = placeholderOf(write.pool);
      return placeholder === undefined ? [] : objectRequests('apps', 'deployments', placeholder.namespace, placeholder.name, true);
    }
  }
}

export function describeRequest(request: ResourceAttributes): string {
  const resource = `${request.group === '' ? '' : `${request.group}/`}${request.resource}${request.subresource !== undefined ? `/${request.subresource}` : ''}`;
  return `${request.verb} ${resource} ${request.namespace}/${request.name ?? '*'}`;
}

function namespaceKey(request: ResourceAttributes): string {
  return `${request.verb} ${request.group}/${request.resource}/${request.subresource ?? ''} ${request.namespace}`;
}

export class WriteAuthorizer {
  private readonly allowedUntilMs = new Map<string, number>();

  constructor(
    private readonly review: AccessReviewer,
    private readonly options: { readonly nowMs: () => number; readonly allowedTtlMs?: number; readonly placeholderOf: (pool: string) => WorkloadRef | undefined },
  ) {}

  async authorize(writes: readonly ClusterWrite[]): Promise<WriteDenial[]> {
    const nowMs = this.options.nowMs();
    const ttlMs = this.options.allowedTtlMs ?? 5 * 60_000;
    const requestsByWrite = writes.map((write) => ({ write, requests: requestsOf(write, this.options.placeholderOf) }));
    // Namespace-level questions first: one per (verb, resource, namespace) not known to be allowed.
    const toAsk = new Map<string, ResourceAttributes>();
    for (const { requests } of requestsByWrite) {
      for (const request of requests) {
        const key = namespaceKey(request);
        if ((this.allowedUntilMs.get(key) ?? -Infinity) > nowMs || toAsk.has(key)) continue;
        const { name: _name, ...namespaceWide } = request;
        toAsk.set(key, namespaceWide);
      }
    }
    const refusedNamespaceWide = new Set<string>();
    await Promise.all([...toAsk].map(async ([key, attributes]) => {
      const answer = await this.review(attributes);
      if (answer.allowed) this.allowedUntilMs.set(key, nowMs + ttlMs);
      else refusedNamespaceWide.add(key);
    }));
    if (refusedNamespaceWide.size === 0) return [];
    // Then each object whose request was refused namespace-wide: a Role may name single objects.
    const denials: WriteDenial[] = [];
    await Promise.all(requestsByWrite.map(async ({ write, requests }) => {
      for (const request of requests) {
        if (!refusedNamespaceWide.has(namespaceKey(request))) continue;
        const answer = await this.review(request);
        if (!answer.allowed) {
          denials.push({ write, request: describeRequest(request), reason: answer.reason });
          return;
        }
      }
    }));
    return denials.sort((a, b) => a.request.localeCompare(b.request));
  }
}
