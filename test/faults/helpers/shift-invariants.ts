/**
 * The invariants of a grand shift, checked from kube-api's side: the object store's every change
 * (what the cluster actually went through, not what the controller believes) and the request log
 * (what was written, and how often).
 *
 * - online never below its floor: an online workload's replicas never drop below its minimum, and
 *   never drop at all while the shift raises online capacity;
 * - no slot over capacity: the replicas all managed workloads ask for never need more CPU than the
 *   pool has, and the pods bound to a node (terminating ones included) never exceed it;
 * - no write applied twice: per object, each value is written (answered 2xx) at most once;
 * - the final state is the planned one (checked by `levelsNow` against the plan).
 */
import type { Inventory, Workload } from '../../../src/domain/workload.ts';
import { nodeAllocatable, podRequests } from '../../../src/kube-api/emulation/pods.ts';
import type { RequestLogEntry } from '../../../src/kube-api/request-log.ts';
import { Types } from '../../../src/kube-api/resources.ts';
import type { KubeObject, ObjectStore, StoreEvent } from '../../../src/kube-api/store.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const specOf = (object: KubeObject): Any => (object['spec'] as Any | undefined) ?? {};
const statusOf = (object: KubeObject): Any => (object['status'] as Any | undefined) ?? {};

/** Key of a workload object in the store, `Kind/namespace/name`. */
function objectKey(kind: string, namespace: string | undefined, name: string | undefined): string {
  return `${kind}/${namespace ?? ''}/${name ?? ''}`;
}

/** The replicas a workload object asks for: spec.replicas, or Job parallelism (0 when suspended). */
function desiredOf(object: KubeObject): number {
  if (object.kind === 'Job') return specOf(object)['suspend'] === true ? 0 : Number(specOf(object)['parallelism'] ?? 1);
  return Number(specOf(object)['replicas'] ?? 1);
}

export class ShiftInvariants {
  readonly violations: string[] = [];
  /** Store changes seen (for the report). */
  changes = 0;
  private readonly workloadByKey = new Map<string, Workload>();
  private readonly desired = new Map<string, number>();
  private readonly podUsage = new Map<string, { node: string; cpuMillicores: number }>();
  private readonly nodeUsedCpu = new Map<string, number>();
  private readonly nodeAllocatableCpu = new Map<string, number>();
  private desiredCpuMillicores = 0;
  private peakDesiredCpuMillicores = 0;
  private readonly unsubscribe: () => void;
  private readonly capacityCpuMillicores: number;

