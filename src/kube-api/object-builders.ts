/**
 * Builders of the Kubernetes objects kube-api is usually seeded with (tests, benches, demos):
 * short to call, complete enough for kubectl describe and the emulation.
 * Everything they build is synthetic.
 */
import type { KubeObject } from './store.ts';

export const MANAGED_LABELS = { 'chuanliu.io/managed': 'true' } as const;

export interface PodShape {
  /** Kubernetes quantity, e.g. `500m`. @defaultValue '100m' */
  readonly cpu?: string;
  /** @defaultValue '128Mi' */
  readonly memory?: string;
  /** Pool the pods must run in (nodeSelector on chuanliu.io/pool). */
  readonly pool?: string;
  /** Startup override for the emulation, ms. */
  readonly startupMs?: number;
  readonly terminationGracePeriodSeconds?: number;
  /** Pod priority; the emulated scheduler places higher priorities first. */
  readonly priority?: number;
}

function podTemplate(app: string, shape: PodShape): Record<string, unknown> {
  return {
    metadata: { labels: { app }, ...(shape.startupMs !== undefined ? { annotations: { 'kube-api.chuanliu.io/startup-ms': String(shape.startupMs) } } : {}) },
    spec: {
      containers: [{ name: 'app', image: `registry.example/${app}:1`, resources: { requests: { cpu: shape.cpu ?? '100m', memory: shape.memory ?? '128Mi' } } }],
      ...(shape.pool ? { nodeSelector: { 'chuanliu.io/pool': shape.pool } } : {}),
      ...(shape.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: shape.terminationGracePeriodSeconds } : {}),
      ...(shape.priority !== undefined ? { priority: shape.priority } : {}),
    },
  };
}

export interface WorkloadObjectOptions extends PodShape {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function deploymentObject(options: WorkloadObjectOptions): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.name, namespace: options.namespace, labels: { app: options.name, ...(options.labels ?? {}) }, ...(options.annotations ? { annotations: { ...options.annotations } } : {}) },
    spec: { replicas: options.replicas, selector: { matchLabels: { app: options.name } }, template: podTemplate(options.name, options) },
  };
}

export function statefulSetObject(options: WorkloadObjectOptions): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: options.name, namespace: options.namespace, labels: { app: options.name, ...(options.labels ?? {}) } },
    spec: { replicas: options.replicas, serviceName: options.name, selector: { matchLabels: { app: options.name } }, template: podTemplate(options.name, options) },
  };
}

export function jobObject(options: Omit<WorkloadObjectOptions, 'replicas'> & { readonly parallelism: number; readonly suspend?: boolean }): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: options.name, namespace: options.namespace, labels: { app: options.name, ...(options.labels ?? {}) } },
    spec: { parallelism: options.parallelism, ...(options.suspend !== undefined ? { suspend: options.suspend } : {}), selector: { matchLabels: { app: options.name } }, template: podTemplate(options.name, options) },
  };
}

export function cronJobObject(options: { readonly namespace: string; readonly name: string; readonly schedule: string; readonly suspend?: boolean; readonly labels?: Readonly<Record<string, string>> }): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: options.name, namespace: options.namespace, labels: { app: options.name, ...(options.labels ?? {}) } },
    spec: { schedule: options.schedule, suspend: options.suspend ?? false, jobTemplate: { spec: { template: podTemplate(options.name, {}) } } },
  };
}

export function hpaObject(options: { readonly namespace: string; readonly name: string; readonly target: string; readonly targetKind?: 'Deployment' | 'StatefulSet'; readonly minReplicas: number; readonly maxReplicas: number; readonly cpuUtilizationPercent?: number }): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: options.name, namespace: options.namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: options.targetKind ?? 'Deployment', name: options.target },
      minReplicas: options.minReplicas,
      maxReplicas: options.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: options.cpuUtilizationPercent ?? 60 } } }],
    },
  };
}

export function nodeObject(options: { readonly name: string; readonly pool: string; readonly cpu: string; readonly memory: string; readonly ready?: boolean }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: options.name, labels: { 'chuanliu.io/pool': options.pool, 'kubernetes.io/hostname': options.name } },
    spec: {},
    status: {
      capacity: { cpu: options.cpu, memory: options.memory, pods: '110' },
      allocatable: { cpu: options.cpu, memory: options.memory, pods: '110' },
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True', reason: options.ready === false ? 'KubeletNotReady' : 'KubeletReady' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'containerd://1.7.0', osImage: 'synthetic', kernelVersion: '6.1.0', architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}
