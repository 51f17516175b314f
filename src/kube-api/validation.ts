/**
 * Validation and defaulting of the fields kube-api and chuanliu rely on, answered with 422 Invalid
 * and the field path, as the real API server does. Unknown fields pass through untouched.
 */
import type { ResourceType } from './resources.ts';
import { invalid, type FieldProblem } from './status.ts';
import type { KubeObject } from './store.ts';

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function isNonNegativeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function field(object: KubeObject, path: string): unknown {
  let current: unknown = object;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function checkReplicaCount(object: KubeObject, path: string, problems: FieldProblem[]): void {
  const value = field(object, path);
  if (value !== undefined && !isNonNegativeInteger(value)) {
    problems.push({ field: path, message: `Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0` });
  }
}

/** Problems with `object` as a `type`; empty when valid. */
export function validationProblems(type: ResourceType, object: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const name = object.metadata.name ?? '';
  if (name.length > 253 || !dnsSubdomain.test(name)) {
    problems.push({ field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` });
  }
  if (type.namespaced && !object.metadata.namespace) problems.push({ field: 'metadata.namespace', message: 'Required value' });
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    if (typeof value !== 'string') problems.push({ field: `metadata.labels.${key}`, message: 'must be a string' });
  }
  for (const [key, value] of Object.entries(object.metadata.annotations ?? {})) {
    if (typeof value !== 'string') problems.push({ field: `metadata.annotations.${key}`, message: 'must be a string' });
  }
  switch (type.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      checkReplicaCount(object, 'spec.replicas', problems);
      if (field(object, 'spec.selector') === undefined) problems.push({ field: 'spec.selector', message: 'Required value' });
      break;
    case 'Job':
      checkReplicaCount(object, 'spec.parallelism', problems);
      checkReplicaCount(object, 'spec.completions', problems);
      break;
    case 'CronJob': {
      const suspend = field(object, 'spec.suspend');
      if (suspend !== undefined && typeof suspend !== 'boolean') problems.push({ field: 'spec.suspend', message: `Invalid value: ${JSON.stringify(suspend)}: must be a boolean` });
      if (typeof field(object, 'spec.schedule') !== 'string') problems.push({ field: 'spec.schedule', message: 'Required value' });
      break;
    }
    case 'HorizontalPodAutoscaler': {
      const min = field(object, 'spec.minReplicas');
      const max = field(object, 'spec.maxReplicas');
      if (!(typeof max === 'number' && Number.isInteger(max) && max >= 1)) problems.push({ field: 'spec.maxReplicas', message: `Invalid value: ${JSON.stringify(max)}: must be greater than or equal to 1` });
      if (min !== undefined && !(typeof min === 'number' && Number.isInteger(min) && min >= 1)) {
        problems.push({ field: 'spec.minReplicas', message: `Invalid value: ${JSON.stringify(min)}: must be greater than or equal to 1` });
      } else if (typeof min === 'number' && typeof max === 'number' && min > max) {
        problems.push({ field: 'spec.maxReplicas', message: `Invalid value: ${max}: must be greater than or equal to \`minReplicas\`` });
      }
      if (typeof field(object, 'spec.scaleTargetRef.name') !== 'string') problems.push({ field: 'spec.scaleTargetRef.name', message: 'Required value' });
      break;
    }
  }
  return problems;
}

export function validate(type: ResourceType, object: KubeObject): void {
  const problems = validationProblems(type, object);
  if (problems.length > 0) throw invalid(type.kind, type.group, object.metadata.name ?? '', problems);
}

/** Fills the defaults the real API server fills, for the fields chuanliu reads. */
export function withDefaults(type: ResourceType, object: KubeObject): KubeObject {
  const spec = { ...((object['spec'] as Record<string, unknown> | undefined) ?? {}) };
  switch (type.kind) {
    case 'Deployment':
      spec['replicas'] ??= 1;
      spec['strategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
      spec['revisionHistoryLimit'] ??= 10;
      spec['progressDeadlineSeconds'] ??= 600;
      return { ...object, spec };
    case 'StatefulSet':
    case 'ReplicaSet':
      spec['replicas'] ??= 1;
      return { ...object, spec };
    case 'Job':
      spec['parallelism'] ??= 1;
      return { ...object, spec };
    case 'CronJob':
      spec['suspend'] ??= false;
      return { ...object, spec };
    case 'HorizontalPodAutoscaler':
      spec['minReplicas'] ??= 1;
      return { ...object, spec };
    default:
      return object;
  }
}
