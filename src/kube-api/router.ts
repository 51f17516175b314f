/**
 * URL → Kubernetes request: which resource type, namespace, name, subresource and verb.
 * /api/v1/... is the core group; /apis/{group}/{version}/... the others.
 */
import { Types, findByPath, type ResourceType, type Verb } from './resources.ts';

export type Route =
  | { readonly kind: 'discovery'; readonly document: 'version' | 'api' | 'apis' | 'group' | 'resources' | 'openapi' | 'health'; readonly group?: string; readonly version?: string }
  | {
      readonly kind: 'resource';
      readonly type: ResourceType;
      readonly verb: Verb;
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
    }
  | { readonly kind: 'admin'; readonly action: string }
  /** POST of a SelfSubjectAccessReview: "may I do this?", asked before a tick writes anything. */
  | { readonly kind: 'access-review' }
  | { readonly kind: 'unknown' };

export const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

function verbFor(method: string, hasName: boolean, watch: boolean): Verb | undefined {
  switch (method) {
    case 'GET':
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return hasName ? undefined : 'create';
    case 'PUT':
      return hasName ? 'update' : undefined;
    case 'PATCH':
      return hasName ? 'patch' : undefined;
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

export function route(method: string, pathname: string, query: URLSearchParams): Route {
  const segments = pathname.split('/').filter((segment) => segment.length > 0).map(decodeURIComponent);
  if (segments[0] === '_chuanliu') return { kind: 'admin', action: segments.slice(1).join('/') };
  if (pathname === '/version' || pathname === '/version/') return { kind: 'discovery', document: 'version' };
  if (['healthz', 'livez', 'readyz'].includes(segments[0] ?? '')) return { kind: 'discovery', document: 'health' };
  if (segments[0] === 'openapi') return { kind: 'discovery', document: 'openapi' };
  if (method === 'POST' && pathname.replace(/\/$/, '') === ACCESS_REVIEW_PATH) return { kind: 'access-review' };

  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length === 1) return { kind: 'discovery', document: 'api' };
    group = '';
    version = segments[1] as string;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    if (segments.length === 1) return { kind: 'discovery', document: 'apis' };
    if (segments.length === 2) return { kind: 'discovery', document: 'group', group: segments[1] as string };
    group = segments[1] as string;
    version = segments[2] as string;
    rest = segments.slice(3);
  } else {
    return { kind: 'unknown' };
  }
  if (rest.length === 0) return { kind: 'discovery', document: 'resources', group, version };

  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  let namespace: string | undefined;
  // /namespaces/{ns}/{plural}/... is namespaced; /namespaces and /namespaces/{name}[/status] are the Namespace type.
  if (group === '' && rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (group !== '' && rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length > 0 || plural === undefined) return { kind: 'unknown' };
  const type = findByPath(group, version, plural);
  if (!type) return { kind: 'unknown' };
  if (type === Types.namespace && namespace !== undefined) return { kind: 'unknown' };
  if (type.namespaced === false && namespace !== undefined) return { kind: 'unknown' };
  const verb = verbFor(method, name !== undefined, watch);
  if (!verb) return { kind: 'unknown' };
  return { kind: 'resource', type, verb, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) };
}
