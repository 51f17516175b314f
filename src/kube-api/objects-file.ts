/**
 * Loads Kubernetes objects (multi-document YAML, `kind: List` allowed) to seed kube-api's store.
 * Every problem names the file, the line of the document and the field.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments } from 'yaml';
import { InputError } from '../domain/errors.ts';
import { findByKind, Types } from './resources.ts';
import { ApiError } from './status.ts';
import type { KubeObject } from './store.ts';
import type { KubeApi } from './api.ts';

export interface LocatedObject {
  readonly object: KubeObject;
  readonly source: string;
  readonly line: number;
}

export function parseObjects(text: string, source: string): LocatedObject[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(documents)) throw new InputError('not a YAML stream', { source });
  const located: LocatedObject[] = [];
  for (const document of documents) {
    const line = lineCounter.linePos(document.range[0]).line;
    if (document.errors.length > 0) {
      const first = document.errors[0];
      throw new InputError(`invalid YAML: ${first?.message ?? 'parse error'}`, { source, line: first?.linePos?.[0]?.line ?? line });
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    const items = isObject(value) && value['kind'] === 'List' && Array.isArray(value['items']) ? (value['items'] as unknown[]) : [value];
    items.forEach((item, index) => {
      const field = items.length > 1 || item !== value ? `items[${index}]` : undefined;
      located.push({ object: checkObject(item, { source, line, ...(field ? { field } : {}) }), source, line });
    });
  }
  return located;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkObject(value: unknown, location: { source: string; line: number; field?: string }): KubeObject {
  const prefix = location.field ? `${location.field}.` : '';
  if (!isObject(value)) throw new InputError('a Kubernetes object must be a mapping', location);
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string') throw new InputError('apiVersion is required', { ...location, field: `${prefix}apiVersion` });
  if (typeof kind !== 'string') throw new InputError('kind is required', { ...location, field: `${prefix}kind` });
  if (!findByKind(apiVersion, kind)) throw new InputError(`kube-api does not serve ${kind} in ${apiVersion}`, { ...location, field: `${prefix}kind` });
  if (!isObject(metadata) || typeof metadata['name'] !== 'string') throw new InputError('metadata.name is required', { ...location, field: `${prefix}metadata.name` });
  return value as KubeObject;
}

export async function readObjectsFile(path: string): Promise<LocatedObject[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read: ${(error as Error).message}`, { source: path });
  }
  return parseObjects(text, path);
}

/**
 * Creates the objects through the API (validation and defaulting included). Namespaces they use
 * are created first when missing. Fails on the first invalid object, naming where it came from.
 */
export function seedObjects(api: KubeApi, objects: readonly LocatedObject[]): void {
  const create = ({ object, source, line }: LocatedObject): void => {
    try {
      const type = findByKind(object.apiVersion, object.kind);
      if (!type) throw new InputError(`kube-api does not serve ${object.kind}`, { source, line, field: 'kind' });
      api.create(type, type.namespaced ? (object.metadata.namespace ?? 'default') : undefined, object);
    } catch (error) {
      if (error instanceof ApiError) throw new InputError(`${object.kind} ${object.metadata.name}: ${error.message}`, { source, line });
      throw error;
    }
  };
  const isNamespace = ({ object }: LocatedObject): boolean => object.kind === 'Namespace';
  objects.filter(isNamespace).forEach(create);
  const used = objects
    .filter((located) => !isNamespace(located) && findByKind(located.object.apiVersion, located.object.kind)?.namespaced)
    .map(({ object }) => object.metadata.namespace ?? 'default');
  ensureBaseNamespaces(api, used);
  objects.filter((located) => !isNamespace(located)).forEach(create);
}

/** Namespaces every cluster has. */
export function ensureBaseNamespaces(api: KubeApi, extra: Iterable<string> = []): void {
  for (const name of ['default', 'kube-system', ...extra]) {
    if (!api.store.get(Types.namespace, undefined, name)) api.create(Types.namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
}
