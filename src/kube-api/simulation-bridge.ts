/**
 * kube-api serving the simulator's cluster (src/adapters/memory/simulated-cluster.ts): the
 * simulation owns the truth (pods starting with sampled startup times, the HPA reacting to
 * replayed load through its metrics pipeline, the cluster autoscaler, serving), and the store
 * mirrors it as Kubernetes objects that kubectl and client-node read.
 *
 * - On start, every workload, HPA, node pool and namespace becomes an object; each Deployment
 *   gets one ReplicaSet owning its pods, so `kubectl describe` reads as usual.
 * - Writes through the API (spec.replicas, scale subresource, Job parallelism, CronJob suspend,
 *   HPA min/maxReplicas) go into the simulation at once.
 * - Every `syncIntervalMs` on the Clock, the simulation steps up to the clock's time with the
 *   offered demand, and the store follows: spec.replicas the simulated HPA chose, status, Nodes
 *   per pool (provisioning nodes NotReady), and pods (Pending, scheduled-but-starting, Ready,
 *   Terminating) matching the simulation's counts.
 * Pods are stand-ins for counts: which pod became Ready is not modelled (the oldest are Ready
 * first), and their nodes are assigned round-robin within the workload's pool.
 */
import type { Clock } from '../ports/clock.ts';
import type { OfflineWorkload, OnlineWorkload, Workload } from '../domain/workload.ts';
import type { SimulatedCluster } from '../adapters/memory/simulated-cluster.ts';
import type { ClusterBridge } from './bridge.ts';
import { inventoryObjects } from './inventory-objects.ts';
import { templateHash } from './emulation/pods.ts';
import { Types, type ResourceType } from './resources.ts';
import { ApiError } from './status.ts';
import { canonicalJson, kubeTimestamp, sameJson, type KubeObject, type ObjectStore, type StoreEvent } from './store.ts';

export interface SimulationBridgeOptions {
  readonly simulation: SimulatedCluster;
  readonly clock: Clock;
  /** Fills `into[index]` with the offered requests/s of each workload at `atMs`; zero demand when absent. */
  readonly demandAt?: (atMs: number, into: Float64Array) => void;
  /** How often the store is brought up to the simulation. @defaultValue the simulation's tick */
  readonly syncIntervalMs?: number;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

type PodState = 'pending' | 'starting' | 'ready';

interface PodBook {
  /** Live pods, oldest first. */
  live: { name: string; state: PodState | undefined }[];
  /** Terminating pods, oldest first. */
  terminating: string[];
  counter: number;
}

function typeOf(workload: Workload): ResourceType {
  switch (workload.ref.apiKind) {
    case 'Deployment':
      return Types.deployment;
    case 'StatefulSet':
      return Types.statefulSet;
    case 'Job':
      return Types.job;
    case 'CronJob':
      return Types.cronJob;
  }
}

export class SimulationBridge implements ClusterBridge {
  private readonly simulation: SimulatedCluster;
  private readonly clock: Clock;
  private readonly demandAt: ((atMs: number, into: Float64Array) => void) | undefined;
  private readonly syncIntervalMs: number;
  private readonly demand: Float64Array;
  private readonly books: PodBook[];
  private readonly replicaSetNames: (string | undefined)[];
  /** `Kind/namespace/name` of each workload's object → its index in the simulation. */
  private readonly indexByObject = new Map<string, number>();
  private store: ObjectStore | undefined;
  private unsubscribe: (() => void) | undefined;
  private syncing = false;
  private running = false;

  constructor(options: SimulationBridgeOptions) {
    this.simulation = options.simulation;
    this.clock = options.clock;
    this.demandAt = options.demandAt;
    this.syncIntervalMs = options.syncIntervalMs ?? options.simulation.tickMs;
    this.demand = new Float64Array(options.simulation.workloadCount);
    this.books = options.simulation.workloads.map(() => ({ live: [], terminating: [], counter: 0 }));
    this.replicaSetNames = options.simulation.workloads.map(() => undefined);
    options.simulation.workloads.forEach((workload, index) => this.indexByObject.set(`${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`, index));
  }

