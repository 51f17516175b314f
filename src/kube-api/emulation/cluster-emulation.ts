/**
 * A self-sufficient cluster behind kube-api: just enough of kube-controller-manager, the
 * scheduler and the kubelet that writes through the API have the effects a real cluster shows.
 *
 * - Deployments own one ReplicaSet per pod template; ReplicaSets, StatefulSets and Jobs own pods
 *   (Job: `parallelism` active pods, 0 when suspended; completions are not modelled, work is open-ended).
 * - The scheduler binds pending pods, highest spec.priority first (no preemption), first-fit to
 *   Ready, schedulable nodes with room for their requests and a matching nodeSelector. With no
 *   Node objects at all, pods run without a node.
 * - The kubelet makes a bound pod Running and Ready after its startup delay on the injected Clock
 *   (option `podStartupMs`, or the pod annotation `kube-api.chuanliu.io/startup-ms`).
 * - Pods removed by a scale-down keep their node's resources for terminationGracePeriodSeconds
 *   (Kubernetes default 30 s), so releasing offline work takes time, as in a real cluster.
 * - The HPA controller holds each target within [minReplicas, maxReplicas]. It sees no metrics,
 *   so it never scales on load: it is the floor and ceiling chuanliu's writes meet.
 * - CronJobs are stored but never launch Jobs.
 * Status fields (replicas, readyReplicas, availableReplicas, observedGeneration, HPA
 * currentReplicas) are kept up to date, and Events are recorded for scaling actions.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../../ports/clock.ts';
import type { ClusterBridge } from '../bridge.ts';
import { matchesRequirements, requirementsOf, type LabelSelectorObject } from '../label-selector.ts';
import { RESOURCE_TYPES, Types, apiVersionOf, resourceKey, type ResourceType } from '../resources.ts';
import { ApiError } from '../status.ts';
import { canonicalJson, kubeTimestamp, sameJson, type KubeObject, type ObjectStore, type StoreEvent } from '../store.ts';
import { WorkQueue } from './work-queue.ts';
import {
  STARTUP_ANNOTATION,
  isPodReady,
  isTerminating,
  newPod,
  nodeAllocatable,
  podRequests,
  podSuffix,
  spec,
  status,
  templateHash,
} from './pods.ts';

export interface ClusterEmulationOptions {
  readonly clock: Clock;
  /**
   * Time from a pod being bound to a node until it is Ready, in ms.
   * @defaultValue 0
   */
  readonly podStartupMs?: number;
  /**
   * Honour terminationGracePeriodSeconds (default 30 s) when the emulation removes pods.
   * @defaultValue true
   */
  readonly terminationGrace?: boolean;
  /**
   * Record Events (ScalingReplicaSet, SuccessfulRescale…) for `kubectl describe`.
   * @defaultValue true
   */
  readonly recordEvents?: boolean;
}

const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

interface Ref {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string;
}

function refKey(ref: Ref): string {
  return `${resourceKey(ref.type)}/${ref.namespace ?? ''}/${ref.name}`;
}

function refOf(type: ResourceType, object: KubeObject): Ref {
  return { type, namespace: object.metadata.namespace, name: object.metadata.name ?? '' };
}

function typeOfOwnerKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => type.kind === kind && apiVersionOf(type) === apiVersion);
}

const scaleTargetTypes: Readonly<Record<string, ResourceType>> = {
  Deployment: Types.deployment,
  StatefulSet: Types.statefulSet,
  ReplicaSet: Types.replicaSet,
};

export class ClusterEmulation implements ClusterBridge {
  private readonly clock: Clock;
  private readonly podStartupMs: number;
  private readonly terminationGrace: boolean;
  private readonly recordEvents: boolean;
  private readonly queue = new WorkQueue();
  /** owner uid → dependents (pods, ReplicaSets). */
  private readonly dependents = new Map<string, Map<string, Ref>>();
  /** scale target key → HPA refs targeting it. */
  private readonly hpasByTarget = new Map<string, Map<string, Ref>>();
  /** pods whose kubelet start timer is running. */
  private readonly starting = new Set<string>();
  private store: ObjectStore | undefined;
  private unsubscribe: (() => void) | undefined;
  private podCounter = 0;
  private eventCounter = 0;
  private generationOfStop = 0;
  /**
   * Aborted on stop(): every pending sleep (pod startups, termination graces) resolves at once and
   * frees its timer, so a stopped emulation no longer keeps the process alive for up to a minute.
   */
  private sleeps = sharedSleepController();