  constructor(options: { store: ObjectStore; inventory: Inventory; capacityCpuMillicores: number }) {
    this.capacityCpuMillicores = options.capacityCpuMillicores;
    for (const workload of [...options.inventory.online, ...options.inventory.offline]) {
      this.workloadByKey.set(objectKey(workload.ref.apiKind, workload.ref.namespace, workload.ref.name), workload);
    }
    for (const node of options.store.list(Types.node)) this.nodeAllocatableCpu.set(node.metadata.name ?? '', nodeAllocatable(node).cpuMillicores);
    for (const type of [Types.deployment, Types.statefulSet, Types.job]) {
      for (const object of options.store.list(type)) this.onWorkload(object);
    }
    for (const pod of options.store.list(Types.pod)) this.onPod(pod, false);
    this.unsubscribe = options.store.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Highest CPU the managed workloads asked for at any moment, millicores. */
  get peakDesiredCpu(): number {
    return this.peakDesiredCpuMillicores;
  }

  private onEvent(event: StoreEvent): void {
    this.changes += 1;
    if (event.resource === Types.pod) this.onPod(event.object, event.type === 'DELETED');
    else if (event.resource === Types.deployment || event.resource === Types.statefulSet || event.resource === Types.job) {
      if (event.type !== 'DELETED') this.onWorkload(event.object);
    }
  }

  private onWorkload(object: KubeObject): void {
    const key = objectKey(object.kind, object.metadata.namespace, object.metadata.name);
    const workload = this.workloadByKey.get(key);
    if (workload === undefined) return;
    const next = desiredOf(object);
    const before = this.desired.get(key);
    if (before === next) return;
    this.desired.set(key, next);
    if (workload.class === 'online') {
      if (next < workload.minReplicas) this.violations.push(`online ${workload.name} at ${next} replicas, below its minimum ${workload.minReplicas}`);
      if (before !== undefined && next < before) this.violations.push(`online ${workload.name} went down ${before}→${next} during the shift`);
    }
    this.desiredCpuMillicores += (next - (before ?? 0)) * workload.perReplica.cpuMillicores;
    this.peakDesiredCpuMillicores = Math.max(this.peakDesiredCpuMillicores, this.desiredCpuMillicores);
    if (this.desiredCpuMillicores > this.capacityCpuMillicores) {
      this.violations.push(`managed workloads ask for ${this.desiredCpuMillicores}m CPU, over the pool's ${this.capacityCpuMillicores}m (after ${workload.name} → ${next})`);
    }
  }

  private onPod(pod: KubeObject, deleted: boolean): void {
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    const previous = this.podUsage.get(key);
    const node = specOf(pod)['nodeName'] as string | undefined;
    if (previous !== undefined && (deleted || previous.node !== node)) {
      this.nodeUsedCpu.set(previous.node, (this.nodeUsedCpu.get(previous.node) ?? 0) - previous.cpuMillicores);
      this.podUsage.delete(key);
    }
    if (deleted || node === undefined || this.podUsage.has(key)) return;
    const cpuMillicores = podRequests(pod).cpuMillicores;
    this.podUsage.set(key, { node, cpuMillicores });
    const used = (this.nodeUsedCpu.get(node) ?? 0) + cpuMillicores;
    this.nodeUsedCpu.set(node, used);
    const allocatable = this.nodeAllocatableCpu.get(node);
    if (allocatable !== undefined && used > allocatable) {
      this.violations.push(`node ${node} holds ${used}m CPU of pods (terminating included), over its ${allocatable}m`);
    }
  }
}

/** The level chuanliu controls on each workload now: HPA floor, Job parallelism or replicas. */
export function levelsNow(store: ObjectStore, inventory: Inventory): Map<string, number> {
  const levels = new Map<string, number>();
  for (const workload of [...inventory.online, ...inventory.offline]) {
    const { ref } = workload;
    if (workload.class === 'online' && workload.hpaName !== undefined) {
      const hpa = store.get(Types.hpa, ref.namespace, workload.hpaName);
      levels.set(workload.name, Number(specOf(hpa ?? ({} as KubeObject))['minReplicas'] ?? Number.NaN));
      continue;
    }
    const type = ref.apiKind === 'Job' ? Types.job : ref.apiKind === 'StatefulSet' ? Types.statefulSet : Types.deployment;
    const object = store.get(type, ref.namespace, ref.name);
    levels.set(workload.name, object === undefined ? Number.NaN : desiredOf(object));
  }
  return levels;
}

/** Online workloads whose Ready replicas are not yet their desired replicas, and pods still terminating. */
export function notSettled(store: ObjectStore, inventory: Inventory): string[] {
  const waiting: string[] = [];
  for (const workload of inventory.online) {
    const type = workload.ref.apiKind === 'StatefulSet' ? Types.statefulSet : Types.deployment;
    const object = store.get(type, workload.ref.namespace, workload.ref.name);
    if (object === undefined) continue;
    const ready = Number(statusOf(object)['readyReplicas'] ?? 0);
    if (ready !== desiredOf(object)) waiting.push(`${workload.name} ready ${ready}/${desiredOf(object)}`);
  }
  const terminating = store.list(Types.pod).filter((pod) => pod.metadata.deletionTimestamp !== undefined).length;
  if (terminating > 0) waiting.push(`${terminating} pods terminating`);
  return waiting;
}

/** A write of a controlled value found in the request log. */
export interface ValueWrite {
  /** `deployments/scale`, `statefulsets/scale`, `jobs`, `horizontalpodautoscalers`. */
  readonly resource: string;
  readonly object: string;
  readonly value: number;
  readonly status: number;
  readonly seq: number;
}

/**
 * The value writes in the log: scale subresource PATCH/PUT (replicas), HPA spec.minReplicas, Job
 * spec.parallelism. Annotation-only patches carry no value and are left out.
 */
export function valueWrites(entries: readonly RequestLogEntry[]): ValueWrite[] {
  const writes: ValueWrite[] = [];
  for (const entry of entries) {
    if (entry.method === 'GET' || entry.body === undefined || entry.resource === undefined) continue;
    let body: Any;
    try {
      body = JSON.parse(entry.body) as Any;
    } catch {
      continue;
    }
    const spec = (body['spec'] as Any | undefined) ?? {};
    let value: unknown;
    if (entry.subresource === 'scale') value = spec['replicas'];
    else if (entry.resource === 'horizontalpodautoscalers') value = spec['minReplicas'];
    else if (entry.resource === 'jobs') value = spec['parallelism'];
    if (typeof value !== 'number') continue;
    writes.push({ resource: entry.subresource === undefined ? entry.resource : `${entry.resource}/${entry.subresource}`, object: `${entry.resource}/${entry.namespace ?? ''}/${entry.name ?? ''}`, value, status: entry.status, seq: entry.seq });
  }
  return writes;
}

/** Objects whose same value was written successfully more than once. */
export function doubleWrites(writes: readonly ValueWrite[]): string[] {
  const seen = new Map<string, number>();
  for (const write of writes) {
    if (write.status < 200 || write.status >= 300) continue;
    const key = `${write.object}=${write.value}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key, count]) => `${key} written ${count} times`);
}
