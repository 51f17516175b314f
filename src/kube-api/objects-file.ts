/**
 * Loads Kubernetes objects (multi-document YAML, `kind: List` allowed) to seed kube-api's store.
 * Every problem names the file, the line of the document and the field.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, parseAllDocuments } from 'yaml';
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
  const lineAt = (offset: number | undefined): number => lineCounter.linePos(offset ?? 0).line;
  for (const document of documents) {
    if (document.errors.length > 0) {
      const first = document.errors[0];
      throw new InputError(`invalid YAML: ${first?.message ?? 'parse error'}`, { source, line: first?.linePos?.[0]?.line ?? lineAt(document.range[0]) });
    }
    let converted: unknown;
    try {
      converted = document.toJS();
    } catch (error) {
      // Aliases resolve here: one to an anchor never set, or a "billion laughs" expansion, fails.
      throw new InputError(`invalid YAML: ${(error as Error).message}`, { source, line: lineAt(document.range[0]) });
    }
    const value = converted;
    if (value === null || value === undefined) continue;
    const root = document.contents;
    const isList = isObject(value) && value['kind'] === 'List' && Array.isArray(value['items']);
    const nodes: unknown[] = isList && isMap(root) ? ((root.get('items', true) as { items?: unknown[] } | undefined)?.items ?? []) : [root];
    const items = isList ? (value['items'] as unknown[]) : [value];
    items.forEach((item, index) => {
      const node = nodes[index];
      const fieldLine = (key: string): number => {
        const pair = isMap(node) ? node.items.find((candidate) => isScalar(candidate.key) && candidate.key.value === key) : undefined;
        return lineAt((pair?.key as { range?: [number] } | undefined)?.range?.[0] ?? (node as { range?: [number] } | undefined)?.range?.[0]);
      };
      const prefix = isList ? `items[${index}].` : '';
      located.push({ object: checkObject(item, { source, fieldLine, prefix }), source, line: fieldLine('apiVersion') });
    });
  }
  return located;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkObject(value: unknown, where: { source: string; fieldLine: (key: string) => number; prefix: string }): KubeObject {
  const { source, fieldLine, prefix } = where;
  const at = (key: string, field = key): { source: string; line: number; field: string } => ({ source, line: fieldLine(key), field: `${prefix}${field}` });
  if (!isObject(value)) throw new InputError('a Kubernetes object must be a mapping', { source, line: fieldLine('') });
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string') throw new InputError('apiVersion is required', at('apiVersion'));
  if (typeof kind !== 'string') throw new InputError('kind is required', at('kind'));
  if (!findByKind(apiVersion, kind)) throw new InputError(`kube-api does not serve ${kind} in ${apiVersion}`, at('kind'));
  if (!isObject(metadata) || typeof metadata['name'] !== 'string') throw new InputError('metadata.name is required', at('metadata', 'metadata.name'));
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
