import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from '../../../src/kube-api/patch.ts';
import { ApiError } from '../../../src/kube-api/status.ts';

describe('JSON merge patch (RFC 7386 appendix A)', () => {
  it.each([
    { target: { a: 'b' }, patch: { a: 'c' }, result: { a: 'c' } },
    { target: { a: 'b' }, patch: { b: 'c' }, result: { a: 'b', b: 'c' } },
    { target: { a: 'b' }, patch: { a: null }, result: {} },
    { target: { a: 'b', b: 'c' }, patch: { a: null }, result: { b: 'c' } },
    { target: { a: ['b'] }, patch: { a: 'c' }, result: { a: 'c' } },
    { target: { a: 'c' }, patch: { a: ['b'] }, result: { a: ['b'] } },
    { target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, result: { a: { b: 'd' } } },
    { target: { a: [{ b: 'c' }] }, patch: { a: [1] }, result: { a: [1] } },
    { target: ['a', 'b'], patch: ['c', 'd'], result: ['c', 'd'] },
    { target: { a: 'b' }, patch: ['c'], result: ['c'] },
    { target: { a: 'foo' }, patch: null, result: null },
    { target: { e: null }, patch: { a: 1 }, result: { e: null, a: 1 } },
    { target: [1, 2], patch: { a: 'b', c: null }, result: { a: 'b' } },
    { target: {}, patch: { a: { bb: { ccc: null } } }, result: { a: { bb: {} } } },
  ])('%# %j + %j', ({ target, patch, result }) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });

  it('does not mutate its inputs', () => {
    const target = { spec: { replicas: 1, template: { labels: { a: 'b' } } } };
    const copy = structuredClone(target);
    mergePatch(target, { spec: { replicas: 3, template: { labels: { a: null } } } });
    expect(target).toEqual(copy);
  });

  it('property: applying a merge patch twice equals applying it once', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 3 }), json), fc.dictionary(fc.string({ maxLength: 3 }), json), (target, patch) => {
        const once = mergePatch(target, patch);
        expect(mergePatch(once, patch)).toEqual(once);
      }),
    );
  });
});

// The patched documents are untyped JSON; the checks read into them freely.
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('JSON patch (RFC 6902)', () => {
  const deployment = { metadata: { name: 'web', annotations: { 'a/b': 'x' } }, spec: { replicas: 2, list: [1, 2, 3] } };

  it.each([
    { name: 'replace', ops: [{ op: 'replace', path: '/spec/replicas', value: 5 }], check: (out: Doc) => out.spec.replicas === 5 },
    { name: 'add to object', ops: [{ op: 'add', path: '/metadata/labels', value: { app: 'web' } }], check: (out: Doc) => out.metadata.labels.app === 'web' },
    { name: 'add appends with -', ops: [{ op: 'add', path: '/spec/list/-', value: 4 }], check: (out: Doc) => out.spec.list.join() === '1,2,3,4' },
    { name: 'add inserts at index', ops: [{ op: 'add', path: '/spec/list/0', value: 0 }], check: (out: Doc) => out.spec.list.join() === '0,1,2,3' },
    { name: 'remove', ops: [{ op: 'remove', path: '/spec/list/1' }], check: (out: Doc) => out.spec.list.join() === '1,3' },
    { name: 'escaped pointer (~1)', ops: [{ op: 'replace', path: '/metadata/annotations/a~1b', value: 'y' }], check: (out: Doc) => out.metadata.annotations['a/b'] === 'y' },
    { name: 'move', ops: [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }], check: (out: Doc) => out.spec.count === 2 && out.spec.replicas === undefined },
    { name: 'copy', ops: [{ op: 'copy', from: '/spec/replicas', path: '/spec/count' }], check: (out: Doc) => out.spec.count === 2 && out.spec.replicas === 2 },
    { name: 'passing test then replace', ops: [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 9 }], check: (out: Doc) => out.spec.replicas === 9 },
  ])('$name', ({ ops, check }) => {
    const out = jsonPatch(deployment, ops) as Doc;
    expect(check(out)).toBe(true);
    expect(deployment.spec.replicas).toBe(2);
  });

  it.each([
    { name: 'failing test', ops: [{ op: 'test', path: '/spec/replicas', value: 3 }], code: 422 },
    { name: 'replace of a missing path', ops: [{ op: 'replace', path: '/spec/missing', value: 1 }], code: 422 },
    { name: 'remove out of range', ops: [{ op: 'remove', path: '/spec/list/7' }], code: 422 },
    { name: 'unknown op', ops: [{ op: 'frobnicate', path: '/spec' }], code: 400 },
    { name: 'not an array', ops: { op: 'add' }, code: 400 },
  ])('rejects $name with $code', ({ ops, code }) => {
    let caught: unknown;
    try {
      jsonPatch(deployment, ops);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).code).toBe(code);
  });
});

describe('strategic merge patch (the cases kube-api supports)', () => {
  const pod = {
    spec: {
      containers: [
        { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }] },
        { name: 'sidecar', image: 'proxy:1' },
      ],
      tolerations: [{ key: 'x' }],
    },
  };

  it('merges containers by name instead of replacing the list', () => {
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'app', image: 'app:2' }] } }) as typeof pod;
    expect(out.spec.containers).toEqual([
      { name: 'app', image: 'app:2', env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 'proxy:1' },
    ]);
  });

  it('appends a container with a new name and deletes one with $patch: delete', () => {
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'debug', image: 'busybox' }] } }) as typeof pod;
    expect(out.spec.containers.map((container) => container.name)).toEqual(['app', 'debug']);
  });

  it('replaces lists without a merge key, deletes with null, and honours $patch: replace on maps', () => {
    const out = strategicMergePatch(pod, { spec: { tolerations: [{ key: 'y' }], containers: null } }) as { spec: Record<string, unknown> };
    expect(out.spec).toEqual({ tolerations: [{ key: 'y' }] });
    expect(strategicMergePatch({ metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { $patch: 'replace', c: '3' } } })).toEqual({ metadata: { labels: { c: '3' } } });
  });

  it('behaves as a merge patch for plain fields (what kubectl patch sends by default)', () => {
    expect(strategicMergePatch({ spec: { minReplicas: 2, maxReplicas: 10 } }, { spec: { minReplicas: 7 } })).toEqual({ spec: { minReplicas: 7, maxReplicas: 10 } });
  });

  it('rejects directives it does not implement instead of ignoring them', () => {
    expect(() => strategicMergePatch(pod, { $deleteFromPrimitiveList: { x: [1] } })).toThrow(/unsupported directive/);
  });
});
