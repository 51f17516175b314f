/**
 * The object store behind kube-api: every Kubernetes object as JSON, one global resourceVersion
 * counter (like etcd's revision), optimistic concurrency, and a bounded event history so watches
 * can resume from a resourceVersion or be told it is too old (410 Gone).
 *
 * Stored objects are never mutated in place: every write stores a fresh object, so readers may
 * hold references (and serialise them) without copying. Callers must not mutate what they read.
 */
import type { Clock } from '../ports/clock.ts';
import { resourceKey, type ResourceType } from './resources.ts';
import { alreadyExists, badRequest, conflict, gone, notFound } from './status.ts';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: WatchEventType;
  readonly resource: ResourceType;
  /** The object after the change (for DELETED: the last state, with the deletion's resourceVersion). */
  readonly object: KubeObject;
  /** The object before the change (MODIFIED, DELETED). */
  readonly previous?: KubeObject;
  readonly resourceVersion: number;
}

export interface StoreOptions {
  readonly clock: Clock;
  /**
   * Events kept for watches resuming from a resourceVersion; older resumes get 410 Gone.
   * @defaultValue 50_000
   */
  readonly historyLimit?: number;
}

export interface WriteOptions {
  /** Skip the resourceVersion precondition even when the object carries one. */
  readonly unconditional?: boolean;
}

type Listener = (event: StoreEvent) => void;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Kubernetes timestamps: RFC 3339, second precision, UTC. */
export function kubeTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const notSpec: ReadonlySet<string> = new Set(['metadata', 'status']);
const serverOwnedMetadata: ReadonlySet<string> = new Set(['resourceVersion', 'generation', 'uid', 'creationTimestamp']);

export class ObjectStore {
  private readonly clock: Clock;
  private readonly historyLimit: number;
  private readonly byResource = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private revision = 0;
  private uidCounter = 0;
  private nameCounter = 0;

  constructor(options: StoreOptions) {
    this.clock = options.clock;
    this.historyLimit = options.historyLimit ?? 50_000;
  }

