/**
 * The three patch formats kubectl and client-node send:
 * - JSON merge patch (RFC 7386): objects merge, `null` deletes, arrays replace.
 * - JSON patch (RFC 6902): add/remove/replace/move/copy/test on JSON pointers.
 * - Strategic merge patch, the subset chuanliu and kubectl users need: like merge patch, but lists
 *   of objects merge by their merge key (`name`, `containerPort`, `type`), and `$patch: replace |
 *   delete` directives on maps and list items. Other directives are rejected, not ignored.
 * All functions return a new value and never mutate their inputs.
 */
import { ApiError, badRequest } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value) as Json;
  }
  return result;
}

/** Merge keys of well-known Kubernetes lists (by field name); other lists of objects replace. */
const mergeKeyByField: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
};

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const directive = patch['$patch'];
  if (directive === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  if (directive === 'delete') return undefined;
  if (directive !== undefined) throw badRequest(`strategic merge patch: unsupported $patch directive "${String(directive)}"`);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      if (key === '$retainKeys') continue;
      throw badRequest(`strategic merge patch: unsupported directive "${key}"`);
    }
    if (key.startsWith('$setElementOrder/')) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const mergeKey = mergeKeyByField[key];
    if (Array.isArray(value) && mergeKey && Array.isArray(result[key])) {
      result[key] = mergeListByKey(result[key] as Json[], value, mergeKey);
      continue;
    }
    const merged = strategicMergePatch(result[key], value);
    if (merged === undefined) delete result[key];
    else result[key] = merged as Json;
  }
  return result;
}

function mergeListByKey(current: readonly Json[], patch: readonly Json[], mergeKey: string): Json[] {
  const result = [...current];
  for (const item of patch) {
    if (!isObject(item) || !(mergeKey in item)) {
      throw badRequest(`strategic merge patch: list items need the merge key "${mergeKey}"`);
    }
    const index = result.findIndex((existing) => isObject(existing) && existing[mergeKey] === item[mergeKey]);
    if (item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = strategicMergePatch(result[index], item) as Json;
    else result.push(strategicMergePatch(undefined, item) as Json);
  }
  return result;
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`JSON patch: path "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', `JSON patch: ${message}`);
}

function resolveParent(document: Json, segments: readonly string[], pointer: string): { parent: Json[] | JsonObject; last: string } {
  let current: Json = document;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(segment)] as Json;
    else if (isObject(current)) current = current[segment] as Json;
    else current = undefined as unknown as Json;
    if (current === undefined) throw unprocessable(`path "${pointer}" does not exist`);
  }
  if (!Array.isArray(current) && !isObject(current)) throw unprocessable(`path "${pointer}" does not exist`);
  return { parent: current, last: segments[segments.length - 1] as string };
}

function arrayIndex(parent: Json[], segment: string, pointer: string, allowEnd: boolean): number {
  if (segment === '-' && allowEnd) return parent.length;
  if (!/^(0|[1-9][0-9]*)$/.test(segment)) throw unprocessable(`"${segment}" is not an array index in "${pointer}"`);
  const index = Number(segment);
  if (index > parent.length || (!allowEnd && index === parent.length)) throw unprocessable(`index ${index} out of range in "${pointer}"`);
  return index;
}

function getAt(document: Json, pointer: string): Json {
  let current: Json = document;
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(segment)] as Json;
    else if (isObject(current)) current = current[segment] as Json;
    else current = undefined as unknown as Json;
    if (current === undefined) throw unprocessable(`path "${pointer}" does not exist`);
  }
  return current;
}

function removeAt(document: Json, pointer: string): Json {
  const segments = parsePointer(pointer);
  if (segments.length === 0) throw unprocessable('cannot remove the whole document');
  const { parent, last } = resolveParent(document, segments, pointer);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(parent, last, pointer, false), 1);
    return removed as Json;
  }
  if (!(last in parent)) throw unprocessable(`path "${pointer}" does not exist`);
  const removed = parent[last] as Json;
  delete parent[last];
  return removed;
}

function addAt(document: Json, pointer: string, value: Json, replace: boolean): Json {
  const segments = parsePointer(pointer);
  if (segments.length === 0) return value;
  const { parent, last } = resolveParent(document, segments, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, pointer, !replace);
    parent.splice(index, replace ? 1 : 0, value);
  } else {
    if (replace && !(last in parent)) throw unprocessable(`path "${pointer}" does not exist`);
    parent[last] = value;
  }
  return document;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('JSON patch: body must be an array of operations');
  let document = clone(target) as Json;
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      throw badRequest('JSON patch: every operation needs "op" and "path"');
    }
    const operation = raw as unknown as JsonPatchOperation;
    switch (operation.op) {
      case 'add':
        document = addAt(document, operation.path, clone(operation.value) as Json, false);
        break;
      case 'replace':
        document = addAt(document, operation.path, clone(operation.value) as Json, true);
        break;
      case 'remove':
        removeAt(document, operation.path);
        break;
      case 'move': {
        if (operation.from === undefined) throw badRequest('JSON patch: move needs "from"');
        const value = removeAt(document, operation.from);
        document = addAt(document, operation.path, value, false);
        break;
      }
      case 'copy': {
        if (operation.from === undefined) throw badRequest('JSON patch: copy needs "from"');
        document = addAt(document, operation.path, clone(getAt(document, operation.from)), false);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(document, operation.path), operation.value)) {
          throw unprocessable(`test failed at "${operation.path}"`);
        }
        break;
      default:
        throw badRequest(`JSON patch: unknown op "${String((operation as { op: unknown }).op)}"`);
    }
  }
  return document;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export const patchContentTypes: Readonly<Record<string, PatchType>> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'merge':
      return mergePatch(target, patch);
    case 'json':
      return jsonPatch(target, patch);
    case 'strategic':
      return strategicMergePatch(target, patch);
  }
}