  constructor(options: ClusterEmulationOptions) {
    this.clock = options.clock;
    this.podStartupMs = options.podStartupMs ?? 0;
    this.terminationGrace = options.terminationGrace ?? true;
    this.recordEvents = options.recordEvents ?? true;
  }

  start(store: ObjectStore): void {
    if (this.store) throw new Error('ClusterEmulation already started');
    this.store = store;
    for (const type of RESOURCE_TYPES) {
      for (const object of store.list(type)) this.onEvent({ type: 'ADDED', resource: type, object, resourceVersion: 0 });
    }
    this.unsubscribe = store.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.queue.stop();
    this.generationOfStop += 1;
    this.sleeps.abort();
    this.sleeps = sharedSleepController();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private get s(): ObjectStore {
    if (!this.store) throw new Error('ClusterEmulation not started');
    return this.store;
  }

  // ---- event routing ---------------------------------------------------------------------------

  private onEvent(event: StoreEvent): void {
    const { resource: type, object } = event;
    this.indexOwners(event);
    if (type === Types.hpa) this.indexHpa(event);
    switch (type) {
      case Types.deployment:
        this.enqueue(refOf(type, object), () => this.reconcileDeployment(refOf(type, object)));
        this.enqueueHpasOf(refOf(type, object));
        break;
      case Types.replicaSet:
      case Types.statefulSet:
      case Types.job:
        this.enqueue(refOf(type, object), () => this.reconcilePodOwner(refOf(type, object)));
        this.enqueueOwner(object);
        if (type !== Types.job) this.enqueueHpasOf(refOf(type, object));
        break;
      case Types.hpa:
        this.enqueue(refOf(type, object), () => this.reconcileHpa(refOf(type, object)));
        break;
      case Types.pod:
        this.enqueueOwner(object);
        if (event.type === 'DELETED' || !spec(object)['nodeName']) this.enqueueScheduler();
        if (event.type !== 'DELETED') this.maybeStartPod(object);
        break;
      case Types.node:
        this.enqueueScheduler();
        break;
      default:
        break;
    }
  }

  private enqueue(ref: Ref, work: () => void): void {
    this.queue.add(refKey(ref), work);
  }

  private enqueueOwner(object: KubeObject): void {
    for (const owner of object.metadata.ownerReferences ?? []) {
      const type = typeOfOwnerKind(owner.apiVersion, owner.kind);
      if (!type) continue;
      const ref: Ref = { type, namespace: object.metadata.namespace, name: owner.name };
      if (type === Types.deployment) this.enqueue(ref, () => this.reconcileDeployment(ref));
      else this.enqueue(ref, () => this.reconcilePodOwner(ref));
    }
  }

  private enqueueHpasOf(target: Ref): void {
    for (const hpa of this.hpasByTarget.get(refKey(target))?.values() ?? []) {
      this.enqueue(hpa, () => this.reconcileHpa(hpa));
    }
  }

  private enqueueScheduler(): void {
    this.queue.add('scheduler', () => this.schedule());
  }

  private indexOwners(event: StoreEvent): void {
    const ref = refOf(event.resource, event.object);
    const key = refKey(ref);
    for (const owner of event.previous?.metadata.ownerReferences ?? []) this.dependents.get(owner.uid)?.delete(key);
    if (event.type === 'DELETED') return;
    for (const owner of event.object.metadata.ownerReferences ?? []) {
      let children = this.dependents.get(owner.uid);
      if (!children) {
        children = new Map();
        this.dependents.set(owner.uid, children);
      }
      children.set(key, ref);
    }
  }

  private indexHpa(event: StoreEvent): void {
    const ref = refOf(Types.hpa, event.object);
    const key = refKey(ref);
    const targetOf = (hpa: KubeObject): Ref | undefined => {
      const target = spec(hpa)['scaleTargetRef'];
      const type = target ? scaleTargetTypes[target['kind']] : undefined;
      return type ? { type, namespace: hpa.metadata.namespace, name: String(target['name']) } : undefined;
    };
    if (event.previous) {
      const before = targetOf(event.previous);
      if (before) this.hpasByTarget.get(refKey(before))?.delete(key);
    }
    if (event.type === 'DELETED') return;
    const after = targetOf(event.object);
    if (!after) return;
    let hpas = this.hpasByTarget.get(refKey(after));
    if (!hpas) {
      hpas = new Map();
      this.hpasByTarget.set(refKey(after), hpas);
    }
    hpas.set(key, ref);
  }

  private children(owner: KubeObject, type: ResourceType): KubeObject[] {
    const result: KubeObject[] = [];
    for (const ref of this.dependents.get(owner.metadata.uid ?? '')?.values() ?? []) {
      if (ref.type !== type) continue;
      const child = this.s.get(type, ref.namespace, ref.name);
      if (child) result.push(child);
    }
    return result;
  }

  // ---- writes ----------------------------------------------------------------------------------

  /** Replaces an object the emulation owns the change of (controllers never conflict with each other). */
  private put(type: ResourceType, object: KubeObject): KubeObject {
    return this.s.update(type, object, { unconditional: true });
  }

  private setStatus(type: ResourceType, object: KubeObject, next: Record<string, unknown>): KubeObject {
    const merged = { ...status(object), ...next };
    if (sameJson(merged, status(object))) return object;
    return this.put(type, { ...object, status: merged });
  }

  private event(involved: KubeObject, reason: string, message: string, component: string): void {
    if (!this.recordEvents || !involved.metadata.namespace) return;
    this.eventCounter += 1;
    const now = kubeTimestamp(this.clock.nowMs());
    try {
      this.s.create(Types.event, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${involved.metadata.name}.${(0x17f0000000 + this.eventCounter).toString(16)}`, namespace: involved.metadata.namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.metadata.name,
          namespace: involved.metadata.namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        type: 'Normal',
        source: { component },
        reportingComponent: component,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }

  // ---- controllers -----------------------------------------------------------------------------

  private reconcileDeployment(ref: Ref): void {
    const deployment = this.s.get(Types.deployment, ref.namespace, ref.name);
    if (!deployment || isTerminating(deployment)) return;
    const template = spec(deployment)['template'] ?? {};
    const hash = templateHash(canonicalJson(template));
    const replicas = Number(spec(deployment)['replicas'] ?? 1);
    const owned = this.children(deployment, Types.replicaSet);
    let current = owned.find((replicaSet) => replicaSet.metadata.labels?.['pod-template-hash'] === hash);
    if (!current) {
      current = this.s.create(Types.replicaSet, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${ref.name}-${hash}`,
          namespace: ref.namespace,
          labels: { ...(template['metadata']?.['labels'] ?? {}), 'pod-template-hash': hash },
          annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: ref.name, uid: deployment.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          replicas,
          selector: { matchLabels: { ...(spec(deployment)['selector']?.['matchLabels'] ?? {}), 'pod-template-hash': hash } },
          template: { ...template, metadata: { ...(template['metadata'] ?? {}), labels: { ...(template['metadata']?.['labels'] ?? {}), 'pod-template-hash': hash } } },
        },
        status: { replicas: 0 },
      });
      this.event(deployment, 'ScalingReplicaSet', `Scaled up replica set ${current.metadata.name} from 0 to ${replicas}`, 'deployment-controller');
    } else if (Number(spec(current)['replicas']) !== replicas) {
      const before = Number(spec(current)['replicas']);
      current = this.put(Types.replicaSet, {
        ...current,
        metadata: { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(replicas) } },
        spec: { ...spec(current), replicas },
      });
      this.event(deployment, 'ScalingReplicaSet', `Scaled ${replicas > before ? 'up' : 'down'} replica set ${current.metadata.name} from ${before} to ${replicas}`, 'deployment-controller');
    }
    let total = 0;
    let ready = 0;
    for (const replicaSet of owned) {
      if (replicaSet.metadata.name !== current.metadata.name && Number(spec(replicaSet)['replicas']) !== 0) {
        this.put(Types.replicaSet, { ...replicaSet, spec: { ...spec(replicaSet), replicas: 0 } });
        this.event(deployment, 'ScalingReplicaSet', `Scaled down replica set ${replicaSet.metadata.name} from ${spec(replicaSet)['replicas']} to 0`, 'deployment-controller');
      }
      total += Number(status(replicaSet)['replicas'] ?? 0);
      ready += Number(status(replicaSet)['readyReplicas'] ?? 0);
    }
    const updated = Number(status(current)['replicas'] ?? 0);
    const available = ready;
    const now = kubeTimestamp(this.clock.nowMs());
    const isAvailable = available >= replicas;
    const previousConditions = (status(deployment)['conditions'] as Record<string, unknown>[] | undefined) ?? [];
    const condition = (type: string, value: boolean, reason: string, message: string): Record<string, unknown> => {
      const before = previousConditions.find((candidate) => candidate['type'] === type);
      const same = before && before['status'] === (value ? 'True' : 'False') && before['reason'] === reason;
      return same ? before : { type, status: value ? 'True' : 'False', reason, message, lastUpdateTime: now, lastTransitionTime: now };
    };
    this.setStatus(Types.deployment, deployment, {
      observedGeneration: deployment.metadata.generation,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, replicas - available),
      conditions: [
        condition('Available', isAvailable, isAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', isAvailable ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'),
        condition('Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${current.metadata.name}" has successfully progressed.`),
      ],
    });
  }

  /** ReplicaSets, StatefulSets and Jobs: keep the number of live pods at the desired count. */
  private reconcilePodOwner(ref: Ref): void {
    const owner = this.s.get(ref.type, ref.namespace, ref.name);
    if (!owner || isTerminating(owner)) return;
    const ownerSpec = spec(owner);
    const desired =
      ref.type === Types.job ? (ownerSpec['suspend'] === true ? 0 : Number(ownerSpec['parallelism'] ?? 1)) : Number(ownerSpec['replicas'] ?? 1);
    const pods = this.children(owner, Types.pod);
    const live = pods.filter((pod) => !isTerminating(pod));
    const template = ownerSpec['template'] ?? {};

    if (live.length < desired) {
      if (ref.type === Types.statefulSet) {
        const taken = new Set(live.map((pod) => pod.metadata.name));
        for (let ordinal = 0, created = 0; created < desired - live.length; ordinal += 1) {
          const name = `${ref.name}-${ordinal}`;
          if (taken.has(name) || this.s.get(Types.pod, ref.namespace, name)) continue;
          this.createPod(owner, name, template, { 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) });
          created += 1;
        }
      } else {
        const extraLabels: Record<string, string> = ref.type === Types.job ? { 'job-name': ref.name, 'batch.kubernetes.io/job-name': ref.name, 'controller-uid': owner.metadata.uid ?? '' } : {};
        for (let index = live.length; index < desired; index += 1) this.createPodWithFreshName(owner, template, extraLabels);
      }
    } else if (live.length > desired) {
      const victims = [...live].sort(removalOrder(ref.type)).slice(0, live.length - desired);
      for (const pod of victims) this.terminatePod(pod);
    }

    const after = this.children(owner, Types.pod).filter((pod) => !isTerminating(pod));
    const readyCount = after.filter(isPodReady).length;
    if (ref.type === Types.job) {
      this.setStatus(ref.type, owner, { active: after.length, ready: readyCount, ...(status(owner)['startTime'] ? {} : { startTime: kubeTimestamp(this.clock.nowMs()) }) });
    } else {
      this.setStatus(ref.type, owner, {
        replicas: after.length,
        readyReplicas: readyCount,
        availableReplicas: readyCount,
        ...(ref.type === Types.replicaSet ? { fullyLabeledReplicas: after.length } : { currentReplicas: after.length, updatedReplicas: after.length }),
        observedGeneration: owner.metadata.generation,
      });
    }
  }

  private createPodWithFreshName(owner: KubeObject, template: Record<string, unknown>, extraLabels: Record<string, string>): void {
    for (;;) {
      this.podCounter += 1;
      const name = `${owner.metadata.name}-${podSuffix(this.podCounter)}`;
      if (this.s.get(Types.pod, owner.metadata.namespace, name)) continue;
      this.createPod(owner, name, template, extraLabels);
      return;
    }
  }

  private createPod(owner: KubeObject, name: string, template: Record<string, unknown>, extraLabels: Record<string, string>): void {
    this.s.create(Types.pod, newPod({ owner, name, template, extraLabels, nowMs: this.clock.nowMs() }));
  }

  private terminatePod(pod: KubeObject): void {
    const graceSeconds = Number(spec(pod)['terminationGracePeriodSeconds'] ?? DEFAULT_TERMINATION_GRACE_SECONDS);
    const remove = (): void => {
      const current = this.s.get(Types.pod, pod.metadata.namespace, pod.metadata.name ?? '');
      if (current && current.metadata.uid === pod.metadata.uid) this.s.delete(Types.pod, pod.metadata.namespace, pod.metadata.name ?? '');
    };
    if (!this.terminationGrace || graceSeconds <= 0 || !spec(pod)['nodeName']) {
      remove();
      return;
    }
    const now = kubeTimestamp(this.clock.nowMs());
    const conditions = ((status(pod)['conditions'] as Record<string, unknown>[] | undefined) ?? []).map((condition) =>
      condition['type'] === 'Ready' ? { ...condition, status: 'False', lastTransitionTime: now } : condition,
    );
    this.put(Types.pod, { ...pod, metadata: { ...pod.metadata, deletionTimestamp: now, deletionGracePeriodSeconds: graceSeconds }, status: { ...status(pod), conditions } });
    const stopGeneration = this.generationOfStop;
    void this.clock.sleep(graceSeconds * 1000, { signal: this.sleeps.signal }).then(() => {
      if (stopGeneration === this.generationOfStop && this.store) remove();
    }, stoppedSleep);
  }

  private reconcileHpa(ref: Ref): void {
    const hpa = this.s.get(Types.hpa, ref.namespace, ref.name);
    if (!hpa) return;
    const hpaSpec = spec(hpa);
    const targetType = scaleTargetTypes[hpaSpec['scaleTargetRef']?.['kind']];
    const target = targetType ? this.s.get(targetType, ref.namespace, String(hpaSpec['scaleTargetRef']?.['name'])) : undefined;
    const now = kubeTimestamp(this.clock.nowMs());
    if (!targetType || !target) {
      this.setStatus(Types.hpa, hpa, {
        currentReplicas: 0,
        desiredReplicas: 0,
        conditions: [{ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale', lastTransitionTime: now }],
      });
      return;
    }
    const current = Number(spec(target)['replicas'] ?? 1);
    const min = Number(hpaSpec['minReplicas'] ?? 1);
    const max = Number(hpaSpec['maxReplicas'] ?? current);
    // Kubernetes disables autoscaling of a target scaled to zero.
    const desired = current === 0 ? 0 : Math.min(max, Math.max(min, current));
    let scaledTo: number | undefined;
    if (desired !== current) {
      this.put(targetType, { ...target, spec: { ...spec(target), replicas: desired } });
      scaledTo = desired;
      const why = desired > current ? 'Current number of replicas below Spec.MinReplicas' : 'Current number of replicas above Spec.MaxReplicas';
      this.event(hpa, 'SuccessfulRescale', `New size: ${desired}; reason: ${why}`, 'horizontal-pod-autoscaler');
    }
    this.setStatus(Types.hpa, hpa, {
      currentReplicas: Number(status(target)['replicas'] ?? current),
      desiredReplicas: desired,
      ...(scaledTo !== undefined ? { lastScaleTime: now } : {}),
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
        { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'kube-api emulation serves no metrics; the HPA only enforces its bounds' },
        {
          type: 'ScalingLimited',
          status: desired === min || desired === max ? 'True' : 'False',
          reason: desired === min ? 'TooFewReplicas' : desired === max ? 'TooManyReplicas' : 'DesiredWithinRange',
          message: desired === min ? 'the desired replica count is less than the minimum replica count' : desired === max ? 'the desired replica count is more than the maximum replica count' : 'the desired count is within the acceptable range',
        },
      ],
    });
  }

  // ---- scheduler and kubelet -------------------------------------------------------------------

  private schedule(): void {
    const nodes = this.s.list(Types.node);
    const pending = this.s.list(Types.pod).filter((pod) => !spec(pod)['nodeName'] && !isTerminating(pod) && status(pod)['phase'] === 'Pending' && !isScheduled(pod));
    if (pending.length === 0) return;
    const now = kubeTimestamp(this.clock.nowMs());
    if (nodes.length === 0) {
      for (const pod of pending) this.bind(pod, undefined, now);
      return;
    }
    const free = new Map<string, { cpuMillicores: number; memoryBytes: number }>();
    for (const node of nodes) {
      const schedulable = isPodReady(node) && spec(node)['unschedulable'] !== true;
      if (schedulable) free.set(node.metadata.name ?? '', { ...nodeAllocatable(node) });
    }
    for (const pod of this.s.list(Types.pod)) {
      const nodeName = spec(pod)['nodeName'];
      const room = nodeName ? free.get(nodeName) : undefined;
      if (!room) continue;
      const requests = podRequests(pod);
      room.cpuMillicores -= requests.cpuMillicores;
      room.memoryBytes -= requests.memoryBytes;
    }
    const nodeByName = new Map(nodes.map((node) => [node.metadata.name ?? '', node]));
    // Higher spec.priority first (no preemption), then oldest first.
    pending.sort((a, b) => Number(spec(b)['priority'] ?? 0) - Number(spec(a)['priority'] ?? 0) || Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
    for (const pod of pending) {
      const requests = podRequests(pod);
      const selector = (spec(pod)['nodeSelector'] as Record<string, string> | undefined) ?? {};
      const requirements = requirementsOf({ matchLabels: selector } as LabelSelectorObject);
      let chosen: string | undefined;
      for (const [name, room] of free) {
        if (room.cpuMillicores < requests.cpuMillicores || room.memoryBytes < requests.memoryBytes) continue;
        if (!matchesRequirements(requirements, nodeByName.get(name)?.metadata.labels)) continue;
        chosen = name;
        room.cpuMillicores -= requests.cpuMillicores;
        room.memoryBytes -= requests.memoryBytes;
        break;
      }
      if (chosen) {
        this.bind(pod, chosen, now);
      } else {
        const message = `0/${nodes.length} nodes are available: insufficient resources or no node matches the pod's node selector.`;
        const conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: now }];
        if (!sameJson(status(pod)['conditions'], conditions)) {
          const previous = (status(pod)['conditions'] as Record<string, unknown>[] | undefined)?.[0];
          if (previous?.['message'] !== message) this.setStatus(Types.pod, pod, { conditions });
        }
      }
    }
  }

  private bind(pod: KubeObject, nodeName: string | undefined, now: string): void {
    this.put(Types.pod, {
      ...pod,
      spec: { ...spec(pod), ...(nodeName ? { nodeName } : {}) },
      status: { ...status(pod), phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }] },
    });
  }

  /** The kubelet: a bound pod that is not yet Ready becomes Ready after its startup delay. */
  private maybeStartPod(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    if (!isScheduled(pod) || isPodReady(pod) || isTerminating(pod) || status(pod)['phase'] !== 'Pending' || this.starting.has(uid)) return;
    this.starting.add(uid);
    const annotated = Number(pod.metadata.annotations?.[STARTUP_ANNOTATION]);
    const startupMs = Number.isFinite(annotated) && annotated >= 0 ? annotated : this.podStartupMs;
    const stopGeneration = this.generationOfStop;
    const makeReady = (): void => {
      this.starting.delete(uid);
      if (stopGeneration !== this.generationOfStop || !this.store) return;
      const current = this.s.get(Types.pod, pod.metadata.namespace, pod.metadata.name ?? '');
      if (!current || current.metadata.uid !== uid || isTerminating(current)) return;
      const now = kubeTimestamp(this.clock.nowMs());
      this.put(Types.pod, {
        ...current,
        status: {
          ...status(current),
          phase: 'Running',
          startTime: now,
          podIP: `10.244.${(this.podCounter >> 8) & 255}.${this.podCounter & 255}`,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
          ],
        },
      });
    };
    if (startupMs <= 0) this.queue.add(`start/${uid}`, makeReady);
    else void this.clock.sleep(startupMs, { signal: this.sleeps.signal }).then(makeReady, stoppedSleep);
  }
}

