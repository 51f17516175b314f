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
    case 'PeakEvent':
      problems.push(...peakEventProblems(object));
      break;
  }
  return problems;
}

const PEAK_EVENT_KINDS = ['promotion', 'livestream', 'offline-window'];
const GO_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const EVENT_START = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;
const ZONE_NAME = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2}$/;

function goDurationMs(text: string): number {
  let totalMs = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) totalMs += Number(match[1]) * ({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as Record<string, number>)[match[2] as string]!;
  return totalMs;
}

/**
 * The PeakEvent CRD's OpenAPI schema and CEL rules (manifests/base/crds/peakevents.yaml), with the
 * same messages, as the real API server applies them: test/unit/kube-api/peak-events.test.ts keeps
 * the two in step.
 */
function peakEventProblems(object: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const spec = field(object, 'spec');
  if (spec === null || typeof spec !== 'object') return [{ field: 'spec', message: 'Required value' }];
  const value = spec as Record<string, unknown>;
  for (const required of ['kind', 'start', 'timeZone', 'duration']) {
    if (value[required] === undefined) problems.push({ field: `spec.${required}`, message: 'Required value' });
  }
  if (value['kind'] !== undefined && !PEAK_EVENT_KINDS.includes(value['kind'] as string)) {
    problems.push({ field: 'spec.kind', message: `Unsupported value: ${JSON.stringify(value['kind'])}: supported values: ${PEAK_EVENT_KINDS.map((kind) => `"${kind}"`).join(', ')}` });
  }
  const start = value['start'];
  if (start !== undefined && (typeof start !== 'string' || !EVENT_START.test(start))) {
    problems.push({ field: 'spec.start', message: 'Invalid value: "string": start must be ISO 8601 (2026-11-11T20:05:00+08:00) or a local date-time (2026-11-11T20:05)' });
  }
  const zone = value['timeZone'];
  if (zone !== undefined && (typeof zone !== 'string' || (zone !== 'UTC' && !ZONE_NAME.test(zone)))) {
    problems.push({ field: 'spec.timeZone', message: 'Invalid value: "string": timeZone must be an IANA name such as Asia/Shanghai or UTC' });
  }
  const duration = value['duration'];
  const durationOk = typeof duration === 'string' && GO_DURATION.test(duration);
  if (duration !== undefined && !durationOk) problems.push({ field: 'spec.duration', message: 'Invalid value: "string": duration must be a Go-style duration such as 1h or 40m' });
  const ramp = value['ramp'];
  const rampOk = typeof ramp === 'string' && GO_DURATION.test(ramp);
  if (ramp !== undefined && !rampOk) problems.push({ field: 'spec.ramp', message: 'Invalid value: "string": ramp must be a Go-style duration such as 5m or 90s' });
  const uplift = value['uplift'];
  if (uplift !== undefined && !(typeof uplift === 'number' && uplift > 1)) problems.push({ field: 'spec.uplift', message: 'Invalid value: "number": uplift must be a factor above 1 (a positive uplift)' });
  const rates = value['expectedRps'];
  if (rates !== undefined) {
    if (rates === null || typeof rates !== 'object' || Object.keys(rates).length === 0) problems.push({ field: 'spec.expectedRps', message: 'Invalid value: should have at least 1 properties' });
    else {
      for (const [workload, rate] of Object.entries(rates)) {
        if (!(typeof rate === 'number' && rate > 0)) problems.push({ field: `spec.expectedRps.${workload}`, message: 'Invalid value: "number": an expected rate must be positive' });
      }
    }
  }
  if ((uplift !== undefined) === (rates !== undefined)) {
    problems.push({ field: 'spec', message: 'Invalid value: "object": give exactly one of uplift (a factor above 1) or expectedRps (workload: requests/s)' });
  }
  if (durationOk && !(goDurationMs(duration) > 0)) problems.push({ field: 'spec', message: 'Invalid value: "object": duration must be positive: the event must start before it ends' });
  if (durationOk && rampOk && goDurationMs(ramp) > goDurationMs(duration)) problems.push({ field: 'spec', message: 'Invalid value: "object": ramp must be no longer than the duration' });
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
