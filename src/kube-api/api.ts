/**
 * The Kubernetes API semantics kube-api implements, free of HTTP: get/list/watch with selectors,
 * create/update/patch/delete with resourceVersion preconditions, the `status` and `scale`
 * subresources, validation, defaulting and cascading deletion by owner reference.
 * The HTTP server (server.ts) only parses requests and renders answers.
 */
import { matchesFields, parseFieldSelector, type FieldRequirement } from './field-selector.ts';
import { formatRequirements, matchesRequirements, parseLabelSelector, requirementsOf, type LabelSelectorObject, type Requirement } from './label-selector.ts';
import { applyPatch, type PatchType } from './patch.ts';
import { RESOURCE_TYPES, Types, apiVersionOf, type ResourceType } from './resources.ts';
import { ApiError, badRequest, conflict } from './status.ts';
import { sameJson, type KubeObject, type ObjectStore, type StoreEvent, type WatchEventType } from './store.ts';
import { validate, withDefaults } from './validation.ts';

export interface Selectors {
  readonly labels: readonly Requirement[];
  readonly fields: readonly FieldRequirement[];
}

export function parseSelectors(labelSelector: string | undefined, fieldSelector: string | undefined): Selectors {
  return { labels: parseLabelSelector(labelSelector ?? ''), fields: parseFieldSelector(fieldSelector ?? '') };
}

const everything: Selectors = { labels: [], fields: [] };

export function selects(selectors: Selectors, object: KubeObject): boolean {
  return matchesRequirements(selectors.labels, object.metadata.labels) && (selectors.fields.length === 0 || matchesFields(selectors.fields, object));
}

export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: KubeObject;
}

type Spec = Record<string, unknown>;

function specOf(object: KubeObject): Spec {
  return (object['spec'] as Spec | undefined) ?? {};
}

function asObject(body: unknown, what: string): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`${what}: body must be a JSON object`);
  const object = body as KubeObject;
  if (object.metadata === undefined) object.metadata = {};
  if (typeof object.metadata !== 'object' || object.metadata === null) throw badRequest(`${what}: metadata must be an object`);
  return object;
}

function encodeContinue(offset: number, resourceVersion: string): string {
  return Buffer.from(JSON.stringify({ offset, resourceVersion })).toString('base64url');
}

function decodeContinue(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through to the error below
  }
  throw badRequest(`invalid continue token "${token}"`);
}

