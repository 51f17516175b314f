/**
 * Events through the Kubernetes API: the EventSink of the correlating recorder.
 *
 * core/v1 Events, not events.k8s.io/v1: the same objects in etcd, but core/v1 is what the kubelet's
 * recorder writes and what `kubectl describe` and `kubectl get events` read; its count +
 * lastTimestamp are exactly the kubelet correlator's de-duplication (we also set `series`, as
 * events.k8s.io/v1 readers expect), and the in-memory kube-api serves it as the real API server
 * does. The "new" fields are set too (eventTime, reportingComponent `chuanliu.io/controller`,
 * reportingInstance = pod/host name, action), which the API server then requires together.
 *
 * The regarding object's uid is looked up once per object (a GET the Role allows for the workload
 * kinds): `kubectl describe` selects Events by uid, so an Event without it would not show there.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { EventObjectRef, EventRecord, EventSink } from '../../ports/events.ts';
import { classify } from './api-errors.ts';
import { pooledClientFactory, type PooledClientFactory } from './pooled-clients.ts';

export const REPORTING_CONTROLLER = 'chuanliu.io/controller';
/** `source.component`, what older kubectl shows in FROM. */
export const SOURCE_COMPONENT = 'chuanliu-controller';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Kinds whose uid the controller may read (the Role grants `get` on them), with their API path. */
const READABLE_KINDS: Readonly<Record<string, { group: string; version: string; plural: string }>> = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets' },
  Job: { group: 'batch', version: 'v1', plural: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', plural: 'cronjobs' },
  HorizontalPodAutoscaler: { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers' },
};

/** MicroTime: RFC 3339 with exactly six fractional digits (the API server parses no other form). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function rfc3339Seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface KubernetesEventSinkOptions {
  readonly kubeConfig: KubeConfig;
  /** reportingInstance: the pod's name (HOSTNAME in a pod) or the host's. */
  readonly reportingInstance: string;
}

export class KubernetesEventSink implements EventSink {
  private readonly clients: PooledClientFactory;
  private readonly core: CoreV1Api;
  private readonly objects: CustomObjectsApi;
  private readonly uids = new Map<string, Promise<string | undefined>>();

  constructor(private readonly options: KubernetesEventSinkOptions) {
    this.clients = pooledClientFactory(options.kubeConfig, 4);
    this.core = this.clients.make(CoreV1Api);
    this.objects = this.clients.make(CustomObjectsApi);
  }

  close(): void {
    this.clients.close();
  }

  async create(record: EventRecord): Promise<void> {
    const body = await this.body(record);
    try {
      await this.core.createNamespacedEvent({ namespace: record.namespace, body });
    } catch (error) {
      throw new Error(`create Event ${record.namespace}/${record.name} (${record.event.reason} on ${record.event.regarding.kind}/${record.event.regarding.name}): ${classify(error).message}`);
    }
  }

  async updateSeries(record: EventRecord): Promise<'updated' | 'missing'> {
    const body = {
      count: record.count,
      lastTimestamp: rfc3339Seconds(record.lastSeenMs),
      series: { count: record.count, lastObservedTime: microTime(record.lastSeenMs) },
    };
    try {
      await this.core.patchNamespacedEvent({ namespace: record.namespace, name: record.name, body }, mergePatch);
      return 'updated';
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === 'not-found') return 'missing';
      throw new Error(`update Event ${record.namespace}/${record.name}: ${failure.message}`);
    }
  }

  private async body(record: EventRecord): Promise<CoreV1Event> {
    const { event } = record;
    const uid = event.regarding.uid ?? await this.uidOf(event.regarding);
    const reference = (ref: EventObjectRef, refUid: string | undefined): Record<string, string> => ({
      apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name,
      ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
      ...(refUid !== undefined ? { uid: refUid } : {}),
    });
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: record.name, namespace: record.namespace },
      involvedObject: reference(event.regarding, uid),
      ...(event.related !== undefined ? { related: reference(event.related, event.related.uid) } : {}),
      type: event.type,
      reason: event.reason,
      action: event.action,
      message: event.note,
      count: record.count,
      firstTimestamp: rfc3339Seconds(record.firstSeenMs),
      lastTimestamp: rfc3339Seconds(record.lastSeenMs),
      eventTime: microTime(record.firstSeenMs),
      ...(record.count > 1 ? { series: { count: record.count, lastObservedTime: microTime(record.lastSeenMs) } } : {}),
      reportingComponent: REPORTING_CONTROLLER,
      reportingInstance: this.options.reportingInstance.slice(0, 128),
      source: { component: SOURCE_COMPONENT },
    };
    // Timestamps as the API's exact strings (client-node would write a MicroTime with 3 digits).
    return body as unknown as CoreV1Event;
  }

  /** The object's uid, read once; undefined when it cannot be read (the Event is still written). */
  private uidOf(ref: EventObjectRef): Promise<string | undefined> {
    const path = READABLE_KINDS[ref.kind];
    if (path === undefined || ref.namespace === undefined) return Promise.resolve(undefined);
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    let uid = this.uids.get(key);
    if (uid === undefined) {
      uid = this.objects.getNamespacedCustomObject({ ...path, namespace: ref.namespace, name: ref.name })
        .then((object) => (object as { metadata?: { uid?: string } }).metadata?.uid)
        .catch(() => {
          this.uids.delete(key);
          return undefined;
        });
      this.uids.set(key, uid);
      if (this.uids.size > 10_000) this.uids.delete(this.uids.keys().next().value as string);
    }
    return uid;
  }
}
