/**
 * Pod helpers of the emulation: building a pod from a template, readiness, resource requests.
 */
import { parseCpuMillicores, parseMemoryBytes } from '../../domain/units.ts';
import { kubeTimestamp, type KubeObject, type OwnerReference } from '../store.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Per-pod startup override, as a pod template annotation: milliseconds from bound to Ready. */
export const STARTUP_ANNOTATION = 'kube-api.chuanliu.io/startup-ms';

export interface PodRequests {
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

export function spec(object: KubeObject): Any {
  return (object['spec'] as Any | undefined) ?? {};
}

export function status(object: KubeObject): Any {
  return (object['status'] as Any | undefined) ?? {};
}

export function isPodReady(pod: KubeObject): boolean {
  return ((status(pod)['conditions'] as Any[] | undefined) ?? []).some((condition) => condition['type'] === 'Ready' && condition['status'] === 'True');
}

export function isTerminating(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

function quantity<T>(parse: (text: string) => T, text: unknown, fallback: T): T {
  if (text === undefined || text === null) return fallback;
  try {
    return parse(String(text));
  } catch {
    return fallback;
  }
}

/** Sum of the containers' requests (what the scheduler reserves on a node). */
export function podRequests(pod: KubeObject): PodRequests {
  let cpuMillicores = 0;
  let memoryBytes = 0;
  for (const container of (spec(pod)['containers'] as Any[] | undefined) ?? []) {
    const requests = (container['resources']?.['requests'] as Any | undefined) ?? {};
    cpuMillicores += quantity((text) => parseCpuMillicores(text), requests['cpu'], 0);
    memoryBytes += quantity((text) => parseMemoryBytes(text), requests['memory'], 0);
  }
  return { cpuMillicores, memoryBytes };
}

export function nodeAllocatable(node: KubeObject): PodRequests {
  const allocatable = (status(node)['allocatable'] as Any | undefined) ?? (status(node)['capacity'] as Any | undefined) ?? {};
  return {
    cpuMillicores: quantity((text) => parseCpuMillicores(text), allocatable['cpu'], 0),
    memoryBytes: quantity((text) => parseMemoryBytes(text), allocatable['memory'], 0),
  };
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function newPod(options: { owner: KubeObject; name: string; template: Any; extraLabels?: Record<string, string>; nowMs: number }): KubeObject {
  const templateMeta = (options.template['metadata'] as Any | undefined) ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace: options.owner.metadata.namespace,
      labels: { ...(templateMeta['labels'] ?? {}), ...(options.extraLabels ?? {}) },
      ...(templateMeta['annotations'] ? { annotations: { ...templateMeta['annotations'] } } : {}),
      ownerReferences: [ownerReference(options.owner)],
    },
    spec: { ...((options.template['spec'] as Any | undefined) ?? {}) },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: kubeTimestamp(options.nowMs) }],
      qosClass: 'Burstable',
    },
  };
}

/** A short, stable hash of a template (the pod-template-hash label of ReplicaSets). */
export function templateHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let value = hash >>> 0;
  let out = '';
  for (let index = 0; index < 10; index += 1) {
    out += alphabet[value % alphabet.length];
    value = Math.floor(value / alphabet.length) + index * 7919;
  }
  return out;
}

/** A random-looking but deterministic 5-character pod suffix. */
export function podSuffix(counter: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let value = Math.imul(counter + 1, 2654435761) >>> 0;
  let out = '';
  for (let index = 0; index < 5; index += 1) {
    out += alphabet[value % alphabet.length];
    value = Math.floor(value / alphabet.length);
  }
  return out;
}