  start(store: ObjectStore): void {
    if (this.store) throw new Error('SimulationBridge already started');
    this.store = store;
    this.seed();
    this.sync();
    this.unsubscribe = store.subscribe((event) => this.onStoreEvent(event));
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Syncs run synchronously when the clock wakes the loop; nothing is ever left queued. */
  idle(): Promise<void> {
    return Promise.resolve();
  }

  /** Steps the simulation to the clock's time and mirrors it now (tests call it after advancing). */
  syncNow(): void {
    this.advance();
    this.sync();
  }

  private get s(): ObjectStore {
    if (!this.store) throw new Error('SimulationBridge not started');
    return this.store;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.clock.sleep(this.syncIntervalMs);
      if (!this.running) return;
      this.syncNow();
    }
  }

  private advance(): void {
    const simulation = this.simulation;
    const targetMs = this.clock.nowMs();
    while (simulation.nowMs() < targetMs) {
      if (this.demandAt) this.demandAt(simulation.nowMs(), this.demand);
      simulation.step(this.demand);
    }
  }

  // ---- objects from the simulation ---------------------------------------------------------------

  private seed(): void {
    const simulation = this.simulation;
    const online = simulation.workloads.filter((workload): workload is OnlineWorkload => workload.class === 'online');
    const offline = simulation.workloads.filter((workload): workload is OfflineWorkload => workload.class === 'offline');
    // Workload objects come from the same translation `--config` uses; HPAs, nodes and pods from the simulation.
    const objects = inventoryObjects({ nodePools: [], online, offline }).filter((object) => object.kind !== 'HorizontalPodAutoscaler');
    for (const namespace of new Set(simulation.workloads.map((workload) => workload.ref.namespace))) this.ensure(Types.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace }, status: { phase: 'Active' } });
    simulation.workloads.forEach((workload, index) => {
      const type = typeOf(workload);
      const template = objects.find((object) => object.kind === type.kind && object.metadata.name === workload.ref.name && object.metadata.namespace === workload.ref.namespace);
      if (!template) return;
      const desired = simulation.desired[index] ?? 0;
      const spec = { ...(template['spec'] as Any) };
      if (type === Types.deployment || type === Types.statefulSet) spec['replicas'] = desired;
      if (type === Types.job) spec['parallelism'] = desired;
      if (type === Types.cronJob) spec['suspend'] = desired === 0;
      const created = this.ensure(type, { ...template, spec });
      if (type === Types.deployment) {
        const hash = templateHash(canonicalJson(spec['template']));
        const name = `${workload.ref.name}-${hash}`;
        this.replicaSetNames[index] = name;
        this.ensure(Types.replicaSet, {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name,
            namespace: workload.ref.namespace,
            labels: { app: workload.ref.name, 'pod-template-hash': hash },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: workload.ref.name, uid: created.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
          },
          spec: { replicas: desired, selector: { matchLabels: { app: workload.ref.name, 'pod-template-hash': hash } }, template: spec['template'] },
        });
      }
    });
    for (const name of simulation.hpaNames()) {
      const hpa = simulation.hpaStatusByName(name);
      const index = hpa ? simulation.workloadIndex(hpa.workload) : undefined;
      const workload = index === undefined ? undefined : simulation.workloads[index];
      if (!hpa || !workload) continue;
      this.ensure(Types.hpa, {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, namespace: workload.ref.namespace },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: workload.ref.apiKind, name: workload.ref.name },
          minReplicas: Math.max(1, hpa.minReplicas),
          maxReplicas: hpa.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      });
    }
  }

  private ensure(type: ResourceType, object: KubeObject): KubeObject {
    this.syncing = true;
    try {
      return this.s.get(type, object.metadata.namespace, object.metadata.name ?? '') ?? this.s.create(type, object);
    } finally {
      this.syncing = false;
    }
  }

  // ---- API writes into the simulation ------------------------------------------------------------

  private onStoreEvent(event: StoreEvent): void {
    if (this.syncing || event.type !== 'MODIFIED') return;
    const simulation = this.simulation;
    const spec = (event.object['spec'] as Any | undefined) ?? {};
    if (event.resource === Types.hpa) {
      const name = event.object.metadata.name ?? '';
      const hpa = simulation.hpaStatusByName(name);
      if (!hpa) return;
      if (typeof spec['minReplicas'] === 'number') simulation.setHpaMinReplicas(name, spec['minReplicas']);
      if (typeof spec['maxReplicas'] === 'number') simulation.setHpaMaxReplicas(name, spec['maxReplicas']);
      return;
    }
    const index = this.indexByObject.get(`${event.object.kind}/${event.object.metadata.namespace}/${event.object.metadata.name}`);
    const workload = index === undefined ? undefined : simulation.workloads[index];
    if (index === undefined || !workload) return;
    let desired: number | undefined;
    if (event.resource === Types.deployment || event.resource === Types.statefulSet) desired = Number(spec['replicas']);
    if (event.resource === Types.job) desired = spec['suspend'] === true ? 0 : Number(spec['parallelism']);
    if (event.resource === Types.cronJob) desired = spec['suspend'] === true ? 0 : Math.max(1, workload.maxReplicas);
    if (desired !== undefined && Number.isFinite(desired) && desired !== simulation.desired[index]) {
      simulation.setDesiredReplicas(index, desired);
      const annotations = Object.fromEntries(Object.entries(event.object.metadata.annotations ?? {}).filter(([key]) => key.startsWith('chuanliu.io/')));
      simulation.annotate(index, annotations);
    }
  }

  // ---- simulation into the store ---------------------------------------------------------------

  private sync(): void {
    this.syncing = true;
    try {
      this.syncNodes();
      this.simulation.workloads.forEach((workload, index) => this.syncWorkload(workload, index));
      this.syncHpas();
    } finally {
      this.syncing = false;
    }
  }

  private put(type: ResourceType, object: KubeObject): KubeObject {
    return this.s.update(type, object, { unconditional: true });
  }

  private setStatus(type: ResourceType, object: KubeObject, status: Any): void {
    const merged = { ...((object['status'] as Any | undefined) ?? {}), ...status };
    if (!sameJson(merged, object['status'])) this.put(type, { ...object, status: merged });
  }

  private syncNodes(): void {
    const now = kubeTimestamp(this.clock.nowMs());
    for (const pool of this.simulation.poolStatuses()) {
      const runtime = pool;
      const total = runtime.readyNodes + runtime.provisioningNodes;
      const perNodeCpu = runtime.readyNodes > 0 ? runtime.allocatableCpuMillicores / runtime.readyNodes : 0;
      const perNodeMemory = runtime.readyNodes > 0 ? runtime.allocatableMemoryBytes / runtime.readyNodes : 0;
      const existing = this.s.list(Types.node).filter((node) => node.metadata.labels?.['chuanliu.io/pool'] === pool.pool);
      for (let ordinal = 1; ordinal <= total; ordinal += 1) {
        const name = `${pool.pool}-${String(ordinal).padStart(3, '0')}`;
        const ready = ordinal <= runtime.readyNodes;
        const node = this.s.get(Types.node, undefined, name);
        const status = {
          allocatable: perNodeCpu > 0 ? { cpu: `${Math.round(perNodeCpu)}m`, memory: `${Math.round(perNodeMemory / 1024 ** 2)}Mi`, pods: '110' } : (node?.['status'] as Any | undefined)?.['allocatable'] ?? {},
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady', lastTransitionTime: now }],
          nodeInfo: { kubeletVersion: 'v1.32.0' },
        };
        if (!node) {
          this.s.create(Types.node, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'chuanliu.io/pool': pool.pool, 'kubernetes.io/hostname': name } }, spec: {}, status });
        } else if ((((node['status'] as Any)['conditions'] as Any[] | undefined)?.[0]?.['status'] === 'True') !== ready) {
          this.put(Types.node, { ...node, status });
        }
      }
      for (const node of existing) {
        const ordinal = Number(/-(\d+)$/.exec(node.metadata.name ?? '')?.[1] ?? 0);
        if (ordinal > total) this.s.delete(Types.node, undefined, node.metadata.name ?? '');
      }
    }
  }

  private syncWorkload(workload: Workload, index: number): void {
    const simulation = this.simulation;
    const type = typeOf(workload);
    const object = this.s.get(type, workload.ref.namespace, workload.ref.name);
    if (!object) return;
    const counts = simulation.counts(index);
    const spec = (object['spec'] as Any | undefined) ?? {};
    // The simulated HPA (or a finished Job) changes the desired count; the object follows.
    if ((type === Types.deployment || type === Types.statefulSet) && spec['replicas'] !== counts.desired) {
      this.put(type, { ...object, spec: { ...spec, replicas: counts.desired } });
    } else if (type === Types.job && spec['suspend'] !== true && spec['parallelism'] !== counts.desired) {
      this.put(type, { ...object, spec: { ...spec, parallelism: counts.desired } });
    }
    const current = this.s.get(type, workload.ref.namespace, workload.ref.name) ?? object;
    const live = counts.pending + counts.starting + counts.ready;
    if (type !== Types.cronJob) this.syncPods(workload, index, current, counts);
    switch (type) {
      case Types.deployment: {
        this.setStatus(type, current, { observedGeneration: current.metadata.generation, replicas: live, updatedReplicas: live, readyReplicas: counts.ready, availableReplicas: counts.ready, unavailableReplicas: Math.max(0, counts.desired - counts.ready) });
        const replicaSetName = this.replicaSetNames[index];
        const replicaSet = replicaSetName ? this.s.get(Types.replicaSet, workload.ref.namespace, replicaSetName) : undefined;
        if (replicaSet) {
          const rsSpec = (replicaSet['spec'] as Any) ?? {};
          const synced = rsSpec['replicas'] === counts.desired ? replicaSet : this.put(Types.replicaSet, { ...replicaSet, spec: { ...rsSpec, replicas: counts.desired } });
          this.setStatus(Types.replicaSet, synced, { replicas: live, readyReplicas: counts.ready, availableReplicas: counts.ready, fullyLabeledReplicas: live, observedGeneration: synced.metadata.generation });
        }
        break;
      }
      case Types.statefulSet:
        this.setStatus(type, current, { observedGeneration: current.metadata.generation, replicas: live, currentReplicas: live, updatedReplicas: live, readyReplicas: counts.ready, availableReplicas: counts.ready });
        break;
      case Types.job:
        this.setStatus(type, current, { active: live, ready: counts.ready });
        break;
      default:
        break;
    }
  }

  private syncPods(workload: Workload, index: number, owner: KubeObject, counts: { pending: number; starting: number; ready: number; terminating: number }): void {
    const book = this.books[index] as PodBook;
    const namespace = workload.ref.namespace;
    const live = counts.pending + counts.starting + counts.ready;
    const now = kubeTimestamp(this.clock.nowMs());
    // Removed pods: the newest go first (pending before starting before ready, as the simulation removes them).
    while (book.live.length > live) {
      const removed = book.live.pop() as { name: string };
      const pod = this.s.get(Types.pod, namespace, removed.name);
      if (pod && counts.terminating > book.terminating.length) {
        this.put(Types.pod, { ...pod, metadata: { ...pod.metadata, deletionTimestamp: now }, status: { ...((pod['status'] as Any) ?? {}), conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }] } });
        book.terminating.push(removed.name);
      } else if (pod) {
        this.s.delete(Types.pod, namespace, removed.name);
      }
    }
    while (book.terminating.length > counts.terminating) {
      const gone = book.terminating.shift() as string;
      if (this.s.get(Types.pod, namespace, gone)) this.s.delete(Types.pod, namespace, gone);
    }
    const ownerName = this.replicaSetNames[index] ?? workload.ref.name;
    const ownerObject = this.replicaSetNames[index] ? this.s.get(Types.replicaSet, namespace, ownerName) : owner;
    while (book.live.length < live) {
      book.counter += 1;
      const name = workload.ref.apiKind === 'StatefulSet' ? this.freeOrdinalName(namespace, workload.ref.name) : `${ownerName}-${book.counter.toString(36).padStart(5, '0')}`;
      const template = ((owner['spec'] as Any)?.['template'] as Any | undefined) ?? (owner['spec'] as Any)?.['jobTemplate']?.['spec']?.['template'] ?? {};
      this.createPod(namespace, name, template, ownerObject ?? owner);
      book.live.push({ name, state: undefined });
    }
    const pool = workload.nodePool;
    const nodes = this.s.list(Types.node).filter((node) => pool === undefined || node.metadata.labels?.['chuanliu.io/pool'] === pool);
    book.live.forEach((entry, position) => {
      const state: PodState = position < counts.ready ? 'ready' : position < counts.ready + counts.starting ? 'starting' : 'pending';
      if (entry.state === state) return;
      entry.state = state;
      const pod = this.s.get(Types.pod, namespace, entry.name);
      if (!pod) return;
      const nodeName = state === 'pending' || nodes.length === 0 ? undefined : nodes[position % nodes.length]?.metadata.name;
      const conditions =
        state === 'pending'
          ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'waiting for capacity in the simulated cluster', lastTransitionTime: now }]
          : [
              { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
              { type: 'Ready', status: state === 'ready' ? 'True' : 'False', lastTransitionTime: now },
            ];
      this.put(Types.pod, {
        ...pod,
        spec: { ...((pod['spec'] as Any) ?? {}), ...(nodeName ? { nodeName } : {}) },
        status: { phase: state === 'ready' ? 'Running' : 'Pending', conditions, ...(state === 'ready' ? { startTime: now } : {}) },
      });
    });
  }

  private freeOrdinalName(namespace: string, name: string): string {
    for (let ordinal = 0; ; ordinal += 1) {
      const candidate = `${name}-${ordinal}`;
      if (!this.s.get(Types.pod, namespace, candidate)) return candidate;
    }
  }

  private createPod(namespace: string, name: string, template: Any, owner: KubeObject): void {
    try {
      this.s.create(Types.pod, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace,
          labels: { ...((template['metadata'] as Any | undefined)?.['labels'] ?? {}) },
          ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
        },
        spec: { ...((template['spec'] as Any | undefined) ?? {}) },
        status: { phase: 'Pending' },
      });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 409)) throw error;
    }
  }

  private syncHpas(): void {
    for (const name of this.simulation.hpaNames()) {
      const status = this.simulation.hpaStatusByName(name);
      const index = status ? this.simulation.workloadIndex(status.workload) : undefined;
      const workload = index === undefined ? undefined : this.simulation.workloads[index];
      if (!status || !workload) continue;
      const hpa = this.s.get(Types.hpa, workload.ref.namespace, name);
      if (!hpa) continue;
      const spec = (hpa['spec'] as Any) ?? {};
      const synced = spec['minReplicas'] === Math.max(1, status.minReplicas) && spec['maxReplicas'] === status.maxReplicas ? hpa : this.put(Types.hpa, { ...hpa, spec: { ...spec, minReplicas: Math.max(1, status.minReplicas), maxReplicas: status.maxReplicas } });
      this.setStatus(Types.hpa, synced, {
        currentReplicas: status.currentReplicas,
        desiredReplicas: status.desiredReplicas,
        ...(status.lastScaleMs !== undefined ? { lastScaleTime: kubeTimestamp(status.lastScaleMs) } : {}),
        ...(status.lastMetricValue !== undefined ? { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: Math.round(status.lastMetricValue) } } }] } : {}),
        conditions: [
          // No timestamps: they would change the object at every sync and make writers conflict.
          { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
          status.lastError === undefined
            ? { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count' }
            : { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: status.lastError },
        ],
      });
    }
  }
}
