/**
 * The Cluster port on a real Kubernetes API, through @kubernetes/client-node.
 *
 * Reads: managed workloads (named in config and/or labelled `chuanliu.io/managed=true`), the HPAs
 * that target them (autoscaling/v2), nodes grouped into pools by a label, and the pods of their
 * namespaces (terminating pods still hold resources; Jobs may not report how many are Ready).
 * Writes: Deployment/StatefulSet replicas through the `scale` subresource, HPA `minReplicas`
 * floors, Job `parallelism`, CronJob `suspend`; pool nodes through a capacity-placeholder
 * Deployment when one is configured. Every write:
 * - reads the object first and returns `unchanged` without writing when it already has the value;
 * - carries the resourceVersion it read, so a concurrent change answers 409, which is re-read and
 *   retried (`maxConflictRetries`);
 * - leaves chuanliu.io/* annotations (when, plan, step, reason, message) on the object.
 * Every request waits for the token bucket and a concurrency slot; 429 waits Retry-After, 5xx and
 * dropped connections back off exponentially (`maxTransientRetries`).
 */
import {
  AppsV1Api,
  AuthorizationV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { RuntimeFailure } from '../../domain/errors.ts';
import { createRng, type Rng } from '../../domain/random.ts';
import type { WorkloadRef } from '../../domain/workload.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Cluster, ClusterSnapshot, ClusterWrite, NodePoolState, WorkloadState, WriteDenial, WriteOutcome, WriteProvenance } from '../../ports/cluster.ts';
import { parseCpuMillicores, parseMemoryBytes } from '../../domain/units.ts';
import { chuanliuAnnotations, provenanceAnnotations } from './annotations.ts';
import { classify, type CallFailure } from './api-errors.ts';
import { KeyedMutex, Semaphore } from './concurrency.ts';
import { pooledClientFactory, type PooledClientFactory } from './pooled-clients.ts';
import { TokenBucket, type RateLimit } from './token-bucket.ts';
import { WriteAuthorizer } from './write-authorizer.ts';

export const MANAGED_LABEL_SELECTOR = 'chuanliu.io/managed=true';
export const POOL_LABEL = 'chuanliu.io/pool';

/**
 * Default client-side limits. client-go's QPS 5 / burst 10 would stretch a 1,000-workload shift
 * (3 requests per scale write: read, scale, annotate) over ten minutes. 500/s with a burst of
 * 1,000 lets such a shift's writes be accepted within ~5 s; a busy API server's priority and
 * fairness answers 429, and Retry-After is honoured, so the server stays protected.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { qps: 500, burst: 1000 };

/** A Deployment of low-priority pause pods sized so that each replica holds one node of a pool. */
export interface PoolPlaceholder {
  readonly namespace: string;
  readonly name: string;
  /** @defaultValue 1 */
  readonly replicasPerNode?: number;
}

export interface KubernetesClusterOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  /** Workloads named in chuanliu's config. */
  readonly workloads?: readonly WorkloadRef[];
  /** Label selector of workloads managed without being named; `false` turns discovery off. @defaultValue 'chuanliu.io/managed=true' */
  readonly managedSelector?: string | false;
  /** Namespaces searched for labelled workloads and HPAs; all namespaces when absent. */
  readonly namespaces?: readonly string[];
  /** Node label naming its pool. @defaultValue 'chuanliu.io/pool' */
  readonly poolLabel?: string;
  /** Pool of nodes without the label; such nodes are left out when undefined. */
  readonly defaultPool?: string;
  /** @defaultValue DEFAULT_RATE_LIMIT */
  readonly rateLimit?: RateLimit;
  /** Requests in flight at once. @defaultValue 64 */
  readonly maxConcurrentRequests?: number;
  /** Re-reads after a 409 before a write is `failed`. @defaultValue 5 */
  readonly maxConflictRetries?: number;
  /** Retries of one request after 429, 5xx or a dropped connection. @defaultValue 5 */
  readonly maxTransientRetries?: number;
  /** First backoff after a transient failure, doubled each time (with jitter). @defaultValue 100 */
  readonly backoffBaseMs?: number;
  /** Longest wait for one backoff or Retry-After. @defaultValue 30_000 */
  readonly maxBackoffMs?: number;
  /** `pool-nodes` writes scale these; a pool without one answers `failed`. */
  readonly poolPlaceholders?: Readonly<Record<string, PoolPlaceholder>>;
  /** Seed of the backoff jitter. @defaultValue 1 */
  readonly seed?: number;
  /** Shown as the field manager of chuanliu's writes. @defaultValue 'chuanliu' */
  readonly fieldManager?: string;
  /**
   * List pods in the snapshot, for terminatingReplicas (released capacity not yet free) and Job
   * readiness. @defaultValue true
   */
  readonly countPods?: boolean;
  /** Called when a write succeeded but its annotations could not be written (yet). */
  readonly onWarning?: (message: string) => void;
  /**
   * How long the provenance annotations of a scale write whose own annotation patch failed are
   * retried in the background (while the value stays in place). @defaultValue 10 min
   */
  readonly provenanceRetryMs?: number;
}