  /** The latest resourceVersion handed out (what a list returns). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(type).get(objectKey(type.namespaced ? namespace : undefined, name));
  }

  mustGet(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.get(type, namespace, name);
    if (!object) throw notFound(type.plural, type.group, name);
    return object;
  }

  /** Objects of a type, optionally in one namespace, in name order (stable output for kubectl). */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const items: KubeObject[] = [];
    for (const object of this.bucket(type).values()) {
      if (namespace === undefined || !type.namespaced || object.metadata.namespace === namespace) items.push(object);
    }
    // Key order, like etcd's: namespace, then name (plain code-unit order, as Go compares strings).
    const keyed = items.map((object) => ({ key: objectKey(object.metadata.namespace, object.metadata.name ?? ''), object }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return keyed.map(({ object }) => object);
  }

  count(type: ResourceType): number {
    return this.bucket(type).size;
  }

  create(type: ResourceType, input: KubeObject): KubeObject {
    const metadata = { ...input.metadata };
    if (!metadata.name) {
      if (!metadata.generateName) throw badRequest('name or generateName is required');
      this.nameCounter += 1;
      metadata.name = `${metadata.generateName}${this.nameCounter.toString(36).padStart(5, '0')}`;
    }
    const name = metadata.name;
    const namespace = type.namespaced ? metadata.namespace : undefined;
    const key = objectKey(namespace, name);
    const bucket = this.bucket(type);
    if (bucket.has(key)) throw alreadyExists(type.plural, type.group, name);
    this.revision += 1;
    this.uidCounter += 1;
    if (!type.namespaced) delete metadata.namespace;
    const stored: KubeObject = {
      ...input,
      metadata: {
        ...metadata,
        uid: this.nextUid(),
        resourceVersion: String(this.revision),
        generation: 1,
        creationTimestamp: metadata.creationTimestamp ?? kubeTimestamp(this.clock.nowMs()),
      },
    };
    delete stored.metadata.deletionTimestamp;
    bucket.set(key, stored);
    this.emit({ type: 'ADDED', resource: type, object: stored, resourceVersion: this.revision });
    return stored;
  }

  /**
   * Replaces an object. When `next.metadata.resourceVersion` is set and differs from the stored
   * one, the write is stale: 409 Conflict (unless `unconditional`). uid and creationTimestamp are
   * kept; generation grows when anything outside metadata and status changed.
   */
  update(type: ResourceType, next: KubeObject, options: WriteOptions = {}): KubeObject {
    const name = next.metadata.name ?? '';
    const current = this.mustGet(type, next.metadata.namespace, name);
    const expected = next.metadata.resourceVersion;
    if (!options.unconditional && expected !== undefined && expected !== '' && expected !== current.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    if (next.metadata.uid !== undefined && next.metadata.uid !== current.metadata.uid) {
      throw conflict(type.plural, type.group, name, `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    const specChanged = !sameJson(next, current, notSpec);
    if (!specChanged && sameJson(next.status, current.status) && sameJson(next.metadata, current.metadata, serverOwnedMetadata)) {
      // A no-op write: the real API server does not bump the resourceVersion either.
      return current;
    }
    this.revision += 1;
    const generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    const stored: KubeObject = {
      ...next,
      apiVersion: current.apiVersion,
      kind: current.kind,
      metadata: {
        ...next.metadata,
        name,
        ...(type.namespaced ? { namespace: current.metadata.namespace } : {}),
        uid: current.metadata.uid,
        resourceVersion: String(this.revision),
        generation,
        creationTimestamp: current.metadata.creationTimestamp,
      },
    };
    this.bucket(type).set(objectKey(stored.metadata.namespace, name), stored);
    this.emit({ type: 'MODIFIED', resource: type, object: stored, previous: current, resourceVersion: this.revision });
    return stored;
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, precondition: { resourceVersion?: string; uid?: string } = {}): KubeObject {
    const current = this.mustGet(type, namespace, name);
    if (precondition.resourceVersion && precondition.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    if (precondition.uid && precondition.uid !== current.metadata.uid) {
      throw conflict(type.plural, type.group, name, 'Precondition failed: UID mismatch');
    }
    this.revision += 1;
    this.bucket(type).delete(objectKey(current.metadata.namespace, name));
    const deleted: KubeObject = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(this.revision), deletionTimestamp: kubeTimestamp(this.clock.nowMs()) },
    };
    this.emit({ type: 'DELETED', resource: type, object: deleted, previous: current, resourceVersion: this.revision });
    return deleted;
  }

  /** Every change, synchronously after it is stored (the emulated controllers queue work from it). */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Events of `type` after `fromResourceVersion`, for a watch that resumes. Throws 410 Gone when
   * the history no longer reaches back that far.
   */
  eventsSince(type: ResourceType, fromResourceVersion: number): StoreEvent[] {
    const oldest = this.history[0];
    if (oldest && fromResourceVersion < oldest.resourceVersion - 1) {
      throw gone(`too old resource version: ${fromResourceVersion} (${oldest.resourceVersion - 1})`);
    }
    const key = resourceKey(type);
    return this.history.filter((event) => event.resourceVersion > fromResourceVersion && resourceKey(event.resource) === key);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    for (const listener of this.listeners) listener(event);
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = resourceKey(type);
    let bucket = this.byResource.get(key);
    if (!bucket) {
      bucket = new Map();
      this.byResource.set(key, bucket);
    }
    return bucket;
  }

  /** Deterministic, UUID-shaped uids: reproducible runs, readable logs. */
  private nextUid(): string {
    const hex = this.uidCounter.toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${hex}`;
  }
}

/**
 * Deep equality of JSON values, blind to object key order (patches reorder keys) and treating an
 * absent key like `undefined`; keys in `ignore` are skipped at the top level.
 */
export function sameJson(a: unknown, b: unknown, ignore?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) if (!sameJson(a[index], b[index])) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key in left) {
    if (ignore?.has(key)) continue;
    if (!sameJson(left[key], right[key])) return false;
  }
  for (const key in right) {
    if (ignore?.has(key)) continue;
    if (!(key in left) && right[key] !== undefined) return false;
  }
  return true;
}

/** JSON with object keys sorted, so two objects that differ only in key order compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}
