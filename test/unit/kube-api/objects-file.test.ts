import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import { KubeApi } from '../../../src/kube-api/api.ts';
import { InputError } from '../../../src/domain/errors.ts';
import { parseObjects, seedObjects } from '../../../src/kube-api/objects-file.ts';
import { Types } from '../../../src/kube-api/resources.ts';
import { ObjectStore } from '../../../src/kube-api/store.ts';

const good = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: "1"}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: second, namespace: tools}
`;

function failure(text: string): InputError {
  try {
    parseObjects(text, 'objects.yaml');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('objects files', () => {
  it('reads multi-document YAML and Lists, remembering where each object starts', () => {
    const objects = parseObjects(good, 'objects.yaml');
    expect(objects.map((item) => [item.object.metadata.name, item.line])).toEqual([['settings', 1], ['second', 9]]);
  });

  it.each([
    { name: 'unknown kind', text: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n', location: { source: 'objects.yaml', line: 2, field: 'kind' } },
    { name: 'missing apiVersion', text: 'kind: ConfigMap\nmetadata: {name: s}\n', location: { source: 'objects.yaml', field: 'apiVersion' } },
    { name: 'missing name in a List item', text: 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {}\n', location: { source: 'objects.yaml', line: 6, field: 'items[0].metadata.name' } },
    { name: 'broken YAML', text: 'apiVersion: v1\nkind: [unclosed\n', location: { source: 'objects.yaml' } },
  ])('names where the problem is: $name', ({ text, location }) => {
    expect(failure(text).location).toMatchObject(location);
  });

  it('seeding creates the namespaces the objects use, and turns API rejections into located InputErrors', () => {
    const api = new KubeApi(new ObjectStore({ clock: new ManualClock(0) }));
    seedObjects(api, parseObjects(good, 'objects.yaml'));
    expect(api.store.list(Types.namespace).map((namespace) => namespace.metadata.name)).toEqual(['default', 'kube-system', 'shop', 'tools']);
    const invalid = parseObjects('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: -1}\n', 'bad.yaml');
    expect(() => seedObjects(api, invalid)).toThrow(/bad\.yaml, line 1: Deployment web: .*spec\.replicas/);
  });
});