/** Provenance a scale write still owes its object: the replicas are (or may be) set, the annotations are not. */
interface OwedProvenance {
  readonly ref: WorkloadRef;
  readonly replicas: number;
  readonly provenance: WriteProvenance;
}

type Kind = WorkloadRef['apiKind'];

/** The parts of an object chuanliu reads, whatever its kind. */
interface ObjectView {
  readonly resourceVersion: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly status: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly name: string;
  readonly namespace: string;
}

interface PodView {
  readonly labels: Readonly<Record<string, string>>;
  readonly terminating: boolean;
  readonly ready: boolean;
  /** The scheduler's message when it could not place the pod (PodScheduled=False, reason Unschedulable). */
  readonly unschedulable?: string;
}

interface SpecSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: string[] }[];
}

/** A workload's spec.selector applied to pod labels (matchLabels and matchExpressions). */
function selects(selector: SpecSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const listed = value !== undefined && (expression.values ?? []).includes(value);
    if (expression.operator === 'In' && !listed) return false;
    if (expression.operator === 'NotIn' && listed) return false;
    if (expression.operator === 'Exists' && value === undefined) return false;
    if (expression.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

class CallError extends Error {
  constructor(readonly failure: CallFailure) {
    super(failure.message);
  }
}

function view(object: { metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown; status?: unknown }): ObjectView {
  return {
    name: object.metadata?.name ?? '',
    namespace: object.metadata?.namespace ?? '',
    resourceVersion: object.metadata?.resourceVersion ?? '',
    labels: object.metadata?.labels ?? {},
    annotations: object.metadata?.annotations ?? {},
    spec: (object.spec as Record<string, unknown> | undefined) ?? {},
    status: (object.status as Record<string, unknown> | undefined) ?? {},
  };
}

function refKey(ref: WorkloadRef): string {
  return `${ref.apiKind}/${ref.namespace}/${ref.name}`;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class KubernetesCluster implements Cluster {
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly autoscaling: AutoscalingV2Api;
  private readonly core: CoreV1Api;
  private readonly clock: Clock;
  private readonly bucket: TokenBucket;
  private readonly slots: Semaphore;
  private readonly perObject = new KeyedMutex();
  private readonly rng: Rng;
  private readonly options: KubernetesClusterOptions;
  private readonly clients: PooledClientFactory;
  private readonly owedProvenance = new Map<string, OwedProvenance>();
  private readonly closing = new AbortController();
  private readonly authorizer: WriteAuthorizer;

  constructor(options: KubernetesClusterOptions) {
    this.options = options;
    this.clock = options.clock;
    const maxConcurrentRequests = options.maxConcurrentRequests ?? 64;
    this.clients = pooledClientFactory(options.kubeConfig, maxConcurrentRequests);
    this.apps = this.clients.make(AppsV1Api);
    this.batch = this.clients.make(BatchV1Api);
    this.autoscaling = this.clients.make(AutoscalingV2Api);
    this.core = this.clients.make(CoreV1Api);
    this.bucket = new TokenBucket(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.clock);
    this.slots = new Semaphore(maxConcurrentRequests);
    this.rng = createRng(options.seed ?? 1);
    const authorization = this.clients.make(AuthorizationV1Api);
    this.authorizer = new WriteAuthorizer(async (attributes) => {
      const { group, ...rest } = attributes;
      let review;
      try {
        review = await this.call(() => authorization.createSelfSubjectAccessReview({
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { ...rest, group } } },
        }));
      } catch (error) {
        if (error instanceof CallError) throw new RuntimeFailure(`asking the API whether chuanliu may ${attributes.verb} ${attributes.resource}: ${error.failure.message}`);
        throw error;
      }
      const status = review.status;
      return {
        allowed: status?.allowed === true && status.denied !== true,
        reason: status?.reason || status?.evaluationError || 'no RBAC rule of its ServiceAccount allows it',
      };
    }, {
      nowMs: () => this.clock.nowMs(),
      placeholderOf: (pool) => {
        const placeholder = this.options.poolPlaceholders?.[pool];
        return placeholder === undefined ? undefined : { apiKind: 'Deployment', namespace: placeholder.namespace, name: placeholder.name };
      },
    });
  }

  /** Which writes RBAC would refuse (SelfSubjectAccessReview), before any is made; see write-authorizer.ts. */
  authorize(writes: readonly ClusterWrite[]): Promise<WriteDenial[]> {
    return this.authorizer.authorize(writes);
  }

  /** Closes idle keep-alive connections and stops the provenance retries (call on shutdown). */
  close(): void {
    this.closing.abort();
    for (const owed of this.owedProvenance.values()) {
      this.options.onWarning?.(`${refKey(owed.ref)}: replicas are ${owed.replicas}, but the chuanliu.io annotations of step ${owed.provenance.stepId} were never written (closed while retrying)`);
    }
    this.owedProvenance.clear();
    this.clients.close();
  }

  /** Scale writes whose provenance annotations are still being retried in the background. */
  pendingProvenance(): number {
    return this.owedProvenance.size;
  }

  // ---- snapshot --------------------------------------------------------------------------------

  async snapshot(): Promise<ClusterSnapshot> {
    try {
      const takenAtMs = this.clock.nowMs();
      const [objects, nodePools] = await Promise.all([this.managedObjects(), this.nodePools()]);
      const [hpas, pods] = await Promise.all([this.hpasFor(objects), this.podsFor(objects)]);
      const workloads = objects.map(({ ref, object }) => this.workloadState(ref, object, hpas.get(`${ref.namespace}/${ref.apiKind}/${ref.name}`), pods.get(ref.namespace) ?? []));
      workloads.sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)));
      return { takenAtMs, workloads, nodePools };
    } catch (error) {
      if (error instanceof CallError) throw new RuntimeFailure(`Kubernetes snapshot failed: ${error.message}`, { cause: error });
      throw error;
    }
  }

  private async managedObjects(): Promise<{ ref: WorkloadRef; object: ObjectView }[]> {
    const found = new Map<string, { ref: WorkloadRef; object: ObjectView }>();
    const add = (apiKind: Kind, object: ObjectView): void => {
      const ref: WorkloadRef = { apiKind, namespace: object.namespace, name: object.name };
      found.set(refKey(ref), { ref, object });
    };
    const kinds: Kind[] = ['Deployment', 'StatefulSet', 'Job', 'CronJob'];
    const selector = this.options.managedSelector === undefined ? MANAGED_LABEL_SELECTOR : this.options.managedSelector;
    const listings: Promise<void>[] = [];
    if (selector !== false) {
      for (const apiKind of kinds) {
        const scopes = this.options.namespaces ?? [undefined];
        for (const namespace of scopes) {
          listings.push(this.list(apiKind, namespace, selector).then((objects) => objects.forEach((object) => add(apiKind, object))));
        }
      }
    }
    // Named workloads: one list per (kind, namespace) instead of one GET each.
    const named = new Map<string, { apiKind: Kind; namespace: string; names: Set<string> }>();
    for (const ref of this.options.workloads ?? []) {
      const key = `${ref.apiKind}/${ref.namespace}`;
      const group = named.get(key) ?? { apiKind: ref.apiKind, namespace: ref.namespace, names: new Set<string>() };
      group.names.add(ref.name);
      named.set(key, group);
    }
    for (const group of named.values()) {
      listings.push(
        this.list(group.apiKind, group.namespace, undefined).then((objects) =>
          objects.filter((object) => group.names.has(object.name)).forEach((object) => add(group.apiKind, object)),
        ),
      );
    }
    await Promise.all(listings);
    return [...found.values()];
  }

  private async hpasFor(objects: readonly { ref: WorkloadRef }[]): Promise<Map<string, ObjectView>> {
    const byTarget = new Map<string, ObjectView>();
    if (objects.length === 0) return byTarget;
    const namespaces = [...new Set(objects.map(({ ref }) => ref.namespace))];
    const clusterWide = this.options.namespaces === undefined && namespaces.length > 8;
    const lists = clusterWide
      ? [this.call(() => this.autoscaling.listHorizontalPodAutoscalerForAllNamespaces())]
      : namespaces.map((namespace) => this.call(() => this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace })));
    for (const list of await Promise.all(lists)) {
      for (const item of list.items) {
        const hpa = view(item);
        const target = item.spec?.scaleTargetRef;
        if (target) byTarget.set(`${hpa.namespace}/${target.kind}/${target.name}`, hpa);
      }
    }
    return byTarget;
  }

  /**
   * Pods of the namespaces the workloads live in (one list per namespace, or one cluster-wide):
   * terminating pods still hold their resources, and Jobs may not report `status.ready`.
   */
  private async podsFor(objects: readonly { ref: WorkloadRef }[]): Promise<Map<string, PodView[]>> {
    const byNamespace = new Map<string, PodView[]>();
    if (objects.length === 0 || this.options.countPods === false) return byNamespace;
    const namespaces = [...new Set(objects.map(({ ref }) => ref.namespace))];
    const clusterWide = this.options.namespaces === undefined && namespaces.length > 8;
    const lists = clusterWide ? [this.call(() => this.core.listPodForAllNamespaces())] : namespaces.map((namespace) => this.call(() => this.core.listNamespacedPod({ namespace })));
    for (const list of await Promise.all(lists)) {
      for (const pod of list.items) {
        const namespace = pod.metadata?.namespace ?? '';
        const pods = byNamespace.get(namespace) ?? [];
        pods.push({
          labels: pod.metadata?.labels ?? {},
          terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null,
          ready: pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true,
          ...unschedulableOf(pod.status?.conditions),
        });
        byNamespace.set(namespace, pods);
      }
    }
    return byNamespace;
  }

  private workloadState(ref: WorkloadRef, object: ObjectView, hpa: ObjectView | undefined, namespacePods: readonly PodView[]): WorkloadState {
    const selector = object.spec['selector'] as SpecSelector | undefined;
    const owned = ref.apiKind === 'CronJob' || !selector ? [] : namespacePods.filter((pod) => selects(selector, pod.labels));
    let desiredReplicas: number;
    let readyReplicas: number;
    switch (ref.apiKind) {
      case 'Deployment':
      case 'StatefulSet':
        desiredReplicas = Number(object.spec['replicas'] ?? 1);
        readyReplicas = Number(object.status['readyReplicas'] ?? 0);
        break;
      case 'Job':
        desiredReplicas = object.spec['suspend'] === true ? 0 : Number(object.spec['parallelism'] ?? 1);
        readyReplicas = object.status['ready'] !== undefined ? Number(object.status['ready']) : owned.filter((pod) => pod.ready && !pod.terminating).length;
        break;
      case 'CronJob':
        desiredReplicas = object.spec['suspend'] === true ? 0 : 1;
        readyReplicas = Array.isArray(object.status['active']) ? object.status['active'].length : 0;
        break;
    }
    return {
      ref,
      desiredReplicas,
      readyReplicas,
      ...(this.options.countPods === false || ref.apiKind === 'CronJob' ? {} : { terminatingReplicas: owned.filter((pod) => pod.terminating).length }),
      ...unscheduledOf(owned),
      ...(hpa
        ? {
            hpa: {
              name: hpa.name,
              minReplicas: Number(hpa.spec['minReplicas'] ?? 1),
              maxReplicas: Number(hpa.spec['maxReplicas'] ?? 0),
              currentReplicas: Number(hpa.status['currentReplicas'] ?? 0),
            },
          }
        : {}),
      annotations: chuanliuAnnotations(object.annotations),
    };
  }

  private async nodePools(): Promise<NodePoolState[]> {
    const poolLabel = this.options.poolLabel ?? POOL_LABEL;
    const nodes = await this.call(() => this.core.listNode());
    const pools = new Map<string, { readyNodes: number; provisioningNodes: number; allocatableCpuMillicores: number; allocatableMemoryBytes: number }>();
    for (const node of nodes.items) {
      const pool = node.metadata?.labels?.[poolLabel] ?? this.options.defaultPool;
      if (pool === undefined) continue;
      const state = pools.get(pool) ?? { readyNodes: 0, provisioningNodes: 0, allocatableCpuMillicores: 0, allocatableMemoryBytes: 0 };
      const ready = node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true;
      if (ready && node.spec?.unschedulable !== true) {
        state.readyNodes += 1;
        state.allocatableCpuMillicores += safeQuantity(() => parseCpuMillicores(node.status?.allocatable?.['cpu'] ?? '0'));
        state.allocatableMemoryBytes += safeQuantity(() => parseMemoryBytes(node.status?.allocatable?.['memory'] ?? '0'));
      } else if (!ready && !node.metadata?.deletionTimestamp) {
        // Registered but not Ready yet: a node still coming up.
        state.provisioningNodes += 1;
      }
      pools.set(pool, state);
    }
    return [...pools].sort(([a], [b]) => a.localeCompare(b)).map(([pool, state]) => ({ pool, ...state }));
  }

  // ---- writes ----------------------------------------------------------------------------------

  async write(write: ClusterWrite): Promise<WriteOutcome> {
    try {
      switch (write.kind) {
        case 'replicas':
          return await this.writeReplicas(write.ref, write.replicas, write.provenance);
        case 'hpa-min':
          return await this.perObject.run(`HPA/${write.ref.namespace}/${write.hpaName}`, () =>
            this.writeField('HPA', write.ref.namespace, write.hpaName, (object) => object.spec['minReplicas'] ?? 1, write.minReplicas, { minReplicas: write.minReplicas }, write.provenance),
          );
        case 'job-parallelism':
          return await this.perObject.run(refKey(write.ref), () =>
            this.writeField('Job', write.ref.namespace, write.ref.name, (object) => object.spec['parallelism'] ?? 1, write.parallelism, { parallelism: write.parallelism }, write.provenance),
          );
        case 'cronjob-suspend':
          return await this.perObject.run(refKey(write.ref), () =>
            this.writeField('CronJob', write.ref.namespace, write.ref.name, (object) => object.spec['suspend'] ?? false, write.suspend, { suspend: write.suspend }, write.provenance),
          );
        case 'pool-nodes': {
          const placeholder = this.options.poolPlaceholders?.[write.pool];
          if (!placeholder) {
            return { status: 'failed', retryable: false, error: `pool "${write.pool}" has no capacity placeholder Deployment configured; node counts are left to the cluster autoscaler` };
          }
          const ref: WorkloadRef = { apiKind: 'Deployment', namespace: placeholder.namespace, name: placeholder.name };
          return await this.writeReplicas(ref, write.nodes * (placeholder.replicasPerNode ?? 1), write.provenance);
        }
      }
    } catch (error) {
      if (error instanceof CallError) return failedOutcome(error.failure);
      throw error;
    }
  }

  private writeReplicas(ref: WorkloadRef, replicas: number, provenance: WriteProvenance): Promise<WriteOutcome> {
    if (ref.apiKind === 'Job') {
      return this.perObject.run(refKey(ref), () => this.writeField('Job', ref.namespace, ref.name, (object) => object.spec['parallelism'] ?? 1, replicas, { parallelism: replicas }, provenance));
    }
    if (ref.apiKind === 'CronJob') {
      const suspend = replicas === 0;
      return this.perObject.run(refKey(ref), () => this.writeField('CronJob', ref.namespace, ref.name, (object) => object.spec['suspend'] ?? false, suspend, { suspend }, provenance));
    }
    return this.perObject.run(refKey(ref), () => this.writeScale(ref, replicas, provenance));
  }

  /** Deployment/StatefulSet: scale subresource with the read resourceVersion, then annotations. */
  private async writeScale(ref: WorkloadRef, replicas: number, provenance: WriteProvenance): Promise<WriteOutcome> {
    // A new write brings its own provenance: whatever an earlier one still owed is moot.
    this.owedProvenance.delete(refKey(ref));
    const maxConflictRetries = this.options.maxConflictRetries ?? 5;
    let lastConflict = '';
    for (let attempt = 0; attempt <= maxConflictRetries; attempt += 1) {
      const current = await this.read(ref.apiKind, ref.namespace, ref.name);
      if (Number(current.spec['replicas'] ?? 1) === replicas) {
        // After a conflict the value in place is most likely this write's own, applied by a
        // request whose answer was lost (its retry then met the new resourceVersion): leave the
        // provenance it would have left.
        if (attempt > 0) await this.annotateAfterWrite(ref, replicas, provenance);
        return { status: 'unchanged' };
      }
      const body = { metadata: { resourceVersion: current.resourceVersion }, spec: { replicas } };
      const fieldManager = this.options.fieldManager ?? 'chuanliu';
      try {
        if (ref.apiKind === 'Deployment') {
          await this.call(() => this.apps.patchNamespacedDeploymentScale({ name: ref.name, namespace: ref.namespace, body, fieldManager }, mergePatch));
        } else {
          await this.call(() => this.apps.patchNamespacedStatefulSetScale({ name: ref.name, namespace: ref.namespace, body, fieldManager }, mergePatch));
        }
      } catch (error) {
        if (error instanceof CallError && error.failure.kind === 'conflict') {
          lastConflict = error.message;
          await this.backoff(attempt);
          continue;
        }
        // Out of retries with no answer: the write may have landed all the same (its answer lost),
        // and the next tick would then find the level in place and write nothing. Its provenance
        // is owed in case it did; the background retry signs it only if the value is there.
        if (error instanceof CallError && (error.failure.kind === 'transient' || error.failure.kind === 'throttled')) this.oweProvenance(ref, replicas, provenance);
        throw error;
      }
      await this.annotateAfterWrite(ref, replicas, provenance);
      return { status: 'applied' };
    }
    return { status: 'failed', retryable: true, error: `gave up after ${maxConflictRetries + 1} conflicting writes: ${lastConflict}` };
  }

  /**
   * The provenance annotations of a scale write. The replicas are set whatever happens here, and a
   * later tick finds the level in place and writes nothing, so a failed patch is not the write's
   * failure: it warns and is retried in the background until it lands, the value changes, or
   * `provenanceRetryMs` runs out.
   */
  private async annotateAfterWrite(ref: WorkloadRef, replicas: number, provenance: WriteProvenance): Promise<void> {
    try {
      await this.patch(ref.apiKind, ref.namespace, ref.name, { metadata: { annotations: provenanceAnnotations(provenance) } });
    } catch (error) {
      if (!(error instanceof CallError)) throw error;
      this.options.onWarning?.(`${refKey(ref)}: replicas set to ${replicas}, but the chuanliu.io annotations could not be written: ${error.message}; retrying in the background`);
      this.oweProvenance(ref, replicas, provenance);
    }
  }

  private oweProvenance(ref: WorkloadRef, replicas: number, provenance: WriteProvenance): void {
    const owed: OwedProvenance = { ref, replicas, provenance };
    this.owedProvenance.set(refKey(ref), owed);
    void this.payProvenance(owed);
  }

  private async payProvenance(owed: OwedProvenance): Promise<void> {
    const key = refKey(owed.ref);
    const deadlineMs = this.clock.nowMs() + (this.options.provenanceRetryMs ?? 10 * 60_000);
    const stillOwed = (): boolean => !this.closing.signal.aborted && this.owedProvenance.get(key) === owed;
    for (let attempt = 0; ; attempt += 1) {
      await this.backoff(attempt + 2, this.closing.signal);
      if (!stillOwed()) return;
      try {
        await this.perObject.run(key, async () => {
          if (!stillOwed()) return;
          const current = await this.read(owed.ref.apiKind, owed.ref.namespace, owed.ref.name);
          // Someone else set another value since: that change is not this write's to sign.
          if (stillOwed() && Number(current.spec['replicas'] ?? 1) === owed.replicas) {
            await this.patch(owed.ref.apiKind, owed.ref.namespace, owed.ref.name, { metadata: { annotations: provenanceAnnotations(owed.provenance) } });
          }
          this.owedProvenance.delete(key);
        });
        return;
      } catch (error) {
        // Only an API that is down or busy is worth waiting for; a deleted object, a refusal (or a
        // bug) ends the retries — this runs detached, so it must never throw.
        const waitable = error instanceof CallError && (error.failure.kind === 'transient' || error.failure.kind === 'throttled');
        if (!waitable || this.clock.nowMs() >= deadlineMs) {
          if (stillOwed()) this.owedProvenance.delete(key);
          this.options.onWarning?.(`${key}: gave up writing the chuanliu.io annotations of step ${owed.provenance.stepId}: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
      }
    }
  }

  /** HPA, Job, CronJob: one merge patch carrying the read resourceVersion, the field and the annotations. */
  private async writeField(
    kind: 'HPA' | 'Job' | 'CronJob',
    namespace: string,
    name: string,
    currentValue: (object: ObjectView) => unknown,
    value: number | boolean,
    spec: Record<string, number | boolean>,
    provenance: WriteProvenance,
  ): Promise<WriteOutcome> {
    const maxConflictRetries = this.options.maxConflictRetries ?? 5;
    let lastConflict = '';
    for (let attempt = 0; attempt <= maxConflictRetries; attempt += 1) {
      const current = await this.read(kind, namespace, name);
      if (currentValue(current) === value) return { status: 'unchanged' };
      try {
        await this.patch(kind, namespace, name, { metadata: { resourceVersion: current.resourceVersion, annotations: provenanceAnnotations(provenance) }, spec });
        return { status: 'applied' };
      } catch (error) {
        if (error instanceof CallError && error.failure.kind === 'conflict') {
          lastConflict = error.message;
          await this.backoff(attempt);
          continue;
        }
        throw error;
      }
    }
    return { status: 'failed', retryable: true, error: `gave up after ${maxConflictRetries + 1} conflicting writes: ${lastConflict}` };
  }

  // ---- typed calls per kind ---------------------------------------------------------------------

  private async read(kind: Kind | 'HPA', namespace: string, name: string): Promise<ObjectView> {
    const param = { name, namespace };
    switch (kind) {
      case 'Deployment':
        return view(await this.call(() => this.apps.readNamespacedDeployment(param)));
      case 'StatefulSet':
        return view(await this.call(() => this.apps.readNamespacedStatefulSet(param)));
      case 'Job':
        return view(await this.call(() => this.batch.readNamespacedJob(param)));
      case 'CronJob':
        return view(await this.call(() => this.batch.readNamespacedCronJob(param)));
      case 'HPA':
        return view(await this.call(() => this.autoscaling.readNamespacedHorizontalPodAutoscaler(param)));
    }
  }

  private async patch(kind: Kind | 'HPA', namespace: string, name: string, body: object): Promise<void> {
    const param = { name, namespace, body, fieldManager: this.options.fieldManager ?? 'chuanliu' };
    switch (kind) {
      case 'Deployment':
        await this.call(() => this.apps.patchNamespacedDeployment(param, mergePatch));
        return;
      case 'StatefulSet':
        await this.call(() => this.apps.patchNamespacedStatefulSet(param, mergePatch));
        return;
      case 'Job':
        await this.call(() => this.batch.patchNamespacedJob(param, mergePatch));
        return;
      case 'CronJob':
        await this.call(() => this.batch.patchNamespacedCronJob(param, mergePatch));
        return;
      case 'HPA':
        await this.call(() => this.autoscaling.patchNamespacedHorizontalPodAutoscaler(param, mergePatch));
        return;
    }
  }

  private async list(kind: Kind, namespace: string | undefined, labelSelector: string | undefined): Promise<ObjectView[]> {
    const param = labelSelector ? { labelSelector } : {};
    const items = await this.call(async (): Promise<{ items: Parameters<typeof view>[0][] }> => {
      switch (kind) {
        case 'Deployment':
          return namespace ? this.apps.listNamespacedDeployment({ namespace, ...param }) : this.apps.listDeploymentForAllNamespaces(param);
        case 'StatefulSet':
          return namespace ? this.apps.listNamespacedStatefulSet({ namespace, ...param }) : this.apps.listStatefulSetForAllNamespaces(param);
        case 'Job':
          return namespace ? this.batch.listNamespacedJob({ namespace, ...param }) : this.batch.listJobForAllNamespaces(param);
        case 'CronJob':
          return namespace ? this.batch.listNamespacedCronJob({ namespace, ...param }) : this.batch.listCronJobForAllNamespaces(param);
      }
    });
    return items.items.map(view);
  }

  // ---- request machinery -----------------------------------------------------------------------

  /**
   * One API call under the rate limit and the concurrency bound, retried on 429 (after
   * Retry-After), 5xx and dropped connections. Conflicts and rejections go to the caller.
   */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    const maxTransientRetries = this.options.maxTransientRetries ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.slots.run(async () => {
          await this.bucket.take();
          return request();
        });
      } catch (error) {
        const failure = classify(error);
        // A closed adapter retries nothing: no request of its own outlives `close()`.
        if ((failure.kind !== 'throttled' && failure.kind !== 'transient') || attempt >= maxTransientRetries || this.closing.signal.aborted) throw new CallError(failure);
        if (failure.kind === 'throttled' && failure.retryAfterMs !== undefined) {
          await this.clock.sleep(Math.min(failure.retryAfterMs, this.options.maxBackoffMs ?? 30_000));
        } else {
          await this.backoff(attempt);
        }
      }
    }
  }

  private backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    const baseMs = this.options.backoffBaseMs ?? 100;
    const capMs = this.options.maxBackoffMs ?? 30_000;
    const ceilingMs = Math.min(capMs, baseMs * 2 ** attempt);
    // "Equal jitter": half fixed, half random, so retries of many writes spread out.
    const waitMs = ceilingMs / 2 + (this.rng() * ceilingMs) / 2;
    return signal === undefined ? this.clock.sleep(waitMs) : this.clock.sleep(waitMs, { signal }).catch(() => undefined);
  }
}

function unschedulableOf(conditions: readonly { type: string; status: string; reason?: string; message?: string }[] | undefined): { unschedulable?: string } {
  const scheduled = conditions?.find((condition) => condition.type === 'PodScheduled');
  if (scheduled === undefined || scheduled.status !== 'False' || scheduled.reason !== 'Unschedulable') return {};
  return { unschedulable: scheduled.message ?? 'Unschedulable' };
}

/** Pods the scheduler could not place, and its most recent reason (capacity asked for but not delivered). */
function unscheduledOf(pods: readonly PodView[]): Pick<WorkloadState, 'unschedulableReplicas' | 'unschedulableReason'> {
  const waiting = pods.filter((pod) => pod.unschedulable !== undefined && !pod.terminating);
  if (waiting.length === 0) return {};
  return { unschedulableReplicas: waiting.length, unschedulableReason: waiting[waiting.length - 1]?.unschedulable ?? 'Unschedulable' };
}

function safeQuantity(parse: () => number): number {
  try {
    return parse();
  } catch {
    return 0;
  }
}

function failedOutcome(failure: CallFailure): WriteOutcome {
  const retryable = failure.kind === 'throttled' || failure.kind === 'transient' || failure.kind === 'conflict';
  return { status: 'failed', retryable, error: failure.message };
}