export class KubeApi {
  constructor(readonly store: ObjectStore) {}

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return this.store.mustGet(type, namespace, name);
  }

  list(type: ResourceType, namespace: string | undefined, options: { selectors?: Selectors; limit?: number; continueToken?: string } = {}): ListResult {
    const selectors = options.selectors ?? everything;
    const all = this.store.list(type, namespace).filter((object) => selects(selectors, object));
    const resourceVersion = this.store.resourceVersion;
    const offset = options.continueToken ? decodeContinue(options.continueToken) : 0;
    if (!options.limit || options.limit <= 0) return { items: offset > 0 ? all.slice(offset) : all, resourceVersion };
    const end = offset + options.limit;
    const items = all.slice(offset, end);
    return end < all.length ? { items, resourceVersion, continueToken: encodeContinue(end, resourceVersion), remainingItemCount: all.length - end } : { items, resourceVersion };
  }

  /**
   * Streams changes of `type` to `send`. With `fromResourceVersion` undefined or 0 the current
   * objects come first as ADDED (what `kubectl get -w` and informers expect); otherwise the
   * retained events after it are replayed (410 Gone if the history is too short).
   */
  watch(type: ResourceType, namespace: string | undefined, options: { selectors?: Selectors; fromResourceVersion?: number }, send: (event: WatchEvent) => void): () => void {
    const selectors = options.selectors ?? everything;
    const inScope = (object: KubeObject): boolean => (namespace === undefined || !type.namespaced || object.metadata.namespace === namespace) && selects(selectors, object);
    const relay = (event: StoreEvent): void => {
      if (event.resource !== type) return;
      if (inScope(event.object) || (event.previous !== undefined && inScope(event.previous))) send({ type: event.type, object: event.object });
    };
    if (options.fromResourceVersion === undefined || options.fromResourceVersion === 0) {
      for (const object of this.list(type, namespace, { selectors }).items) send({ type: 'ADDED', object });
    } else {
      for (const event of this.store.eventsSince(type, options.fromResourceVersion)) relay(event);
    }
    return this.store.subscribe(relay);
  }

  /** With `dryRun`, validated and answered as created, but not stored (as `?dryRun=All`). */
  create(type: ResourceType, namespace: string | undefined, body: unknown, options: { dryRun?: boolean } = {}): KubeObject {
    const input = asObject(body, 'create');
    this.checkIdentity(type, input, namespace, input.metadata.name);
    if (type.namespaced && namespace !== undefined && !this.store.get(Types.namespace, undefined, namespace)) {
      throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    }
    const object = withDefaults(type, {
      ...input,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: { ...input.metadata, ...(type.namespaced ? { namespace } : {}), resourceVersion: undefined },
    });
    delete object.metadata.resourceVersion;
    if (!object.metadata.name && object.metadata.generateName) {
      // Validate with a placeholder; the store picks the final name.
      validate(type, { ...object, metadata: { ...object.metadata, name: `${object.metadata.generateName}x` } });
    } else {
      validate(type, object);
    }
    if (type.kind === 'Namespace') object['status'] ??= { phase: 'Active' };
    if (options.dryRun === true) {
      const name = object.metadata.name ?? '';
      if (name !== '' && this.store.get(type, namespace, name)) throw new ApiError(409, 'AlreadyExists', `${type.plural} "${name}" already exists`, { name, kind: type.plural });
      return object;
    }
    return this.store.create(type, object);
  }

  /** PUT of the main resource or of its `status` subresource. */
  update(type: ResourceType, namespace: string | undefined, name: string, body: unknown, subresource?: 'status'): KubeObject {
    const input = asObject(body, 'update');
    this.checkIdentity(type, input, namespace, name);
    const current = this.store.mustGet(type, namespace, name);
    return this.write(type, current, { ...input, metadata: { ...input.metadata, name } }, subresource);
  }

  patch(type: ResourceType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, subresource?: 'status'): KubeObject {
    const current = this.store.mustGet(type, namespace, name);
    const patched = asObject(applyPatch(patchType, current, patch), 'patch');
    if (patched.metadata.name !== undefined && patched.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`);
    }
    return this.write(type, current, patched, subresource);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, precondition: { resourceVersion?: string; uid?: string } = {}): KubeObject {
    const deleted = this.store.delete(type, namespace, name, precondition);
    this.deleteDependents(deleted.metadata.uid);
    if (type.kind === 'Namespace') {
      for (const namespacedType of RESOURCE_TYPES.filter((candidate) => candidate.namespaced)) {
        for (const object of this.store.list(namespacedType, name)) this.store.delete(namespacedType, name, object.metadata.name ?? '');
      }
    }
    return deleted;
  }

  deleteCollection(type: ResourceType, namespace: string | undefined, selectors: Selectors): KubeObject[] {
    return this.list(type, namespace, { selectors }).items.map((object) => this.delete(type, object.metadata.namespace, object.metadata.name ?? ''));
  }

  getScale(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    this.requireScale(type);
    return scaleOf(type, this.store.mustGet(type, namespace, name));
  }

  updateScale(type: ResourceType, namespace: string | undefined, name: string, body: unknown): KubeObject {
    this.requireScale(type);
    const current = this.store.mustGet(type, namespace, name);
    return this.writeScale(type, current, asObject(body, 'update scale'));
  }

  patchScale(type: ResourceType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown): KubeObject {
    this.requireScale(type);
    const current = this.store.mustGet(type, namespace, name);
    const patched = asObject(applyPatch(patchType, scaleOf(type, current), patch), 'patch scale');
    return this.writeScale(type, current, patched);
  }

  private writeScale(type: ResourceType, current: KubeObject, scale: KubeObject): KubeObject {
    const replicas = (scale['spec'] as Spec | undefined)?.['replicas'];
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, 'Invalid', `Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
        name: current.metadata.name ?? '',
        group: 'autoscaling',
        kind: 'Scale',
        causes: [{ reason: 'FieldValueInvalid', message: 'must be greater than or equal to 0', field: 'spec.replicas' }],
      });
    }
    const expected = scale.metadata.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) throw conflict(type.plural, type.group, current.metadata.name ?? '');
    const stored = this.store.update(type, { ...current, spec: { ...specOf(current), replicas } }, { unconditional: true });
    return scaleOf(type, stored);
  }

  private write(type: ResourceType, current: KubeObject, next: KubeObject, subresource?: 'status'): KubeObject {
    const expected = next.metadata.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) throw conflict(type.plural, type.group, current.metadata.name ?? '');
    let candidate: KubeObject;
    if (subresource === 'status') {
      candidate = { ...current, status: next['status'] };
    } else {
      candidate = withDefaults(type, { ...next, apiVersion: current.apiVersion, kind: current.kind });
      if (type.hasStatus) {
        if (current['status'] === undefined) delete candidate['status'];
        else candidate['status'] = current['status'];
      }
      for (const immutable of ['uid', 'creationTimestamp'] as const) {
        const value = next.metadata[immutable];
        // Clients re-serialise timestamps (client-node adds milliseconds): compare instants, not text.
        const same = immutable === 'creationTimestamp' ? Date.parse(String(value)) === Date.parse(String(current.metadata.creationTimestamp)) : value === current.metadata[immutable];
        if (value !== undefined && value !== null && !same) {
          throw new ApiError(422, 'Invalid', `${type.kind} "${current.metadata.name}" is invalid: metadata.${immutable}: field is immutable`);
        }
      }
      candidate.metadata = { ...candidate.metadata, namespace: current.metadata.namespace };
      if (!type.namespaced) delete candidate.metadata.namespace;
      if (type.kind === 'Deployment' || type.kind === 'StatefulSet' || type.kind === 'ReplicaSet') {
        const selectorBefore = specOf(current)['selector'];
        if (selectorBefore !== undefined && !sameJson(specOf(candidate)['selector'], selectorBefore) && type.kind !== 'ReplicaSet') {
          throw new ApiError(422, 'Invalid', `${type.kind}.${type.group} "${current.metadata.name}" is invalid: spec.selector: field is immutable`);
        }
      }
    }
    validate(type, candidate);
    return this.store.update(type, { ...candidate, metadata: { ...candidate.metadata, resourceVersion: current.metadata.resourceVersion } });
  }

  private requireScale(type: ResourceType): void {
    if (!type.hasScale) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${type.plural}/scale)`);
  }

  private checkIdentity(type: ResourceType, input: KubeObject, namespace: string | undefined, name: string | undefined): void {
    if (input.kind !== undefined && input.kind !== type.kind) throw badRequest(`kind ${String(input.kind)} does not match the URL (${type.kind})`);
    if (input.apiVersion !== undefined && input.apiVersion !== apiVersionOf(type)) {
      throw badRequest(`apiVersion ${String(input.apiVersion)} does not match the URL (${apiVersionOf(type)})`);
    }
    if (type.namespaced && input.metadata.namespace !== undefined && input.metadata.namespace !== namespace) {
      throw badRequest(`the namespace of the provided object (${String(input.metadata.namespace)}) does not match the namespace sent on the request (${namespace})`);
    }
    if (name !== undefined && input.metadata.name !== undefined && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(input.metadata.name)}) does not match the name on the URL (${name})`);
    }
  }

  /** Garbage collection by owner reference (foreground semantics are not modelled). */
  private deleteDependents(ownerUid: string | undefined): void {
    if (!ownerUid) return;
    for (const type of [Types.replicaSet, Types.pod, Types.job, Types.event]) {
      for (const object of this.store.list(type)) {
        if (object.metadata.ownerReferences?.some((reference) => reference.uid === ownerUid) && this.store.get(type, object.metadata.namespace, object.metadata.name ?? '')) {
          this.delete(type, object.metadata.namespace, object.metadata.name ?? '');
        }
      }
    }
  }
}

/** The autoscaling/v1 Scale view of a scalable object. */
export function scaleOf(type: ResourceType, object: KubeObject): KubeObject {
  const spec = specOf(object);
  const status = (object['status'] as Spec | undefined) ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: spec['replicas'] ?? 0 },
    status: { replicas: status['replicas'] ?? 0, selector: formatRequirements(requirementsOf(spec['selector'] as LabelSelectorObject | undefined)) },
  };
}