/** A sleep aborted by stop() may reject (Clock contract): the emulation is stopped, nothing to do. */
function stoppedSleep(): void {}

function isScheduled(pod: KubeObject): boolean {
  return ((status(pod)['conditions'] as Record<string, unknown>[] | undefined) ?? []).some((condition) => condition['type'] === 'PodScheduled' && condition['status'] === 'True');
}

function removalOrder(type: ResourceType): (a: KubeObject, b: KubeObject) => number {
  if (type === Types.statefulSet) {
    const ordinal = (pod: KubeObject): number => Number(/-(\d+)$/.exec(pod.metadata.name ?? '')?.[1] ?? 0);
    return (a, b) => ordinal(b) - ordinal(a);
  }
  // Like the ReplicaSet controller: unscheduled first, then not ready, then the newest.
  const rank = (pod: KubeObject): number => (!spec(pod)['nodeName'] ? 0 : isPodReady(pod) ? 2 : 1);
  return (a, b) => rank(a) - rank(b) || Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion);
}

/**
 * One controller for every pending sleep: each pod starting or terminating adds an abort listener
 * (removed when its sleep ends), so hundreds at once are expected, not a leak; without the raised
 * limit Node warns (MaxListenersExceededWarning) on every shift of more than ten pods.
 */
function sharedSleepController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
